import { mockErrorHandler, mockServices } from '@backstage/backend-test-utils';
import express from 'express';
import request from 'supertest';
import {
  bitbucketHeaders,
  editedFixture,
  fixture,
  githubHeaders,
  gitlabHeaders,
  without,
} from './__fixtures__/deliveries';
import { PushEvent, WebhookProvider, WebhookSecrets } from './types';
import { createWebhookRouter, WebhookRouterOptions } from './webhookRouter';

const SECRETS: Partial<Record<WebhookProvider, string>> = {
  github: 'gh-s3cret-value',
  gitlab: 'gl-t0ken-value',
  bitbucket: 'bb-s3cret-value',
};

/** Only the provider's default secret. */
function secretsOf(secret: string | undefined): WebhookSecrets | undefined {
  return secret ? { secret, repositories: [] } : undefined;
}

function setup(overrides: Partial<WebhookRouterOptions> = {}) {
  const seen = new Set<string>();
  const pushes: PushEvent[] = [];
  const logger = mockServices.logger.mock();
  const options: WebhookRouterOptions = {
    secretsFor: provider => secretsOf(SECRETS[provider]),
    recordDelivery: async (provider, deliveryId) => {
      const key = `${provider}:${deliveryId}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
    releaseDelivery: async (provider, deliveryId) => {
      seen.delete(`${provider}:${deliveryId}`);
    },
    onPush: async event => {
      pushes.push(event);
      return { status: 'deploying', feature: '31337', operation: 'op-1' };
    },
    logger,
    ...overrides,
  };
  const app = express()
    .use(createWebhookRouter(options))
    .use(mockErrorHandler());
  return { app, pushes, logger, seen };
}

const githubBody = fixture('github-push.json');

// superagent would JSON-encode a Buffer sent as application/json; a string goes out byte for byte.
function postGithub(
  app: express.Express,
  body: Buffer = githubBody,
  headers: Record<string, string> = githubHeaders(body, SECRETS.github!),
) {
  return request(app)
    .post('/webhooks/github')
    .set(headers)
    .send(body.toString());
}

describe('createWebhookRouter', () => {
  it('hands a verified push to onPush and answers 202 with its result', async () => {
    const { app, pushes } = setup();
    const res = await postGithub(app);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      status: 'deploying',
      feature: '31337',
      operation: 'op-1',
    });
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({
      provider: 'github',
      branch: 'feature/31337-login',
      repository: { fullName: 'acme-bank/demo-api' },
    });
  });

  it('answers a redelivery as a duplicate without calling onPush again', async () => {
    const { app, pushes } = setup();
    expect((await postGithub(app)).status).toBe(202);
    const again = await postGithub(app);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      status: 'duplicate',
      deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    });
    expect(pushes).toHaveLength(1);

    // A new delivery id is a new delivery.
    const other = await postGithub(
      app,
      githubBody,
      githubHeaders(githubBody, SECRETS.github!, {
        'x-github-delivery': 'a-new-delivery',
      }),
    );
    expect(other.status).toBe(202);
    expect(pushes).toHaveLength(2);
  });

  it('answers 401 to a bad signature and never logs it or the secret', async () => {
    const { app, pushes, logger } = setup();
    const tampered = Buffer.from(
      githubBody.toString().replace('feature/31337', 'feature/31338'),
    );
    const wrongSecret = githubHeaders(githubBody, 'guessed');
    const cases = [
      postGithub(app, githubBody, wrongSecret),
      postGithub(app, tampered, githubHeaders(githubBody, SECRETS.github!)),
      postGithub(
        app,
        githubBody,
        without(
          githubHeaders(githubBody, SECRETS.github!),
          'x-hub-signature-256',
        ),
      ),
      request(app)
        .post('/webhooks/gitlab')
        .set(gitlabHeaders('guessed'))
        .send(fixture('gitlab-push.json').toString()),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status).toBe(401);
      expect(res.body.error.name).toBe('AuthenticationError');
    }
    expect(pushes).toEqual([]);

    const logged = JSON.stringify(
      Object.values(logger).flatMap(fn =>
        jest.isMockFunction(fn) ? fn.mock.calls : [],
      ),
    );
    expect(logged).toContain('Rejected github webhook');
    for (const secret of Object.values(SECRETS)) {
      expect(logged).not.toContain(secret);
    }
    expect(logged).not.toContain(wrongSecret['x-hub-signature-256'].slice(7));
    expect(logged).not.toContain(
      githubHeaders(githubBody, SECRETS.github!)['x-hub-signature-256'].slice(
        7,
      ),
    );
  });

  it('verifies a repository with a secret of its own with that secret only', async () => {
    const { app, pushes, logger } = setup({
      secretsFor: provider =>
        provider === 'github'
          ? {
              secret: SECRETS.github,
              repositories: [
                // Names match whatever their case or form.
                {
                  repository: 'https://github.com/Acme-Bank/demo-api.git',
                  secret: 'demo-api-own-secret',
                },
              ],
            }
          : undefined,
    });
    const own = await postGithub(
      app,
      githubBody,
      githubHeaders(githubBody, 'demo-api-own-secret'),
    );
    expect(own.status).toBe(202);

    // The default secret does not sign for a repository with its own.
    const withDefault = await postGithub(
      app,
      githubBody,
      githubHeaders(githubBody, SECRETS.github!, {
        'x-github-delivery': 'signed-with-the-default',
      }),
    );
    expect(withDefault.status).toBe(401);
    expect(withDefault.body.error).toMatchObject({
      name: 'AuthenticationError',
      message: 'X-Hub-Signature-256 does not match the body',
    });

    // Any other repository is verified with the default.
    const other = editedFixture('github-push.json', p => {
      p.repository.full_name = 'acme-bank/demo-orders';
    });
    const fromOther = await postGithub(
      app,
      other,
      githubHeaders(other, SECRETS.github!, {
        'x-github-delivery': 'from-another-repository',
      }),
    );
    expect(fromOther.status).toBe(202);
    expect(pushes.map(p => p.repository.fullName)).toEqual([
      'acme-bank/demo-api',
      'acme-bank/demo-orders',
    ]);
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain('secret');
  });

  it('answers 401 to a repository without a secret when the provider has no default', async () => {
    const { app, pushes } = setup({
      secretsFor: () => ({
        repositories: [
          { repository: 'retail/frontends/demo-web', secret: 'web-token' },
        ],
      }),
    });
    const own = await request(app)
      .post('/webhooks/gitlab')
      .set(gitlabHeaders('web-token'))
      .send(fixture('gitlab-push.json').toString());
    expect(own.status).toBe(202);

    const other = editedFixture('gitlab-push.json', p => {
      p.project.path_with_namespace = 'retail/frontends/other-web';
    });
    const res = await request(app)
      .post('/webhooks/gitlab')
      .set(gitlabHeaders('web-token', { 'idempotency-key': 'other' }))
      .send(other.toString());
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual(
      expect.objectContaining({
        name: 'AuthenticationError',
        message:
          "no gitlab webhook secret is configured for the delivery's repository",
      }),
    );
    expect(pushes.map(p => p.repository.fullName)).toEqual([
      'retail/frontends/demo-web',
    ]);
  });

  it("answers 200 with onPush's reason when it deploys nothing", async () => {
    const reason =
      'commit 0d1a26e (2026-05-04T09:20:01+02:00) is older than the deployed 2222222 (2026-05-04T09:40:00+02:00)';
    const { app } = setup({
      onPush: async () => ({ status: 'ignored', reason }),
    });
    const res = await postGithub(app);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ignored', reason });
  });

  it('answers 200 ignored to a ping', async () => {
    const { app, pushes } = setup();
    const ping = fixture('github-ping.json');
    const res = await request(app)
      .post('/webhooks/github')
      .set(githubHeaders(ping, SECRETS.github!, { 'x-github-event': 'ping' }))
      .send(ping.toString());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ignored', reason: 'ping' });
    expect(pushes).toEqual([]);
  });

  it('answers 400 naming the field of a malformed push', async () => {
    const { app } = setup();
    const broken = editedFixture('github-push.json', p => {
      p.ref = 7;
    });
    const res = await postGithub(
      app,
      broken,
      githubHeaders(broken, SECRETS.github!),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.body.error.message).toMatch(/^GitHub push payload: ref: /);
  });

  it('answers 404 to unknown and unconfigured providers', async () => {
    const { app } = setup({
      secretsFor: provider =>
        secretsOf(provider === 'github' ? 'x' : undefined),
    });
    const unknown = await request(app).post('/webhooks/gitea').send('{}');
    expect(unknown.status).toBe(404);
    const off = await request(app)
      .post('/webhooks/gitlab')
      .set(gitlabHeaders('x'))
      .send(fixture('gitlab-push.json').toString());
    expect(off.status).toBe(404);
    expect(off.body.error.message).toBe(
      'webhooks for gitlab are not configured',
    );
    expect((await request(app).get('/webhooks/github')).status).toBe(404);
  });

  it('passes onPush errors to the error middleware and lets the retry through', async () => {
    let fail = true;
    const { app } = setup({
      onPush: async () => {
        if (fail) throw new Error('the store is down');
        return { status: 'deploying' };
      },
    });
    const first = await postGithub(app);
    expect(first.status).toBe(500);
    expect(first.body.error.message).toBe('the store is down');
    fail = false;
    const retry = await postGithub(app);
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual({ status: 'deploying' });
  });

  it('treats a failed delivery as seen when it cannot be released', async () => {
    const { app } = setup({
      releaseDelivery: undefined,
      onPush: async () => {
        throw new Error('boom');
      },
    });
    expect((await postGithub(app)).status).toBe(500);
    expect((await postGithub(app)).body.status).toBe('duplicate');
  });

  it('accepts GitLab and Bitbucket pushes', async () => {
    const { app, pushes } = setup();
    const gitlab = await request(app)
      .post('/webhooks/gitlab')
      .set(gitlabHeaders(SECRETS.gitlab!))
      .send(fixture('gitlab-push.json').toString());
    expect(gitlab.status).toBe(202);
    const bitbucketBody = fixture('bitbucket-push.json');
    const bitbucket = await request(app)
      .post('/webhooks/bitbucket')
      .set(bitbucketHeaders(bitbucketBody, SECRETS.bitbucket!))
      .send(bitbucketBody.toString());
    expect(bitbucket.status).toBe(202);
    expect(pushes.map(p => [p.provider, p.repository.fullName])).toEqual([
      ['gitlab', 'retail/frontends/demo-web'],
      ['bitbucket', 'acme-bank/demo-worker'],
    ]);
  });

  it('answers a Bitbucket push of several branches with a result per branch', async () => {
    const { app, pushes, seen } = setup();
    const body = editedFixture('bitbucket-push.json', p => {
      const other = JSON.parse(JSON.stringify(p.push.changes[0]));
      other.new.name = 'feature/42-search';
      p.push.changes.push(other);
    });
    const headers = bitbucketHeaders(body, SECRETS.bitbucket!);
    // One of the two was delivered before.
    seen.add(
      'bitbucket:8f8c2b9e-2f31-4d2e-9a0c-3b1d2e4f5a6b#feature/42-search',
    );
    const res = await request(app)
      .post('/webhooks/bitbucket')
      .set(headers)
      .send(body.toString());
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      status: 'accepted',
      results: [
        {
          branch: 'feature/31337-login',
          status: 'deploying',
          feature: '31337',
          operation: 'op-1',
        },
        { branch: 'feature/42-search', status: 'duplicate' },
      ],
    });
    expect(pushes.map(p => p.branch)).toEqual(['feature/31337-login']);
  });

  it('verifies bodies of any content type, and an empty body fails the signature', async () => {
    const { app } = setup();
    const res = await postGithub(
      app,
      githubBody,
      githubHeaders(githubBody, SECRETS.github!, {
        'content-type': 'text/plain',
      }),
    );
    expect(res.status).toBe(202);
    const empty = await request(app)
      .post('/webhooks/github')
      .set(without(githubHeaders(githubBody, SECRETS.github!), 'content-type'));
    expect(empty.status).toBe(401);
  });

  it('refuses a body another parser already consumed', async () => {
    const { logger } = setup();
    const app = express()
      .use(express.json())
      .use(
        createWebhookRouter({
          secretsFor: () => secretsOf(SECRETS.github),
          recordDelivery: async () => true,
          onPush: async () => ({ status: 'deploying' }),
          logger,
        }),
      )
      .use(mockErrorHandler());
    const res = await postGithub(app);
    expect(res.status).toBe(500);
    expect(res.body.error.message).toMatch(
      /must be mounted before body parsers/,
    );
  });

  it('answers 413 naming the limit to a body over 1 MiB, unread', async () => {
    const { app, pushes } = setup();
    const big = Buffer.alloc(1024 * 1024 + 1, 'a');
    const res = await postGithub(app, big, githubHeaders(big, SECRETS.github!));
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({
      name: 'PayloadTooLargeError',
      message:
        'body: larger than the 1048576 bytes a webhook delivery may have (environments.webhooks.maxBodyBytes)',
    });
    expect(pushes).toEqual([]);
  });

  it('answers 413 to a signed push over a configured limit', async () => {
    const { app, pushes } = setup({ maxBodyBytes: 1000 });
    expect(githubBody.length).toBeGreaterThan(1000);
    const res = await postGithub(app);
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/^body: larger than the 1000 bytes/);
    expect(pushes).toEqual([]);
  });
});
