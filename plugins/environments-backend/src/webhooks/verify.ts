import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AuthenticationError, InputError } from '@backstage/errors';
import { z } from 'zod';
import type { ParsedDelivery, PushCommit } from './types';

/**
 * One request header, looked up case-insensitively (node lower-cases incoming headers, callers building
 * headers by hand may not); the first value when it was sent more than once.
 */
function header(
  headers: IncomingHttpHeaders,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== '') return first;
  }
  return undefined;
}

/** The header that signs the delivery (or holds the token), once there is a secret to check it against. */
function signatureHeader(
  headers: IncomingHttpHeaders,
  headerName: string,
  secret: string,
): string {
  // An empty HMAC key or token would let anyone sign; treat it as a wiring bug, not a bad request.
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new Error('a webhook secret is required');
  }
  const value = header(headers, headerName);
  if (!value) {
    throw new AuthenticationError(`missing ${headerName} header`);
  }
  return value;
}

/**
 * Checks a `sha256=<hex>` HMAC-SHA256 signature of the raw body (GitHub `X-Hub-Signature-256`, Bitbucket
 * `X-Hub-Signature`). The messages never contain the signature or the secret.
 */
export function verifyHmacSha256(
  headers: IncomingHttpHeaders,
  headerName: string,
  rawBody: Buffer,
  secret: string,
): void {
  const value = signatureHeader(headers, headerName, secret);
  const match = /^sha256=([0-9a-f]{64})$/i.exec(value.trim());
  if (!match) {
    throw new AuthenticationError(
      `${headerName} header must have the form sha256=<hex digest>`,
    );
  }
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  if (!timingSafeEqual(given, expected)) {
    throw new AuthenticationError(`${headerName} does not match the body`);
  }
}

/** Checks a shared token sent as is (GitLab `X-Gitlab-Token`) without leaking its length or content by timing. */
export function verifyToken(
  headers: IncomingHttpHeaders,
  headerName: string,
  secret: string,
): void {
  const value = signatureHeader(headers, headerName, secret);
  // Digests have equal lengths, so timingSafeEqual neither throws nor reveals the secret's length.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  if (!timingSafeEqual(digest(value), digest(secret))) {
    throw new AuthenticationError(`${headerName} does not match`);
  }
}

/**
 * The delivery id from the first header present, else a digest of the (already verified) body: a retry
 * resends the same bytes, and two different events never have the same body.
 */
