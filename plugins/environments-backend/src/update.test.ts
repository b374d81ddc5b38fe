import path from 'node:path';
import {
  TestDatabases,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { CoreV1Api } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import {
  ApiCall,
  apiCaller,
  localBackendConfig,
  waitForOperation,
} from './__testUtils__/integration';
import { environmentsPlugin } from './plugin';

jest.setTimeout(240_000);

const examples = path.resolve(__dirname, '../../../examples');
const OLD_SECRET = 'old-value-never-shown';
const NEW_SECRET = 'new-value-never-shown';

const core = testKubeConfig().makeApiClient(CoreV1Api);

async function secretValue(namespace: string, name: string, key: string) {
  const secret = await core.readNamespacedSecret({ name, namespace });
  return Buffer.from(secret.data![key], 'base64').toString('utf8');
}

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('updates on %s', databaseId => {
  const env = `update-${databaseId === 'SQLITE_3' ? 'sq' : 'pg'}`;
  let call: ApiCall;
  let stop: () => Promise<void>;

  const config = {
    configMaps: [{ name: 'shared-config', data: { CURRENCY: 'EUR' } }],
    secrets: [{ name: 'db-credentials', values: { password: OLD_SECRET } }],
  };
  const resources = {
    gateways: [{ name: 'demo-gateway', hosts: ['demo.net'] }],
    certificates: [
      {
        name: 'demo-net-tls',
        secretName: 'demo-net-tls',
        dnsNames: ['demo.net'],
        issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' },
      },
    ],
  };

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        environmentsPlugin,
        mockServices.database.factory({
          knex: await databases.init(databaseId),
        }),
        mockServices.rootConfig.factory({
          data: localBackendConfig({ rollout: { readyTimeoutSeconds: 60 } }),
        }),
      ],
    });
    call = apiCaller(backend.server);
    stop = () => backend.stop();
    await call('post', '/services/import', {
      source: { type: 'directory', location: examples },
    });
    const created = await call('post', '/environments', {
      name: env,
      cluster: 'local',
      owner: 'group:default/platform-team',
      config,
      resources,
      services: [{ name: 'config-service' }],
    });
    const operation = await waitForOperation(call, created.body.id);
    if (operation.state !== 'succeeded') {
      throw new Error(`${env} did not roll out: ${operation.error}`);
    }
  });
  afterAll(async () => {
    await stop();
  });

  it("diffs the environment's own objects: config, resources, and Secrets by key name only", async () => {
    const body = {
      config: {
        configMaps: [{ name: 'shared-config', data: { CURRENCY: 'USD' } }],
        secrets: [
          { name: 'api-token', values: { token: NEW_SECRET } },
          { name: 'db-credentials', values: { password: NEW_SECRET } },
        ],
      },
      resources: {
        ...resources,
        gateways: [{ name: 'demo-gateway', hosts: ['demo.net', 'shop.net'] }],
      },
    };
    const diff = await call('post', `/environments/${env}/diff`, body);
    expect(diff.status).toBe(200);
    expect(diff.body.services).toEqual([]);
    const changes = Object.fromEntries(
      diff.body.environment.changes.map((c: any) => [
        `${c.ref.kind} ${c.ref.name}`,
        `${c.action} ${(c.changes ?? []).join(',')}`,
      ]),
    );
    expect(changes).toEqual({
      'ConfigMap shared-config': 'update data.CURRENCY',
      'Gateway demo-gateway': 'update spec.servers',
      'Secret api-token': 'create data.token',
      'Secret db-credentials': 'update data.password',
    });
    expect(JSON.stringify(diff.body)).not.toContain(NEW_SECRET);
    expect(JSON.stringify(diff.body)).not.toContain(OLD_SECRET);

    // A Secret the update no longer declares would be deleted.
    const dropped = await call('post', `/environments/${env}/diff`, {
      config: { configMaps: config.configMaps, secrets: [] },
    });
    expect(dropped.body.environment.changes).toEqual([
      {
        ref: {
          apiVersion: 'v1',
          kind: 'Secret',
          namespace: env,
          name: 'db-credentials',
        },
        action: 'delete',
      },
    ]);

    // The diff changed nothing.
    const configMap = await core.readNamespacedConfigMap({
      name: 'shared-config',
      namespace: env,
    });
    expect(configMap.data).toEqual({ CURRENCY: 'EUR' });
    expect(await secretValue(env, 'db-credentials', 'password')).toBe(
      OLD_SECRET,
    );
    const unchanged = await call('post', `/environments/${env}/diff`, {});
    expect(unchanged.body.environment.changes).toEqual([]);
  });

  it('leaves the stored spec and the Secrets as they were for every update refused with 409 in a race', async () => {
    const attempts = [1, 2, 3, 4, 5];
    const responses = await Promise.all(
      attempts.map(n =>
        call('patch', `/environments/${env}`, {
          description: `attempt ${n}`,
          config: {
            configMaps: config.configMaps,
            secrets: [
              { name: 'db-credentials', values: { password: `value-${n}` } },
            ],
          },
        }),
      ),
    );
    const accepted = attempts.filter((_, i) => responses[i].status === 202);
    expect(accepted).toHaveLength(1);
    expect(responses.filter(r => r.status !== 202).map(r => r.status)).toEqual([
      409, 409, 409, 409,
    ]);
    const [winner] = accepted;
    const stored = await call('get', `/environments/${env}`);
    expect(stored.body.description).toBe(`attempt ${winner}`);
    expect(await secretValue(env, 'db-credentials', 'password')).toBe(
      `value-${winner}`,
    );
    const done = await waitForOperation(
      call,
      responses[attempts.indexOf(winner)].body.id,
    );
    expect(done.state).toBe('succeeded');
  });
});
