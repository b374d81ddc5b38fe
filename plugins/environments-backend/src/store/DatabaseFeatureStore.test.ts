import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { createDatabaseStores } from './DatabaseStores';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

async function createStores(id: Parameters<typeof databases.init>[0]) {
  const stores = await createDatabaseStores({
    database: mockServices.database({ knex: await databases.init(id) }),
  });
  await stores.environments.createEnvironment({
    name: 'dev',
    cluster: 'local',
    namespace: 'dev',
    owner: 'group:default/platform',
    globalValues: {},
    config: { configMaps: [], secrets: [] },
    resources: { gateways: [], certificates: [] },
    services: [{ name: 'api' }, { name: 'web' }],
  });
  return stores;
}

describe.each(databases.eachSupportedId())(
  'DatabaseFeatureStore on %s',
  databaseId => {
    it('keeps feature branches with their instances and refuses a second of one name', async () => {
      const stores = await createStores(databaseId);
      const created = await stores.features.createFeature({
        name: 'feature-1',
        environment: 'dev',
        owner: 'user:default/alice',
        source: { repository: 'org/api', branch: 'feature/1', sha: 'abc' },
        expiresAt: '2030-01-01T00:00:00.000Z',
        instances: [{ service: 'api', imageTag: '2.0.0' }],
      });
      expect(created).toMatchObject({
        name: 'feature-1',
        environment: 'dev',
        source: { repository: 'org/api', branch: 'feature/1', sha: 'abc' },
        expiresAt: '2030-01-01T00:00:00.000Z',
        instances: [{ service: 'api', imageTag: '2.0.0', state: 'pending' }],
      });
      await expect(
        stores.features.createFeature({
          name: 'feature-1',
          environment: 'dev',
          owner: 'user:default/bob',
          instances: [],
        }),
      ).rejects.toThrow(ConflictError);

      await stores.features.setInstanceState('feature-1', 'api', 'ready');
      const updated = await stores.features.updateFeature('feature-1', {
        instances: [{ service: 'web', values: { replicas: 1 } }],
      });
      expect(updated.instances.map(i => [i.service, i.state])).toEqual([
        ['api', 'ready'],
        ['web', 'pending'],
      ]);
      await expect(
        stores.features.updateFeature('nope', { expiresAt: '2030-01-01' }),
      ).rejects.toThrow(NotFoundError);

      await stores.features.deleteInstances('feature-1', ['api']);
      expect(
        (await stores.features.getFeature('feature-1'))!.instances.map(
          i => i.service,
        ),
      ).toEqual(['web']);
    });

    it('keeps the base revision an instance was deployed onto through a redeploy that fails', async () => {
      const stores = await createStores(databaseId);
      await stores.features.createFeature({
        name: 'feature-1',
        environment: 'dev',
        owner: 'user:default/alice',
        instances: [{ service: 'api' }, { service: 'web' }],
      });
      const instances = async () =>
        (await stores.features.getFeature('feature-1'))!.instances.map(i => ({
          service: i.service,
          state: i.state,
          baseRevision: i.baseRevision,
          message: i.message,
        }));
      await stores.features.setInstanceState('feature-1', 'api', 'ready', {
        baseRevision: 3,
      });
      expect(await instances()).toEqual([
        { service: 'api', state: 'ready', baseRevision: 3 },
        { service: 'web', state: 'pending' },
      ]);

      // Deployed again: pending, deploying, then failed, still on the base it was deployed onto.
      await stores.features.updateFeature('feature-1', {
        instances: [{ service: 'api', imageTag: '2.0.0' }],
      });
      await stores.features.setInstanceState('feature-1', 'api', 'deploying');
      await stores.features.setInstanceState('feature-1', 'api', 'failed', {
        message: 'not ready',
      });
      expect((await instances())[0]).toEqual({
        service: 'api',
        state: 'failed',
        baseRevision: 3,
        message: 'not ready',
      });
      await stores.features.setInstanceState('feature-1', 'api', 'ready', {
        baseRevision: 4,
      });
      expect(
        (await stores.features.listFeatures())[0].instances[0],
      ).toMatchObject({ state: 'ready', baseRevision: 4 });
    });

    it('finds expired feature branches', async () => {
      const stores = await createStores(databaseId);
      for (const [name, expiresAt] of [
        ['old', '2020-01-01T00:00:00.000Z'],
        ['new', '2099-01-01T00:00:00.000Z'],
      ]) {
        await stores.features.createFeature({
          name,
          environment: 'dev',
          owner: 'user:default/alice',
          expiresAt,
          instances: [],
        });
      }
      const expired = await stores.features.listFeatures({
        expiredBefore: new Date('2026-01-01T00:00:00.000Z'),
      });
      expect(expired.map(f => f.name)).toEqual(['old']);
    });

    it('runs feature operations beside the environment operation, one per feature', async () => {
      const stores = await createStores(databaseId);
      const operation = (feature?: string) => ({
        environment: 'dev',
        feature,
        type: 'deploy-feature' as const,
        actor: 'user:default/alice',
        steps: [{ name: 'deploy api', service: 'api' }],
      });
      await stores.operations.createOperation({
        ...operation(),
        type: 'update',
      });
      const first = await stores.operations.createOperation(
        operation('feature-1'),
      );
      expect(first.feature).toBe('feature-1');
      await stores.operations.createOperation(operation('feature-2'));
      await expect(
        stores.operations.createOperation(operation('feature-1')),
      ).rejects.toThrow(/feature branch 'feature-1' has operation/);
      await expect(
        stores.operations.createOperation({ ...operation(), type: 'update' }),
      ).rejects.toThrow(/environment 'dev' has operation/);
      expect(
        (
          await stores.operations.listOperations({
            environment: 'dev',
            feature: '',
          })
        ).map(o => o.type),
      ).toEqual(['update']);
      expect(
        await stores.operations.listOperations({ environment: 'dev' }),
      ).toHaveLength(3);
    });

    it('deduplicates webhook deliveries and forgets old ones', async () => {
      const stores = await createStores(databaseId);
      expect(await stores.features.recordDelivery('github', 'd-1')).toBe(true);
      expect(await stores.features.recordDelivery('github', 'd-1')).toBe(false);
      expect(await stores.features.recordDelivery('gitlab', 'd-1')).toBe(true);
      await stores.features.forgetDelivery('github', 'd-1');
      expect(await stores.features.recordDelivery('github', 'd-1')).toBe(true);
      expect(
        await stores.features.pruneDeliveries(new Date(Date.now() + 1000)),
      ).toBe(2);
    });

    it('deletes the feature branches of a deleted environment', async () => {
      const stores = await createStores(databaseId);
      await stores.features.createFeature({
        name: 'feature-1',
        environment: 'dev',
        owner: 'user:default/alice',
        instances: [{ service: 'api' }],
      });
      await stores.environments.deleteEnvironment('dev');
      expect(await stores.features.getFeature('feature-1')).toBeUndefined();
    });
  },
);
