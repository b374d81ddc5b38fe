import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import {
  EnvironmentsService,
  createEnvironmentConditionalDecision,
  createFeatureBranchConditionalDecision,
  environmentConditions,
  environmentsServiceRef,
  featureBranchConditions,
} from '@envmesh/plugin-environments-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type request from 'supertest';
import {
  ApiCall,
  apiCaller,
  eventually,
  localBackendConfig,
  waitForOperation,
} from './__testUtils__/integration';
import { environmentsPlugin } from './plugin';
import { spec } from './schema/openapi/generated';

/**
 * Every mutating endpoint, denied by Backstage's permission decision: 403 naming the permission (never a
 * secret), an audited failed attempt, and nothing changed in the store or the cluster; allowed: done and
 * audited as succeeded. The table must name every non-GET route of the spec.
 */

const examples = path.resolve(__dirname, '../../../examples');
const PREFIX = 'perm';
const ENV = `${PREFIX}-env`;
const FEATURE = `${PREFIX}-feat`;
const SECRET = 's3cret-value-that-must-never-leak';
const NOWHERE = { 'envmesh.io/pool': 'no-such-pool' };

const CREATE = 'environments.environment.create';
const UPDATE = 'environments.environment.update';
const DELETE = 'environments.environment.delete';
const SECRET_WRITE = 'environments.secret.write';
const FEATURE_CREATE = 'environments.feature.create';
const FEATURE_DELETE = 'environments.feature.delete';
const READ = 'environments.environment.read';
const FEATURE_READ = 'environments.feature.read';
const OWNER = 'group:default/platform-team';

/** Routes of the spec that are not behind a permission, and why. */
const NOT_PERMISSION_CHECKED: Record<string, string> = {
  'POST /webhooks/:provider':
    'unauthenticated push webhooks, authorized by their signature',
  'GET /clusters': 'the configured clusters: no environment or feature',
  'GET /clusters/:name/status':
    'a configured cluster: no environment or feature',
  'GET /services': 'the imported services: no environment or feature',
  'GET /feature-name': "the name a branch deploys as: the webhooks' rule",
};
/** Reads that are not GETs (they change nothing). */
const POST_READS = [
  'POST /environments/:name/diff',
  'POST /environments/:name/routes/trace',
];

const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);

/** The permissions the decision point denies; everything else is allowed. */
const denied = new Set<string>();
/** A policy's conditional decisions, by permission name: they replace the allow of those permissions. */
const conditional = new Map<
  string,
  (permission: ResourcePermission) => PolicyDecision
>();
const decide = (permission: { name: string }): PolicyDecision => {
  if (denied.has(permission.name)) return { result: AuthorizeResult.DENY };
  return (
    conditional.get(permission.name)?.(permission as ResourcePermission) ?? {
      result: AuthorizeResult.ALLOW,
    }
  );
};
const permissions = mockServices.permissions.mock({
  authorize: async requests =>
    requests.map(r => decide(r.permission) as { result: any }),
  authorizeConditional: async requests =>
    requests.map(r => decide(r.permission)),
});

interface AuditRecord {
  eventId: string;
  severityLevel?: string;
  request: string;
  meta: Record<string, unknown>;
  status: 'initiated' | 'succeeded' | 'failed';
  error?: string;
}
/** The EnvironmentsService another plugin of the backend gets (as the scaffolder actions do). */
let inProcess: EnvironmentsService;

/** Every auditor event the plugin created, with how it ended. */
const audits: AuditRecord[] = [];
const auditor = mockServices.auditor.mock({
  createEvent: async options => {
    const record: AuditRecord = {
      eventId: options.eventId,
      severityLevel: options.severityLevel,
      request: `${options.request?.method} ${options.request?.originalUrl}`,
      meta: { ...options.meta },
      status: 'initiated',
    };
    audits.push(record);
    return {
      success: async params => {
        record.status = 'succeeded';
        Object.assign(record.meta, params?.meta);
      },
      fail: async params => {
        record.status = 'failed';
        record.error = `${params.error.name}: ${params.error.message}`;
        Object.assign(record.meta, params.meta);
      },
    };
  },
});

