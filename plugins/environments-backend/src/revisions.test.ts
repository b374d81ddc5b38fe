import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  TestDatabases,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AppsV1Api, CoreV1Api, V1Deployment } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import {
  ApiCall,
  apiCaller,
  localBackendConfig,
  waitForOperation,
} from './__testUtils__/integration';
import { environmentsPlugin } from './plugin';

jest.setTimeout(240_000);

const exampleChart = path.resolve(
  __dirname,
  '../../../examples/charts/service',
);
const SERVICE = 'pinned-api';

const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);

/**
 * A services repository (one shared chart plus services/<name>/values.yaml) in a temp folder, so that the test
 * can change its chart and values and import it again.
 */
async function servicesRepo() {
  const root = await fs.promises.mkdtemp(
    path.join(os.tmpdir(), 'envmesh-revisions-'),
  );
  const chart = path.join(root, 'charts/service');
  await fs.promises.cp(exampleChart, chart, { recursive: true });
  const service = path.join(root, 'services', SERVICE);
  await fs.promises.mkdir(service, { recursive: true });
  await fs.promises.writeFile(
    path.join(service, 'service.yaml'),
    `name: ${SERVICE}\nstartupGroup: 0\nchart: ../../charts/service\n`,
  );
  const writeValues = (generation: string) =>
    fs.promises.writeFile(
      path.join(service, 'values.yaml'),
      `image:\n  repository: example.invalid/${SERVICE}\n  tag: "1.0.0"\nenv:\n  GENERATION: "${generation}"\n`,
    );
  await writeValues('1');
  return {
    root,
    /** A second chart version: other defaults, another template, other service values. */
    async changeChart() {
      const file = (name: string) => path.join(chart, name);
      const replace = async (name: string, from: string, to: string) => {
        const text = await fs.promises.readFile(file(name), 'utf8');
        if (!text.includes(from)) throw new Error(`${name} lacks ${from}`);
        await fs.promises.writeFile(file(name), text.replace(from, to));
      };
      await replace('Chart.yaml', 'version: 0.1.0', 'version: 0.2.0');
      await replace('values.yaml', 'replicaCount: 1', 'replicaCount: 2');
      await replace(
        'templates/deployment.yaml',
        'spec:\n  replicas:',
        'spec:\n  minReadySeconds: 7\n  replicas:',
      );
      await writeValues('2');
    },
  };
}

