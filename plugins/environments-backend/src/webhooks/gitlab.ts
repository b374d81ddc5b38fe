import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { ParsedDelivery, PushCommit } from './types';
import {
  commitSha,
  commitTimestamp,
  compact,
  headFirst,
  isNullSha,
  optionalString,
  previousSha,
  verifyToken,
  readBranchPush,
} from './verify';

/** The fields of a GitLab `Push Hook` envmesh reads (https://docs.gitlab.com/user/project/integrations/webhook_events/#push-events). */
const pushPayload = z.object({
  ref: z.string().min(1),
  before: z.string().nullish(),
  after: commitSha,
  checkout_sha: commitSha.nullish(),
  project: z.object({
    path_with_namespace: z.string().min(1),
    web_url: optionalString,
    git_http_url: optionalString,
    git_ssh_url: optionalString,
  }),
  commits: z
    .array(
      z.object({
        id: commitSha,
        message: z.string(),
        timestamp: commitTimestamp,
        author: z
          .object({ name: optionalString, email: optionalString })
          .nullish(),
      }),
    )
    .default([]),
  user_name: optionalString,
  user_username: optionalString,
  user_email: optionalString,
});

/** GitLab sends `[REDACTED]` (or nothing) where a user keeps their email private. */
function visibleEmail(email: string | undefined): string | undefined {
  return email && email.includes('@') ? email : undefined;
}

/**
 * Verifies and reads a GitLab delivery: `X-Gitlab-Token` is the secret itself, `X-Gitlab-Event` the event
 * (only `Push Hook` is acted on). The delivery id is `Idempotency-Key` (GitLab 17.4+, the same on every retry),
 * else `X-Gitlab-Event-UUID`.
 */
export function parseGitlabDelivery(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  secret: string,
): ParsedDelivery {
  verifyToken(headers, 'X-Gitlab-Token', secret);
  const read = readBranchPush(
    { headers, rawBody },
    {
      provider: 'GitLab',
      idHeaders: ['Idempotency-Key', 'X-Gitlab-Event-UUID'],
      eventHeader: 'X-Gitlab-Event',
      pushEvent: 'Push Hook',
      payload: pushPayload,
    },
  );
  if ('ignored' in read) return read.ignored;
  const { deliveryId, payload, branch } = read;
  const { project } = payload;
  // GitLab has no `deleted` flag: a deletion's `after` is all zeros (and checkout_sha null).
  const deleted = isNullSha(payload.after);
  const sha = deleted
    ? payload.before ?? payload.after
    : payload.checkout_sha ?? payload.after;
  // GitLab lists commits oldest first.
  const commits: PushCommit[] = deleted
    ? []
    : payload.commits
        .map(c => ({
          id: c.id,
          message: c.message,
          author: compact({
            name: c.author?.name,
            email: visibleEmail(c.author?.email),
          }),
          timestamp: c.timestamp,
        }))
        .reverse();
  return {
    kind: 'push',
    events: [
      {
        provider: 'gitlab',
        deliveryId,
        repository: {
          fullName: project.path_with_namespace,
          urls: [
            project.web_url,
            project.git_http_url,
            project.git_ssh_url,
          ].filter((url): url is string => !!url),
        },
        branch,
        sha,
        before: previousSha(payload.before),
        deleted,
        commits: headFirst(
          commits,
          commits.find(c => c.id === sha),
        ),
        pusher: compact({
          name: payload.user_name,
          email: visibleEmail(payload.user_email),
          username: payload.user_username,
        }),
      },
    ],
  };
}
