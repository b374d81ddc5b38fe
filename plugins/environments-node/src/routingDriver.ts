import type { EventEmitter } from 'node:events';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type {
  ObjectRef,
  RoutingMode,
} from '@envmesh/plugin-environments-common';

/**
 * The routing back ends: Istio VirtualService + DestinationRule subsets, or Gateway API HTTPRoutes (GAMMA).
 *
 * @public
 */
export type RoutingDriverKind = 'istio' | 'gateway-api';

/**
 * One routed service: its Service host and the instance labels of its base and feature instances.
 *
 * @public
 */
export interface RoutingTarget {
  /** The base Service name, e.g. `demo-api`: the DR host and the host of a generated VS. */
  host: string;
  /**
   * The Service's namespace: lets chart destinations written as `demo-api.<ns>` or
   * `demo-api.<ns>.svc.cluster.local` count as this host.
   */
  namespace?: string;
  /** The `app.kubernetes.io/instance` value of the base pods (subset `default`). */
  baseInstance: string;
  /** The prefix of feature instance labels, `<service>.<feature>`; defaults to `baseInstance`. */
  service?: string;
  /**
   * `subset` (default): feature routes go to DestinationRule subsets of the host; `service`: to the feature
   * instance's own Service `<host>-<feature>`, and no DestinationRule is written.
   */
  mode?: RoutingMode;
}

/**
 * One routed service in one environment namespace.
 *
 * @public
 */
export interface ServiceRoutingRef extends RoutingTarget {
  kubeConfig: KubeConfig;
  namespace: string;
  environment: string;
}

/** @public */
export interface FeatureRoutingInput extends ServiceRoutingRef {
  feature: string;
}

/**
 * What the cluster holds for a service, whatever the driver. The feature set lives in the routing objects
 * themselves, so this is read back from the cluster.
 *
 * @public
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
 * A routing write to an object of a base release (a chart's VirtualService), with the generation it gave it.
 *
 * @public
 */
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
 *
 * @public
 */
export interface RoutingEvents {
  releaseObjectWritten: [ReleaseObjectWritten];
}

/**
 * The only writer of a service's feature routing, in one of two renderings (see {@link RoutingDriverKind}).
 *
 * Every driver orders its writes make-before-break: a feature's backend exists before its route
 * (add: backend → `waitReady` → route) and outlives it (remove: route → backend), and changes to one service
 * are serialized and guarded by resourceVersion preconditions, so concurrent changes lose no route.
 *
 * @public
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