interface Row {
  /** The spec's route, `METHOD /path/:param`. */
  route: string;
  /** The permission denied in the denied case. */
  permission: string;
  /** The auditor event's actionType. */
  action: string;
  method: 'post' | 'patch' | 'put' | 'delete';
  url: () => string;
  /** The URL of the denied case, when the allowed one names what only the allowed requests create. */
  deniedUrl?: () => string;
  body?: () => object;
  /** The status when allowed. */
  allowed: number;
  /** Run before the allowed request (only). */
  before?: () => Promise<void>;
  /** The operation the allowed request started, to wait for, and the state it must end in. */
  operation?: (body: any) => string;
  ends?: string;
}

let call: ApiCall;
let stop: () => Promise<void>;

const ctx = {
  /** A finished operation of ENV (denied cancel) or a running one (allowed cancel). */
  operationId: '',
  importDir: '',
};

const small = (name: string, extra: object = {}) => ({
  name,
  cluster: 'local',
  owner: OWNER,
  services: [{ name: 'config-service' }],
  ...extra,
});
const opId = (body: any) => body.id;

const rows: Row[] = [
  {
    route: 'POST /services/import',
    permission: CREATE,
    action: 'import-services',
    method: 'post',
    url: () => '/services/import',
    body: () => ({ source: { type: 'directory', location: ctx.importDir } }),
    allowed: 200,
  },
  {
    route: 'POST /environments',
    permission: CREATE,
    action: 'create',
    method: 'post',
    url: () => '/environments',
    body: () => small(`${PREFIX}-new`),
    allowed: 202,
    operation: opId,
  },
  {
    route: 'POST /environments',
    permission: SECRET_WRITE,
    action: 'create',
    method: 'post',
    url: () => '/environments',
    body: () =>
      small(`${PREFIX}-new-secret`, {
        config: { secrets: [{ name: 'token', values: { token: SECRET } }] },
      }),
    allowed: 202,
    operation: opId,
  },
  {
    route: 'PATCH /environments/:name',
    permission: UPDATE,
    action: 'update',
    method: 'patch',
    url: () => `/environments/${ENV}`,
    body: () => ({ description: 'changed' }),
    allowed: 202,
    operation: opId,
  },
  {
    route: 'PATCH /environments/:name',
    permission: SECRET_WRITE,
    action: 'update',
    method: 'patch',
    url: () => `/environments/${ENV}`,
    body: () => ({
      config: {
        configMaps: [],
        secrets: [{ name: 'db-credentials', values: { password: SECRET } }],
      },
    }),
    allowed: 202,
    operation: opId,
  },
  {
    route: 'PUT /environments/:name/secrets/:secret',
    permission: SECRET_WRITE,
    action: 'write-secret',
    method: 'put',
    url: () => `/environments/${ENV}/secrets/db-credentials`,
    body: () => ({ values: { password: `${SECRET}-2` } }),
    allowed: 204,
  },
  {
    route: 'POST /environments/:name/services/:service/rollback',
    permission: UPDATE,
    action: 'rollback',
    method: 'post',
    url: () => `/environments/${ENV}/services/config-service/rollback`,
    body: () => ({ revision: 1 }),
    allowed: 202,
    operation: opId,
  },
  {
    route: 'POST /environments/:name/sleep',
    permission: UPDATE,
    action: 'sleep',
    method: 'post',
    url: () => `/environments/${ENV}/sleep`,
    allowed: 202,
    operation: opId,
  },
  {
    route: 'POST /environments/:name/wake',
    permission: UPDATE,
    action: 'wake',
    method: 'post',
    url: () => `/environments/${ENV}/wake`,
    allowed: 202,
    operation: opId,
  },
  {
    route: 'PUT /environments/:name/lifecycle',
    permission: UPDATE,
    action: 'update-lifecycle',
    method: 'put',
    url: () => `/environments/${ENV}/lifecycle`,
    body: () => ({ disposable: true }),
    allowed: 200,
  },
  {
    route: 'POST /environments/:name/keep',
    permission: UPDATE,
    action: 'keep',
    method: 'post',
    url: () => `/environments/${ENV}/keep`,
    allowed: 200,
  },
  {
    route: 'POST /environments/:name/copy',
    permission: CREATE,
    action: 'copy',
    method: 'post',
    url: () => `/environments/${ENV}/copy`,
    body: () => ({ name: `${PREFIX}-copy` }),
    allowed: 202,
    operation: opId,
  },
  {
    // The source has a Secret, which the copy writes into the new environment.
    route: 'POST /environments/:name/copy',
    permission: SECRET_WRITE,
    action: 'copy',
    method: 'post',
    url: () => `/environments/${ENV}/copy`,
    body: () => ({ name: `${PREFIX}-copy-secret` }),
    allowed: 202,
    operation: opId,
  },
  {
    route: 'POST /features',
    permission: FEATURE_CREATE,
    action: 'deploy-feature',
    method: 'post',
    url: () => '/features',
    body: () => ({
      name: `${FEATURE}-2`,
      environment: ENV,
      instances: [{ service: 'demo-api', imageTag: '2.0.0' }],
    }),
    allowed: 202,
    operation: body => body.operation.id,
  },
  {
    route: 'POST /features/:feature/redeploy',
    permission: FEATURE_CREATE,
    action: 'redeploy-feature',
    method: 'post',
    url: () => `/features/${FEATURE}/redeploy`,
    allowed: 202,
    operation: opId,
  },
  {
    route: 'POST /features/:feature/extend',
    permission: FEATURE_CREATE,
    action: 'extend-feature',
    method: 'post',
    url: () => `/features/${FEATURE}/extend`,
    body: () => ({ hours: 5 }),
    allowed: 200,
  },
  {
    route: 'DELETE /features/:feature/instances/:service',
    permission: FEATURE_DELETE,
    action: 'remove-feature',
    method: 'delete',
    url: () => `/features/${FEATURE}/instances/demo-api`,
    allowed: 202,
    operation: opId,
  },
  {
    route: 'DELETE /features/:feature',
    permission: FEATURE_DELETE,
    action: 'remove-feature',
    method: 'delete',
    url: () => `/features/${FEATURE}-2`,
    deniedUrl: () => `/features/${FEATURE}`,
    allowed: 202,
    operation: opId,
  },
  {
    route: 'POST /operations/:id/cancel',
    permission: UPDATE,
    action: 'cancel',
    method: 'post',
    url: () => `/operations/${ctx.operationId}/cancel`,
    allowed: 200,
    // A create whose first group can never be ready: it runs until cancelled.
    before: async () => {
      const stuck = await call(
        'post',
        '/environments',
        small(`${PREFIX}-stuck`, {
          services: [
            { name: 'config-service', values: { nodeSelector: NOWHERE } },
          ],
        }),
      );
      if (stuck.status !== 202) throw new Error(`stuck: ${stuck.text}`);
      ctx.operationId = stuck.body.id;
      await eventually(async () => {
        const op = (await call('get', `/operations/${stuck.body.id}`)).body;
        if (!['pending', 'running'].includes(op.state)) {
          throw new Error(`the stuck create ended ${op.state}: ${op.error}`);
        }
        return op.steps.some(
          (s: any) =>
            s.name === 'wait for group 0 to be ready' && s.state === 'running',
        )
          ? true
          : undefined;
      });
    },
    operation: () => ctx.operationId,
    ends: 'cancelled',
  },
  {
    route: 'DELETE /environments/:name',
    permission: DELETE,
    action: 'delete',
    method: 'delete',
    url: () => `/environments/${PREFIX}-new`,
    deniedUrl: () => `/environments/${ENV}`,
    allowed: 202,
    operation: opId,
  },
];

