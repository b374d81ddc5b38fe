import { DynamicClient, isApiStatus } from '../apply/DynamicClient';
import { FeatureSetChange, planBatch } from './batchPlan';
import { KeyedBatchQueue } from './KeyedBatchQueue';
import {
  FeatureRoutingInput,
  RoutingDriver,
  RoutingDriverOptions,
  RoutingState,
  ServiceRoutingRef,
} from './RoutingDriver';
import {
  listVirtualServices,
  readDestinationRule,
  writeRoutingObject,
} from './routingObjects';
import {
  assertFeatureName,
  featureSubsets,
  isMeshVirtualServiceFor,
  routedFeatures,
  sortFeatures,
} from './routingModel';
import { DestinationRule, VirtualService } from './types';

export type { FeatureRoutingInput, ServiceRoutingRef } from './RoutingDriver';

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

interface Change extends FeatureSetChange {
  ref: ServiceRoutingRef;
}

/**
 * The only writer of a service's DestinationRule and mesh VirtualService.
 *
 * The feature set lives in the cluster objects themselves: the DR's subsets are the features that may be
 * routed, the VS's `envmesh-*` routes the features that are routed. Each change is a delta (add/remove one
 * feature, or replace the set) recomputed against the live objects on every attempt, so nothing is lost:
 * - in-process, changes to one (cluster, namespace, host) run one batch at a time (concurrent changes
 *   coalesce into one write per object);
 * - against other writers (another backend replica), every update carries the resourceVersion it was
 *   computed from (server-side apply with a precondition; creation by POST fails if the object appeared),
 *   and a 409 re-reads and recomputes.
 * A batch writes make-before-break: DR subsets added, then the VS, then DR subsets removed; it never writes
 * a VS route to a subset the DR lacks nor removes a subset a route still uses (that change fails with a
 * RoutingViolationError instead). A VS that would hold any violation, one somebody else introduced
 * included (see {@link validateRouting}), is not written at all.
 *
 * A chart-owned VS is written in place (its `http` list taken over by this field manager); re-applying the
 * chart resets that list, so whoever re-applies it must call {@link RoutingWriter.setFeatures} after.
 */
export class RoutingWriter implements RoutingDriver {
  readonly kind = 'istio' as const;
  readonly #options: RoutingWriterOptions;
  readonly #queue = new KeyedBatchQueue<Change>((_key, changes) =>
    this.#runBatch(changes),
  );
  /** Counters for tests and benchmarks. */
  readonly stats = { batches: 0, writes: 0, conflicts: 0 };

  constructor(options: RoutingWriterOptions = {}) {
    this.#options = options;
  }

  /** DR subset → `waitReady()` (the instance is ready) → VS route. */
  async addFeature(
    input: FeatureRoutingInput & { waitReady?: () => Promise<void> },
  ): Promise<void> {
    assertFeatureName(input.feature, input);
    await this.#change({ ref: input, set: 'subsets', add: [input.feature] });
    await input.waitReady?.();
    await this.#change({ ref: input, set: 'routes', add: [input.feature] });
  }

  /** VS route → DR subset; the caller deletes the instance's workload afterwards. */
  async removeFeature(input: FeatureRoutingInput): Promise<void> {
    await this.#change({ ref: input, set: 'routes', remove: [input.feature] });
    await this.#change({ ref: input, set: 'subsets', remove: [input.feature] });
  }

  /**
   * Reconciles a service to exactly these features (e.g. from the store, or after the base release was
   * re-applied): subsets added → every feature's `waitReady` → routes replaced → stale subsets removed.
   * It is the set at the time of the call; a concurrent addFeature of another feature may fail its route.
   */
  async setFeatures(
    input: ServiceRoutingRef & {
      features: string[];
      waitReady?: (feature: string) => Promise<void>;
    },
  ): Promise<void> {
    const features = sortFeatures(input.features);
    features.forEach(f => assertFeatureName(f, input));
    await this.#change({ ref: input, set: 'subsets', add: features });
    await Promise.all(features.map(f => input.waitReady?.(f)));
    await this.#change({ ref: input, set: 'routes', replace: features });
    await this.#change({ ref: input, set: 'subsets', replace: features });
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
      hasRouting: !!destinationRule,
    };
  }

  #change(change: Change): Promise<void> {
    const { kubeConfig, namespace, host } = change.ref;
    const cluster =
      kubeConfig.getCurrentCluster()?.server ?? kubeConfig.getCurrentContext();
    return this.#queue.push(`${cluster}|${namespace}|${host}`, change);
  }

  async #runBatch(changes: Change[]): Promise<unknown[]> {
    this.stats.batches++;
    const maxAttempts = this.#options.maxAttempts ?? 10;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(changes);
      } catch (error) {
        if (!isApiStatus(error, 409) || attempt >= maxAttempts) throw error;
        this.stats.conflicts++;
        this.#options.logger?.debug(
          `routing of ${changes[0].ref.host} in ${changes[0].ref.namespace} changed meanwhile, retrying`,
        );
        // Jittered so that competing writers do not retry in lockstep.
        await new Promise(r => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
  }

  /** One read-plan-write pass over the live objects; returns each change's error (undefined: done). */
  async #attempt(changes: Change[]): Promise<unknown[]> {
    const ref = changes[0].ref;
    const client = DynamicClient.for(ref.kubeConfig);
    const [destinationRule, virtualServices] = await Promise.all([
      readDestinationRule(client, ref.namespace, ref.host),
      listVirtualServices(client, ref.namespace),
    ]);
    const { headerName, baggage, baggageKey } = this.#options;
    const plan = planBatch({
      target: ref,
      match: { headerName, baggage, baggageKey },
      changes,
      destinationRule,
      virtualServices,
    });
    let dr = destinationRule;
    if (plan.make) dr = await this.#write(client, ref, plan.make, dr);
    if (plan.virtualService) {
      const live = virtualServices.find(v => isMeshVirtualServiceFor(v, ref));
      await this.#write(client, ref, plan.virtualService, live);
    }
    if (plan.break) await this.#write(client, ref, plan.break, dr);
    return plan.errors;
  }

  #write<T extends DestinationRule | VirtualService>(
    client: DynamicClient,
    ref: ServiceRoutingRef,
    desired: T,
    live: T | undefined,
  ): Promise<T> {
    this.stats.writes++;
    return writeRoutingObject(client, ref, desired, live);
  }
}
