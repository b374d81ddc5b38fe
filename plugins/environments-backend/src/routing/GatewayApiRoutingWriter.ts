import { InputError } from '@backstage/errors';
import { KubernetesObject } from '@kubernetes/client-node';
import { DynamicClient, WATCH_CACHE } from '../apply/DynamicClient';
import {
  chartGatewayRoutesFor,
  withFeatureRules,
} from './gatewayApiChartRoutes';
import {
  isRoutingObjectOf,
  ownRouteIndex,
  routedFeaturesOf,
} from './gatewayApiModel';
import { serviceFeature, defaultServiceName } from './gatewayApiServices';
import {
  deleteGatewayObject,
  listHttpRoutes,
  listServices,
  writeGatewayObject,
} from './gatewayApiObjects';
import { BatchedRoutingDriver, RoutingChange } from './BatchedRoutingDriver';
import { planGatewayBatch } from './gatewayApiPlan';
import { readHostPods } from './hostPods';
import {
  GATEWAY_API_VERSION,
  GatewayHTTPRoute,
  KubeService,
  MAX_HTTP_ROUTE_RULES,
} from './gatewayApiTypes';
import {
  RoutingDriverOptions,
  RoutingState,
  ServiceRoutingRef,
} from './RoutingDriver';
import { sortFeatures } from './routingModel';

export interface GatewayApiRoutingWriterOptions extends RoutingDriverOptions {
  /**
   * Rules per HTTPRoute before the features spill over into another HTTPRoute of the same parent; default
   * and maximum 16 (the Gateway API's `maxItems`).
   */
  maxRulesPerRoute?: number;
}

/** What the cluster holds for a service under the Gateway API driver. */
export interface GatewayRoutingState extends RoutingState {
  /** The driver's HTTPRoutes of the host, `<host>` first. */
  httpRoutes: GatewayHTTPRoute[];
  /** The driver's instance Services, by feature. */
  instanceServices: Record<string, KubeService>;
  /** The Service `<host>-default` that selects only the base pods (the default rule's backend). */
  defaultService?: KubeService;
}

