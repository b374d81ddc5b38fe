import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import {
  EnvironmentSpec,
  FeatureBranch,
  FeatureInstanceSpec,
} from '@envmesh/plugin-environments-common';
import { ConflictError } from '@backstage/errors';
import type { FeatureIsolationHook } from '@envmesh/plugin-environments-node';
import { ClusterRegistry } from '../clusters/ClusterRegistry';
import {
  ReleaseApplier,
  WORKLOAD_KINDS,
  formatRef,
  mapSettled,
} from '../apply';
import type { ObjectRef } from '../apply';
import { DesiredState } from '../desired';
import { FeaturePlacement, collectIsolation } from '../features';
import { RoutingDriver } from '../routing';
import { DatabaseEnvironmentStore } from '../store';
import type { StoredOperation } from '../store';
import { NamespaceWatchers } from '../watch';
import { OperationContext } from './OperationRunner';
import { FeatureHosts } from './FeatureHosts';
import { recordedApply } from './recordedApply';

export interface FeatureRolloutSettings {
  /** Feature instances deployed or removed at the same time. */
  parallelism: number;
  /** How long an instance (and its isolation Jobs) may take to become ready. */
  readyTimeoutMs: number;
  /** Where feature instances run: the dedicated feature nodes. */
  placement?: FeaturePlacement;
  /** The routing header preview hosts set (default `X-FEATURE-NAME`). */
  headerName?: string;
}

/** The parameters of a deploy-feature or remove-feature operation. */
export interface FeatureOperationParams {
  feature: string;
  services: string[];
  /** remove-feature: forget the feature branch once its instances are gone. */
  deleteFeature?: boolean;
  /** Who to tell how a push-started deploy went (see PushDeployer). */
  notice?: Record<string, unknown>;
}

const PREVIEW = 'update preview host';

/** The store key of a feature instance's inventory: its instance label value, `<service>.<feature>`. */
export function instanceRelease(service: string, feature: string): string {
  return `${service}.${feature}`;
}

/** Whether an inventory belongs to a feature instance rather than a base service (service names have no dot). */
export function isInstanceRelease(release: string): boolean {
  return release.includes('.');
}

/**
 * Carries out feature-branch operations. deploy-feature, per service (up to `parallelism` at once): runs the
 * data-isolation Jobs, renders the service's chart with the instance's overrides over the base environment's
 * values, applies the instance's workloads (renamed `<name>-<feature>`, on the feature nodes) with its own
 * inventory, then routes: the hosts pinned to their base pods → instance applied and ready → routes.
 * remove-feature reverses it per service: routes → subsets → instance → (last instance) the hosts' routing.
 * Both finish with the feature's preview host (see FeatureHosts).
 */
export class FeatureRollout {
  readonly #hosts: FeatureHosts;

