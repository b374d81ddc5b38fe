import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A fixture's bytes exactly as stored (pretty-printed: a re-serialized body would not match its signature). */
export function fixture(name: string): Buffer {
  // Test-only code: it is never part of a production build.
  // eslint-disable-next-line no-restricted-syntax
  return fs.readFileSync(path.join(__dirname, name));
}

/** A fixture's JSON, changed by `edit`, serialized again. */
export function editedFixture(
  name: string,
  edit: (payload: any) => void,
): Buffer {
  const payload = JSON.parse(fixture(name).toString('utf8'));
  edit(payload);
  return Buffer.from(JSON.stringify(payload, null, 2));
}

/** The GitHub push fixture as the push of one commit `sha`, made at `timestamp`, onto `before`. */
export function githubPushOf(
  sha: string,
  timestamp: string,
  before: string,
): Buffer {
  return editedFixture('github-push.json', p => {
    p.before = before;
    p.after = sha;
    p.head_commit = {
      ...p.head_commit,
      id: sha,
      timestamp,
      message: `Commit ${sha.slice(0, 7)}\n\ndeploy_feature`,
    };
    p.commits = [p.head_commit];
  });
}

export function sign(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function githubHeaders(
  body: Buffer,
  secret: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-hub-signature-256': sign(body, secret),
    ...extra,
  };
}

export function gitlabHeaders(
  secret: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-gitlab-event': 'Push Hook',
    'x-gitlab-token': secret,
    'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e',
    'idempotency-key': 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f',
    ...extra,
  };
}

export function bitbucketHeaders(
  body: Buffer,
  secret: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-event-key': 'repo:push',
    'x-hook-uuid': '{0a9c4a4c-9f3a-4f43-b6a5-1c2f3b4d5e6f}',
    'x-request-uuid': '8f8c2b9e-2f31-4d2e-9a0c-3b1d2e4f5a6b',
    'x-attempt-number': '1',
    'x-hub-signature': sign(body, secret),
    ...extra,
  };
}

/** Headers without one of them. */
export function without(
  headers: Record<string, string>,
  name: string,
): Record<string, string> {
  const { [name]: _omitted, ...rest } = headers;
  return rest;
}
