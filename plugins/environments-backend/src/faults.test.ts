import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { binaryPath } from '@envmesh/local-cluster';
import knexFactory, { Knex } from 'knex';
import {
  ApiCall,
  apiCaller,
  localBackendConfig,
  localClusterConfig,
  waitForOperation,
} from './__testUtils__/integration';
import { startTcpProxy, TcpProxy } from './__testUtils__/tcpProxy';
import { environmentsPlugin } from './plugin';

jest.setTimeout(300_000);

const examples = path.resolve(__dirname, '../../../examples');
const SERVICES = ['config-service', 'demo-api', 'demo-orders', 'demo-ui'];
const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });

/** Waits until some of the operation's steps are done and some are left. */
async function halfWay(call: ApiCall, id: string) {
  for (;;) {
    const { body } = await call('get', `/operations/${id}`);
    const done = body.steps.filter((s: any) => s.state === 'succeeded').length;
    if (done > 0 && done < body.steps.length) return;
    if (!['pending', 'running'].includes(body.state)) {
      throw new Error(`operation ${id} ended before half-way: ${body.state}`);
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

async function startBackend(options: {
  database?: Knex;
  cluster?: Partial<ReturnType<typeof localClusterConfig>>;
  environments?: object;
}) {
  const config = localBackendConfig({
    rollout: { readyTimeoutSeconds: 20 },
    operations: { leaseSeconds: 3 },
    ...options.environments,
  });
  config.kubernetes.clusterLocatorMethods[0].clusters = [
    { ...localClusterConfig(), ...options.cluster },
  ];
  const backend = await startTestBackend({
    features: [
      environmentsPlugin,
      mockServices.rootConfig.factory({ data: config }),
      ...(options.database
        ? [mockServices.database.factory({ knex: options.database })]
        : []),
    ],
  });
  const call = apiCaller(backend.server);
  const imported = await call('post', '/services/import', {
    source: { type: 'directory', location: examples },
  });
  if (imported.status !== 200) {
    throw new Error(`import failed: ${JSON.stringify(imported.body)}`);
  }
  return { call, stop: () => backend.stop() };
}

const create = (call: ApiCall, name: string) =>
  call('post', '/environments', {
    name,
    cluster: 'local',
    owner: 'group:default/platform-team',
    services: SERVICES.map(service => ({ name: service })),
  });

/**
 * Faults under a running operation (issue 14, item 6): the API server going away, a helm render that hangs,
 * and the database going away. Each ends in a state the user can read and act on, and the store stays
 * consistent.
 */
describe('faults', () => {
  it('fails a create whose API server goes away, naming the service and the reason; the retry finishes it', async () => {
    const server = new URL(localClusterConfig().url);
    const apiServer: TcpProxy = await startTcpProxy({
      host: server.hostname,
      port: Number(server.port),
    });
    const { call, stop } = await startBackend({
      cluster: { url: `https://127.0.0.1:${apiServer.port}` },
    });
    try {
      const created = await create(call, 'fault-apiserver');
      expect(created.status).toBe(202);
      await halfWay(call, created.body.id);
      await apiServer.cut();
      const failed = await waitForOperation(call, created.body.id, 120_000);
      expect(failed.state).toBe('failed');
      expect(failed.error).toMatch(
        new RegExp(
          `(${SERVICES.join('|')}).*(ECONNREFUSED|ECONNRESET|socket hang up)`,
        ),
      );
      // Consistent: no step left running, the failed one named; the spec is stored as requested.
      expect(failed.steps.filter((s: any) => s.state === 'running')).toEqual(
        [],
      );
      expect(failed.steps.some((s: any) => s.state === 'failed')).toBe(true);
      expect(
        (await call('get', '/environments/fault-apiserver')).body.services.map(
          (s: any) => s.name,
        ),
      ).toEqual(SERVICES);

      await apiServer.restore();
      const retry = await call('patch', '/environments/fault-apiserver', {});
      expect(retry.status).toBe(202);
      expect((await waitForOperation(call, retry.body.id)).state).toBe(
        'succeeded',
      );
      const status = (await call('get', '/environments/fault-apiserver/status'))
        .body;
      expect(
        status.services.map((s: any) => `${s.name} ${s.ready}`).sort(),
      ).toEqual(SERVICES.map(s => `${s} true`));
      await call('delete', '/environments/fault-apiserver');
    } finally {
      await stop();
      await apiServer.close();
    }
  });

  it('fails a create whose render hangs after the render timeout, naming the service', async () => {
    // A helm that hangs on `template` once the marker file exists (the import before it renders normally).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envmesh-hanging-helm-'));
    const marker = path.join(dir, 'hang');
    const helm = path.join(dir, 'helm');
    fs.writeFileSync(
      helm,
      [
        '#!/bin/sh',
        `if [ -e "${marker}" ] && [ "$1" = template ]; then exec sleep 3600; fi`,
        `exec "${binaryPath('helm')}" "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const { call, stop } = await startBackend({
      environments: {
        // helm itself, not the long-lived renderer, and a short timeout.
        helm: { binary: helm, rendererBinary: 'none' },
        render: { timeoutSeconds: 3 },
      },
    });
    try {
      fs.writeFileSync(marker, '');
      const created = await create(call, 'fault-render');
      const failed = await waitForOperation(call, created.body.id, 60_000);
      expect(failed.state).toBe('failed');
      expect(failed.error).toMatch(
        new RegExp(`(${SERVICES.join('|')}).*killed after 3000 ms`),
      );
      fs.rmSync(marker);
      await call('delete', '/environments/fault-render');
    } finally {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finishes an operation whose database connections are all cut for a while, as a restart does', async () => {
    const direct = await databases.init('POSTGRES_15');
    const { host, port, user, password, database } = direct.client.config
      .connection as Knex.PgConnectionConfig;
    const postgres = await startTcpProxy({ host: host!, port: port! });
    const viaProxy = knexFactory({
      client: 'pg',
      connection: {
        host: '127.0.0.1',
        port: postgres.port,
        user,
        password,
        database,
      },
      pool: { min: 0, max: 10 },
    });
    const { call, stop } = await startBackend({ database: viaProxy });
    try {
      const created = await create(call, 'fault-postgres');
      await halfWay(call, created.body.id);
      await postgres.cut();
      await new Promise(resolve => setTimeout(resolve, 5000));
      await postgres.restore();
      // Resumed once the lease ran out; or, when the database was back before the failed step was recorded,
      // failed with the database's reason, and a retry finishes it.
      let done = await waitForOperation(call, created.body.id, 120_000);
      const interrupted: string | undefined =
        done.state === 'failed' ? done.error : undefined;
      expect([
        undefined,
        expect.stringMatching(/Connection terminated|ECONNREFUSED|ECONNRESET/),
      ]).toContainEqual(interrupted);
      if (interrupted) {
        const retry = await call('patch', '/environments/fault-postgres', {});
        done = await waitForOperation(call, retry.body.id, 120_000);
      }
      expect(done.state).toBe('succeeded');
      const status = (await call('get', '/environments/fault-postgres/status'))
        .body;
      expect(
        status.services.map((s: any) => `${s.name} ${s.ready}`).sort(),
      ).toEqual(SERVICES.map(s => `${s} true`));
      await call('delete', '/environments/fault-postgres');
    } finally {
      await stop();
      await viaProxy.destroy();
      await postgres.close();
    }
  });
});
