import type { IncomingHttpHeaders } from 'node:http';
import { AuthenticationError } from '@backstage/errors';
import { parseBitbucketDelivery } from './bitbucket';
import { parseGithubDelivery } from './github';
import { parseGitlabDelivery } from './gitlab';
import { normalizeRepository } from './pushRules';
import {
  isWebhookProvider,
  ParsedDelivery,
  WebhookProvider,
  WebhookSecrets,
} from './types';
import { parseJson } from './verify';

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

/** Where each provider's payload names the repository. */
const repositoryOf: Record<WebhookProvider, (payload: any) => unknown> = {
  github: payload => payload?.repository?.full_name,
  gitlab: payload => payload?.project?.path_with_namespace,
  bitbucket: payload => payload?.repository?.full_name,
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

/**
 * The secret to verify a delivery with: the repository's own when it has one, else the provider's default.
 * The repository is read from the still unverified body for this choice only: a forged name selects a secret
 * the sender would have to know. Throws AuthenticationError when there is no secret for the repository.
 */
export function secretForDelivery(
  provider: WebhookProvider,
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  secrets: WebhookSecrets,
): string {
  const named = unverifiedRepository(provider, headers, rawBody);
  const own =
    named === undefined
      ? undefined
      : secrets.repositories.find(
          r => normalizeRepository(r.repository).path === named,
        );
  const secret = own?.secret ?? secrets.secret;
  if (!secret) {
    throw new AuthenticationError(
      `no ${provider} webhook secret is configured for the delivery's repository`,
    );
  }
  return secret;
}

/** The repository the body names, normalized; undefined when it names none (the default secret applies). */
function unverifiedRepository(
  provider: WebhookProvider,
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
): string | undefined {
  let payload: unknown;
  try {
    payload = parseJson(headers, rawBody);
  } catch {
    return undefined;
  }
  const name = repositoryOf[provider](payload);
  return typeof name === 'string' ? normalizeRepository(name).path : undefined;
}
