import { InputError } from '@backstage/errors';
import {
  GatewayApiRoutingWriter,
  GatewayApiRoutingWriterOptions,
} from './GatewayApiRoutingWriter';
import {
  ROUTING_DRIVER_KINDS,
  RoutingDriver,
  RoutingDriverKind,
} from './RoutingDriver';
import { RoutingWriter } from './RoutingWriter';

/** The options of either driver; those of the other one are ignored. */
export type CreateRoutingDriverOptions = GatewayApiRoutingWriterOptions;

/**
 * The routing driver of a kind: `istio` (VirtualService routes to DestinationRule subsets) or `gateway-api`
 * (HTTPRoutes attached to the Service, to per-instance Services). Throws an InputError for another kind.
 */
export function createRoutingDriver(
  kind: 'istio',
  options?: CreateRoutingDriverOptions,
): RoutingWriter;
export function createRoutingDriver(
  kind: 'gateway-api',
  options?: CreateRoutingDriverOptions,
): GatewayApiRoutingWriter;
export function createRoutingDriver(
  kind: RoutingDriverKind,
  options?: CreateRoutingDriverOptions,
): RoutingDriver;
export function createRoutingDriver(
  kind: RoutingDriverKind,
  options: CreateRoutingDriverOptions = {},
): RoutingDriver {
  switch (kind) {
    case 'istio': {
      const { maxRulesPerRoute: _ignored, ...istio } = options;
      return new RoutingWriter(istio);
    }
    case 'gateway-api':
      return new GatewayApiRoutingWriter(options);
    default:
      throw new InputError(
        `kind must be one of ${ROUTING_DRIVER_KINDS.map(k => `'${k}'`).join(
          ', ',
        )}, got '${String(kind)}'`,
      );
  }
}
