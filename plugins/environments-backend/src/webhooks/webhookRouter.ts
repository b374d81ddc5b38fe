import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  CustomErrorBase,
  NotFoundError,
} from '@backstage/errors';
import express, { Request, Response } from 'express';
import { parseDelivery, secretForDelivery } from './parseDelivery';
import {
  isWebhookProvider,
  PushEvent,
  WebhookProvider,
  WebhookSecrets,
} from './types';

/**
 * What onPush answers; sent back to the Git host as the JSON body, of a 200 when its status is `ignored`
 * (with a `reason`), else of a 202.
 */
export interface WebhookPushResult {
  status: string;
  [key: string]: unknown;
}

export interface WebhookRouterOptions {
  /** The provider's webhook secrets; undefined turns the provider off. */
  secretsFor(provider: WebhookProvider): WebhookSecrets | undefined;
  /** Records a delivery id; false when it was recorded before (a retry or redelivery). */
  recordDelivery(
    provider: WebhookProvider,
    deliveryId: string,
  ): Promise<boolean>;
  /**
   * Forgets a recorded delivery whose onPush failed, so the provider's retry is processed instead of being
   * answered as a duplicate. Optional: without it a failed delivery is not retried.
   */
  releaseDelivery?(
    provider: WebhookProvider,
    deliveryId: string,
  ): Promise<void>;
  /** Acts on one verified, new branch push. Errors propagate to the error middleware. */
  onPush(event: PushEvent): Promise<WebhookPushResult>;
  /** The largest body read, in bytes; a larger one is refused with 413 unread. Default 1 MiB. */
  maxBodyBytes?: number;
  logger: LoggerService;
}

/** Pushes are small (GitHub caps deliveries at 25 MB, Bitbucket at 256 KB, a push is far less). */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** A 413: the error middleware answers with an error's `statusCode`. */
class PayloadTooLargeError extends CustomErrorBase {
  name = 'PayloadTooLargeError' as const;
  readonly statusCode = 413;
}

/**
 * `POST /webhooks/:provider` for GitHub, GitLab and Bitbucket Cloud push webhooks. Mount it before any JSON
 * body parser: the signature is checked over the exact request bytes.
 *
 * A delivery is verified with its repository's own secret when that has one, else the provider's default.
 *
 * Answers: 404 for an unknown or unconfigured provider, 413 for a body over maxBodyBytes, 401 for a missing or
 * wrong signature, 400 naming the field for a malformed push, 200 `{ status: 'ignored', reason }` for
 * deliveries envmesh does not act on (onPush's among them: an older commit, say), 200
 * `{ status: 'duplicate', deliveryId }` for a delivery seen before, else 202 with onPush's result (for a
 * Bitbucket push of several branches: `{ status: 'accepted', results: [{ branch, ...result }] }`, 202 when
 * any branch was acted on).
 * Secrets and signatures are never logged.
 */
export function createWebhookRouter(
  options: WebhookRouterOptions,
): express.Router {
  const { secretsFor, recordDelivery, releaseDelivery, onPush, logger } =
    options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const readBody = express.raw({ type: () => true, limit: maxBodyBytes });
  const router = express.Router();

  function configuredProvider(req: Request): {
    provider: WebhookProvider;
    secrets: WebhookSecrets;
  } {
    const { provider } = req.params;
    if (!isWebhookProvider(provider)) {
      throw new NotFoundError(`no webhooks for '${provider}'`);
    }
    const secrets = secretsFor(provider);
    if (!secrets?.secret && !secrets?.repositories.length) {
      throw new NotFoundError(`webhooks for ${provider} are not configured`);
    }
    return { provider, secrets };
  }

  /** One branch push: deduplicated, then handed to onPush; undefined when it is a duplicate. */
  async function handle(
    provider: WebhookProvider,
    event: PushEvent,
  ): Promise<WebhookPushResult | undefined> {
    if (!(await recordDelivery(provider, event.deliveryId))) {
      logger.info(`Duplicate ${provider} delivery ${event.deliveryId}`);
      return undefined;
    }
    logger.info(
      `${provider} push ${event.deliveryId}: ${event.repository.fullName} ${
        event.branch
      } ${event.deleted ? 'deleted' : event.sha}`,
    );
    try {
      return await onPush(event);
    } catch (error) {
      await releaseDelivery?.(provider, event.deliveryId);
      throw error;
    }
  }

  router.post(
    '/webhooks/:provider',
    // Unknown and unconfigured providers are turned away before their body is read.
    (req, _res, next) => {
      configuredProvider(req);
      next();
    },
    (req, res, next) => {
      readBody(req, res, error => next(error && explainTooLarge(req, error)));
    },
    // Express 4 does not pass a rejected promise on to the error middleware by itself.
    (req, res, next) => {
      deliver(req, res).catch(next);
    },
  );

  /** body-parser's own 413 says only 'request entity too large'. */
  function explainTooLarge(req: Request, error: unknown): unknown {
    if ((error as { type?: string }).type !== 'entity.too.large') return error;
    const refused = new PayloadTooLargeError(
      `body: larger than the ${maxBodyBytes} bytes a webhook delivery may have (environments.webhooks.maxBodyBytes)`,
    );
    logger.warn(`Rejected ${req.params.provider} webhook: ${refused.message}`);
    return refused;
  }

  async function deliver(req: Request, res: Response) {
    const { provider, secrets } = configuredProvider(req);
    const rawBody = rawBodyOf(req);

    let parsed;
    try {
      const secret = secretForDelivery(provider, req.headers, rawBody, secrets);
      parsed = parseDelivery(provider, req.headers, rawBody, secret);
    } catch (error) {
      if (error instanceof AuthenticationError) {
        // The reason only: never the signature or the secret.
        logger.warn(`Rejected ${provider} webhook: ${error.message}`);
      }
      throw error;
    }

    if (parsed.kind === 'ignored') {
      logger.debug(
        `Ignored ${provider} delivery ${parsed.deliveryId ?? ''}: ${
          parsed.reason
        }`,
      );
      res.status(200).json({ status: 'ignored', reason: parsed.reason });
      return;
    }

    const results: Array<{ branch: string; result?: WebhookPushResult }> = [];
    for (const event of parsed.events) {
      results.push({
        branch: event.branch,
        result: await handle(provider, event),
      });
    }
    // 202 when a branch's push was accepted for deploying; deliveries that change nothing are a 200.
    const status = results.some(r => r.result && r.result.status !== 'ignored')
      ? 202
      : 200;
    if (results.every(r => !r.result)) {
      res.status(200).json({
        status: 'duplicate',
        deliveryId: parsed.events[0].deliveryId,
      });
    } else if (results.length === 1) {
      res.status(status).json(results[0].result);
    } else {
      res.status(status).json({
        status: 'accepted',
        results: results.map(({ branch, result }) => ({
          branch,
          ...(result ?? { status: 'duplicate' }),
        })),
      });
    }
  }

  return router;
}

/** The request bytes express.raw read; a body another parser already consumed cannot be verified. */
function rawBodyOf(req: Request): Buffer {
  if (Buffer.isBuffer(req.body)) return req.body;
  if ((req as Request & { _body?: boolean })._body) {
    throw new Error(
      'the webhook router must be mounted before body parsers: the request body was already parsed',
    );
  }
  // No body at all: the signature check fails on it.
  return Buffer.alloc(0);
}
