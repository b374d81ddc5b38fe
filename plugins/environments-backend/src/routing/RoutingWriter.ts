import { KubernetesObject } from '@kubernetes/client-node';
import {
  DynamicClient,
  ListFreshness,
  WATCH_CACHE,
} from '../apply/DynamicClient';
import { LABELS } from '../apply/types';
import { liveFeatures, withFeatureRoutes } from './chartRoutes';
import { readHostPods } from './hostPods';
import { planBatch } from './batchPlan';
import {
  BatchedRoutingDriver,
  RoutingChange,
  hostKey,
} from './BatchedRoutingDriver';
import {
  RoutingDriverOptions,
  RoutingState,
  ServiceRoutingRef,
} from './RoutingDriver';
import {
  deleteRoutingObject,
  listVirtualServices,
  readDestinationRule,
  writeRoutingObject,
} from './routingObjects';
import {
  featureSubsets,
  isMeshVirtualServiceFor,
  routedFeatures,
  sortFeatures,
} from './routingModel';
import { DestinationRule, VirtualService } from './types';

export type { ServiceRoutingRef } from './RoutingDriver';

export type RoutingWriterOptions = RoutingDriverOptions;

/** What the cluster holds for a service: the feature set lives in these objects. */
export interface ServiceRoutingState extends RoutingState {
  destinationRule?: DestinationRule;
  virtualService?: VirtualService;
  /** Features with a DR subset, sorted (the same as `backends`). */
  subsets: string[];
  /** Features with a VS route, sorted (always a subset of `subsets`). */
  routes: string[];
}

/**
 * The only writer of a service's DestinationRule and of the routes to its host: the mesh VirtualService, and
 * every gateway-bound VirtualService that routes to the host (a chart's `demo.net` route to its front end),
 * whose requests without the header are pinned to the `default` subset as the mesh VS's are.
 *
 * The feature set lives in the cluster objects themselves: the DR's subsets are the features that may be
 * routed, the VS's `envmesh-*` routes the features that are routed. Each change is a delta (add/remove one
 * feature, or replace the set) recomputed against the live objects on every attempt, so nothing is lost:
 * - in-process, changes to one (cluster, namespace, host) run one batch at a time (concurrent changes
 *   coalesce into one write per object);
 * - against other writers (another backend replica), every update carries the resourceVersion it was
 *   computed from (server-side apply with a precondition; creation by POST fails if the object appeared),
 *   and a 409 re-reads and recomputes.
 * Before a batch routes or prepares a feature it reads the pods behind the host: a route is written only to
 * a subset with a ready pod, and nothing is added while plain requests could reach a feature pod (see
 * baseIsolationViolations).
 *
 * A batch writes make-before-break: DR subsets added, then the VS, then DR subsets removed; it never writes
 * a VS route to a subset the DR lacks nor removes a subset a route still uses (that change fails with a
 * RoutingViolationError instead). A VS that would hold any violation, one somebody else introduced
 * included (see {@link validateRouting}), is not written at all.
 *
 * A chart-owned VS is written in place (its `http` list taken over by this field manager). Whoever re-applies
 * the chart applies it {@link RoutingWriter.withRoutes} so that the list keeps the feature routes, and hears
 * `releaseObjectWritten` for each routing write to it: its new generation is envmesh's, not drift.
 */
export class RoutingWriter extends BatchedRoutingDriver<
  'subsets',
  ServiceRoutingState
