import { computeDestinationRule, computeVirtualService } from './routingModel';
import { VirtualService } from './types';
import { validateRouting } from './validateRouting';

const target = { host: 'demo-api', baseInstance: 'demo-api' };

describe('validateRouting', () => {
  it('accepts a VS whose subsets the DR defines', () => {
    const features = ['f-1', 'f-2'];
    expect(
      validateRouting({
        target,
        vs: computeVirtualService({ ...target, features }),
        dr: computeDestinationRule({ ...target, features }),
      }),
    ).toEqual([]);
  });

  it('reports a route to a subset the DR does not define', () => {
    const violations = validateRouting({
      target,
      vs: computeVirtualService({ ...target, features: ['f-1', 'f-2'] }),
      dr: computeDestinationRule({ ...target, features: ['f-1'] }),
    });
    expect(violations).toEqual([
      expect.objectContaining({
        code: 'missing-subset',
        subset: 'f-2',
        route: 'envmesh-f-2',
      }),
    ]);
  });

  it('reports two mesh VirtualServices for one host, but not a gateway-only one', () => {
    const ours = computeVirtualService({ ...target, features: [] });
    const other: VirtualService = {
      ...ours,
      metadata: { name: 'chart-vs' },
      spec: { ...ours.spec, hosts: ['demo-api.dev-1.svc.cluster.local'] },
    };
    const gateway: VirtualService = {
      ...ours,
      metadata: { name: 'public' },
      spec: { ...ours.spec, gateways: ['istio-system/public'] },
    };
    const dr = computeDestinationRule({ ...target, features: [] });
    const scoped = { ...target, namespace: 'dev-1' };
    expect(
      validateRouting({ target: scoped, vs: [ours, gateway], dr }),
    ).toEqual([]);
    expect(
      validateRouting({ target: scoped, vs: [ours, other, gateway], dr }),
    ).toEqual([
      expect.objectContaining({
        code: 'duplicate-virtual-service',
        virtualServices: ['chart-vs', 'demo-api'],
      }),
    ]);
  });
});
