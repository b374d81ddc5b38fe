import { EventEmitter } from 'node:events';
import { KubernetesObject } from '@kubernetes/client-node';
import { isApiStatus } from '../apply/DynamicClient';
import { LABELS } from '../apply/types';
import { KeyedBatchQueue } from './KeyedBatchQueue';
import {
  FeatureRoutingInput,
  RoutingDriver,
  RoutingDriverKind,
  RoutingDriverOptions,
  RoutingEvents,
  RoutingSetChange,
  RoutingState,
  ServiceRoutingRef,
} from './RoutingDriver';
import { assertFeatureName, sortFeatures } from './routingModel';
import type { MatchOptions } from './types';

/** A change to the routing of one service. */
export type RoutingChange<B extends string> = RoutingSetChange<B> & {
  ref: ServiceRoutingRef;
};

/**
 * What both drivers share: the make-before-break order of add/remove/set (backend → `waitReady` → route, and
 * the reverse), changes to one (cluster, namespace, host) queued into one batch at a time, and a batch re-run
 * on 409 (another writer changed an object meanwhile). A driver supplies one read-plan-write pass over its
 * live objects (`attempt`) and the reading of its state.
 */
export abstract class BatchedRoutingDriver<
  B extends string,
  S extends RoutingState,
  O extends RoutingDriverOptions = RoutingDriverOptions,
> implements RoutingDriver
{
  abstract readonly kind: RoutingDriverKind;
  /** Counters for tests and benchmarks. */
  readonly stats = { batches: 0, writes: 0, conflicts: 0 };
  readonly events = new EventEmitter<RoutingEvents>();
  readonly #queue = new KeyedBatchQueue<RoutingChange<B>>((_key, changes) =>
    this.#runBatch(changes),
  );

  /** `backendSet`: the driver's name of the feature set a route needs (Istio `subsets`, Gateway API `backends`). */
  protected constructor(
    private readonly backendSet: B,
    protected readonly options: O,
  ) {}

  /** Backend → `waitReady()` (the instance is ready) → route. */
  async addFeature(
    input: FeatureRoutingInput & { waitReady?: () => Promise<void> },
  ): Promise<void> {
    assertFeatureName(input.feature, input);
    await this.#change({
      ref: input,
      set: this.backendSet,
      add: [input.feature],
    });
    await input.waitReady?.();
    await this.#change({ ref: input, set: 'routes', add: [input.feature] });
  }

  /** Route → backend; the caller deletes the instance's workload afterwards. */
  async removeFeature(input: FeatureRoutingInput): Promise<void> {
    await this.#change({ ref: input, set: 'routes', remove: [input.feature] });
    await this.#change({
      ref: input,
      set: this.backendSet,
      remove: [input.feature],
    });
  }

  /**
   * Reconciles a service to exactly these features (e.g. from the store, or after the base release was
   * re-applied): backends added → every feature's `waitReady` → routes replaced → stale backends removed.
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
    await this.#change({ ref: input, set: this.backendSet, add: features });
    await Promise.all(features.map(f => input.waitReady?.(f)));
    await this.#change({ ref: input, set: 'routes', replace: features });
    await this.#change({ ref: input, set: this.backendSet, replace: features });
  }

  async release(ref: ServiceRoutingRef): Promise<void> {
    await this.#change({ ref, set: this.backendSet, release: true });
  }

  abstract read(ref: ServiceRoutingRef): Promise<S>;

  /**
   * Tells the listeners of `releaseObjectWritten` about a write to an object of a base release (a chart's
   * route): its new generation is routing's, not drift.
   */
  protected written(ref: ServiceRoutingRef, object: KubernetesObject) {
    const labels = object.metadata?.labels ?? {};
    const release = labels[LABELS.service];
    const generation = object.metadata?.generation;
    if (!release || labels[LABELS.feature] || generation === undefined) return;
    this.events.emit('releaseObjectWritten', {
      environment: ref.environment,
      release,
      ref: {
        apiVersion: object.apiVersion!,
        kind: object.kind!,
        namespace: ref.namespace,
        name: object.metadata!.name!,
      },
      generation,
    });
  }

  /** How feature requests are recognised, as the driver's routes match them. */
  protected get match(): MatchOptions {
    const { headerName, baggage, baggageKey } = this.options;
    return { headerName, baggage, baggageKey };
  }

  /** The features a batch adds or replaces, sorted: those whose pods are checked before it writes. */
  protected addedFeatures(changes: RoutingChange<B>[]): string[] {
    return sortFeatures(changes.flatMap(c => c.replace ?? c.add ?? []));
  }

  /** A driver that keeps nothing in a release's own objects applies them as rendered. */
  async withRoutes(
    objects: KubernetesObject[],
    _refs: ServiceRoutingRef[],
  ): Promise<KubernetesObject[]> {
    return objects;
  }

  /**
   * One read-plan-write pass over the live objects; returns each change's error (undefined: done).
   * `consistent`: read with consistent LISTs. A first pass may read the API server's watch cache instead
   * (no wait for it to catch up with etcd); a pass that found a conflict or an error re-reads consistently,
   * so only a plan without errors is ever written from cached reads.
   */
  protected abstract attempt(
    changes: RoutingChange<B>[],
    consistent: boolean,
  ): Promise<unknown[]>;

  #change(change: RoutingChange<B>): Promise<void> {
    return this.#queue.push(hostKey(change.ref), change);
  }

  async #runBatch(changes: RoutingChange<B>[]): Promise<unknown[]> {
    this.stats.batches++;
    const maxAttempts = this.options.maxAttempts ?? 10;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(changes, attempt > 1);
      } catch (error) {
        if (!isApiStatus(error, 409) || attempt >= maxAttempts) throw error;
        this.stats.conflicts++;
        this.options.logger?.debug(
          `routing of ${changes[0].ref.host} in ${changes[0].ref.namespace} changed meanwhile, retrying`,
        );
        // Jittered so that competing writers do not retry in lockstep.
        await new Promise(r => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
  }
}

/** One routed host: (cluster, namespace, host). Its changes run one batch at a time. */
export function hostKey(ref: ServiceRoutingRef): string {
  const { kubeConfig, namespace, host } = ref;
  const cluster =
    kubeConfig.getCurrentCluster()?.server ?? kubeConfig.getCurrentContext();
  return `${cluster}|${namespace}|${host}`;
}
