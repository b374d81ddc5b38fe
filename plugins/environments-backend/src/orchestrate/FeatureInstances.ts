import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import {
  EnvironmentSpec,
  FeatureBranch,
} from '@envmesh/plugin-environments-common';
import type { FeatureIsolationHook } from '@envmesh/plugin-environments-node';
import { ReleaseApplier, WORKLOAD_KINDS, formatRef } from '../apply';
import type { ObjectRef } from '../apply';
import { DesiredState } from '../desired';
import { FeaturePlacement, collectIsolation } from '../features';
import { instanceRelease } from '../naming';
import { MatchOptions, RoutingDriver } from '../routing';
import type { FeatureStore, InventoryStore, RevisionStore } from '../store';
import { NamespaceWatchers } from '../watch';
import { FeatureHosts } from './FeatureHosts';
import { OperationContext } from './OperationRunner';
import { recordedApply } from './recordedApply';

export interface FeatureRolloutSettings {
  /** Feature instances deployed or removed at the same time. */
  parallelism: number;
  /** How long an instance (and its isolation Jobs) may take to become ready. */
  readyTimeoutMs: number;
  /** Where feature instances run: the dedicated feature nodes. */
  placement?: FeaturePlacement;
  /** How feature requests are recognised (header, baggage), as preview hosts set it. */
  match?: MatchOptions;
}

/**
 * One feature instance, deployed or removed make-before-break. deploy: the data-isolation Jobs, the hosts
 * pinned to their base pods, the instance applied (renamed `<name>-<feature>`, on the feature nodes, with its
 * own inventory) and ready, then its routes. remove: routes, then backends, then the instance, and once the
 * service has no instance left, the hosts' routing.
 */
export class FeatureInstances {
  constructor(
    private readonly deps: {
      features: FeatureStore;
      inventories: InventoryStore;
      revisions: RevisionStore;
      desired: DesiredState;
      applier: ReleaseApplier;
      watchers: NamespaceWatchers;
      routing: RoutingDriver;
      hosts: FeatureHosts;
      isolationHooks: () => FeatureIsolationHook[];
      settings: FeatureRolloutSettings;
    },
  ) {}

  async deploy(
    env: EnvironmentSpec,
    feature: FeatureBranch,
    service: string,
    kubeConfig: KubeConfig,
    context: OperationContext,
  ): Promise<string> {
    const { features, watchers, settings } = this.deps;
    const instance = feature.instances.find(i => i.service === service);
    const base = env.services.find(s => s.name === service);
    if (!instance || !base) {
      return `no longer part of ${instance ? env.name : feature.name}`;
    }
    await features.setInstanceState(feature.name, service, 'deploying');
    // The base as this deploy renders it: a base revision recorded later is one the instance is behind.
    const baseRevision = (
      await this.deps.revisions.latestRevisions(env.name)
    ).get(service);
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
      const targets = await this.deps.hosts.routingTargets(
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
      await features.setInstanceState(feature.name, service, 'ready', {
        baseRevision,
      });
      return `ready and routed (${targets.length} host(s))`;
    } catch (error) {
      await features.setInstanceState(feature.name, service, 'failed', {
        message: (error as Error).message,
      });
      throw error;
    }
  }

  async remove(
    env: EnvironmentSpec,
    feature: string,
    service: string,
    kubeConfig: KubeConfig,
    context: OperationContext,
  ): Promise<string> {
    const { features, inventories, applier, watchers } = this.deps;
    await features.setInstanceState(feature, service, 'removing');
    for (const target of await this.deps.hosts.routingTargets(
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
      const inventory = await inventories.getInventory(env.name, release);
      if (!inventory) continue;
      deleted += (await applier.deleteRelease(kubeConfig, inventory)).length;
      await inventories.deleteInventory(env.name, release);
      watcher.untrackInventory(release);
    }
    await features.deleteInstances(feature, [service]);
    // The last instance of the service is gone: its hosts need no routing of their own any more.
    const others = await features.listFeatures({
      environment: env.name,
    });
    if (!others.some(f => f.instances.some(i => i.service === service))) {
      for (const target of await this.deps.hosts.routingTargets(
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
    const previous = await this.deps.inventories.getInventory(
      env.name,
      release,
    );
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
