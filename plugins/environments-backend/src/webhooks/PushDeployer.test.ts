import { mockErrorHandler, mockServices } from '@backstage/backend-test-utils';
import type { FeatureSource } from '@envmesh/plugin-environments-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import express from 'express';
import request from 'supertest';
import type { GuardedCommands } from '../access';
import type { FeatureNotifier } from '../notifications/FeatureNotifier';
import type { FeatureStore, ServiceRegistryStore } from '../store';
import { githubHeaders, githubPushOf } from './__fixtures__/deliveries';
import { PushDeployer, WebhookSettings } from './PushDeployer';

const SECRET = 'gh-s3cret-value';
const FEATURE = 'feature-31337';
const OLDER = '1'.repeat(40);
const NEWER = '2'.repeat(40);
const settings: WebhookSettings = {
  secrets: { github: { secret: SECRET, repositories: [] } },
  keyword: 'deploy_feature',
  environment: 'dev',
  branchPattern: '^feature/(\\d+)',
  featureName: 'feature-{1}',
  repositories: [{ service: 'demo-api', repositories: ['acme-bank/demo-api'] }],
};

/**
 * A PushDeployer over a feature store in memory whose deploys finish when `finishDeploy` is called: the
 * source of a deploy is stored only then, as the deploy's transaction would.
 */
function setup() {
  const sources = new Map<string, FeatureSource>();
  const deliveries = new Set<string>();
  const deploys: FeatureSource[] = [];
  const pending: Array<() => void> = [];
  const deployStarted = jest.fn();
  const featureStore: Partial<FeatureStore> = {
    getFeature: async name =>
      sources.has(name)
        ? ({ name, environment: 'dev', source: sources.get(name) } as any)
        : undefined,
    recordDelivery: async (provider, id) =>
      !deliveries.has(`${provider}:${id}`) &&
      !!deliveries.add(`${provider}:${id}`),
    forgetDelivery: async (provider, id) => {
      deliveries.delete(`${provider}:${id}`);
    },
  };
  const commands: Partial<GuardedCommands> = {
    deployFeature: async (body: any) => {
      deploys.push(body.source);
      deployStarted();
      await new Promise<void>(resolve => pending.push(resolve));
      sources.set(body.name, body.source);
      return { operation: { id: `op-${deploys.length}` } } as any;
    },
  };
  const deployer = new PushDeployer({
    settings,
    commands: commands as GuardedCommands,
    featureStore: featureStore as FeatureStore,
    registry: {
      listServices: async () => [{ name: 'demo-api' }],
    } as unknown as ServiceRegistryStore,
    catalog: catalogServiceMock(),
    auth: mockServices.auth(),
    notifier: {
      link: (feature: string) => `/feature-branches/${feature}`,
      send: async () => undefined,
    } as unknown as FeatureNotifier,
    logger: mockServices.logger.mock(),
  });
  const app = express().use(deployer.router()).use(mockErrorHandler());
  const finishDeploy = () => pending.shift()!();
  return { app, sources, deploys, deployStarted, finishDeploy };
}

function deliver(app: express.Express, body: Buffer, deliveryId: string) {
  return request(app)
    .post('/webhooks/github')
    .set(githubHeaders(body, SECRET, { 'x-github-delivery': deliveryId }))
    .send(body.toString());
}

describe('PushDeployer: delivery order', () => {
  const newer = githubPushOf(NEWER, '2026-05-04T09:40:00+02:00', OLDER);
  const older = githubPushOf(
    OLDER,
    '2026-05-04T09:30:00+02:00',
    '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
  );

  it('handles a push that arrives while another of the branch deploys after it, and then skips it as older', async () => {
    const { app, sources, deploys, deployStarted, finishDeploy } = setup();
    // supertest sends a request when it is awaited or then() is called.
    const first = deliver(app, newer, 'newer').then(res => res);
    await new Promise<void>(resolve =>
      deployStarted.mockImplementation(resolve),
    );

    const second = deliver(app, older, 'older').then(res => res);
    // The older push waits for the newer one's deploy instead of reading the feature before it is stored.
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(deploys).toHaveLength(1);
    finishDeploy();

    expect((await first).status).toBe(202);
    const skipped = await second;
    expect(skipped.status).toBe(200);
    expect(skipped.body).toEqual({
      status: 'ignored',
      reason:
        'commit 1111111 (2026-05-04T09:30:00+02:00) is older than the deployed 2222222 (2026-05-04T09:40:00+02:00)',
    });
    expect(deploys).toHaveLength(1);
    expect(sources.get(FEATURE)).toEqual({
      repository: 'acme-bank/demo-api',
      branch: 'feature/31337-login',
      sha: NEWER,
      committedAt: '2026-05-04T09:40:00+02:00',
    });
  });

  it('deploys a newer push after an older one and answers the same commit again as already deployed', async () => {
    const { app, sources, deployStarted, finishDeploy } = setup();
    deployStarted.mockImplementation(() => setImmediate(finishDeploy));
    expect((await deliver(app, older, 'older')).status).toBe(202);
    expect((await deliver(app, newer, 'newer')).status).toBe(202);
    expect(sources.get(FEATURE)?.sha).toBe(NEWER);

    const again = await deliver(app, newer, 'newer-from-another-hook');
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      status: 'ignored',
      reason: 'commit 2222222 is already deployed',
    });
  });
});
