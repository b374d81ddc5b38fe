import { LoggerService } from '@backstage/backend-plugin-api';
import { EventEmitter } from 'node:events';
import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { ObjectRef } from '../apply/types';
import { MatchOptions, RoutingTarget } from './types';

/** The routing back ends: Istio VirtualService + DestinationRule subsets, or Gateway API HTTPRoutes (GAMMA). */
export type RoutingDriverKind = 'istio' | 'gateway-api';

export const ROUTING_DRIVER_KINDS: readonly RoutingDriverKind[] = [
  'istio',
  'gateway-api',
];

/** One routed service in one environment namespace. */
export interface ServiceRoutingRef extends RoutingTarget {
  kubeConfig: KubeConfig;
  namespace: string;
  environment: string;
}

export interface FeatureRoutingInput extends ServiceRoutingRef {
  feature: string;
}

/**
 * What the cluster holds for a service, whatever the driver. The feature set lives in the routing objects
 * themselves, so this is read back from the cluster.
 */
export interface RoutingState {
  /**
   * Features with a backend, sorted: the Istio driver's DestinationRule subsets, the Gateway API driver's
   * per-instance Services.
   */
  backends: string[];
  /** Features with a route, sorted (always a subset of `backends`). */
  routes: string[];
  /**
   * Whether the driver keeps routing objects for the service at all (Istio: its DestinationRule, Gateway API:
   * its HTTPRoute), even with no feature left.
   */
  hasRouting: boolean;
}

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

/** A routing write to an object of a base release (a chart's VirtualService), with the generation it gave it. */
export interface ReleaseObjectWritten {
  environment: string;
  /** The base release (service) that owns the object. */
  release: string;
  ref: ObjectRef;
  generation: number;
}

/**
 * What a driver tells whoever keeps the releases' drift baselines: routing's own writes to a release's
 * objects are not drift.
 */
export interface RoutingEvents {
  releaseObjectWritten: [ReleaseObjectWritten];
}

/** Options every driver takes. */
export interface RoutingDriverOptions extends MatchOptions {
  logger?: LoggerService;
  /** Attempts of one batch when another writer changed an object meanwhile (409); default 10. */
  maxAttempts?: number;
}

/**
 * The only writer of a service's feature routing, in one of two renderings (see {@link RoutingDriverKind}).
 *
 * Every driver orders its writes make-before-break: a feature's backend exists before its route
 * (add: backend → `waitReady` → route) and outlives it (remove: route → backend), and changes to one service
 * are serialized and guarded by resourceVersion preconditions, so concurrent changes lose no route.
 */
export interface RoutingDriver {
  readonly kind: RoutingDriverKind;
  readonly events: EventEmitter<RoutingEvents>;

  /** Backend → `waitReady()` (the instance is ready) → route. */
  addFeature(
    input: FeatureRoutingInput & { waitReady?: () => Promise<void> },
  ): Promise<void>;

  /** Route → backend; the caller deletes the instance's workload afterwards. */
  removeFeature(input: FeatureRoutingInput): Promise<void>;

  /**
   * Reconciles a service to exactly these features: backends added → every feature's `waitReady` → routes
   * replaced → stale backends removed.
   */
  setFeatures(
    input: ServiceRoutingRef & {
      features: string[];
      waitReady?: (feature: string) => Promise<void>;
    },
  ): Promise<void>;

  /**
   * Called once the service has no feature instance left (their pods gone): deletes the routing objects the
   * driver created for it and gives a chart's VirtualServices back their own routes. Does nothing while a
   * feature still has a route or a backend (one deployed meanwhile).
   */
  release(ref: ServiceRoutingRef): Promise<void>;

  /** The service's live routing and the feature sets it holds. */
  read(ref: ServiceRoutingRef): Promise<RoutingState>;

  /**
   * A base release's objects as they must be applied beside the routing this driver keeps in them (the Istio
   * driver's feature routes in a chart's own VirtualServices), so that re-applying the chart takes no route
   * away. `refs` are the release's routed hosts.
   */
  withRoutes(
    objects: KubernetesObject[],
    refs: ServiceRoutingRef[],
  ): Promise<KubernetesObject[]>;
}