interface ReadRow {
  route: string;
  /** The read permission denied in the denied case. */
  permission: string;
  /** The auditor event's queryType. */
  query: string;
  url: () => string;
  body?: object;
}

/** Every read of an environment or a feature branch, by the permission it needs. */
const reads: ReadRow[] = [
  ...(
    [
      ['GET /environments/:name', 'get', ''],
      ['GET /environments/:name/status', 'status', '/status'],
      ['GET /environments/:name/cost', 'cost', '/cost'],
      ['GET /environments/:name/lifecycle', 'lifecycle', '/lifecycle'],
      [
        'GET /environments/:name/reachability',
        'reachability',
        '/reachability?entry=demo-api',
      ],
      ['GET /environments/:name/export', 'export', '/export'],
      ['GET /environments/:name/revisions', 'revisions', '/revisions'],
      ['GET /environments/:name/operations', 'operations', '/operations'],
      [
        'GET /environments/:name/services/:service/values',
        'values',
        '/services/config-service/values',
      ],
      [
        'GET /environments/:name/services/:service/manifest',
        'manifest',
        '/services/config-service/manifest',
      ],
    ] as const
  ).map(([route, query, suffix]) => ({
    route,
    permission: READ,
    query,
    url: () => `/environments/${ENV}${suffix}`,
  })),
  {
    route: 'POST /environments/:name/diff',
    permission: READ,
    query: 'diff',
    url: () => `/environments/${ENV}/diff`,
    body: {},
  },
  {
    route: 'POST /environments/:name/routes/trace',
    permission: READ,
    query: 'trace',
    url: () => `/environments/${ENV}/routes/trace`,
    body: { chain: ['demo-api'] },
  },
  {
    route: 'GET /operations/:id',
    permission: READ,
    query: 'operation',
    url: () => `/operations/${ctx.operationId}`,
  },
  {
    route: 'GET /operations/:id/logs',
    permission: READ,
    query: 'logs',
    url: () => `/operations/${ctx.operationId}/logs`,
  },
  ...(
    [
      ['GET /features/:feature', 'get', ''],
      ['GET /features/:feature/operations', 'operations', '/operations'],
      ['GET /features/:feature/cost', 'cost', '/cost'],
      [
        'GET /features/:feature/instances/:service/values',
        'values',
        '/instances/demo-api/values',
      ],
      [
        'GET /features/:feature/reachability',
        'reachability',
        '/reachability?entry=demo-api',
      ],
    ] as const
  ).map(([route, query, suffix]) => ({
    route,
    permission: FEATURE_READ,
    query,
    url: () => `/features/${FEATURE}${suffix}`,
  })),
];