/** What the tests compare of a Deployment: what its chart, defaults and values made of it. */
function rendered(d: V1Deployment) {
  const container = d.spec!.template.spec!.containers[0];
  return {
    replicas: d.spec!.replicas,
    minReadySeconds: d.spec!.minReadySeconds,
    image: container.image,
    env: Object.fromEntries((container.env ?? []).map(e => [e.name, e.value])),
  };
}

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('revisions on %s', databaseId => {
  const suffix = databaseId === 'SQLITE_3' ? 'sq' : 'pg';
  let call: ApiCall;
  let stop: () => Promise<void>;
  let repo: Awaited<ReturnType<typeof servicesRepo>>;

  const importRepo = () =>
    call('post', '/services/import', {
      source: { type: 'directory', location: repo.root },
    });
  const succeeded = async (res: { status: number; body: any }) => {
    expect(res.status).toBe(202);
    const operation = await waitForOperation(call, res.body.id);
    expect(operation.state).toBe('succeeded');
    return operation;
  };
  const live = async (namespace: string) =>
    rendered(await apps.readNamespacedDeployment({ name: SERVICE, namespace }));

  beforeAll(async () => {
    repo = await servicesRepo();
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
    const imported = await importRepo();
    if (imported.body.created?.[0] !== SERVICE) {
      throw new Error(`import failed: ${JSON.stringify(imported.body)}`);
    }
  });
  afterAll(async () => {
    await stop();
    await fs.promises.rm(repo.root, { recursive: true, force: true });
  });

  it('pins the chart: a copy renders the source chart and a rollback the revision chart, after a re-import', async () => {
    const env = `pin-${suffix}`;
    await succeeded(
      await call('post', '/environments', {
        name: env,
        cluster: 'local',
        owner: 'group:default/platform-team',
        services: [{ name: SERVICE }],
      }),
    );
    const first = {
      replicas: 1,
      minReadySeconds: undefined,
      image: `example.invalid/${SERVICE}:1.0.0`,
      env: { GENERATION: '1' },
    };
    expect(await live(env)).toMatchObject(first);

    await repo.changeChart();
    const reimported = await importRepo();
    expect(reimported.body.updated).toEqual([SERVICE]);

    // The copy runs what the source runs, not the chart imported since.
    const copy = `pin-${suffix}-copy`;
    await succeeded(
      await call('post', `/environments/${env}/copy`, { name: copy }),
    );
    expect(await live(copy)).toEqual(await live(env));
    expect(await live(copy)).toMatchObject(first);

    // An update renders the new chart (revision 2) ...
    await succeeded(
      await call('patch', `/environments/${env}`, {
        description: 'after the re-import',
      }),
    );
    expect(await live(env)).toMatchObject({
      replicas: 2,
      minReadySeconds: 7,
      env: { GENERATION: '2' },
    });
    const revisions = await call(
      'get',
      `/environments/${env}/revisions?service=${SERVICE}`,
    );
    const [second, initial] = revisions.body.items;
    expect([second.revision, initial.revision]).toEqual([2, 1]);
    expect(second.chartDigest).not.toEqual(initial.chartDigest);

    // ... and a rollback to revision 1 renders revision 1's chart and defaults again.
    await succeeded(
      await call('post', `/environments/${env}/services/${SERVICE}/rollback`, {
        revision: 1,
      }),
    );
    expect(await live(env)).toMatchObject(first);
    const [rolledBack] = (
      await call('get', `/environments/${env}/revisions?service=${SERVICE}`)
    ).body.items;
    expect(rolledBack).toMatchObject({
      revision: 3,
      chartDigest: initial.chartDigest,
      manifestHash: initial.manifestHash,
    });

    // A client that sends back the services it read (as the portal's version dialog does) keeps the pin ...
    const read = (await call('get', `/environments/${env}`)).body;
    expect(read.services[0].pinned).toMatchObject({
      chartDigest: initial.chartDigest,
    });
    await succeeded(
      await call('patch', `/environments/${env}`, {
        services: read.services,
        description: 'round trip',
      }),
    );
    expect(await live(env)).toMatchObject(first);
    expect(
      (await call('get', `/environments/${env}`)).body.services[0].pinned,
    ).toMatchObject({ chartDigest: initial.chartDigest });

    // ... and editing the service renders it from the registry's chart again (the new template's
    // minReadySeconds), still with the values the rollback gave it (revision 1's replicaCount).
    await succeeded(
      await call('patch', `/environments/${env}`, {
        services: [{ ...read.services[0], imageTag: '1.0.1' }],
      }),
    );
    expect(await live(env)).toMatchObject({
      replicas: 1,
      minReadySeconds: 7,
      image: `example.invalid/${SERVICE}:1.0.1`,
    });
    expect(
      (await call('get', `/environments/${env}`)).body.services[0].pinned,
    ).toBeUndefined();
  });

  it('prunes what a part-failed apply created once the service applies again', async () => {
    const env = `partial-${suffix}`;
    await succeeded(
      await call('post', '/environments', {
        name: env,
        cluster: 'local',
        owner: 'group:default/platform-team',
        services: [{ name: SERVICE }],
      }),
    );
    // The chart renders a ConfigMap for `config`; it is applied before the Deployment, which the API server
    // rejects (negative replicas).
    const broken = await call('patch', `/environments/${env}`, {
      services: [
        {
          name: SERVICE,
          keyValues: { 'config.FLAG': 'on', replicaCount: '-1' },
        },
      ],
    });
    const failed = await waitForOperation(call, broken.body.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toContain(`Deployment ${env}/${SERVICE}`);
    await core.readNamespacedConfigMap({ name: SERVICE, namespace: env });

    // Back to the spec of revision 1: the ConfigMap left over from the failed apply is pruned.
    await succeeded(
      await call('patch', `/environments/${env}`, {
        services: [{ name: SERVICE }],
      }),
    );
    await expect(
      core.readNamespacedConfigMap({ name: SERVICE, namespace: env }),
    ).rejects.toMatchObject({ code: 404 });
  });
});
