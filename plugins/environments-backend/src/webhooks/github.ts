import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { ParsedDelivery, PushCommit } from './types';
import {
  commitSha,
  commitTimestamp,
  compact,
  headFirst,
  optionalString,
  previousSha,
  verifyHmacSha256,
  readBranchPush,
} from './verify';

const commit = z.object({
  id: commitSha,
  message: z.string(),
  timestamp: commitTimestamp,
  author: z
    .object({
      name: optionalString,
      email: optionalString,
      username: optionalString,
    })
    .nullish(),
});

/** The fields of a GitHub `push` event envmesh reads (https://docs.github.com/en/webhooks/webhook-events-and-payloads#push). */
const pushPayload = z.object({
  ref: z.string().min(1),
  before: z.string().nullish(),
  after: commitSha,
  deleted: z.boolean().default(false),
  repository: z.object({
    full_name: z.string().min(1),
    html_url: optionalString,
    clone_url: optionalString,
    ssh_url: optionalString,
    git_url: optionalString,
  }),
  commits: z.array(commit).default([]),
  head_commit: commit.nullish(),
  pusher: z.object({ name: optionalString, email: optionalString }).nullish(),
  sender: z.object({ login: optionalString }).nullish(),
});

function toCommit(c: z.infer<typeof commit>): PushCommit {
  return {
    id: c.id,
    message: c.message,
    author: compact({
      name: c.author?.name,
      email: c.author?.email,
      username: c.author?.username,
    }),
    timestamp: c.timestamp,
  };
}

/**
 * Verifies and reads a GitHub delivery: `X-Hub-Signature-256` is the HMAC-SHA256 of the raw body,
 * `X-GitHub-Event` the event (only `push` is acted on), `X-GitHub-Delivery` the id (kept on redelivery).
 */
export function parseGithubDelivery(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  secret: string,
): ParsedDelivery {
  verifyHmacSha256(headers, 'X-Hub-Signature-256', rawBody, secret);
  const read = readBranchPush(
    { headers, rawBody },
    {
      provider: 'GitHub',
      idHeaders: ['X-GitHub-Delivery'],
      eventHeader: 'X-GitHub-Event',
      pushEvent: 'push',
      pingEvent: 'ping',
      payload: pushPayload,
    },
  );
  if ('ignored' in read) return read.ignored;
  const { deliveryId, payload, branch } = read;
  const { repository } = payload;
  const deleted = payload.deleted;
  return {
    kind: 'push',
    events: [
      {
        provider: 'github',
        deliveryId,
        repository: {
          fullName: repository.full_name,
          urls: [
            repository.html_url,
            repository.clone_url,
            repository.ssh_url,
            repository.git_url,
          ].filter((url): url is string => !!url),
        },
        branch,
        // A deletion's `after` is all zeros; what was deleted is `before`.
        sha: deleted && payload.before ? payload.before : payload.after,
        before: previousSha(payload.before),
        deleted,
        // GitHub lists commits oldest first.
        commits: deleted
          ? []
          : headFirst(
              payload.commits.map(toCommit).reverse(),
              payload.head_commit ? toCommit(payload.head_commit) : undefined,
            ),
        pusher: payload.pusher
          ? compact({
              name: payload.pusher.name,
              email: payload.pusher.email,
              // pusher.name is the GitHub login; sender.login says so explicitly.
              username: payload.sender?.login ?? payload.pusher.name,
            })
          : undefined,
      },
    ],
  };
}
