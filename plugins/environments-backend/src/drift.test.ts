import path from 'node:path';
import {
  TestDatabases,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import type { Knex } from 'knex';
import {
  ApiCall,
  apiCaller,
  eventually,
  localBackendConfig,
  waitForOperation,
} from './__testUtils__/integration';
import { environmentsPlugin } from './plugin';

jest.setTimeout(240_000);

const examples = path.resolve(__dirname, '../../../examples');
const SECRET = 'drift-secret-value-never-shown';

const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);

async function startBackend(knex: Knex) {
  const backend = await startTestBackend({
    features: [
      environmentsPlugin,
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: localBackendConfig({ rollout: { readyTimeoutSeconds: 60 } }),
      }),
    ],
  });
  return { call: apiCaller(backend.server), stop: () => backend.stop() };
}

/** `change kind name` of each drift entry, sorted. */
const described = (drift: any[]) =>
  drift.map(d => `${d.change} ${d.ref.kind} ${d.ref.name}`).sort();

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('drift on %s', databaseId => {
  const env = `drift-${databaseId === 'SQLITE_3' ? 'sq' : 'pg'}`;
  let knex: Knex;
  let call: ApiCall;
  let stop: () => Promise<void>;

  /** The status once `check` accepts it. */
  const statusWhen = (check: (status: any) => boolean) =>
    eventually(async () => {
      const res = await call('get', `/environments/${env}/status`);
      expect(res.status).toBe(200);
      return check(res.body) ? res.body : undefined;
    });
  const serviceDrift = (status: any) =>
    status.services.find((s: any) => s.name === 'demo-api').drift;

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    ({ call, stop } = await startBackend(knex));
    await call('post', '/services/import', {
      source: { type: 'directory', location: examples },
    });
    const created = await call('post', '/environments', {
      name: env,
      cluster: 'local',
      owner: 'group:default/platform-team',
      config: {
        configMaps: [{ name: 'shared-config', data: { CURRENCY: 'EUR' } }],
        secrets: [{ name: 'db-credentials', values: { password: SECRET } }],
      },
      services: [{ name: 'demo-api' }],
    });
    const operation = await waitForOperation(call, created.body.id);
    if (operation.state !== 'succeeded') {
      throw new Error(`${env} did not roll out: ${operation.error}`);
    }
  });
  afterAll(async () => {
    await call('delete', `/environments/${env}`);
    await stop();
  });

  it('reports out-of-band changes, still after a restart, until a re-apply repairs them', async () => {
    // Nothing drifted after the rollout.
    const clean = await statusWhen(() => true);
    expect(serviceDrift(clean)).toEqual([]);
    expect(clean.drift).toEqual([]);

    // Out of band: the Deployment's image is changed, the environment's ConfigMap and Secret are deleted.
    const deployment = await apps.readNamespacedDeployment({
      name: 'demo-api',
      namespace: env,
    });
    deployment.spec!.template.spec!.containers[0].image = 'attacker/evil:1';
    await apps.replaceNamespacedDeployment({
      name: 'demo-api',
      namespace: env,
      body: deployment,
    });
    await core.deleteNamespacedConfigMap({
      name: 'shared-config',
      namespace: env,
    });
    await core.deleteNamespacedSecret({
      name: 'db-credentials',
      namespace: env,
    });

    const expected = {
      service: ['modified Deployment demo-api'],
      environment: [
        'deleted ConfigMap shared-config',
        'deleted Secret db-credentials',
      ],
    };
    const drifted = await statusWhen(
      s =>
        serviceDrift(s).length > 0 &&
        s.drift.length === expected.environment.length,
    );
    expect(described(serviceDrift(drifted))).toEqual(expected.service);
    expect(serviceDrift(drifted)[0].ref).toMatchObject({
      apiVersion: 'apps/v1',
      namespace: env,
    });
    expect(described(drifted.drift)).toEqual(expected.environment);
    // A Secret is only ever reported by name.
    expect(JSON.stringify(drifted)).not.toContain(SECRET);

    // A new backend on the same database knows what was applied before.
    await stop();
    ({ call, stop } = await startBackend(knex));
    const restarted = await statusWhen(
      s =>
        serviceDrift(s).length > 0 &&
        s.drift.length === expected.environment.length,
    );
    expect(described(serviceDrift(restarted))).toEqual(expected.service);
    expect(described(restarted.drift)).toEqual(expected.environment);

    // An update that leaves demo-api's manifest as it is still re-applies what drifted.
    const updated = await call('patch', `/environments/${env}`, {
      description: 'repaired',
    });
    expect(updated.status).toBe(202);
    expect((await waitForOperation(call, updated.body.id)).state).toBe(
      'succeeded',
    );
    const live = await apps.readNamespacedDeployment({
      name: 'demo-api',
      namespace: env,
    });
    expect(live.spec!.template.spec!.containers[0].image).toBe(
      'ghcr.io/envmesh-examples/demo-api:1.4.2',
    );
    await core.readNamespacedConfigMap({
      name: 'shared-config',
      namespace: env,
    });
    // The Secret's values are write-only, so only writing them again repairs it.
    const repaired = await statusWhen(
      s => serviceDrift(s).length === 0 && s.drift.length === 1,
    );
    expect(described(repaired.drift)).toEqual([
      'deleted Secret db-credentials',
    ]);
    const written = await call(
      'put',
      `/environments/${env}/secrets/db-credentials`,
      { values: { password: SECRET } },
    );
    expect(written.status).toBe(204);
    await statusWhen(s => s.drift.length === 0);
  });
});