/** Runs every operation to its end, then throws the first error (no write is left running into a retry). */
async function settleAll(operations: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(operations);
  const failed = results.find(r => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

const SERVICE = { apiVersion: 'v1', kind: 'Service' };
const HTTP_ROUTE = { apiVersion: GATEWAY_API_VERSION, kind: 'HTTPRoute' };

/**
 * The Gateway API (GAMMA) routing driver: the only writer of a service's mesh HTTPRoutes and of the
 * per-instance Services they send to (see gatewayApiModel for the objects).
 *
 * It works as the Istio {@link RoutingWriter} does: the feature sets live in the cluster objects (features
 * with an instance Service may be routed, features with a rule are routed); each change is a delta
 * recomputed against the live objects on every attempt; changes to one (cluster, namespace, host) run one
 * batch at a time; every update carries the resourceVersion it was computed from (server-side apply with a
 * precondition, create by POST, delete with preconditions) and a 409 re-reads and recomputes. A batch writes
 * make-before-break: instance Services created or updated, then the HTTPRoutes, then instance Services
 * deleted; it never writes a rule to a Service that does not exist nor deletes one a rule still sends to (that
 * change fails with a RoutingViolationError instead), and writes nothing while an HTTPRoute envmesh does not
 * own is attached to the host's Service.
 */
export class GatewayApiRoutingWriter extends BatchedRoutingDriver<
  'backends',
  GatewayRoutingState,
  GatewayApiRoutingWriterOptions
> {
  readonly kind = 'gateway-api' as const;

  constructor(options: GatewayApiRoutingWriterOptions = {}) {
    const max = options.maxRulesPerRoute;
    if (
      max !== undefined &&
      (!Number.isInteger(max) || max < 2 || max > MAX_HTTP_ROUTE_RULES)
    ) {
      throw new InputError(
        `maxRulesPerRoute must be an integer from 2 to ${MAX_HTTP_ROUTE_RULES}, got ${max}`,
      );
    }
    super('backends', options);
  }

  /** The driver's live HTTPRoutes and Services of a host and the feature sets they hold. */
  async read(ref: ServiceRoutingRef): Promise<GatewayRoutingState> {
    const client = DynamicClient.for(ref.kubeConfig);
    const [services, routes] = await Promise.all([
      listServices(client, ref.namespace),
      listHttpRoutes(client, ref.namespace),
    ]);
    const instanceServices: Record<string, KubeService> = {};
    const featureOfService = new Map<string, string>();
    let defaultService: KubeService | undefined;
    for (const service of services) {
      if (!isRoutingObjectOf(service, ref.host)) continue;
      const feature = serviceFeature(service);
      if (feature) {
        instanceServices[feature] = service;
        featureOfService.set(service.metadata!.name!, feature);
      } else if (service.metadata?.name === defaultServiceName(ref.host)) {
        defaultService = service;
      }
    }
    const httpRoutes = routes
      .filter(r => ownRouteIndex(r, ref.host) !== undefined)
      .sort(
        (a, b) => ownRouteIndex(a, ref.host)! - ownRouteIndex(b, ref.host)!,
      );
    const routed = new Set<string>();
    for (const route of httpRoutes) {
      routedFeaturesOf(route, featureOfService).forEach(f => routed.add(f));
    }
    return {
      httpRoutes,
      instanceServices,
      defaultService,
      backends: sortFeatures(Object.keys(instanceServices)),
      routes: sortFeatures(routed),
      hasRouting: httpRoutes.some(r => ownRouteIndex(r, ref.host) === 1),
    };
  }

  /** A chart's gateway-bound HTTPRoutes to a routed host keep their feature rules through a base apply. */
  async withRoutes(
    objects: KubernetesObject[],
    refs: ServiceRoutingRef[],
  ): Promise<KubernetesObject[]> {
    if (!objects.some(o => o.kind === 'HTTPRoute')) return objects;
    let result = objects;
    for (const ref of refs) {
      const { routes, hasRouting } = await this.read(ref);
      if (!hasRouting) continue;
      result = result.map(o =>
        o.kind === 'HTTPRoute' &&
        chartGatewayRoutesFor([o as GatewayHTTPRoute], ref).length
          ? withFeatureRules(o as GatewayHTTPRoute, ref, routes, this.match)
          : o,
      );
    }
    return result;
  }

  protected async attempt(
    changes: RoutingChange<'backends'>[],
    consistent: boolean,
  ): Promise<unknown[]> {
    const ref = changes[0].ref;
    const client = DynamicClient.for(ref.kubeConfig);
    // Only a batch that routes or prepares a feature reads its pods.
    const added = this.addedFeatures(changes);
    const [services, httpRoutes, pods] = await Promise.all([
      listServices(client, ref.namespace),
      listHttpRoutes(client, ref.namespace),
      added.length
        ? readHostPods(
            client,
            ref.namespace,
            ref,
            added,
            // The watch cache (it has seen a feature ready when envmesh has).
            consistent ? undefined : WATCH_CACHE,
          )
        : undefined,
    ]);
    const plan = planGatewayBatch({
      pods,
      target: ref,
      environment: ref.environment,
      match: this.match,
      maxRules: this.options.maxRulesPerRoute,
      changes,
      services,
      httpRoutes,
    });
    if (!consistent && plan.errors.some(Boolean)) {
      return this.attempt(changes, true);
    }
    const liveService = (name?: string) =>
      services.find(s => s.metadata?.name === name);
    const liveRoute = (name?: string) =>
      httpRoutes.find(r => r.metadata?.name === name);

    await settleAll(
      plan.make.map(s => this.#write(client, s, liveService(s.metadata?.name))),
    );
    await settleAll(
      plan.routes.map(r => this.#write(client, r, liveRoute(r.metadata?.name))),
    );
    await settleAll(
      plan.chartRoutes.map(async r => {
        const written = await this.#write(
          client,
          r,
          liveRoute(r.metadata?.name),
        );
        this.written(ref, written);
      }),
    );
    await settleAll(
      plan.deleteRoutes.map(r => this.#delete(client, HTTP_ROUTE, r)),
    );
    await settleAll(plan.break.map(s => this.#delete(client, SERVICE, s)));
    return plan.errors;
  }

  #write<T extends KubeService | GatewayHTTPRoute>(
    client: DynamicClient,
    desired: T,
    live: T | undefined,
  ): Promise<T> {
    this.stats.writes++;
    return writeGatewayObject(client, desired, live);
  }

  #delete(
    client: DynamicClient,
    type: { apiVersion: string; kind: string },
    live: KubeService | GatewayHTTPRoute,
  ): Promise<void> {
    this.stats.writes++;
    return deleteGatewayObject(client, type, live);
  }
}
