import { LoggerService } from '@backstage/backend-plugin-api';
import type { RoutingDriverKind } from '@envmesh/plugin-environments-node';
import { MatchOptions } from './types';

// The driver's contract is public (a backend module may wrap or replace the driver): see
// environmentsPartsExtensionPoint in @envmesh/plugin-environments-node.
export type {
  FeatureRoutingInput,
  RoutingDriver,
  RoutingDriverKind,
  RoutingEvents,
  RoutingState,
  ServiceRoutingRef,
} from '@envmesh/plugin-environments-node';

export const ROUTING_DRIVER_KINDS: readonly RoutingDriverKind[] = [
  'istio',
  'gateway-api',
];

/**
 * A delta to one of a service's two feature sets, its backends (the driver's name for them: `subsets`,
 * `backends`) or its routes; `replace` wins over add/remove.
 */
export interface RoutingSetChange<B extends string> {
  set: B | 'routes';
  add?: string[];
  remove?: string[];
  replace?: string[];
  /** Once no feature is left after the batch: delete what routing created, give the chart its routes back. */
  release?: boolean;
}

/** Options every driver takes. */
export interface RoutingDriverOptions extends MatchOptions {
  logger?: LoggerService;
  /** Attempts of one batch when another writer changed an object meanwhile (409); default 10. */
  maxAttempts?: number;
}
