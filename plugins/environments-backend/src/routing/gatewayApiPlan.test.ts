import { computeHttpRoutes } from './gatewayApiModel';
import { computeInstanceService } from './gatewayApiServices';
import { GatewayFeatureSetChange, planGatewayBatch } from './gatewayApiPlan';
import { KubeService } from './gatewayApiTypes';

const target = {
  host: 'demo-api',
  namespace: 'dev-1',
  baseInstance: 'demo-api',
};
const environment = 'dev-1';
const base: KubeService = {
  metadata: { name: 'demo-api', namespace: 'dev-1' },
  spec: {
    selector: { 'app.kubernetes.io/name': 'demo-api' },
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  },
};

/** The live objects when `backends` have instance Services and `routes` are routed. */
function live(backends: string[], routes: string[]) {
  return {
    services: [
      base,
      computeInstanceService({ target, environment, base }),
      ...backends.map(feature =>
        computeInstanceService({ target, environment, base, feature }),
      ),
    ],
    httpRoutes: computeHttpRoutes({
      target,
      environment,
      port: 8080,
      features: routes,
    }),
  };
}

const plan = (
  state: ReturnType<typeof live>,
  changes: GatewayFeatureSetChange[],
) => planGatewayBatch({ target, environment, match: {}, changes, ...state });
const names = (objects: Array<{ metadata?: { name?: string } }>) =>
  objects.map(o => o.metadata!.name);

describe('planGatewayBatch', () => {
  it('coalesces changes: Services made, then the routes, then Services broken', () => {
    const result = plan(live(['a', 'b'], ['a', 'b']), [
      { set: 'backends', add: ['c'] },
      { set: 'backends', add: ['d'] },
      { set: 'routes', add: ['c'] },
      { set: 'routes', remove: ['a'] },
      { set: 'backends', remove: ['a'] },
      { set: 'backends', remove: ['b'] },
    ]);
    expect(result.errors).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      // b is still routed: its Service stays.
      expect.objectContaining({
        violations: [
          expect.objectContaining({
            code: 'missing-backend',
            subset: 'b',
            backend: 'demo-api-b',
          }),
        ],
      }),
    ]);
    expect(names(result.make)).toEqual(['demo-api-c', 'demo-api-d']);
    expect(
      result.routes.map(r => r.spec.rules!.map(x => x.backendRefs![0].name)),
    ).toEqual([['demo-api-b', 'demo-api-c', 'demo-api-default']]);
    expect(names(result.break)).toEqual(['demo-api-a']);
    expect(result.deleteRoutes).toEqual([]);
  });

  it('refuses a route before its Service, and writes nothing that is already so', () => {
    const state = live(['a'], ['a']);
    const result = plan(state, [
      { set: 'routes', add: ['x'] },
      { set: 'backends', add: ['a'] },
      { set: 'routes', add: ['a'] },
    ]);
    expect(result.errors[0]).toEqual(
      expect.objectContaining({
        violations: [
          expect.objectContaining({ code: 'missing-backend', subset: 'x' }),
        ],
      }),
    );
    expect(result.errors.slice(1)).toEqual([undefined, undefined]);
    expect(result).toMatchObject({
      make: [],
      routes: [],
      deleteRoutes: [],
      break: [],
    });
  });

  it('creates the default Service with the first instance Service', () => {
    const result = plan({ services: [base], httpRoutes: [] }, [
      { set: 'backends', add: ['a'] },
    ]);
    expect(names(result.make)).toEqual(['demo-api-a', 'demo-api-default']);
    expect(result.routes).toEqual([]);
  });

  it('fails every change while a foreign HTTPRoute is attached to the Service', () => {
    const state = live(['a'], ['a']);
    state.httpRoutes.push({
      metadata: { name: 'chart-route', namespace: 'dev-1' },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'demo-api' }] },
    });
    const result = plan(state, [
      { set: 'backends', add: ['b'] },
      { set: 'routes', remove: ['a'] },
    ]);
    expect(result.errors.map(e => (e as any)?.violations?.[0]?.code)).toEqual([
      'foreign-http-route',
      'foreign-http-route',
    ]);
    expect(result).toMatchObject({ make: [], routes: [], break: [] });
  });

  it('still removes routes when the base Service is gone, but adds nothing', () => {
    const state = live(['a', 'b'], ['a', 'b']);
    state.services = state.services.filter(
      s => s.metadata!.name !== 'demo-api',
    );
    const result = plan(state, [
      { set: 'routes', remove: ['a'] },
      { set: 'backends', remove: ['a'] },
      { set: 'backends', add: ['c'] },
    ]);
    expect(result.errors[0]).toBeUndefined();
    expect(result.errors[1]).toBeUndefined();
    expect(result.errors[2]?.message).toMatch(
      /^host: there is no Service 'demo-api'/,
    );
    expect(result.make).toEqual([]);
    expect(result.routes[0].spec.rules!.map(r => r.backendRefs![0])).toEqual([
      { group: '', kind: 'Service', name: 'demo-api-b', port: 8080 },
      { group: '', kind: 'Service', name: 'demo-api-default', port: 8080 },
    ]);
    expect(names(result.break)).toEqual(['demo-api-a']);
  });

  it('releases a host once no feature is left: its HTTPRoutes, then its default Service, and nothing else', () => {
    const result = plan(live([], []), [{ set: 'backends', release: true }]);
    expect(result.errors).toEqual([undefined]);
    expect(result.make).toEqual([]);
    expect(result.routes).toEqual([]);
    expect(names(result.deleteRoutes)).toEqual(['demo-api-mesh']);
    expect(names(result.break)).toEqual(['demo-api-default']);

    // A feature still there: nothing is released.
    const kept = plan(live(['a'], ['a']), [{ set: 'backends', release: true }]);
    expect(kept.deleteRoutes).toEqual([]);
    expect(kept.break).toEqual([]);
  });
});
