import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { POSTGRES_ENV } from './__testUtils__/globalSetup';
import { localBackendConfig } from './__testUtils__/integration';

jest.setTimeout(300_000);

const TOKEN = crypto.randomBytes(24).toString('hex');
const LIFECYCLE_INTERVAL_SECONDS = 2;

interface Replica {
  name: string;
  url: string;
  child: ChildProcess;
  output: string[];
}

async function freePort(): Promise<number> {
  return new Promise(resolve => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A backend process on a port of its own, sharing the one PostgreSQL database (by its prefix) with the others. */
async function startReplica(name: string, prefix: string): Promise<Replica> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const connection = new URL(process.env[POSTGRES_ENV]!);
  const config = {
    ...localBackendConfig({
      rollout: { readyTimeoutSeconds: 120 },
      // A replica that dies loses its operations' leases within seconds.
      operations: { leaseSeconds: 3 },
      lifecycle: { intervalSeconds: LIFECYCLE_INTERVAL_SECONDS },
    }),
    backend: {
      baseUrl: url,
      listen: { port, host: '127.0.0.1' },
      database: {
        client: 'pg',
        prefix,
        connection: {
          host: connection.hostname,
          port: Number(connection.port),
          user: decodeURIComponent(connection.username),
          password: decodeURIComponent(connection.password),
        },
      },
      auth: {
        externalAccess: [
          {
            type: 'static',
            options: { token: TOKEN, subject: 'replicas-test' },
          },
        ],
      },
    },
  };
  const file = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'envmesh-replica-')),
    'app-config.yaml',
  );
  fs.writeFileSync(file, yaml.dump(config));
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      path.join(__dirname, '__testUtils__', 'replica.ts'),
      '--config',
      file,
    ],
    {
      env: { ...process.env, LOG_LEVEL: 'debug', NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  child.stdout!.on('data', chunk => output.push(String(chunk)));
  child.stderr!.on('data', chunk => output.push(String(chunk)));
  const replica = { name, url, child, output };
  await until(
    `${name} to answer`,
    async () => {
      if (child.exitCode !== null) {
        throw new Error(`${name} exited: ${output.join('').slice(-3000)}`);
      }
      const res = await call(replica, 'GET', '/clusters').catch(
        () => undefined,
      );
      return res?.status === 200 ? true : undefined;
    },
    120_000,
  );
  return replica;
}

async function call(
  replica: Replica,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${replica.url}/api/environments${url}`, {
    method,
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      'Content-Type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

const examples = path.resolve(__dirname, '../../../examples');
const ENV = `replicas-${crypto.randomBytes(3).toString('hex')}`;

/**
 * Two backend processes on one PostgreSQL (issue 14, item 5): an environment create whose replica is killed
 * with SIGKILL half-way is taken over by the other and finished, nothing applied twice; the lifecycle task runs
 * once per interval across both.
 */
describe('two replicas on one PostgreSQL', () => {
  const replicas: Replica[] = [];

  beforeAll(async () => {
    const prefix = `envmesh_replicas_${crypto.randomBytes(3).toString('hex')}_`;
    replicas.push(await startReplica('replica-a', prefix));
    replicas.push(await startReplica('replica-b', prefix));
  });

  afterAll(async () => {
    for (const replica of replicas) replica.child.kill('SIGKILL');
  });

  it('runs the lifecycle task once per interval across both replicas', async () => {
    /** When each replica's runs of the task started, from its debug log. */
    const runs = () =>
      replicas
        .flatMap(r => r.output.join('').match(/lifecycle run at \S+Z/g) ?? [])
        .map(line => Date.parse(line.slice('lifecycle run at '.length)))
        .sort((x, y) => x - y);
    const before = runs().length;
    await new Promise(resolve =>
      setTimeout(resolve, 6 * LIFECYCLE_INTERVAL_SECONDS * 1000),
    );
    const window = runs().slice(before);
    // Each replica alone would run it every interval: together, twice as often.
    expect(window.length).toBeGreaterThanOrEqual(3);
    expect(window.length).toBeLessThanOrEqual(7);
    const gaps = window.slice(1).map((t, i) => t - window[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(
      LIFECYCLE_INTERVAL_SECONDS * 500,
    );
  });

  it('finishes a create whose replica is killed half-way on the other, applying each service once', async () => {
    const [a] = replicas;
    expect(
      (
        await call(a, 'POST', '/services/import', {
          source: { type: 'directory', location: examples },
        })
      ).status,
    ).toBe(200);
    const services = [
      'config-service',
      'demo-api',
      'demo-orders',
      'demo-payments',
      'demo-ui',
    ];
    const created = await call(a, 'POST', '/environments', {
      name: ENV,
      cluster: 'local',
      owner: 'group:default/platform-team',
      services: services.map(name => ({ name })),
    });
    expect(created.status).toBe(202);
    const id = created.body.id;

    // The replica whose runner holds the operation, once a step is done and others are left.
    const holder = await until('the create to be half-way', async () => {
      const { body } = await call(a, 'GET', `/operations/${id}`);
      const done = body.steps.filter((s: any) => s.state === 'succeeded');
      if (done.length === 0 || done.length === body.steps.length)
        return undefined;
      const logs = (await call(a, 'GET', `/operations/${id}/logs`)).body.items;
      const claim = logs
        .map((l: any) => l.message as string)
        .find((m: string) => m.startsWith('started by '));
      const pid = claim?.match(/-(\d+)-[0-9a-f]+$/)?.[1];
      return replicas.find(r => String(r.child.pid) === pid) ?? replicas[0];
    });
    holder.child.kill('SIGKILL');
    const survivor = replicas.find(r => r !== holder)!;

    const operation = await until(
      'the survivor to finish the create',
      async () => {
        const { body } = await call(survivor, 'GET', `/operations/${id}`);
        return ['pending', 'running'].includes(body.state) ? undefined : body;
      },
      120_000,
    );
    expect(operation.state).toBe('succeeded');
    const logs = (await call(survivor, 'GET', `/operations/${id}/logs`)).body
      .items as Array<{ message: string }>;
    expect(logs.map(l => l.message)).toContainEqual(
      expect.stringMatching(
        new RegExp(`^resumed by .*-${survivor.child.pid}-`),
      ),
    );
    // Applied once each: one revision per service, every service ready, nothing drifted or left over.
    const revisions = (
      await call(survivor, 'GET', `/environments/${ENV}/revisions`)
    ).body.items as Array<{ service: string; revision: number }>;
    expect(revisions.map(r => `${r.service}@${r.revision}`).sort()).toEqual(
      services.map(s => `${s}@1`),
    );
    const status = (await call(survivor, 'GET', `/environments/${ENV}/status`))
      .body;
    expect(
      status.services.map((s: any) => `${s.name} ${s.ready}`).sort(),
    ).toEqual(services.map(s => `${s} true`));
    expect(status.services.every((s: any) => s.drift.length === 0)).toBe(true);
  });
});
