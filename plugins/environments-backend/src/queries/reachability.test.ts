import {
  CallGraphNode,
  propagationSummary,
  reachability,
} from './reachability';

const node = (
  calls: string[],
  propagates: CallGraphNode['propagates'] = 'header',
  sidecar = true,
): CallGraphNode => ({ calls, propagates, sidecar });

describe('reachability', () => {
  // ui → api → orders → payments; api → config; ui → search (no sidecar) → index
  const graph = new Map<string, CallGraphNode>([
    ['ui', node(['api', 'search'])],
    ['api', node(['orders', 'config'])],
    ['orders', node(['payments'], 'none')],
    ['payments', node([])],
    ['config', node([], 'baggage')],
    ['search', node(['index'], 'header', false)],
    ['index', node([])],
    ['lonely', node([])],
  ]);

  it('follows forwarding services, and names where the header is lost and why', () => {
    expect(
      reachability({
        graph,
        entry: 'ui',
        instances: ['api', 'orders', 'payments', 'index', 'lonely'],
        baggage: false,
      }),
    ).toEqual([
      { service: 'api', path: ['ui', 'api'] },
      { service: 'index', lostAt: { service: 'search', reason: 'no-sidecar' } },
      { service: 'lonely' },
      { service: 'orders', path: ['ui', 'api', 'orders'] },
      {
        service: 'payments',
        lostAt: { service: 'orders', reason: 'does-not-forward' },
      },
    ]);
  });

  it('counts baggage services as forwarding only when routes match baggage', () => {
    const withConfigCalling = new Map(graph).set(
      'config',
      node(['payments'], 'baggage'),
    );
    const [headerOnly] = reachability({
      graph: withConfigCalling,
      entry: 'ui',
      instances: ['payments'],
      baggage: false,
    });
    expect(headerOnly.lostAt).toEqual({
      service: 'orders',
      reason: 'does-not-forward',
    });
    const [withBaggage] = reachability({
      graph: withConfigCalling,
      entry: 'ui',
      instances: ['payments'],
      baggage: true,
    });
    expect(withBaggage.path).toEqual(['ui', 'api', 'config', 'payments']);
  });

  it('reports a service no annotation describes as a possible loss', () => {
    const unknown = new Map(graph).set('api', node(['orders'], 'unknown'));
    expect(
      reachability({
        graph: unknown,
        entry: 'ui',
        instances: ['orders'],
        baggage: false,
      }),
    ).toEqual([
      {
        service: 'orders',
        lostAt: { service: 'api', reason: 'unknown-propagation' },
      },
    ]);
  });
});

describe('propagationSummary', () => {
  // ui → api → orders (none) → payments; api → config (baggage); ui → search (no sidecar) → index; legacy (unknown) → payments
  const graph = new Map<string, CallGraphNode>([
    ['ui', node(['api', 'search', 'legacy'])],
    ['api', node(['orders', 'config'])],
    ['orders', node(['payments'], 'none')],
    ['payments', node([])],
    ['config', node(['payments'], 'baggage')],
    ['search', node(['index'], 'header', false)],
    ['index', node([])],
    ['legacy', node(['audit'], 'unknown')],
    ['audit', node([])],
  ]);

  it('counts each losing service once and names the services whose feature instances they hide', () => {
    expect(propagationSummary({ graph, entry: 'ui', baggage: false })).toEqual({
      services: 9,
      doesNotForward: ['config', 'orders'],
      unknown: ['legacy'],
      withoutSidecar: ['search'],
      hidden: ['audit', 'index', 'payments'],
      summary:
        '4 of 9 services may not forward the routing header (2 do not, 1 do not say, 1 have no sidecar); ' +
        'from ui they hide the feature instances of 3 others',
    });
  });

  it('with baggage routing, a baggage service forwards: what it calls is no longer hidden through it', () => {
    const summary = propagationSummary({ graph, entry: 'ui', baggage: true });
    expect(summary.doesNotForward).toEqual(['orders']);
    expect(summary.hidden).toEqual(['audit', 'index']);
  });
});
