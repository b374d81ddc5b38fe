import { InputError } from '@backstage/errors';
import { createRoutingDriver } from './createRoutingDriver';
import { GatewayApiRoutingWriter } from './GatewayApiRoutingWriter';
import { RoutingDriverKind } from './RoutingDriver';
import { RoutingWriter } from './RoutingWriter';

describe('createRoutingDriver', () => {
  it('creates the driver of each kind', () => {
    const istio = createRoutingDriver('istio', { headerName: 'X-Feature' });
    expect(istio).toBeInstanceOf(RoutingWriter);
    expect(istio.kind).toBe('istio');
    const gateway = createRoutingDriver('gateway-api', {
      maxRulesPerRoute: 8,
    });
    expect(gateway).toBeInstanceOf(GatewayApiRoutingWriter);
    expect(gateway.kind).toBe('gateway-api');
  });

  it('rejects an unknown kind and a bad rule limit with an InputError naming the field', () => {
    expect(() => createRoutingDriver('linkerd' as RoutingDriverKind)).toThrow(
      new InputError(
        `kind must be one of 'istio', 'gateway-api', got 'linkerd'`,
      ),
    );
    for (const maxRulesPerRoute of [1, 17, 2.5]) {
      expect(() =>
        createRoutingDriver('gateway-api', { maxRulesPerRoute }),
      ).toThrow(/^maxRulesPerRoute must be an integer from 2 to 16/);
    }
  });
});
