/** The Git hosts whose push webhooks envmesh understands. */
export type WebhookProvider = 'github' | 'gitlab' | 'bitbucket';

/** Every provider, in the order the router lists them. */
const WEBHOOK_PROVIDERS: readonly WebhookProvider[] = [
  'github',
  'gitlab',
  'bitbucket',
];

/** Whether a string (a route parameter, a config key) names a provider. */
export function isWebhookProvider(value: unknown): value is WebhookProvider {
  return (
    typeof value === 'string' &&
    (WEBHOOK_PROVIDERS as readonly string[]).includes(value)
  );
}

/**
 * A provider's webhook secrets (GitHub and Bitbucket HMAC keys, GitLab tokens): a repository listed in
 * `repositories` is verified with its own secret only, any other with `secret` (none: refused).
 */
export interface WebhookSecrets {
  secret?: string;
  /** `repository` is a full name (`org/repo`, `group/subgroup/repo`) or a repository URL. */
  repositories: Array<{ repository: string; secret: string }>;
}

/** A person as a push payload describes them; providers fill in different fields. */
export interface PushAuthor {
  name?: string;
  email?: string;
  /** The login on the Git host (GitHub login, GitLab username, Bitbucket nickname). */
  username?: string;
}

/** A commit of a push. */
export interface PushCommit {
  id: string;
  message: string;
  author: PushAuthor;
  /** When the commit was made, as the provider sent it (ISO 8601 with offset); compare as instants. */
  timestamp?: string;
}

/**
 * One branch update, the same for every provider.
 *
 * - `deliveryId` identifies the delivery for deduplication: it stays the same when the provider retries or
 *   redelivers it.
 * - `repository.urls` are the repository's web and clone URLs as the payload gives them (https, ssh, git).
 * - `sha` is the commit the branch now points at; for a deleted branch (`deleted: true`), the commit it pointed
 *   at before the deletion.
 * - `before` is the commit the branch pointed at before the push; undefined for a new branch.
 * - `commits` are newest first: `commits[0]` is the head commit whenever the payload names it. Providers cap
 *   the list (GitLab 20, Bitbucket 5, GitHub 2048), so older commits of a large push may be missing. Empty for
 *   a deleted branch.
 * - `pusher` is who pushed, which is not necessarily who authored the commits.
 */
export interface PushEvent {
  provider: WebhookProvider;
  deliveryId: string;
  repository: { fullName: string; urls: string[] };
  branch: string;
  sha: string;
  before?: string;
  deleted: boolean;
  commits: PushCommit[];
  pusher?: PushAuthor;
}

/**
 * What a verified delivery asks for. `push` carries one event per branch the push updated: always exactly one
 * for GitHub and GitLab (a delivery per ref), possibly several for Bitbucket (one delivery per `git push`).
 * Everything envmesh does not act on (pings, tag pushes, other events) is `ignored` with the reason.
 */
export type ParsedDelivery =
  | { kind: 'push'; events: PushEvent[] }
  | { kind: 'ignored'; deliveryId?: string; reason: string };
