import type { IncomingHttpHeaders } from 'node:http';
import { parseBitbucketDelivery } from './bitbucket';
import { parseGithubDelivery } from './github';
import { parseGitlabDelivery } from './gitlab';
import { isWebhookProvider, ParsedDelivery, WebhookProvider } from './types';

const parsers: Record<
  WebhookProvider,
  (
    headers: IncomingHttpHeaders,
    rawBody: Buffer,
    secret: string,
  ) => ParsedDelivery
> = {
  github: parseGithubDelivery,
  gitlab: parseGitlabDelivery,
  bitbucket: parseBitbucketDelivery,
};

/**
 * Authenticates a webhook delivery and reads it into provider-neutral push events.
 *
 * The signature (or token) is checked before anything else is read, over `rawBody` exactly as received: pass
 * the request bytes, never a re-serialized body. Throws AuthenticationError when the signature is missing or
 * wrong, InputError naming the field when a push payload is malformed.
 */
export function parseDelivery(
  provider: WebhookProvider,
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  secret: string,
): ParsedDelivery {
  if (!isWebhookProvider(provider)) {
    throw new Error(`unknown webhook provider '${provider}'`);
  }
  return parsers[provider](headers, rawBody, secret);
}
