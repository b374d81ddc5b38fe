import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  describeStore,
  environment,
  newOperation,
  sleep,
} from '../__testUtils__/stores';

jest.setTimeout(60_000);

const databases = describeStore(
  'DatabaseEnvironmentStore',
  'environments',
  createStores => {
    it('round-trips environments and refuses taken names and namespaces', async () => {
      const { store } = await createStores();
      const spec = environment('dev-1');
      const created = await store.createEnvironment(spec);
      expect(created).toEqual({
        ...spec,
        createdAt: expect.any(String),
        updatedAt: created.createdAt,
        // No activity yet: its creation.
        lastActivityAt: created.createdAt,
      });
      expect(await store.getEnvironment('dev-1')).toEqual(created);

      const sameName = store.createEnvironment(
        environment('dev-1', { namespace: 'elsewhere' }),
      );
      await expect(sameName).rejects.toThrow(ConflictError);
      await expect(sameName).rejects.toThrow("environment name 'dev-1'");
      const sameNamespace = store.createEnvironment(
        environment('dev-2', { namespace: 'dev-1' }),
      );
      await expect(sameNamespace).rejects.toThrow(ConflictError);
      await expect(sameNamespace).rejects.toThrow(
        "namespace 'dev-1' of cluster 'local' is already used by environment 'dev-1'",
      );
      // The same namespace on another cluster is a different place.
      await store.createEnvironment(
        environment('dev-2', { cluster: 'other', namespace: 'dev-1' }),
      );

      const minimal = await store.createEnvironment(
        environment('bare', {
          description: undefined,
          previewDomain: undefined,
        }),
      );
      expect(minimal).not.toHaveProperty('description');
      expect(minimal).not.toHaveProperty('previewDomain');
      expect((await store.listEnvironments()).map(e => e.name)).toEqual([
        'bare',
        'dev-1',
        'dev-2',
      ]);
    });

    it('lets exactly one of concurrent creates of one name win', async () => {
      const { store, other } = await createStores();
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? other : store).createEnvironment(
            environment('race', { namespace: `ns-${i}` }),
          ),
        ),
      );
      expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter(x => x.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(
          ConflictError,
        );
      }
    });

    it('updates and deletes environments, keeping operations as history', async () => {
      const { store, stores } = await createStores();
      const created = await store.createEnvironment(environment('stage'));
      await store.createEnvironment(environment('prod'));
      await sleep(5);

      const changed = environment('stage', {
        globalValues: { env: { REGION: 'us' } },
        services: [{ name: 'api', imageTag: '9.9.9' }],
      });
      const updated = await store.updateEnvironment(changed);
      expect(updated).toEqual({
        ...changed,
        createdAt: created.createdAt,
        updatedAt: expect.any(String),
        lastActivityAt: created.createdAt,
      });
      expect(Date.parse(updated.updatedAt)).toBeGreaterThan(
        Date.parse(created.createdAt),
      );
      await expect(
        store.updateEnvironment(environment('stage', { namespace: 'prod' })),
      ).rejects.toThrow(ConflictError);
      await expect(
        store.updateEnvironment(environment('nope')),
      ).rejects.toThrow(NotFoundError);

      await stores.inventories.setInventory('stage', 'api', [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'stage',
          name: 'api',
        },
      ]);
      await stores.revisions.addRevision({
        environment: 'stage',
        service: 'api',
        values: {},
        manifestHash: 'h1',
        actor: 'user:default/alice',
      });
      const op = await stores.operations.createOperation(newOperation('stage'));

      expect(await store.deleteEnvironment('stage')).toBe(true);
      expect(await store.deleteEnvironment('stage')).toBe(false);
      expect(await store.getEnvironment('stage')).toBeUndefined();
      expect(await stores.inventories.listInventories('stage')).toEqual([]);
      expect(await stores.revisions.listRevisions('stage')).toEqual([]);
      expect(await stores.operations.getOperation(op.id)).toMatchObject({
        environment: 'stage',
      });
      // The name and namespace are free again; its services are gone.
      const again = await store.createEnvironment(
        environment('stage', { services: [] }),
      );
      expect(again.services).toEqual([]);
    });

    it('keeps the sleep of an environment apart from its spec', async () => {
      const { store } = await createStores();
      await store.createEnvironment(environment('stage'));
      const since = new Date('2026-11-20T22:00:00.000Z');

      await store.setAsleep('stage', since);
      expect(await store.getEnvironment('stage')).toMatchObject({
        asleepSince: since.toISOString(),
      });
      // An update of the spec leaves the sleep as it is; listing shows it too.
      await store.updateEnvironment(
        environment('stage', { description: 'changed' }),
      );
      expect(await store.listEnvironments()).toEqual([
        expect.objectContaining({
          name: 'stage',
          description: 'changed',
          asleepSince: since.toISOString(),
        }),
      ]);

      await store.setAsleep('stage');
      expect(await store.getEnvironment('stage')).not.toHaveProperty(
        'asleepSince',
      );
      await expect(store.setAsleep('nope', since)).rejects.toThrow(
        NotFoundError,
      );
    });
  },
);

it('runs the store tests on PostgreSQL as well as SQLite (the jest global setup starts it)', () => {
  expect(databases.eachSupportedId()).toEqual([['POSTGRES_15'], ['SQLITE_3']]);
});