/** `METHOD /path/:param` for every operation of the spec. */
function specRoutes(): string[] {
  return Object.entries(spec.paths).flatMap(([template, item]) =>
    Object.keys(item)
      .filter(m => ['post', 'put', 'patch', 'delete', 'get'].includes(m))
      .map(m => `${m.toUpperCase()} ${template.replace(/\{(\w+)\}/g, ':$1')}`),
  );
}

function routePattern(route: string): RegExp {
  const [, template] = route.split(' ');
  return new RegExp(`^${template.replace(/:\w+/g, '[^/]+')}$`);
}

/**
 * What a user could see change: the store through the API (environments, their operations, services,
 * feature branches) and the cluster (this test's namespaces and the objects in them).
 */
async function snapshot() {
  const environments = (await call('get', '/environments')).body.items;
  const store: Record<string, unknown> = {
    environments,
    services: (await call('get', '/services')).body,
    features: (await call('get', '/features')).body,
  };
  for (const { name } of environments) {
    store[`environment ${name}`] = (
      await call('get', `/environments/${name}`)
    ).body;
    store[`operations ${name}`] = (
      await call('get', `/environments/${name}/operations`)
    ).body.items.map((o: any) => `${o.id} ${o.type} ${o.state}`);
  }
  const namespaces = (await core.listNamespace()).items
    .map(n => n.metadata!.name!)
    .filter(n => n.startsWith(`${PREFIX}-`))
    .sort();
  const cluster: Record<string, unknown> = { namespaces };
  for (const namespace of namespaces) {
    const version = (o: { metadata?: any }) =>
      `${o.metadata.name}@${o.metadata.resourceVersion}`;
    cluster[namespace] = {
      secrets: (await core.listNamespacedSecret({ namespace })).items
        .map(version)
        .sort(),
      configMaps: (await core.listNamespacedConfigMap({ namespace })).items
        .map(version)
        .sort(),
      deployments: (await apps.listNamespacedDeployment({ namespace })).items
        .map(
          d =>
            `${d.metadata!.name} generation ${
              d.metadata!.generation
            } replicas ${d.spec!.replicas}`,
        )
        .sort(),
    };
  }
  return { store, cluster };
}

