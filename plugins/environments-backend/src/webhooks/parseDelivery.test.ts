import { AuthenticationError, InputError } from '@backstage/errors';
import {
  bitbucketHeaders,
  editedFixture,
  fixture,
  githubHeaders,
  gitlabHeaders,
  sign,
  without,
} from './__fixtures__/deliveries';
import { parseDelivery, secretForDelivery } from './parseDelivery';
import { PushEvent } from './types';

const SECRET = 'It5-a-s3cret!';

function pushEvents(result: ReturnType<typeof parseDelivery>): PushEvent[] {
  if (result.kind !== 'push') {
    throw new Error(`expected a push, got ignored: ${result.reason}`);
  }
  return result.events;
}

describe('parseDelivery: GitHub', () => {
  const body = fixture('github-push.json');

  it('reads a signed push into a push event, head commit first', () => {
    const result = parseDelivery(
      'github',
      githubHeaders(body, SECRET),
      body,
      SECRET,
    );
    expect(pushEvents(result)).toEqual([
      {
        provider: 'github',
        deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        repository: {
          fullName: 'acme-bank/demo-api',
          urls: [
            'https://github.com/acme-bank/demo-api',
            'https://github.com/acme-bank/demo-api.git',
            'git@github.com:acme-bank/demo-api.git',
            'git://github.com/acme-bank/demo-api.git',
          ],
        },
        branch: 'feature/31337-login',
        sha: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
        before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        deleted: false,
        commits: [
          {
            id: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
            message: 'Show the login error banner\n\ndeploy_feature',
            author: {
              name: 'Jane Doe',
              email: 'jane.doe@acme-bank.example',
              username: 'janedoe',
            },
            timestamp: '2026-05-04T09:20:01+02:00',
          },
          {
            id: 'b4c2f4b1c9d2b1e0a8f7e6d5c4b3a29180706050',
            message: 'Validate the login form',
            author: {
              name: 'Jane Doe',
              email: 'jane.doe@acme-bank.example',
              username: 'janedoe',
            },
            timestamp: '2026-05-04T09:12:44+02:00',
          },
        ],
        pusher: {
          name: 'janedoe',
          email: 'jane.doe@acme-bank.example',
          username: 'janedoe',
        },
      },
    ]);
  });

  it('finds headers whatever their case', () => {
    const headers = Object.fromEntries(
      Object.entries(githubHeaders(body, SECRET)).map(([k, v]) => [
        k.toUpperCase(),
        v,
      ]),
    );
    expect(parseDelivery('github', headers, body, SECRET).kind).toBe('push');
  });

  it('checks the signature over the exact bytes received', () => {
    // Same JSON, different bytes: the signature of the pretty-printed file does not cover it.
    const compact = Buffer.from(JSON.stringify(JSON.parse(body.toString())));
    expect(() =>
      parseDelivery('github', githubHeaders(body, SECRET), compact, SECRET),
    ).toThrow(AuthenticationError);
  });

  it.each([
    ['a wrong secret', githubHeaders(body, 'not-the-secret'), body],
    [
      'a tampered body',
      githubHeaders(body, SECRET),
      Buffer.from(body.toString().replace('demo-api', 'demo-apx')),
    ],
    [
      'no signature',
      without(githubHeaders(body, SECRET), 'x-hub-signature-256'),
      body,
    ],
    [
      'only the legacy SHA-1 signature',
      {
        ...without(githubHeaders(body, SECRET), 'x-hub-signature-256'),
        'x-hub-signature': `sha1=${'0'.repeat(40)}`,
      },
      body,
    ],
    [
      'a signature that is not hex',
      githubHeaders(body, SECRET, {
        'x-hub-signature-256': `sha256=${'z'.repeat(64)}`,
      }),
      body,
    ],
    [
      'a truncated signature',
      githubHeaders(body, SECRET, {
        'x-hub-signature-256': sign(body, SECRET).slice(0, -2),
      }),
      body,
    ],
  ])('rejects %s with an AuthenticationError', (_, headers, rawBody) => {
    expect(() => parseDelivery('github', headers, rawBody, SECRET)).toThrow(
      AuthenticationError,
    );
  });

  it('checks the signature before reading anything else', () => {
    const garbage = Buffer.from('not json');
    expect(() =>
      parseDelivery(
        'github',
        githubHeaders(body, SECRET, { 'x-github-event': 'ping' }),
        garbage,
        SECRET,
      ),
    ).toThrow(AuthenticationError);
  });

  it('refuses to verify with an empty secret', () => {
    expect(() =>
      parseDelivery('github', githubHeaders(body, ''), body, ''),
    ).toThrow('a webhook secret is required');
  });

  it('ignores a ping', () => {
    const ping = fixture('github-ping.json');
    expect(
      parseDelivery(
        'github',
        githubHeaders(ping, SECRET, { 'x-github-event': 'ping' }),
        ping,
        SECRET,
      ),
    ).toEqual({
      kind: 'ignored',
      deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      reason: 'ping',
    });
  });

  it('ignores other events and tag pushes', () => {
    expect(
      parseDelivery(
        'github',
        githubHeaders(body, SECRET, { 'x-github-event': 'pull_request' }),
        body,
        SECRET,
      ),
    ).toMatchObject({
      kind: 'ignored',
      reason: "GitHub event 'pull_request' is not handled",
    });
    const tag = editedFixture('github-push.json', p => {
      p.ref = 'refs/tags/v1.2.0';
    });
    expect(
      parseDelivery('github', githubHeaders(tag, SECRET), tag, SECRET),
    ).toMatchObject({
      kind: 'ignored',
      reason: "'refs/tags/v1.2.0' is not a branch",
    });
  });

  it('reads a deleted branch with the sha it pointed at', () => {
    const deleted = editedFixture('github-push.json', p => {
      p.deleted = true;
      p.after = '0'.repeat(40);
      p.commits = [];
      p.head_commit = null;
    });
    const [event] = pushEvents(
      parseDelivery('github', githubHeaders(deleted, SECRET), deleted, SECRET),
    );
    expect(event).toMatchObject({
      deleted: true,
      sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      commits: [],
    });
  });

  it('takes the head commit of a new branch that lists no commits', () => {
    const created = editedFixture('github-push.json', p => {
      p.created = true;
      p.before = '0'.repeat(40);
      p.commits = [];
    });
    const [event] = pushEvents(
      parseDelivery('github', githubHeaders(created, SECRET), created, SECRET),
    );
    expect(event.commits.map(c => c.id)).toEqual([
      '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
    ]);
    // A new branch was at no commit before.
    expect(event.before).toBeUndefined();
  });

  it('reads a form-encoded payload', () => {
    const form = Buffer.from(
      `payload=${encodeURIComponent(body.toString('utf8'))}`,
    );
    const [event] = pushEvents(
      parseDelivery(
        'github',
        githubHeaders(form, SECRET, {
          'content-type': 'application/x-www-form-urlencoded',
        }),
        form,
        SECRET,
      ),
    );
    expect(event.branch).toBe('feature/31337-login');
  });

  it('names the field of a malformed payload', () => {
    const broken = editedFixture('github-push.json', p => {
      delete p.repository.full_name;
    });
    expect(() =>
      parseDelivery('github', githubHeaders(broken, SECRET), broken, SECRET),
    ).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message: expect.stringMatching(
          /^GitHub push payload: repository\.full_name: /,
        ),
      }),
    );
    const badSha = editedFixture('github-push.json', p => {
      p.after = 'HEAD';
    });
    expect(() =>
      parseDelivery('github', githubHeaders(badSha, SECRET), badSha, SECRET),
    ).toThrow(/after: must be a full commit sha/);
    const badTime = editedFixture('github-push.json', p => {
      p.head_commit.timestamp = 'yesterday';
    });
    expect(() =>
      parseDelivery('github', githubHeaders(badTime, SECRET), badTime, SECRET),
    ).toThrow(
      /^GitHub push payload: head_commit\.timestamp: must be an ISO 8601 date and time$/,
    );
  });

  it('rejects a body that is not JSON and a missing event header', () => {
    const text = Buffer.from('{"ref":');
    expect(() =>
      parseDelivery('github', githubHeaders(text, SECRET), text, SECRET),
    ).toThrow(new InputError('body: must be JSON'));
    expect(() =>
      parseDelivery(
        'github',
        without(githubHeaders(body, SECRET), 'x-github-event'),
        body,
        SECRET,
      ),
    ).toThrow(new InputError('X-GitHub-Event: header is required'));
  });

  it('falls back to a digest of the body as the delivery id', () => {
    const headers = without(githubHeaders(body, SECRET), 'x-github-delivery');
    const [first] = pushEvents(parseDelivery('github', headers, body, SECRET));
    const [again] = pushEvents(parseDelivery('github', headers, body, SECRET));
    expect(first.deliveryId).toMatch(/^body-sha256:[0-9a-f]{64}$/);
    expect(again.deliveryId).toBe(first.deliveryId);
  });
});

