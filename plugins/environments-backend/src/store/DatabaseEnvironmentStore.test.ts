import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { ConflictError, NotFoundError } from '@backstage/errors';
import type {
  EnvironmentSpec,
  ServiceDefinition,
} from '@envmesh/plugin-environments-common';
import knexFactory, { Knex } from 'knex';
import { DatabaseEnvironmentStore } from './DatabaseEnvironmentStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const extraConnections: Knex[] = [];
afterAll(async () => {
  await Promise.all(extraConnections.map(k => k.destroy()));
});

/** A fresh database with two stores on it, as two backend replicas would have (own connection pools). */
async function createStores(id: TestDatabaseId) {
  const knex = await databases.init(id);
  const store = await DatabaseEnvironmentStore.fromKnex(knex);
  // An in-memory SQLite database exists once per connection, so the second store shares the first's pool.
  let otherKnex = knex;
  if (id !== 'SQLITE_3') {
    otherKnex = knexFactory(knex.client.config);
    extraConnections.push(otherKnex);
  }
  return { store, other: new DatabaseEnvironmentStore(otherKnex) };
}

function environment(
  name: string,
  overrides: Partial<EnvironmentSpec> = {},
): EnvironmentSpec {
  return {
    name,
    cluster: 'local',
    namespace: name,
    owner: 'group:default/platform',
    description: `the ${name} environment`,
    previewDomain: 'demo.net',
    globalValues: { istio: { gateway: 'gw' }, env: { REGION: 'eu' } },
    config: {
      configMaps: [{ name: 'common', data: { 'app.yaml': 'a: 1' } }],
      secrets: [{ name: 'db', keys: ['password'] }],
    },
    resources: {
      gateways: [{ name: 'gw', hosts: ['*.demo.net'] }],
      certificates: [],
    },
    services: [
      { name: 'web', imageTag: '1.2.3', values: { replicas: 2 } },
      { name: 'api', keyValues: { 'env.LOG_LEVEL': 'debug' }, startupGroup: 2 },
    ],
    ...overrides,
  };
}