/** Setup that must work: a started operation that succeeds. */
async function succeeded(res: request.Response, id: string = res.body.id) {
  if (res.status !== 202) throw new Error(`${res.status}: ${res.text}`);
  const operation = await waitForOperation(call, id);
  if (operation.state !== 'succeeded') {
    throw new Error(
      `operation ${operation.type} ${operation.state}: ${operation.error}`,
    );
  }
}

async function send(row: Row) {
  return call(row.method, row.url(), row.body?.());
}

beforeAll(async () => {
  ctx.importDir = await fs.promises.mkdtemp(
    path.join(os.tmpdir(), 'envmesh-permissions-'),
  );
  for (const folder of ['charts', 'services']) {
    await fs.promises.cp(
      path.join(examples, folder),
      path.join(ctx.importDir, folder),
      { recursive: true },
    );
  }
  // The service only an import of importDir brings: a denied import must not.
  const extra = path.join(ctx.importDir, 'services', `${PREFIX}-extra`);
  await fs.promises.cp(path.join(ctx.importDir, 'services/demo-ui'), extra, {
    recursive: true,
  });
  const metadata = path.join(extra, 'service.yaml');
  await fs.promises.writeFile(
    metadata,
    (
      await fs.promises.readFile(metadata, 'utf8')
    ).replace('name: demo-ui', `name: ${PREFIX}-extra`),
  );

  const backend = await startTestBackend({
    features: [
      environmentsPlugin,
      // Another plugin of the same backend, as the scaffolder actions are: it calls envmesh in process.
      createBackendPlugin({
        pluginId: 'in-process-caller',
        register(env) {
          env.registerInit({
            deps: { environments: environmentsServiceRef },
            async init({ environments }) {
              inProcess = environments;
            },
          });
        },
      }),
      permissions.factory,
      auditor.factory,
      catalogServiceMock.factory({ entities: [] }),
      mockServices.rootConfig.factory({
        data: localBackendConfig({ rollout: { readyTimeoutSeconds: 60 } }),
      }),
    ],
  });
  call = apiCaller(backend.server);
  stop = () => backend.stop();

  const imported = await call('post', '/services/import', {
    source: { type: 'directory', location: examples },
  });
  if (imported.status !== 200) throw new Error(`import: ${imported.text}`);
  const created = await call('post', '/environments', {
    ...small(ENV),
    config: {
      configMaps: [],
      secrets: [{ name: 'db-credentials', values: { password: SECRET } }],
    },
    services: [{ name: 'config-service' }, { name: 'demo-api' }],
  });
  await succeeded(created);
  ctx.operationId = created.body.id;
  const feature = await call('post', '/features', {
    name: FEATURE,
    environment: ENV,
    instances: [{ service: 'demo-api', imageTag: '2.0.0' }],
  });
  await succeeded(feature, feature.body.operation?.id);
});