function deliveryIdFrom(
  headers: IncomingHttpHeaders,
  names: string[],
  rawBody: Buffer,
): string {
  for (const name of names) {
    const value = header(headers, name);
    if (value) return value;
  }
  return `body-sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
}

/** The JSON body; GitHub can also send it form-encoded as `payload=<json>`. */
export function parseJson(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
): unknown {
  let text = rawBody.toString('utf8');
  const contentType = header(headers, 'content-type') ?? '';
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType)) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) {
      throw new InputError(
        'payload: a form-encoded body must have a payload field',
      );
    }
    text = payload;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError('body: must be JSON');
  }
}

/**
 * Reads and validates a delivery's JSON payload; the InputError names the first offending field
 * (`GitHub push payload: repository.full_name: ...`).
 */
function readPayload<T extends z.ZodType>(
  schema: T,
  delivery: { headers: IncomingHttpHeaders; rawBody: Buffer },
  what: string,
): z.infer<T> {
  const result = schema.safeParse(
    parseJson(delivery.headers, delivery.rawBody),
  );
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.') || 'body';
  throw new InputError(`${what}: ${field}: ${issue.message}`);
}

/** A header the provider always sends (the event name): a 400 naming it when missing. */
function requiredHeader(headers: IncomingHttpHeaders, name: string): string {
  const value = header(headers, name);
  if (!value) throw new InputError(`${name}: header is required`);
  return value;
}

/** How a provider names a delivery's id and event, and the payload of its push event. */
interface PushDeliveryFormat<T extends z.ZodType> {
  /** The provider's name in messages (`GitHub`). */
  provider: string;
  /** The headers that may carry the delivery id, first found wins (see deliveryIdFrom). */
  idHeaders: string[];
  eventHeader: string;
  pushEvent: string;
  /** The event that only checks the hook, answered as ignored with the reason `ping`. */
  pingEvent?: string;
  payload: T;
}

/**
 * Reads a verified delivery: its id and, when it is the push event, its payload; any other event is
 * answered as ignored.
 */
export function readPushDelivery<T extends z.ZodType>(
  delivery: { headers: IncomingHttpHeaders; rawBody: Buffer },
  format: PushDeliveryFormat<T>,
): { deliveryId: string; payload: z.infer<T> } | { ignored: ParsedDelivery } {
  const { headers, rawBody } = delivery;
  const deliveryId = deliveryIdFrom(headers, format.idHeaders, rawBody);
  const event = requiredHeader(headers, format.eventHeader);
  if (event !== format.pushEvent) {
    const reason =
      event === format.pingEvent
        ? 'ping'
        : `${format.provider} event '${event}' is not handled`;
    return { ignored: { kind: 'ignored', deliveryId, reason } };
  }
  const what = `${format.provider} push payload`;
  return { deliveryId, payload: readPayload(format.payload, delivery, what) };
}

/**
 * Like readPushDelivery, for a provider whose push names one ref (`payload.ref`): also the branch, and a push
 * of a tag or another ref answered as ignored.
 */
export function readBranchPush<T extends z.ZodType<{ ref: string }>>(
  delivery: { headers: IncomingHttpHeaders; rawBody: Buffer },
  format: PushDeliveryFormat<T>,
):
  | { deliveryId: string; payload: z.infer<T>; branch: string }
  | { ignored: ParsedDelivery } {
  const read = readPushDelivery(delivery, format);
  if ('ignored' in read) return read;
  const pushed = pushedBranch(read.payload.ref, read.deliveryId);
  return 'ignored' in pushed ? pushed : { ...read, branch: pushed.branch };
}

const BRANCH_REF = 'refs/heads/';

/** The branch of a pushed `refs/heads/<branch>` ref, or the answer that ignores a push of a tag or another ref. */
function pushedBranch(
  ref: string,
  deliveryId: string,
): { branch: string } | { ignored: ParsedDelivery } {
  return ref.startsWith(BRANCH_REF) && ref.length > BRANCH_REF.length
    ? { branch: ref.slice(BRANCH_REF.length) }
    : {
        ignored: {
          kind: 'ignored',
          deliveryId,
          reason: `'${ref}' is not a branch`,
        },
      };
}

/** The all-zero sha providers send as `after` of a deleted branch (or `before` of a new one). */
export function isNullSha(sha: string | undefined | null): boolean {
  return !sha || /^0+$/.test(sha);
}

/** A full commit sha (SHA-1, or SHA-256 for repositories using it). */
export const commitSha = z
  .string()
  .regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/i, 'must be a full commit sha');

/** A commit's date and time as providers send it (ISO 8601 with an offset), kept as sent. */
export const commitTimestamp = z
  .string()
  .datetime({ offset: true, message: 'must be an ISO 8601 date and time' })
  .nullish()
  .transform(value => value ?? undefined);

/** The commit a branch pointed at before a push; providers send zeros (or nothing) for a new branch. */
export function previousSha(before: string | undefined | null) {
  return isNullSha(before) ? undefined : before!;
}

/** Optional strings that providers send as null, too. */
export const optionalString = z
  .string()
  .nullish()
  .transform(value => value ?? undefined);

/**
 * Commits newest first with the head commit (when the payload names it) in front and no commit twice.
 * `commits` must already be newest first.
 */
export function headFirst(
  commits: PushCommit[],
  head: PushCommit | undefined,
): PushCommit[] {
  const all = head ? [head, ...commits] : commits;
  const seen = new Set<string>();
  return all.filter(commit => {
    if (seen.has(commit.id)) return false;
    seen.add(commit.id);
    return true;
  });
}

/** Drops fields the payload did not fill, so authors compare and serialize cleanly. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && v !== ''),
  ) as T;
}
