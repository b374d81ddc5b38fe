import { InputError } from '@backstage/errors';
import { LABELS, MANAGER } from '../apply/types';
import { instanceServiceName } from '../naming';
import {
  computeHttpRoutes,
  sameRouteSpec,
  validateGatewayRouting,
} from './gatewayApiModel';
import { computeInstanceService, routedPort } from './gatewayApiServices';
import {
  GatewayHTTPRoute,
  KubeService,
  ROUTING_HOST_LABEL,
} from './gatewayApiTypes';

const target = {
  host: 'demo-api',
  namespace: 'dev-1',
  baseInstance: 'demo-api',
};
const base = (
  ports: NonNullable<KubeService['spec']>['ports'],
): KubeService => ({
  metadata: { name: 'demo-api', namespace: 'dev-1' },
  spec: { selector: { 'app.kubernetes.io/name': 'demo-api' }, ports },
});
const routes = (features: string[], options = {}) =>
  computeHttpRoutes({
    target,
    environment: 'dev-1',
    port: 8080,
    features,
    ...options,
  });
const backendsOf = (route: GatewayHTTPRoute) =>
  route.spec.rules!.map(r => r.backendRefs![0].name);

describe('routedPort', () => {
  it('picks the HTTP port by appProtocol or Istio port name, else the only port', () => {
    expect(
      routedPort(
        base([
          { name: 'grpc', port: 9000 },
          { name: 'web', port: 8081, appProtocol: 'http' },
        ]),
      ),
    ).toBe(8081);
    expect(
      routedPort(
        base([
          { name: 'metrics', port: 9100 },
          { name: 'http-api', port: 8080 },
        ]),
      ),
    ).toBe(8080);
    expect(routedPort(base([{ name: 'tcp', port: 5000 }]))).toBe(5000);
  });

  it('rejects a Service with several ports and no HTTP one, naming the host', () => {
    const error = (() => {
      try {
        routedPort(
          base([
            { name: 'grpc', port: 9000 },
            { name: 'metrics', port: 9100 },
          ]),
        );
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(
      /^host: the Service 'demo-api' has 2 ports and none is an HTTP port/,
    );
  });
});

describe('computeInstanceService', () => {
  it('sets the instance label on the base selector and keeps the ports', () => {
    const service = computeInstanceService({
      target: { ...target, service: 'demo' },
      environment: 'dev-1',
      base: base([{ name: 'http', port: 8080, targetPort: 'http' as any }]),
      feature: 'feature-31337',
    });
    expect(service.metadata).toEqual({
      name: 'demo-api-feature-31337',
      namespace: 'dev-1',
      labels: {
        [LABELS.managedBy]: MANAGER,
        [LABELS.environment]: 'dev-1',
        [ROUTING_HOST_LABEL]: 'demo-api',
        [LABELS.feature]: 'feature-31337',
      },
    });
    expect(service.spec).toEqual({
      type: 'ClusterIP',
      selector: {
        'app.kubernetes.io/name': 'demo-api',
        'app.kubernetes.io/instance': 'demo.feature-31337',
      },
      ports: [
        { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
      ],
    });
  });

  it('cuts long names to 63 characters with a hash', () => {
    const host = 'a'.repeat(50);
    const name = instanceServiceName(host, 'feature-31337');
    expect(name).toHaveLength(63);
    expect(name).not.toBe(instanceServiceName(host, 'feature-31338'));
  });

  it('rejects a base Service without a selector', () => {
    expect(() =>
      computeInstanceService({
        target,
        environment: 'dev-1',
        base: { metadata: { name: 'demo-api' }, spec: { ports: [] } },
      }),
    ).toThrow(/^host: the Service 'demo-api' has no selector/);
  });
});

describe('computeHttpRoutes', () => {
  it('has one rule per feature, sorted, and the default rule last', () => {
    const [route, ...more] = routes(['f-b', 'f-a']);
    expect(more).toEqual([]);
    expect(route.metadata!.name).toBe('demo-api-mesh');
    expect(backendsOf(route)).toEqual([
      'demo-api-f-a',
      'demo-api-f-b',
      'demo-api-default',
    ]);
    expect(route.spec.rules![0].matches).toEqual([
      { headers: [{ type: 'Exact', name: 'X-FEATURE-NAME', value: 'f-a' }] },
    ]);
    expect(route.spec.rules![2].matches).toBeUndefined();
  });

  it('fills the HTTPRoutes up to the rule limit, keeping features where they are', () => {
    const laidOut = routes(['f-1', 'f-2', 'f-3', 'f-4', 'f-5', 'f-6'], {
      maxRules: 3,
    });
    expect(laidOut.map(r => [r.metadata!.name, backendsOf(r)])).toEqual([
      ['demo-api-mesh', ['demo-api-f-1', 'demo-api-f-2', 'demo-api-default']],
      ['demo-api-mesh.2', ['demo-api-f-3', 'demo-api-f-4', 'demo-api-f-5']],
      ['demo-api-mesh.3', ['demo-api-f-6']],
    ]);

    // f-2 and f-4 leave, a-0 and f-9 arrive: they take the freed places, in sorted order; nothing moves.
    const next = routes(['f-1', 'f-3', 'f-5', 'f-6', 'a-0', 'f-9'], {
      maxRules: 3,
      live: [
        { index: 1, features: ['f-1', 'f-2'] },
        { index: 2, features: ['f-3', 'f-4', 'f-5'] },
        { index: 3, features: ['f-6'] },
      ],
    });
    expect(next.map(r => [r.metadata!.name, backendsOf(r)])).toEqual([
      ['demo-api-mesh', ['demo-api-a-0', 'demo-api-f-1', 'demo-api-default']],
      ['demo-api-mesh.2', ['demo-api-f-3', 'demo-api-f-5', 'demo-api-f-9']],
      ['demo-api-mesh.3', ['demo-api-f-6']],
    ]);

    // Emptied HTTPRoutes are dropped, the first one stays.
    expect(
      routes([], { maxRules: 3, live: [{ index: 2, features: ['f-3'] }] }).map(
        r => [r.metadata!.name, backendsOf(r)],
      ),
    ).toEqual([['demo-api-mesh', ['demo-api-default']]]);
  });

  it('equals a live copy that carries the API defaults (no rewrite loop on a real cluster)', () => {
    const [desired] = routes(['f-1']);
    const defaulted: GatewayHTTPRoute = {
      ...desired,
      spec: {
        parentRefs: [
          { group: '', kind: 'Service', name: 'demo-api', port: 8080 },
        ],
        rules: [
          {
            matches: [
              {
                path: { type: 'PathPrefix', value: '/' },
                headers: [{ name: 'x-feature-name', value: 'f-1' }],
              },
            ],
            backendRefs: [{ name: 'demo-api-f-1', port: 8080, weight: 1 }],
          },
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [
              {
                group: '',
                kind: 'Service',
                name: 'demo-api-default',
                port: 8080,
                weight: 1,
              },
            ],
          },
        ],
      },
    };
    expect(sameRouteSpec(defaulted, desired)).toBe(true);
    expect(sameRouteSpec(routes(['f-2'])[0], desired)).toBe(false);
  });
});

describe('validateGatewayRouting', () => {
  it('accepts routes whose backends exist', () => {
    expect(
      validateGatewayRouting({
        target,
        httpRoutes: routes(['f-1']),
        services: ['demo-api', 'demo-api-default', 'demo-api-f-1'],
      }),
    ).toEqual([]);
  });

  it('reports missing backends, foreign routes on the parent and too many rules', () => {
    const foreign: GatewayHTTPRoute = {
      metadata: { name: 'chart-route', namespace: 'dev-1' },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'demo-api' }] },
    };
    const gatewayRoute: GatewayHTTPRoute = {
      metadata: { name: 'ingress', namespace: 'dev-1' },
      spec: { parentRefs: [{ name: 'demo-api' }] },
    };
    expect(
      validateGatewayRouting({
        target,
        httpRoutes: [...routes(['f-1', 'f-2']), foreign, gatewayRoute],
        services: ['demo-api-default', 'demo-api-f-1'],
        maxRules: 2,
      }),
    ).toEqual([
      expect.objectContaining({
        code: 'foreign-http-route',
        httpRoutes: ['chart-route'],
      }),
      expect.objectContaining({
        code: 'too-many-rules',
        route: 'demo-api-mesh',
      }),
      expect.objectContaining({
        code: 'missing-backend',
        route: 'demo-api-mesh',
        backend: 'demo-api-f-2',
      }),
    ]);
  });
});