afterAll(async () => {
  await stop?.();
  const { items } = await core.listNamespace();
  for (const ns of items) {
    if (ns.metadata!.name!.startsWith(`${PREFIX}-`)) {
      await core
        .deleteNamespace({ name: ns.metadata!.name! })
        .catch(() => undefined);
    }
  }
  if (ctx.importDir) {
    await fs.promises.rm(ctx.importDir, { recursive: true, force: true });
  }
});

afterEach(() => {
  denied.clear();
  conditional.clear();
});

describe('permissions and auditing of every read', () => {
  it('the table names every read of an environment or a feature branch', () => {
    const readRoutes = specRoutes().filter(
      r =>
        (r.startsWith('GET ') || POST_READS.includes(r)) &&
        !(r in NOT_PERMISSION_CHECKED) &&
        !['GET /environments', 'GET /features'].includes(r),
    );
    expect(reads.map(r => r.route).sort()).toEqual(readRoutes.sort());
    for (const read of reads) {
      expect(read.url().split('?')[0]).toMatch(routePattern(read.route));
    }
  });

  it.each(reads.map(read => [read.route, read.permission, read] as const))(
    'denied: %s without %s answers 403 and is audited as failed; allowed: 200',
    async (_route, permission, read) => {
      const method = read.route.startsWith('POST') ? 'post' : 'get';
      denied.add(permission);
      const auditsBefore = audits.length;
      const res = await call(method, read.url(), read.body);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain(`not allowed: ${permission}`);
      expect(audits.slice(auditsBefore)).toEqual([
        expect.objectContaining({
          eventId: 'environment-read',
          severityLevel: 'low',
          meta: expect.objectContaining({ queryType: read.query }),
          status: 'failed',
        }),
      ]);
      denied.clear();
      const allowed = await call(method, read.url(), read.body);
      expect({ status: allowed.status, body: allowed.body }).toMatchObject({
        status: 200,
      });
      expect(audits[audits.length - 1]).toMatchObject({
        eventId: 'environment-read',
        status: 'succeeded',
      });
    },
  );
});