  constructor(
    private readonly deps: {
      store: DatabaseEnvironmentStore;
      clusters: ClusterRegistry;
      desired: DesiredState;
      applier: ReleaseApplier;
      watchers: NamespaceWatchers;
      routing: RoutingDriver;
      isolationHooks: () => FeatureIsolationHook[];
      settings: FeatureRolloutSettings;
    },
  ) {
    this.#hosts = new FeatureHosts({
      ...deps,
      headerName: deps.settings.headerName,
    });
  }

  plan(
    type: 'deploy-feature' | 'remove-feature',
    services: string[],
  ): Array<{ name: string; service?: string }> {
    const verb = type === 'deploy-feature' ? 'deploy' : 'remove';
    return [
      ...[...services].sort().map(service => ({
        name: `${verb} ${service}`,
        service,
      })),
      { name: PREVIEW },
    ];
  }

  async execute(operation: StoredOperation, context: OperationContext) {
    const params = operation.params as unknown as FeatureOperationParams;
    const { store, settings } = this.deps;
    const env = await store.getEnvironment(operation.environment);
    if (!env) {
      throw new Error(
        `environment '${operation.environment}' no longer exists`,
      );
    }
    const feature = await store.features.getFeature(params.feature);
    if (!feature) {
      if (operation.type === 'remove-feature') return;
      throw new Error(`feature branch '${params.feature}' no longer exists`);
    }
    const kubeConfig = this.deps.clusters.kubeConfig(env.cluster);
    const deploy = operation.type === 'deploy-feature';
    const steps = operation.steps.filter(s => s.service !== undefined);
    const results = await mapSettled(steps, settings.parallelism, step =>
      context.step(step.index, () =>
        deploy
          ? this.#deploy(env, feature, step.service!, kubeConfig, context)
          : this.#remove(env, feature.name, step.service!, kubeConfig, context),
      ),
    );
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected'
        ? [`${steps[i].service}: ${(r.reason as Error).message}`]
        : [],
    );
    const preview = operation.steps.find(s => s.name === PREVIEW)!;
    await context.step(preview.index, () =>
      this.#hosts.updatePreviewHosts(env, kubeConfig, params.feature, steps),
    );
    if (failed.length) {
      throw new Error(
        `${deploy ? 'deploying' : 'removing'} failed for ${failed.join('; ')}`,
      );
    }
    if (!deploy && params.deleteFeature) {
      await store.features.deleteFeature(feature.name);
      await context.log('info', `feature branch ${feature.name} removed`);
    }
  }

  /**
   * Throws an InputError when a service's chart cannot give a routable feature instance with these
   * overrides, and a ConflictError when an object of the instance would have the name of another release's
   * object; checked before a deploy is accepted, so nothing runs for one that cannot work.
   */
  async checkInstance(
    env: EnvironmentSpec,
    feature: string,
    instance: FeatureInstanceSpec,
  ): Promise<void> {
    const base = env.services.find(s => s.name === instance.service);
    if (!base) return;
    const { objects } = await this.deps.desired.instance(env, base, instance, {
      feature,
    });
    const own = instanceRelease(instance.service, feature);
    const taken = new Map<string, string>();
    for (const inventory of await this.deps.store.listInventories(env.name)) {
      if (inventory.release === own) continue;
      for (const o of inventory.objects) {
        taken.set(`${o.kind}/${o.name}`, inventory.release || env.name);
      }
    }
    const clashes = objects.flatMap(o => {
      const owner = taken.get(`${o.kind}/${o.metadata?.name}`);
      return owner ? [`${o.kind} ${o.metadata?.name} (of ${owner})`] : [];
    });
    if (clashes.length) {
      throw new ConflictError(
        `feature ${feature}'s instance of ${
          instance.service
        } would take over ${clashes.join(', ')}; use another feature name`,
      );
    }
  }

  /**
   * Routes again the ready feature instances of a service whose routing a base apply lost (a chart that now
   * renders another host, or its own DestinationRule). It only adds: a feature being deployed or removed
   * meanwhile keeps exactly what its own operation wrote (a subset before its route, a route before its
   * removal), and a chart's VirtualService keeps its routes anyway (see withLiveRoutes).
   */
  async restoreRoutes(env: EnvironmentSpec, service: string) {
    const ready = (
      await this.deps.store.features.listFeatures({ environment: env.name })
    ).flatMap(f =>
      f.instances.some(i => i.service === service && i.state === 'ready')
        ? [f.name]
        : [],
    );
    if (!ready.length) return;
    const kubeConfig = this.deps.clusters.kubeConfig(env.cluster);
    for (const { ref } of await this.#hosts.routingTargets(
      env,
      service,
      kubeConfig,
    )) {
      const { routes } = await this.deps.routing.read(ref);
      for (const feature of ready.filter(f => !routes.includes(f))) {
        await this.deps.routing.addFeature({ ...ref, feature });
      }
    }
  }

  async #deploy(
    env: EnvironmentSpec,
    feature: FeatureBranch,
    service: string,
    kubeConfig: KubeConfig,
    context: OperationContext,
  ): Promise<string> {
    const { store, watchers, settings } = this.deps;
    const instance = feature.instances.find(i => i.service === service);
    const base = env.services.find(s => s.name === service);
    if (!instance || !base) {
      return `no longer part of ${instance ? env.name : feature.name}`;
    }
    await store.features.setInstanceState(feature.name, service, 'deploying');
    try {
      const watcher = watchers.forNamespace(env.cluster, env.namespace);
      const wait = (refs: ObjectRef[]) =>
        watcher.waitReady(refs, {
          timeoutMs: settings.readyTimeoutMs,
          signal: context.signal,
        });
      const isolation = await collectIsolation(this.deps.isolationHooks(), {
        environment: env.name,
        namespace: env.namespace,
        service,
        feature: feature.name,
        placement: settings.placement,
      });
      if (isolation.jobs.length) {
        await context.log(
          'info',
          `${service}: running ${isolation.jobs
            .map(j => j.hook)
            .join(', ')} before the instance starts`,
        );
        const jobs = await this.#applyObjects(
          env,
          service,
          feature.name,
          `${service}.${feature.name}.isolation`,
          isolation.jobs.map(j => j.job as KubernetesObject),
          kubeConfig,
        );
        await wait(jobs);
      }

      const { objects } = await this.deps.desired.instance(
        env,
        base,
        instance,
        { feature: feature.name, env: isolation.env },
      );
      const targets = await this.#hosts.routingTargets(
        env,
        service,
        kubeConfig,
      );
      let instanceReady: Promise<void> | undefined;
      const applyInstance = () =>
        (instanceReady ??= (async () => {
          const applied = await this.#applyObjects(
            env,
            service,
            feature.name,
            instanceRelease(service, feature.name),
            objects,
            kubeConfig,
          );
          const workloads = applied.filter(r => WORKLOAD_KINDS.has(r.kind));
          await context.log(
            'info',
            `${service}: instance applied (${workloads
              .map(formatRef)
              .join(', ')}), routing ${targets
              .map(t => t.ref.host)
              .join(', ')}`,
          );
          await wait(workloads);
        })());
      // Feature pods are endpoints of the base Services as soon as they are ready, so every host first pins
      // requests without the header to its base pods (DR subsets, then the VSs); only then is the instance
      // applied, and its routes follow once it is ready.
      const pinned = countdown(targets.length);
      await Promise.all(
        targets.map(target =>
          this.deps.routing
            .addFeature({
              ...target.ref,
              feature: feature.name,
              waitReady: async () => {
                await pinned.arrive();
                await applyInstance();
              },
            })
            .catch(error => {
              pinned.fail(error);
              throw error;
            }),
        ),
      );
      if (!targets.length) await applyInstance();
      await store.features.setInstanceState(feature.name, service, 'ready');
      return `ready and routed (${targets.length} host(s))`;
    } catch (error) {
      await store.features.setInstanceState(
        feature.name,
        service,
        'failed',
        (error as Error).message,
      );
      throw error;
    }
  }

  async #remove(
    env: EnvironmentSpec,
    feature: string,
    service: string,
    kubeConfig: KubeConfig,
    context: OperationContext,
  ): Promise<string> {
    const { store, applier, watchers } = this.deps;
    await store.features.setInstanceState(feature, service, 'removing');
    for (const target of await this.#hosts.routingTargets(
      env,
      service,
      kubeConfig,
    )) {
      await this.deps.routing.removeFeature({ ...target.ref, feature });
    }
    const watcher = watchers.forNamespace(env.cluster, env.namespace);
    let deleted = 0;
    for (const release of [
      instanceRelease(service, feature),
      `${instanceRelease(service, feature)}.isolation`,
    ]) {
      const inventory = await store.getInventory(env.name, release);
      if (!inventory) continue;
      deleted += (await applier.deleteRelease(kubeConfig, inventory)).length;
      await store.deleteInventory(env.name, release);
      watcher.untrackInventory(release);
    }
    await store.features.deleteInstances(feature, [service]);
    // The last instance of the service is gone: its hosts need no routing of their own any more.
    const others = await store.features.listFeatures({
      environment: env.name,
    });
    if (!others.some(f => f.instances.some(i => i.service === service))) {
      for (const target of await this.#hosts.routingTargets(
        env,
        service,
        kubeConfig,
      )) {
        await this.deps.routing.release(target.ref);
      }
    }
    await context.log(
      'info',
      `${service}: unrouted, ${deleted} object(s) of the instance deleted`,
    );
    return `removed (${deleted} object(s))`;
  }

  /** Applies objects as a release of their own (pruning what left it) and tracks them for status and drift. */
  async #applyObjects(
    env: EnvironmentSpec,
    service: string,
    feature: string,
    release: string,
    objects: KubernetesObject[],
    kubeConfig: KubeConfig,
  ): Promise<ObjectRef[]> {
    const previous = await this.deps.store.getInventory(env.name, release);
    const result = await recordedApply(
      this.deps,
      { env, release },
      {
        kubeConfig,
        namespace: env.namespace,
        environment: env.name,
        release: service,
        feature,
        objects,
        previousInventory: previous ?? [],
      },
    );
    return result.inventory;
  }
}

/** Resolves once `count` parties arrived; rejects for all when one of them fails first. */
function countdown(count: number) {
  let arrived = 0;
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  done.catch(() => {}); // Observed through arrive(); a failure before any arrival is not unhandled.
  return {
    arrive() {
      arrived++;
      if (arrived >= count) resolve();
      return done;
    },
    fail: reject,
  };
}