describe('parseDelivery: GitLab', () => {
  const body = fixture('gitlab-push.json');

  it('reads a push with the right token, head commit first', () => {
    expect(
      pushEvents(parseDelivery('gitlab', gitlabHeaders(SECRET), body, SECRET)),
    ).toEqual([
      {
        provider: 'gitlab',
        deliveryId: 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f',
        repository: {
          fullName: 'retail/frontends/demo-web',
          urls: [
            'https://gitlab.acme-bank.example/retail/frontends/demo-web',
            'https://gitlab.acme-bank.example/retail/frontends/demo-web.git',
            'git@gitlab.acme-bank.example:retail/frontends/demo-web.git',
          ],
        },
        branch: 'feature/JIRA-4711_Checkout',
        sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
        deleted: false,
        commits: [
          {
            id: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
            message: 'Fix the checkout total rounding\n',
            author: { name: 'Ana Lima', email: 'ana.lima@acme-bank.example' },
            timestamp: '2026-05-04T08:45:30+02:00',
          },
          {
            id: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327',
            message: 'Add the checkout page skeleton\n\ndeploy_feature',
            // `[REDACTED]` is not an email
            author: { name: 'John Smith' },
            timestamp: '2026-05-03T17:01:12+02:00',
          },
        ],
        pusher: { name: 'John Smith', username: 'jsmith' },
      },
    ]);
  });

  it.each([
    ['a wrong token', gitlabHeaders('It5-a-s3cret?')],
    ['a token of another length', gitlabHeaders(`${SECRET}x`)],
    ['no token', without(gitlabHeaders(SECRET), 'x-gitlab-token')],
  ])('rejects %s with an AuthenticationError', (_, headers) => {
    expect(() => parseDelivery('gitlab', headers, body, SECRET)).toThrow(
      AuthenticationError,
    );
  });

  it('uses X-Gitlab-Event-UUID when there is no Idempotency-Key', () => {
    const [event] = pushEvents(
      parseDelivery(
        'gitlab',
        without(gitlabHeaders(SECRET), 'idempotency-key'),
        body,
        SECRET,
      ),
    );
    expect(event.deliveryId).toBe('13792a34-cac6-4fda-95a8-c58e00a3954e');
  });

  it('ignores tag pushes and other events', () => {
    expect(
      parseDelivery(
        'gitlab',
        gitlabHeaders(SECRET, { 'x-gitlab-event': 'Tag Push Hook' }),
        body,
        SECRET,
      ),
    ).toMatchObject({
      kind: 'ignored',
      reason: "GitLab event 'Tag Push Hook' is not handled",
    });
  });

  it('reads a deleted branch', () => {
    const deleted = editedFixture('gitlab-push.json', p => {
      p.after = '0'.repeat(40);
      p.checkout_sha = null;
      p.commits = [];
      p.total_commits_count = 0;
    });
    const [event] = pushEvents(
      parseDelivery('gitlab', gitlabHeaders(SECRET), deleted, SECRET),
    );
    expect(event).toMatchObject({
      deleted: true,
      sha: '95790bf891e76fee5e1747ab589903a6a1f80f22',
      commits: [],
    });
  });

  it('names the field of a malformed payload', () => {
    const broken = editedFixture('gitlab-push.json', p => {
      p.project.path_with_namespace = 42;
    });
    expect(() =>
      parseDelivery('gitlab', gitlabHeaders(SECRET), broken, SECRET),
    ).toThrow(/^GitLab push payload: project\.path_with_namespace: /);
    const noCommitId = editedFixture('gitlab-push.json', p => {
      delete p.commits[1].id;
    });
    expect(() =>
      parseDelivery('gitlab', gitlabHeaders(SECRET), noCommitId, SECRET),
    ).toThrow(/commits\.1\.id/);
  });
});