describe('a policy with conditions: the rules isOwner, isInCluster and hasEnvironment', () => {
  const names = (res: request.Response) =>
    res.body.items.map((i: { name: string }) => i.name);

  it('lists only what the caller may read, and refuses the rest', async () => {
    conditional.set(READ, permission =>
      createEnvironmentConditionalDecision(
        permission as ResourcePermission<'environment'>,
        environmentConditions.isOwner({ claims: ['group:default/nobody'] }),
      ),
    );
    conditional.set(FEATURE_READ, permission =>
      createFeatureBranchConditionalDecision(
        permission as ResourcePermission<'feature-branch'>,
        featureBranchConditions.hasEnvironment({ environments: ['demo-dev'] }),
      ),
    );
    expect(names(await call('get', '/environments'))).not.toContain(ENV);
    expect((await call('get', `/environments/${ENV}`)).status).toBe(403);
    expect(names(await call('get', '/features'))).not.toContain(FEATURE);
    expect((await call('get', `/features/${FEATURE}`)).status).toBe(403);
    // The search collator's and the entity provider's path: the in-process service with their credentials.
    const service = mockCredentials.service('plugin:search');
    expect(
      (await inProcess.listEnvironments({ credentials: service })).map(
        e => e.name,
      ),
    ).not.toContain(ENV);

    conditional.set(READ, permission =>
      createEnvironmentConditionalDecision(
        permission as ResourcePermission<'environment'>,
        {
          allOf: [
            environmentConditions.isOwner({ claims: [OWNER] }),
            environmentConditions.isInCluster({ clusters: ['local'] }),
          ],
        },
      ),
    );
    conditional.set(FEATURE_READ, permission =>
      createFeatureBranchConditionalDecision(
        permission as ResourcePermission<'feature-branch'>,
        featureBranchConditions.hasEnvironment({ environments: [ENV] }),
      ),
    );
    expect(names(await call('get', '/environments'))).toContain(ENV);
    expect((await call('get', `/environments/${ENV}`)).status).toBe(200);
    expect(names(await call('get', '/features'))).toContain(FEATURE);
    expect(
      (await inProcess.listEnvironments({ credentials: service })).map(
        e => e.name,
      ),
    ).toContain(ENV);
  });

  it('owners update their environments; anyone creates features on the environments a policy names', async () => {
    conditional.set(UPDATE, permission =>
      createEnvironmentConditionalDecision(
        permission as ResourcePermission<'environment'>,
        environmentConditions.isOwner({ claims: ['group:default/others'] }),
      ),
    );
    conditional.set(FEATURE_CREATE, permission =>
      createFeatureBranchConditionalDecision(
        permission as ResourcePermission<'feature-branch'>,
        featureBranchConditions.hasEnvironment({ environments: ['demo-dev'] }),
      ),
    );
    const update = () =>
      call('patch', `/environments/${ENV}`, { description: 'by an owner' });
    const deploy = () =>
      call('post', '/features', {
        name: `${FEATURE}-3`,
        environment: ENV,
        instances: [{ service: 'demo-api', imageTag: '3.0.0' }],
      });
    const refused = await update();
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(`not allowed: ${UPDATE} on ${ENV}`);
    const refusedFeature = await deploy();
    expect(refusedFeature.status).toBe(403);
    expect(refusedFeature.body.error.message).toBe(
      `not allowed: ${FEATURE_CREATE} on ${FEATURE}-3`,
    );
    expect((await call('get', `/features/${FEATURE}-3`)).status).toBe(404);

    conditional.set(UPDATE, permission =>
      createEnvironmentConditionalDecision(
        permission as ResourcePermission<'environment'>,
        environmentConditions.isOwner({ claims: [OWNER] }),
      ),
    );
    conditional.set(FEATURE_CREATE, permission =>
      createFeatureBranchConditionalDecision(
        permission as ResourcePermission<'feature-branch'>,
        featureBranchConditions.hasEnvironment({ environments: [ENV] }),
      ),
    );
    await succeeded(await update());
    const deployed = await deploy();
    await succeeded(deployed, deployed.body.operation?.id);
    await succeeded(await call('delete', `/features/${FEATURE}-3`));
  });
});