> {
  readonly kind = 'istio' as const;
  /**
   * The resourceVersion of routing's last VS write per host (cluster, namespace, host; the batch queue's key):
   * a LIST not older than it sees every VS write this process made for the host, without waiting for the
   * watch cache to catch up with etcd. Forgotten when the host's VS is deleted, so that no read from before
   * the delete brings it back.
   */
  readonly #lastVirtualServiceWrite = new Map<string, string>();

  constructor(options: RoutingWriterOptions = {}) {
    super('subsets', options);
  }

  /** The live DR and mesh VS of a service and the feature sets they hold. */
  async read(ref: ServiceRoutingRef): Promise<ServiceRoutingState> {
    const client = DynamicClient.for(ref.kubeConfig);
    const [destinationRule, all] = await Promise.all([
      readDestinationRule(client, ref.namespace, ref.host),
      listVirtualServices(client, ref.namespace),
    ]);
    const virtualService = all.find(v => isMeshVirtualServiceFor(v, ref));
    const subsets = sortFeatures(featureSubsets(destinationRule));
    return {
      destinationRule,
      virtualService,
      subsets,
      backends: subsets,
      routes: sortFeatures(routedFeatures(virtualService)),
      // `service` mode keeps no DR: its routing is the VS routes to instance Services.
      hasRouting:
        ref.mode === 'service'
          ? routedFeatures(virtualService).size > 0
          : !!destinationRule,
    };
  }

  async withRoutes(
    objects: KubernetesObject[],
    refs: ServiceRoutingRef[],
  ): Promise<KubernetesObject[]> {
    if (!refs.length || !objects.some(o => o.kind === 'VirtualService')) {
      return objects;
    }
    const { kubeConfig, namespace } = refs[0];
    const client = DynamicClient.for(kubeConfig);
    const virtualServices = await listVirtualServices(client, namespace);
    const targets = await Promise.all(
      refs.map(async ref => {
        const features = liveFeatures(ref, virtualServices);
        const active =
          ref.mode === 'service'
            ? features.size > 0
            : !!(await readDestinationRule(client, namespace, ref.host));
        return { ...ref, features, active };
      }),
    );
    return withFeatureRoutes(objects, targets, this.match);
  }

  protected async attempt(
    changes: RoutingChange<'subsets'>[],
    consistent: boolean,
  ): Promise<unknown[]> {
    const ref = changes[0].ref;
    const client = DynamicClient.for(ref.kubeConfig);
    // Only a batch that routes or prepares a feature reads its pods (and in `service` mode its Services).
    const added = this.addedFeatures(changes);
    // Pods and Services are not routing's writes: the watch cache (it has seen a feature ready when envmesh has).
    const cached = consistent ? undefined : WATCH_CACHE;
    const [destinationRule, virtualServices, services, pods] =
      await Promise.all([
        readDestinationRule(client, ref.namespace, ref.host),
        listVirtualServices(
          client,
          ref.namespace,
          consistent ? undefined : this.#sinceLastWrite(ref),
        ),
        ref.mode === 'service' && added.length
          ? client.listFresh('v1', 'Service', ref.namespace, {
              labelSelector: `${LABELS.feature} in (${added.join(',')})`,
              freshness: cached,
            })
          : undefined,
        added.length
          ? readHostPods(client, ref.namespace, ref, added, cached)
          : undefined,
      ]);
    const plan = planBatch({
      target: ref,
      match: this.match,
      changes,
      destinationRule,
      virtualServices,
      services:
        services && new Set(services.items.map(s => s.metadata?.name ?? '')),
      pods,
    });
    if (!consistent && plan.errors.some(Boolean)) {
      return this.attempt(changes, true);
    }
    let dr = destinationRule;
    if (plan.make) dr = await this.#write(client, ref, plan.make, dr);
    if (plan.virtualService) {
      const live = virtualServices.find(v => isMeshVirtualServiceFor(v, ref));
      await this.#write(client, ref, plan.virtualService, live);
    }
    for (const desired of plan.gatewayVirtualServices) {
      const live = virtualServices.find(
        v => v.metadata?.name === desired.metadata?.name,
      );
      await this.#write(client, ref, desired, live);
    }
    if (plan.break) await this.#write(client, ref, plan.break, dr);
    const { destinationRule: drName, virtualService: vsName } =
      plan.release ?? {};
    if (vsName) {
      this.#lastVirtualServiceWrite.delete(hostKey(ref));
      await deleteRoutingObject(
        client,
        ref.namespace,
        'VirtualService',
        vsName,
      );
    }
    if (drName) {
      await deleteRoutingObject(
        client,
        ref.namespace,
        'DestinationRule',
        drName,
      );
    }
    return plan.errors;
  }

  async #write<T extends DestinationRule | VirtualService>(
    client: DynamicClient,
    ref: ServiceRoutingRef,
    desired: T,
    live: T | undefined,
  ): Promise<T> {
    this.stats.writes++;
    const written = await writeRoutingObject(client, ref, desired, live);
    const resourceVersion = written.metadata?.resourceVersion;
    if (written.kind === 'VirtualService' && resourceVersion) {
      this.#lastVirtualServiceWrite.set(hostKey(ref), resourceVersion);
    }
    this.written(ref, written);
    return written;
  }

  /** Not older than routing's last VS write for the host; a consistent read when there was none. */
  #sinceLastWrite(ref: ServiceRoutingRef): ListFreshness {
    const resourceVersion = this.#lastVirtualServiceWrite.get(hostKey(ref));
    return resourceVersion ? { notOlderThan: resourceVersion } : undefined;
  }
}
