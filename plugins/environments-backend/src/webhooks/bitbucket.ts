import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { ParsedDelivery, PushAuthor, PushCommit, PushEvent } from './types';
import {
  commitSha,
  commitTimestamp,
  compact,
  headFirst,
  optionalString,
  verifyHmacSha256,
  readPushDelivery,
} from './verify';

const commit = z.object({
  hash: commitSha,
  message: z.string().default(''),
  date: commitTimestamp,
  author: z
    .object({
      raw: optionalString,
      user: z
        .object({ display_name: optionalString, nickname: optionalString })
        .nullish(),
    })
    .nullish(),
});

const ref = z.object({
  type: z.string(),
  name: z.string().min(1),
  target: commit,
});

/** The fields of a Bitbucket Cloud `repo:push` event envmesh reads (https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#Push). */
const pushPayload = z.object({
  actor: z
    .object({ display_name: optionalString, nickname: optionalString })
    .nullish(),
  repository: z.object({
    full_name: z.string().min(1),
    links: z
      .object({ html: z.object({ href: optionalString }).nullish() })
      .nullish(),
  }),
  push: z.object({
    changes: z.array(
      z.object({
        new: ref.nullish(),
        old: ref.nullish(),
        closed: z.boolean().default(false),
        commits: z.array(commit).default([]),
      }),
    ),
  }),
});

/** `Jane Doe <jane@example.com>`, Git's author line, into name and email. */
function authorOf(author: z.infer<typeof commit>['author']): PushAuthor {
  const match = /^\s*(.*?)\s*<([^>]*)>\s*$/.exec(author?.raw ?? '');
  return compact({
    name: match ? match[1] : author?.raw ?? author?.user?.display_name,
    email: match ? match[2] : undefined,
    username: author?.user?.nickname,
  });
}

function toCommit(c: z.infer<typeof commit>): PushCommit {
  return {
    id: c.hash,
    message: c.message,
    author: authorOf(c.author),
    timestamp: c.date,
  };
}

/**
 * Verifies and reads a Bitbucket Cloud delivery: `X-Hub-Signature` is `sha256=` and the HMAC-SHA256 of the raw
 * body (webhooks with a secret), `X-Event-Key` the event (only `repo:push` is acted on), `X-Request-UUID` the
 * delivery id.
 *
 * One `git push` is one delivery with a change per ref; each branch change becomes its own event, with the
 * delivery id suffixed by `#<branch>` when there are several so each can be deduplicated on its own.
 */
export function parseBitbucketDelivery(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  secret: string,
): ParsedDelivery {
  verifyHmacSha256(headers, 'X-Hub-Signature', rawBody, secret);
  const read = readPushDelivery(
    { headers, rawBody },
    {
      provider: 'Bitbucket',
      idHeaders: ['X-Request-UUID'],
      eventHeader: 'X-Event-Key',
      pushEvent: 'repo:push',
      payload: pushPayload,
    },
  );
  if ('ignored' in read) return read.ignored;
  const { deliveryId, payload } = read;
  const { repository, actor } = payload;
  const html = repository.links?.html?.href;
  const branchChanges = payload.push.changes.filter(
    change => (change.new ?? change.old)?.type === 'branch',
  );
  if (branchChanges.length === 0) {
    return { kind: 'ignored', deliveryId, reason: 'no branch was pushed' };
  }

  const events = branchChanges.map((change): PushEvent => {
    // A deleted branch has no `new`; what was deleted is `old`.
    const deleted = change.closed || !change.new;
    const current = (change.new ?? change.old)!;
    return {
      provider: 'bitbucket',
      deliveryId:
        branchChanges.length > 1 ? `${deliveryId}#${current.name}` : deliveryId,
      repository: {
        fullName: repository.full_name,
        urls: html ? [html] : [],
      },
      branch: current.name,
      sha: current.target.hash,
      before: change.old?.target.hash,
      deleted,
      // Bitbucket lists commits newest first; the branch's target is the head commit.
      commits: deleted
        ? []
        : headFirst(change.commits.map(toCommit), toCommit(current.target)),
      pusher: actor
        ? compact({ name: actor.display_name, username: actor.nickname })
        : undefined,
    };
  });
  return { kind: 'push', events };
}
