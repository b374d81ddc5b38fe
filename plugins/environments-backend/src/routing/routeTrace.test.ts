import { localServiceName, traceRequest } from './routeTrace';

describe('localServiceName', () => {
  it('names the Service of cluster-local hosts only', () => {
    expect(
      ['demo-ui', 'demo-ui.dev-1', 'demo-ui.dev-1.svc'].map(localServiceName),
    ).toEqual(['demo-ui', 'demo-ui', 'demo-ui']);
    expect(localServiceName('demo-ui.dev-1.svc.cluster.local')).toBe('demo-ui');
    // An external host that starts with a Service's name is not that Service.
    expect(localServiceName('demo-ui.demo.net')).toBeUndefined();
  });
});

describe('traceRequest', () => {
  it('answers 404 for a gateway host no gateway-bound VirtualService has, even when a Service shares its first label', () => {
    const hop = traceRequest(
      { host: 'demo-ui.demo.net', gateway: true },
      {
        virtualServices: [],
        destinationRules: [],
        services: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'demo-ui' },
            spec: { selector: { app: 'demo-ui' } },
          } as any,
        ],
        pods: [{ metadata: { name: 'demo-ui-1', labels: { app: 'demo-ui' } } }],
      },
    );
    expect(hop).toEqual({
      host: 'demo-ui.demo.net',
      pods: [],
      reason:
        'no gateway-bound VirtualService has host demo-ui.demo.net: the gateway answers 404',
    });
  });
});
