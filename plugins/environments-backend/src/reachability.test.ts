import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Entity } from '@backstage/catalog-model';
import {
  ApiCall,
  startImportedBackend,
  waitForOperation,
} from './__testUtils__/integration';
import { writeSharedChartRepo } from './__testUtils__/sharedChartRepo';

/**
 * A shared chart whose pods get an `istio-proxy` container when `sidecar` is on, as Istio's injection would
 * give them (the local cluster has no Istio), and one services folder per service.
 */
function writeRepository(
  services: Record<string, { sidecar: boolean; propagates?: string }>,
) {
  return writeSharedChartRepo({
    defaults: 'sidecar: true\n',
    replicas: '1',
    containers: `        - name: app
          image: example/{{ .Release.Name }}:1
        {{- if .Values.sidecar }}
        - name: istio-proxy
          image: example/proxy:1
        {{- end }}`,
    services: Object.fromEntries(
      Object.entries(services).map(([name, { sidecar, propagates }]) => [
        name,
        {
          values: `sidecar: ${sidecar}\n`,
          serviceYaml: `catalogEntityRef: component:default/${name}\n${
            propagates ? `propagates: ${propagates}\n` : ''
          }`,
        },
      ]),
    ),
  });
}

function component(
  name: string,
  propagates: string | undefined,
  spec: {
    dependsOn?: string[];
    consumesApis?: string[];
    providesApis?: string[];
  },
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      ...(propagates
        ? { annotations: { 'envmesh.io/propagates': propagates } }
        : {}),
    },
    spec: { type: 'service', lifecycle: 'production', owner: 'team', ...spec },
  };
}

describe('GET /features/{feature}/reachability and the pre-flight GET /environments/{name}/reachability', () => {
  const suffix = crypto.randomBytes(3).toString('hex');
  const env = `reach-${suffix}`;
  let call: ApiCall;
  let stop: () => Promise<void>;
  let repo: string;

  beforeAll(async () => {
    repo = writeRepository({
      ui: { sidecar: true },
      api: { sidecar: true },
      orders: { sidecar: true },
      // The component's annotation says header: it wins over the service's setting.
      payments: { sidecar: true, propagates: 'none' },
      search: { sidecar: false },
      // No annotation on its component: the service's setting says.
      index: { sidecar: true, propagates: 'none' },
    });
    // ui → api (through the API it provides) → orders → payments; orders does not forward; ui → search
    // (no sidecar) → index.
    const entities = [
      component('ui', 'header', {
        consumesApis: ['api:default/shop'],
        dependsOn: ['component:default/search'],
      }),
      component('api', 'header', {
        providesApis: ['shop'],
        dependsOn: ['orders'],
      }),
      component('orders', 'none', { dependsOn: ['payments'] }),
      component('payments', 'header', {}),
      component('search', 'header', { dependsOn: ['index'] }),
      component('index', undefined, {}),
    ];
    ({ call, stop } = await startImportedBackend(repo, {}, { entities }));
    const created = await call('post', '/environments', {
      name: env,
      cluster: 'local',
      owner: 'group:default/team',
      previewService: 'ui',
      globalValues: {},
      config: { configMaps: [], secrets: [] },
      resources: { gateways: [], certificates: [] },
      services: ['ui', 'api', 'orders', 'payments', 'search', 'index'].map(
        name => ({ name }),
      ),
    });
    const operation = await waitForOperation(call, created.body.id);
    if (operation.state !== 'succeeded') {
      throw new Error(`creating ${env} failed: ${JSON.stringify(operation)}`);
    }
    const feature = await call('post', '/features', {
      name: `f-${suffix}`,
      environment: env,
      instances: ['api', 'orders', 'payments', 'index'].map(service => ({
        service,
      })),
    });
    if (feature.status !== 202) {
      throw new Error(
        `deploying the feature failed: ${JSON.stringify(feature.body)}`,
      );
    }
  });
  afterAll(async () => {
    await call('delete', `/environments/${env}?cascade=true`);
    await stop();
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it('says which instances a request from the preview service reaches, and where the header is lost', async () => {
    const res = await call('get', `/features/f-${suffix}/reachability`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      feature: `f-${suffix}`,
      environment: env,
      entry: 'ui',
      baggage: false,
      summary: `2 of 4 instance(s) of f-${suffix} reachable from ui`,
      instances: [
        {
          service: 'api',
          path: ['ui', 'api'],
          message: 'reached: ui → api',
        },
        {
          service: 'index',
          lostAt: { service: 'search', reason: 'no-sidecar' },
          message:
            'not reached: search has no sidecar, so its calls are not routed by header',
        },
        {
          service: 'orders',
          path: ['ui', 'api', 'orders'],
          message: 'reached: ui → api → orders',
        },
        {
          service: 'payments',
          lostAt: { service: 'orders', reason: 'does-not-forward' },
          message: 'not reached: orders does not forward the routing header',
        },
      ],
    });
  });

  it('starts from another service when asked, and refuses one the environment does not have', async () => {
    const fromOrders = await call(
      'get',
      `/features/f-${suffix}/reachability?entry=orders`,
    );
    expect(fromOrders.body.summary).toBe(
      `1 of 4 instance(s) of f-${suffix} reachable from orders`,
    );
    const unknown = await call(
      'get',
      `/features/f-${suffix}/reachability?entry=nowhere`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(
      /^entry: 'nowhere' is not a service/,
    );
    expect((await call('get', '/features/no-such/reachability')).status).toBe(
      404,
    );
  });

  it("answers the pre-flight of a feature not deployed yet, with the environment's propagation", async () => {
    const res = await call(
      'get',
      `/environments/${env}/reachability?instances=payments&instances=api`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      environment: env,
      entry: 'ui',
      baggage: false,
      summary: '1 of 2 instance(s) would be reachable from ui',
      instances: [
        { service: 'api', path: ['ui', 'api'], message: 'reached: ui → api' },
        {
          service: 'payments',
          lostAt: { service: 'orders', reason: 'does-not-forward' },
          message: 'not reached: orders does not forward the routing header',
        },
      ],
      propagation: {
        services: 6,
        doesNotForward: ['index', 'orders'],
        unknown: [],
        withoutSidecar: ['search'],
        hidden: ['index', 'payments'],
        summary:
          '3 of 6 services may not forward the routing header (2 do not, 0 do not say, 1 have no sidecar); ' +
          'from ui they hide the feature instances of 2 others',
      },
    });
    // Without instances: the environment's propagation only.
    const summary = await call('get', `/environments/${env}/reachability`);
    expect(summary.body.instances).toEqual([]);
    expect(summary.body.summary).toBe(res.body.propagation.summary);
    const bad = await call(
      'get',
      `/environments/${env}/reachability?instances=api&instances=nowhere`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe(
      `instances.1: 'nowhere' is not a service of environment '${env}'`,
    );
  });
});
