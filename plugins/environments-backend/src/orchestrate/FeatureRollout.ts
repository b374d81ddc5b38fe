import {
  EnvironmentSpec,
  FeatureInstanceSpec,
} from '@envmesh/plugin-environments-common';
import { ConflictError } from '@backstage/errors';
import type { FeatureIsolationHook } from '@envmesh/plugin-environments-node';
import type { ClusterSupplier } from '../clusters';
import { ReleaseApplier, mapSettled } from '../apply';
import { DesiredState } from '../desired';
import { instanceRelease } from '../naming';
import { RoutingDriver } from '../routing';
import type {
  EnvironmentStore,
  FeatureStore,
  InventoryStore,
  RevisionStore,
  StoredOperation,
} from '../store';
import { NamespaceWatchers } from '../watch';
import { OperationContext } from './OperationRunner';
import { FeatureHosts } from './FeatureHosts';
import { FeatureInstances, FeatureRolloutSettings } from './FeatureInstances';

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
  readonly #instances: FeatureInstances;

  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      features: FeatureStore;
      inventories: InventoryStore;
      revisions: RevisionStore;
      clusters: ClusterSupplier;
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
      match: deps.settings.match,
    });
    this.#instances = new FeatureInstances({ ...deps, hosts: this.#hosts });
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
    const { environments, features, settings } = this.deps;
    const env = await environments.getEnvironment(operation.environment);
    if (!env) {
      throw new Error(
        `environment '${operation.environment}' no longer exists`,
      );
    }
    const feature = await features.getFeature(params.feature);
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
          ? this.#instances.deploy(
              env,
              feature,
              step.service!,
              kubeConfig,
              context,
            )
          : this.#instances.remove(
              env,
              feature.name,
              step.service!,
              kubeConfig,
              context,
            ),
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
      await features.deleteFeature(feature.name);
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
    for (const inventory of await this.deps.inventories.listInventories(
      env.name,
    )) {
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
      await this.deps.features.listFeatures({ environment: env.name })
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
}
