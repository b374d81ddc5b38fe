import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import type { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import { createDatabaseStores } from '../store';
import type { StoredOperation } from '../store';
import { FeatureNotifier } from './FeatureNotifier';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('FeatureNotifier', () => {
  const sent: NotificationSendOptions[] = [];
  let notifier: FeatureNotifier;

  beforeAll(async () => {
    const stores = await createDatabaseStores({
      database: mockServices.database({
        knex: await databases.init('SQLITE_3'),
      }),
    });
    await stores.environments.createEnvironment({
      name: 'dev',
      cluster: 'local',
      namespace: 'dev',
      owner: 'group:default/platform',
      globalValues: {},
      config: { configMaps: [], secrets: [] },
      resources: { gateways: [], certificates: [] },
      services: [{ name: 'api' }],
    });
    for (const [name, owner] of [
      ['f-1', 'user:default/jane'],
      ['f-robot', 'envmesh:lifecycle'],
    ]) {
      await stores.features.createFeature({
        name,
        environment: 'dev',
        owner,
        instances: [{ service: 'api' }],
      });
    }
    notifier = new FeatureNotifier({
      // The notifications backend's sender cannot run here: record what it would be given.
      notifications: {
        send: async (options: NotificationSendOptions) => {
          sent.push(options);
        },
      },
      features: stores.features,
      baseUrl: 'https://portal.example',
      logger: mockServices.logger.mock(),
    });
  });

  beforeEach(() => {
    sent.length = 0;
  });

  const deploy = (feature: string, params = {}) =>
    ({
      id: 'op-1',
      type: 'deploy-feature',
      environment: 'dev',
      feature,
      params,
    } as unknown as StoredOperation);

  it('tells the owner of a deploy that succeeded or failed, once', async () => {
    await notifier.operationFinished(deploy('f-1'), { state: 'succeeded' });
    await notifier.operationFinished(deploy('f-1'), {
      state: 'failed',
      error: 'api: ImagePullBackOff',
    });
    expect(sent).toEqual([
      {
        recipients: { type: 'entity', entityRef: ['user:default/jane'] },
        payload: {
          title: 'Feature f-1 is deployed',
          description: 'Feature f-1 is running in dev.',
          severity: 'normal',
          link: 'https://portal.example/feature-branches/f-1',
          topic: 'envmesh-feature',
        },
      },
      {
        recipients: { type: 'entity', entityRef: ['user:default/jane'] },
        payload: expect.objectContaining({
          title: 'Feature f-1 failed to deploy',
          description: 'Feature f-1: api: ImagePullBackOff',
          severity: 'high',
        }),
      },
    ]);
  });

  it('says nothing for a cancelled deploy, a removal, or an owner that is no entity', async () => {
    await notifier.operationFinished(deploy('f-1'), { state: 'cancelled' });
    await notifier.operationFinished(
      { ...deploy('f-1'), type: 'remove-feature' } as StoredOperation,
      { state: 'succeeded' },
    );
    await notifier.operationFinished(deploy('f-robot'), {
      state: 'failed',
      error: 'x',
    });
    expect(sent).toEqual([]);
  });

  it('tells the people a push named, with its commit, instead of the owner', async () => {
    await notifier.operationFinished(
      deploy('f-1', {
        notice: {
          recipients: ['user:default/author'],
          link: 'https://portal.example/feature-branches/f-1',
          commit: '0d1a26e',
        },
      }),
      { state: 'succeeded' },
    );
    expect(sent).toEqual([
      {
        recipients: { type: 'entity', entityRef: ['user:default/author'] },
        payload: expect.objectContaining({
          description: '0d1a26e is running in dev.',
        }),
      },
    ]);
  });
});