describe('permissions and auditing of every mutation', () => {
  it('the table names every mutating route of the spec, each with the URL it calls', () => {
    const mutating = specRoutes().filter(
      r =>
        !r.startsWith('GET ') &&
        !(r in NOT_PERMISSION_CHECKED) &&
        !POST_READS.includes(r),
    );
    expect([...new Set(rows.map(r => r.route))].sort()).toEqual(
      mutating.sort(),
    );
    for (const row of rows) {
      expect(row.url()).toMatch(routePattern(row.route));
    }
  });

  it.each(rows.map(row => [row.route, row.permission, row] as const))(
    'denied: %s without %s answers 403, is audited as failed and changes nothing',
    async (_route, permission, row) => {
      const before = await snapshot();
      const auditsBefore = audits.length;
      denied.add(permission);

      const res = await call(
        row.method,
        (row.deniedUrl ?? row.url)(),
        row.body?.(),
      );
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringContaining(`not allowed: ${permission}`),
      });
      expect(JSON.stringify(res.body)).not.toContain(SECRET);

      const events = audits.slice(auditsBefore);
      expect(events).toEqual([
        expect.objectContaining({
          eventId: 'environment-mutate',
          severityLevel: 'medium',
          request: `${row.method.toUpperCase()} /api/environments${(
            row.deniedUrl ?? row.url
          )()}`,
          meta: expect.objectContaining({ actionType: row.action }),
          status: 'failed',
          error: expect.stringContaining(
            `NotAllowedError: not allowed: ${permission}`,
          ),
        }),
      ]);
      expect(JSON.stringify(events)).not.toContain(SECRET);

      denied.clear();
      // Nothing started in the background either: give a stray operation time to show.
      await new Promise(resolve => setTimeout(resolve, 500));
      expect(await snapshot()).toEqual(before);
    },
  );

  it('allowed: every mutation is done and audited as succeeded, naming no secret', async () => {
    for (const row of rows) {
      await row.before?.();
      const auditsBefore = audits.length;
      const res = await send(row);
      const what = `${row.route} (${row.permission})`;
      expect({ what, status: res.status, body: res.body }).toMatchObject({
        what,
        status: row.allowed,
      });
      expect(audits.slice(auditsBefore)).toEqual([
        expect.objectContaining({
          eventId: 'environment-mutate',
          severityLevel: 'medium',
          meta: expect.objectContaining({ actionType: row.action }),
          status: 'succeeded',
        }),
      ]);
      const operation =
        row.operation &&
        (await waitForOperation(call, row.operation(res.body)));
      expect({ what, state: operation?.state }).toEqual({
        what,
        state: row.operation && (row.ends ?? 'succeeded'),
      });
    }
    expect(JSON.stringify(audits)).not.toContain(SECRET);

    // What the allowed requests did, as the cluster shows it.
    const services = (await call('get', '/services')).body.items;
    expect(services.map((s: any) => s.name)).toContain(`${PREFIX}-extra`);
    const secret = await core.readNamespacedSecret({
      name: 'token',
      namespace: `${PREFIX}-new-secret`,
    });
    expect(Buffer.from(secret.data!.token, 'base64').toString()).toBe(SECRET);
    const copied = await core.readNamespacedSecret({
      name: 'db-credentials',
      namespace: `${PREFIX}-copy-secret`,
    });
    expect(Buffer.from(copied.data!.password, 'base64').toString()).toBe(
      `${SECRET}-2`,
    );
    expect((await call('get', `/environments/${PREFIX}-new`)).status).toBe(404);
  });
});

describe('the in-process EnvironmentsService (scaffolder actions)', () => {
  const runner = mockCredentials.user('user:default/template-runner');

  it('authorizes with the caller’s credentials and audits a denied attempt as failed, changing nothing', async () => {
    const before = await snapshot();
    const auditsBefore = audits.length;
    denied.add(CREATE);

    await expect(
      inProcess.createEnvironment(small(`${PREFIX}-in-process`) as any, {
        credentials: runner,
      }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: `not allowed: ${CREATE}`,
    });
    expect(audits.slice(auditsBefore)).toEqual([
      expect.objectContaining({
        eventId: 'environment-mutate',
        meta: expect.objectContaining({
          actionType: 'create',
          environment: `${PREFIX}-in-process`,
          actor: 'user:default/template-runner',
        }),
        status: 'failed',
        error: `NotAllowedError: not allowed: ${CREATE}`,
      }),
    ]);
    denied.clear();
    await new Promise(resolve => setTimeout(resolve, 500));
    expect(await snapshot()).toEqual(before);
  });

  it('audits an allowed mutation as succeeded, recorded as done by the caller', async () => {
    const auditsBefore = audits.length;
    const operation = await inProcess.createEnvironment(
      small(`${PREFIX}-in-process`) as any,
      { credentials: runner },
    );
    expect(audits.slice(auditsBefore)).toEqual([
      expect.objectContaining({
        meta: expect.objectContaining({
          actionType: 'create',
          actor: 'user:default/template-runner',
        }),
        status: 'succeeded',
      }),
    ]);
    expect(operation.actor).toBe('user:default/template-runner');
    expect(await waitForOperation(call, operation.id)).toMatchObject({
      state: 'succeeded',
    });
  });
});