describe('parseDelivery: Bitbucket', () => {
  const body = fixture('bitbucket-push.json');

  it('reads a signed repo:push, head commit first', () => {
    expect(
      pushEvents(
        parseDelivery(
          'bitbucket',
          bitbucketHeaders(body, SECRET),
          body,
          SECRET,
        ),
      ),
    ).toEqual([
      {
        provider: 'bitbucket',
        deliveryId: '8f8c2b9e-2f31-4d2e-9a0c-3b1d2e4f5a6b',
        repository: {
          fullName: 'acme-bank/demo-worker',
          urls: ['https://bitbucket.org/acme-bank/demo-worker'],
        },
        branch: 'feature/31337-login',
        sha: '7c2a0e1f5b3d9c8a6e4f2d0b1a3c5e7f9d8b6a42',
        before: '1e65c05c1d5171631d92438a13901ca7dae9618c',
        deleted: false,
        commits: [
          {
            id: '7c2a0e1f5b3d9c8a6e4f2d0b1a3c5e7f9d8b6a42',
            message: 'Retry the login worker queue deploy_feature\n',
            author: {
              name: 'Jane Doe',
              email: 'jane.doe@acme-bank.example',
              username: 'janedoe',
            },
            timestamp: '2026-05-04T07:55:02+00:00',
          },
          {
            id: '3f4e5d6c7b8a99887766554433221100ffeeddcc',
            message: 'Bump the queue client\n',
            author: { name: 'build-bot', email: 'ci@acme-bank.example' },
            timestamp: '2026-05-04T07:31:40+00:00',
          },
        ],
        pusher: { name: 'Jane Doe', username: 'janedoe' },
      },
    ]);
  });

  it.each([
    ['a wrong secret', bitbucketHeaders(body, 'wrong'), body],
    [
      'a tampered body',
      bitbucketHeaders(body, SECRET),
      Buffer.from(body.toString().replace('deploy_feature', 'deploy_featurx')),
    ],
    [
      'no signature',
      without(bitbucketHeaders(body, SECRET), 'x-hub-signature'),
      body,
    ],
    [
      "GitHub's header name instead of Bitbucket's",
      {
        ...without(bitbucketHeaders(body, SECRET), 'x-hub-signature'),
        'x-hub-signature-256': sign(body, SECRET),
      },
      body,
    ],
  ])('rejects %s with an AuthenticationError', (_, headers, rawBody) => {
    expect(() => parseDelivery('bitbucket', headers, rawBody, SECRET)).toThrow(
      AuthenticationError,
    );
  });

  it('makes one event per pushed branch, each with its own delivery id', () => {
    const two = editedFixture('bitbucket-push.json', p => {
      const other = JSON.parse(JSON.stringify(p.push.changes[0]));
      other.new.name = 'feature/42-search';
      other.old = null;
      other.created = true;
      const tag = JSON.parse(JSON.stringify(p.push.changes[0]));
      tag.new.type = 'tag';
      tag.new.name = 'v1.0.0';
      p.push.changes.push(other, tag);
    });
    const events = pushEvents(
      parseDelivery('bitbucket', bitbucketHeaders(two, SECRET), two, SECRET),
    );
    expect(events.map(e => [e.branch, e.deliveryId])).toEqual([
      [
        'feature/31337-login',
        '8f8c2b9e-2f31-4d2e-9a0c-3b1d2e4f5a6b#feature/31337-login',
      ],
      [
        'feature/42-search',
        '8f8c2b9e-2f31-4d2e-9a0c-3b1d2e4f5a6b#feature/42-search',
      ],
    ]);
  });

  it('reads a deleted branch and ignores a tag-only push', () => {
    const deleted = editedFixture('bitbucket-push.json', p => {
      p.push.changes[0].new = null;
      p.push.changes[0].closed = true;
      p.push.changes[0].commits = [];
    });
    const [event] = pushEvents(
      parseDelivery(
        'bitbucket',
        bitbucketHeaders(deleted, SECRET),
        deleted,
        SECRET,
      ),
    );
    expect(event).toMatchObject({
      deleted: true,
      branch: 'feature/31337-login',
      sha: '1e65c05c1d5171631d92438a13901ca7dae9618c',
      commits: [],
    });

    const tag = editedFixture('bitbucket-push.json', p => {
      p.push.changes[0].new.type = 'tag';
      p.push.changes[0].old = null;
    });
    expect(
      parseDelivery('bitbucket', bitbucketHeaders(tag, SECRET), tag, SECRET),
    ).toMatchObject({ kind: 'ignored', reason: 'no branch was pushed' });
  });

  it('ignores other events', () => {
    expect(
      parseDelivery(
        'bitbucket',
        bitbucketHeaders(body, SECRET, { 'x-event-key': 'repo:fork' }),
        body,
        SECRET,
      ),
    ).toMatchObject({
      kind: 'ignored',
      reason: "Bitbucket event 'repo:fork' is not handled",
    });
  });

  it('names the field of a malformed payload', () => {
    const broken = editedFixture('bitbucket-push.json', p => {
      p.push.changes[0].new.target.hash = 'abc';
    });
    expect(() =>
      parseDelivery(
        'bitbucket',
        bitbucketHeaders(broken, SECRET),
        broken,
        SECRET,
      ),
    ).toThrow(/^Bitbucket push payload: push\.changes\.0\.new\.target\.hash: /);
  });
});