function service(name: string, tag = '1.0.0'): ServiceDefinition {
  return {
    name,
    source: { type: 'git', location: 'file:///repo.git', ref: 'main' },
    chart: { name: 'app', version: '0.1.0', digest: 'sha256:abc' },
    defaultValues: { image: { tag }, resources: { limits: { cpu: '1' } } },
    image: { repository: `registry.local/${name}`, tag },
    startupGroup: 1,
    catalogEntityRef: `component:default/${name}`,
    updatedAt: new Date(0).toISOString(),
  };
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function newOperation(env: string) {
  return {
    environment: env,
    type: 'create' as const,
    actor: 'user:default/alice',
    params: { reason: 'test' },
    steps: [
      { name: 'namespace' },
      { name: 'deploy web', group: 1, service: 'web' },
    ],
  };
}

describe('DatabaseEnvironmentStore', () => {
  it('runs on PostgreSQL as well as SQLite (the jest global setup starts it)', () => {
    expect(databases.eachSupportedId()).toEqual([
      ['POSTGRES_15'],
      ['SQLITE_3'],
    ]);
  });

  describe.each(databases.eachSupportedId())('on %s', databaseId => {
    it('stores charts once and services in bulk', async () => {
      const { store } = await createStores(databaseId);
      const archive = Buffer.from([0, 1, 2, 255, 254]);
      const chart = { digest: 'sha256:abc', name: 'app', version: '0.1.0' };
      await store.putChart({ ...chart, archive });
      await store.putChart({ ...chart, archive: Buffer.from('ignored') });
      expect(await store.getChartArchive('sha256:abc')).toEqual(archive);
      expect(await store.getChartArchive('sha256:nope')).toBeUndefined();

      const names = Array.from({ length: 250 }, (_, i) => `svc-${1000 + i}`);
      await store.upsertServices(names.map(n => service(n)));
      await store.upsertServices([service('svc-1001', '2.0.0')]);

      const listed = await store.listServices();
      expect(listed.map(s => s.name)).toEqual(names);
      const { updatedAt, ...changed } = (await store.getService('svc-1001'))!;
      const { updatedAt: _, ...expected } = service('svc-1001', '2.0.0');
      expect(changed).toEqual(expected);
      expect(Date.parse(updatedAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(await store.getService('missing')).toBeUndefined();
    });

    it('round-trips environments and refuses taken names and namespaces', async () => {
      const { store } = await createStores(databaseId);
      const spec = environment('dev-1');
      const created = await store.createEnvironment(spec);
      expect(created).toEqual({
        ...spec,
        createdAt: expect.any(String),
        updatedAt: created.createdAt,
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
      const { store, other } = await createStores(databaseId);
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
      const { store } = await createStores(databaseId);
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

      await store.setInventory('stage', 'api', [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'stage',
          name: 'api',
        },
      ]);
      await store.addRevision({
        environment: 'stage',
        service: 'api',
        values: {},
        manifestHash: 'h1',
        actor: 'user:default/alice',
      });
      const op = await store.createOperation(newOperation('stage'));

      expect(await store.deleteEnvironment('stage')).toBe(true);
      expect(await store.deleteEnvironment('stage')).toBe(false);
      expect(await store.getEnvironment('stage')).toBeUndefined();
      expect(await store.listInventories('stage')).toEqual([]);
      expect(await store.listRevisions('stage')).toEqual([]);
      expect(await store.getOperation(op.id)).toMatchObject({
        environment: 'stage',
      });
      // The name and namespace are free again; its services are gone.
      const again = await store.createEnvironment(
        environment('stage', { services: [] }),
      );
      expect(again.services).toEqual([]);
    });

    it('keeps the sleep of an environment apart from its spec', async () => {
      const { store } = await createStores(databaseId);
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

    it('keeps one inventory per release', async () => {
      const { store } = await createStores(databaseId);
      await store.createEnvironment(environment('inv'));
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'inv',
        name: 'web',
      };
      const gateway = {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        namespace: 'inv',
        name: 'gw',
      };
      const namespace = { apiVersion: 'v1', kind: 'Namespace', name: 'inv' };
      expect(await store.getInventory('inv', 'web')).toBeUndefined();
      await store.setInventory('inv', 'web', [deployment]);
      await store.setInventory('inv', '', [namespace, gateway]);
      await store.setInventory('inv', 'web', []);
      expect(await store.getInventory('inv', 'web')).toEqual([]);
      expect(await store.getInventory('inv', '')).toEqual([namespace, gateway]);
      expect(await store.listInventories('inv')).toEqual([
        {
          environment: 'inv',
          release: '',
          objects: [namespace, gateway],
          updatedAt: expect.any(String),
        },
        {
          environment: 'inv',
          release: 'web',
          objects: [],
          updatedAt: expect.any(String),
        },
      ]);
    });

    it('numbers revisions per service, also under concurrent writers', async () => {
      const { store, other } = await createStores(databaseId);
      await store.createEnvironment(environment('rev'));
      const add = (s: DatabaseEnvironmentStore, svc: string, tag: string) =>
        s.addRevision({
          environment: 'rev',
          service: svc,
          imageTag: tag,
          values: { image: { tag } },
          manifestHash: `hash-${tag}`,
          actor: 'user:default/bob',
        });

      const first = await add(store, 'web', '1');
      expect(first).toEqual({
        environment: 'rev',
        service: 'web',
        revision: 1,
        imageTag: '1',
        values: { image: { tag: '1' } },
        manifestHash: 'hash-1',
        actor: 'user:default/bob',
        createdAt: expect.any(String),
      });
      expect((await add(store, 'api', 'a')).revision).toBe(1);

      const concurrent = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          add(i % 2 ? other : store, 'web', `c${i}`),
        ),
      );
      expect(concurrent.map(r => r.revision).sort((a, b) => a - b)).toEqual([
        2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
      ]);

      const web = await store.listRevisions('rev', 'web');
      expect(web.map(r => r.revision)).toEqual([
        11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1,
      ]);
      expect(await store.listRevisions('rev')).toHaveLength(12);
      expect(await store.getRevision('rev', 'web', 1)).toEqual(first);
      expect(await store.getRevision('rev', 'web', 99)).toBeUndefined();
      await expect(
        store.addRevision({
          environment: 'missing',
          service: 'web',
          values: {},
          manifestHash: 'h',
          actor: 'a',
        }),
      ).rejects.toThrow(NotFoundError);
    });

    it('allows one active operation per environment, also under concurrency', async () => {
      const { store, other } = await createStores(databaseId);
      const op = await store.createOperation(newOperation('env-a'));
      expect(op).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        environment: 'env-a',
        type: 'create',
        state: 'pending',
        actor: 'user:default/alice',
        params: { reason: 'test' },
        createdAt: expect.any(String),
        cancelRequested: false,
        steps: [
          { index: 0, name: 'namespace', state: 'pending' },
          {
            index: 1,
            name: 'deploy web',
            group: 1,
            service: 'web',
            state: 'pending',
          },
        ],
      });
      expect(await store.getOperation(op.id)).toEqual(op);
      await expect(
        store.createOperation(newOperation('env-a')),
      ).rejects.toThrow(
        new ConflictError(
          `environment 'env-a' has operation ${op.id} (create) in progress`,
        ),
      );

      const racers = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : store).createOperation(newOperation('env-b')),
        ),
      );
      const won = racers.filter(r => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of racers.filter(x => x.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(
          ConflictError,
        );
      }
      expect(await store.listOperations({ environment: 'env-b' })).toHaveLength(
        1,
      );

      // Once it ends, the environment takes the next one.
      await store.finishOperation(op.id, 'failed', 'boom');
      await sleep(5);
      const next = await store.createOperation({
        ...newOperation('env-a'),
        type: 'update',
      });
      expect(await store.getOperation(op.id)).toMatchObject({
        state: 'failed',
        error: 'boom',
        finishedAt: expect.any(String),
      });
      const listed = await store.listOperations({ environment: 'env-a' });
      expect(listed.map(o => o.id)).toEqual([next.id, op.id]);
      expect(listed[1].steps).toHaveLength(2);
      expect(
        await store.listOperations({ limit: 1, environment: 'env-a' }),
      ).toEqual([next]);
      expect(await store.listOperations()).toHaveLength(3);
      expect(
        await store.getOperation('00000000-0000-0000-0000-000000000000'),
      ).toBeUndefined();
    });

    it('gives each pending operation to exactly one of two workers', async () => {
      const { store, other } = await createStores(databaseId);
      const created = [];
      for (let i = 0; i < 6; i++) {
        created.push(await store.createOperation(newOperation(`claim-${i}`)));
      }
      const claimAll = async (s: DatabaseEnvironmentStore, worker: string) => {
        const ids: string[] = [];
        for (;;) {
          const op = await s.claimOperation(worker, 60_000);
          if (!op) return ids;
          expect(op).toMatchObject({
            state: 'running',
            claimedBy: worker,
            params: { reason: 'test' },
            startedAt: expect.any(String),
            leaseUntil: expect.any(String),
          });
          ids.push(op.id);
        }
      };
      const [a, b] = await Promise.all([
        claimAll(store, 'worker-a'),
        claimAll(other, 'worker-b'),
      ]);
      expect([...a, ...b].sort()).toEqual(created.map(o => o.id).sort());
      expect(await store.claimOperation('worker-c', 60_000)).toBeUndefined();

      // Head to head: both ask at the same moment for the one claimable operation.
      for (let round = 0; round < 10; round++) {
        const op = await store.createOperation(newOperation(`duel-${round}`));
        const [x, y] = await Promise.all([
          store.claimOperation('worker-a', 60_000),
          other.claimOperation('worker-b', 60_000),
        ]);
        expect([x?.id, y?.id].filter(Boolean)).toEqual([op.id]);
      }
    });

    it('lets another worker claim an operation whose lease expired', async () => {
      const { store, other } = await createStores(databaseId);
      const op = await store.createOperation(newOperation('lease'));
      const claimed = await store.claimOperation('worker-a', 1000);
      expect(claimed?.id).toBe(op.id);
      expect(await other.claimOperation('worker-b', 60_000)).toBeUndefined();
      expect(await store.renewLease(op.id, 'worker-a', 1000)).toBe(true);
      expect(await other.renewLease(op.id, 'worker-b', 1000)).toBe(false);

      await sleep(1200); // worker-a "died": no renewal
      const taken = await other.claimOperation('worker-b', 60_000);
      expect(taken).toMatchObject({
        id: op.id,
        state: 'running',
        claimedBy: 'worker-b',
        startedAt: claimed!.startedAt, // resumed, not restarted
      });
      expect(await store.renewLease(op.id, 'worker-a', 1000)).toBe(false);
      expect(await other.renewLease(op.id, 'worker-b', 60_000)).toBe(true);

      await other.finishOperation(op.id, 'succeeded');
      expect(await other.renewLease(op.id, 'worker-b', 60_000)).toBe(false);
      expect(await store.claimOperation('worker-a', 1000)).toBeUndefined();
    });

    it('records step progress', async () => {
      const { store } = await createStores(databaseId);
      const op = await store.createOperation(newOperation('steps'));
      await store.updateStep(op.id, 1, { state: 'running' });
      let step = (await store.getOperation(op.id))!.steps[1];
      expect(step).toEqual({
        index: 1,
        name: 'deploy web',
        group: 1,
        service: 'web',
        state: 'running',
        startedAt: expect.any(String),
      });
      await store.updateStep(op.id, 1, {
        state: 'failed',
        message: 'no node fits',
      });
      step = (await store.getOperation(op.id))!.steps[1];
      expect(step).toMatchObject({ state: 'failed', message: 'no node fits' });
      expect(Date.parse(step.finishedAt!)).toBeGreaterThanOrEqual(
        Date.parse(step.startedAt!),
      );
      await store.updateStep(op.id, 0, {
        state: 'succeeded',
        startedAt: '2026-01-01T00:00:00.000Z',
        finishedAt: '2026-01-01T00:00:01.500Z',
      });
      expect((await store.getOperation(op.id))!.steps[0]).toMatchObject({
        startedAt: '2026-01-01T00:00:00.000Z',
        finishedAt: '2026-01-01T00:00:01.500Z',
      });
      await expect(
        store.updateStep(op.id, 7, { state: 'running' }),
      ).rejects.toThrow(NotFoundError);
    });

    it('keeps log lines in order and follows them by sequence number', async () => {
      const { store, other } = await createStores(databaseId);
      const op = await store.createOperation(newOperation('logs'));
      const lines = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.appendLog(op.id, i % 3 ? 'info' : 'warn', `line ${i}`),
        ),
      );
      expect(lines.map(l => l.seq)).toEqual(
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      const all = await store.listLogs(op.id);
      expect(all.map(l => l.message)).toEqual(lines.map(l => l.message));
      expect(all[0]).toEqual({
        seq: 1,
        ts: lines[0].ts,
        level: 'warn',
        message: 'line 0',
      });
      expect(
        (await store.listLogs(op.id, { afterSeq: 28 })).map(l => l.message),
      ).toEqual(['line 28', 'line 29']);

      // Two replicas writing at once still get distinct, gap-free numbers.
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? other : store).appendLog(op.id, 'info', `more ${i}`),
        ),
      );
      const seqs = (await other.listLogs(op.id)).map(l => l.seq);
      expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(
        await store.listLogs('00000000-0000-0000-0000-000000000000'),
      ).toEqual([]);
    });

    it('flags cancellation of active operations only', async () => {
      const { store, other } = await createStores(databaseId);
      const op = await store.createOperation(newOperation('cancel'));
      expect(await other.isCancelRequested(op.id)).toBe(false);
      expect(await store.requestCancel(op.id)).toBe(true);
      expect(await other.isCancelRequested(op.id)).toBe(true);
      expect((await other.claimOperation('w', 1000))?.cancelRequested).toBe(
        true,
      );
      await other.finishOperation(op.id, 'cancelled');
      expect(await store.requestCancel(op.id)).toBe(false);
      expect(await store.getOperation(op.id)).toMatchObject({
        state: 'cancelled',
      });
    });
  });
});