describe('secretForDelivery', () => {
  const secrets = {
    secret: 'the-default',
    repositories: [
      { repository: 'acme-bank/demo-api', secret: 'api-own' },
      { repository: 'Retail/Frontends/Demo-Web', secret: 'web-own' },
      {
        repository: 'https://bitbucket.org/acme-bank/demo-worker',
        secret: 'worker-own',
      },
    ],
  };

  it('picks the secret of the repository the body names, as each provider names it', () => {
    const github = fixture('github-push.json');
    const gitlab = fixture('gitlab-push.json');
    const bitbucket = fixture('bitbucket-push.json');
    expect(secretForDelivery('github', {}, github, secrets)).toBe('api-own');
    expect(secretForDelivery('gitlab', {}, gitlab, secrets)).toBe('web-own');
    expect(secretForDelivery('bitbucket', {}, bitbucket, secrets)).toBe(
      'worker-own',
    );
    const form = Buffer.from(
      `payload=${encodeURIComponent(github.toString('utf8'))}`,
    );
    expect(
      secretForDelivery(
        'github',
        { 'content-type': 'application/x-www-form-urlencoded' },
        form,
        secrets,
      ),
    ).toBe('api-own');
  });

  it('falls back to the default for other repositories and bodies that name none', () => {
    const other = editedFixture('github-push.json', p => {
      p.repository.full_name = 'acme-bank/demo-api-fork';
    });
    expect(secretForDelivery('github', {}, other, secrets)).toBe('the-default');
    expect(
      secretForDelivery('github', {}, Buffer.from('not json'), secrets),
    ).toBe('the-default');
    // The GitLab name is not where GitHub has it.
    expect(
      secretForDelivery('gitlab', {}, fixture('github-push.json'), secrets),
    ).toBe('the-default');
  });

  it('refuses a repository without a secret when there is no default', () => {
    expect(() =>
      secretForDelivery('github', {}, fixture('gitlab-push.json'), {
        repositories: secrets.repositories,
      }),
    ).toThrow(
      new AuthenticationError(
        "no github webhook secret is configured for the delivery's repository",
      ),
    );
  });
});
