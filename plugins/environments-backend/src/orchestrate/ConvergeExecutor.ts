import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import {
  EnvironmentServiceSpec,
  EnvironmentSpec,
  ServiceDefinition,
} from '@envmesh/plugin-environments-common';
import type { ClusterSupplier } from '../clusters';
import {
  ReleaseApplier,
  SecretWriter,
  formatRef,
  mapSettled,
  refKey,
  refOf,
} from '../apply';
import type { ObjectRef, ReleaseIdentity } from '../apply';
import { DesiredState, manifestHash, secretRefs } from '../desired';
import { ISTIO_API_VERSION } from '../routing/types';
import type {
  FeatureStore,
  InventoryStore,
  RevisionStore,
  StoredOperation,
} from '../store';
import { isInstanceRelease } from '../naming';
import { NamespaceWatchers } from '../watch';
import { FailurePolicy } from './failurePolicy';
import { OperationEvents } from './OperationEvents';
import { OperationContext } from './OperationRunner';
import { recordedApply } from './recordedApply';
import { IndexedStep, RolloutExecutor, RolloutRun } from './rolloutPlan';
import { StartupGroups } from './StartupGroups';

type ApplyStep = Extract<IndexedStep, { kind: 'apply' }>;

/** The parameters of a copy: where the environment's Secrets are copied from, cluster-side. */
interface CopyParams {
  from: { environment: string; cluster: string; namespace: string };
}

/**
 * create, update, copy and rollback: converges the cluster to the stored spec. The environment's own
 * objects first, then each startup group's services (up to `parallelism` at once, each from the desired
 * state) and a wait until the group is ready, then pruning of services that left.
 */
export class ConvergeExecutor implements RolloutExecutor {
  constructor(
    private readonly deps: {
      inventories: InventoryStore;
      revisions: RevisionStore;
      features: FeatureStore;
      clusters: ClusterSupplier;
      desired: DesiredState;
      applier: ReleaseApplier;
      watchers: NamespaceWatchers;
      groups: StartupGroups;
      /** Services applied at the same time inside a startup group. */
      parallelism: number;
      /** Where each applied service is announced (`serviceApplied`). */
      events: OperationEvents;
    },
  ) {}

  async run(run: RolloutRun) {
    const { spec, context, steps } = run;
    const definitions = await this.deps.groups.definitions();
    const claimed = await this.#instanceObjects(spec);
    const policy = new FailurePolicy(
      run.operation.params.onFailure === 'continue',
      context,
    );
    // Steps come from the persisted list, so a resumed operation runs exactly what was planned.
    let index = 0;
    while (index < steps.length) {
      const step = steps[index];
      if (step.kind === 'apply') {
        // All apply steps of one startup group, with bounded parallelism.
        const batch: ApplyStep[] = [];
        while (index < steps.length && steps[index].kind === 'apply') {
          batch.push(steps[index++] as ApplyStep);
        }
        await policy.attempt(() =>
          this.#applyBatch(run, batch, definitions, claimed),
        );
        continue;
      }
      index++;
      if (step.kind === 'prepare') {
        await context.step(step.index, () => this.#prepare(run));
      } else if (step.kind === 'wait-ready') {
        await policy.attempt(() =>
          context.step(step.index, () =>
            this.deps.groups.waitReady(spec, step.group, definitions, context, {
              instances: false,
            }),
          ),
        );
      } else if (step.kind === 'prune') {
        await context.step(step.index, () => this.#prune(run));
      } else {
        throw new Error(`a rollout has no step '${step.kind}'`);
      }
    }
    policy.throwIfFailed();
  }

  async #applyBatch(
    run: RolloutRun,
    batch: ApplyStep[],
    definitions: ReadonlyMap<string, ServiceDefinition>,
    claimed: ReadonlyMap<string, ReleaseIdentity>,
  ) {
    const byName = new Map(run.spec.services.map(s => [s.name, s]));
    const results = await mapSettled(batch, this.deps.parallelism, s =>
      run.context.step(s.index, () => {
        const service = byName.get(s.service);
        if (!service) return Promise.resolve('no longer in the environment');
        return this.#applyService(
          run,
          service,
          definitions.get(service.name),
          claimed,
        );
      }),
    );
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected'
        ? [`${batch[i].service}: ${(r.reason as Error).message}`]
        : [],
    );
    if (failed.length) {
      throw new Error(`applying failed for ${failed.join('; ')}`);
    }
  }

  /** The namespace, the environment's Secrets (copied or pruned) and its own objects. */
  async #prepare({
    operation,
    spec,
    kubeConfig,
    context,
  }: RolloutRun): Promise<string> {
    const { inventories, applier, clusters, desired } = this.deps;
    await applier.apply({
      kubeConfig,
      namespace: spec.namespace,
      environment: spec.name,
      release: '',
      objects: [desired.namespace(spec)],
      previousInventory: [],
    });
    if (operation.type === 'copy') {
      await this.#copySecrets(operation, spec, kubeConfig, context, clusters);
    }
    const secrets = await SecretWriter.prune({
      kubeConfig,
      namespace: spec.namespace,
      environment: spec.name,
      keep: spec.config.secrets.map(s => s.name),
    });
    const previous = await inventories.getInventory(spec.name, '');
    // The declared Secrets that exist, or existed (one deleted out of band stays drift until it is written
    // again), are part of the release for drift: their deletion only, nothing of their content.
    const tracked = spec.config.secrets
      .map(s => s.name)
      .filter(
        name =>
          secrets.kept.includes(name) ||
          previous?.some(o => o.kind === 'Secret' && o.name === name),
      );
    const result = await recordedApply(
      this.deps,
      { env: spec, release: '', extra: secretRefs(spec, tracked) },
      {
        kubeConfig,
        namespace: spec.namespace,
        environment: spec.name,
        release: '',
        objects: desired.environment(spec),
        // SecretWriter prunes the Secrets, not the applier (they are not among the applied objects).
        previousInventory: (previous ?? []).filter(o => o.kind !== 'Secret'),
      },
    );
    await context.log(
      'info',
      `namespace ${spec.namespace}: ${
        result.inventory.length
      } config/resource object(s) applied${
        secrets.removed.length
          ? `, secrets removed: ${secrets.removed.join(', ')}`
          : ''
      }`,
    );
    return `${result.inventory.length} object(s)`;
  }

  async #copySecrets(
    operation: StoredOperation,
    spec: EnvironmentSpec,
    kubeConfig: KubeConfig,
    context: OperationContext,
    clusters: ClusterSupplier,
  ) {
    const { from } = operation.params as unknown as CopyParams;
    for (const secret of spec.config.secrets) {
      const copied = await SecretWriter.copy({
        from: {
          kubeConfig: clusters.kubeConfig(from.cluster),
          namespace: from.namespace,
        },
        to: { kubeConfig, namespace: spec.namespace, environment: spec.name },
        name: secret.name,
      });
      await context.log(
        copied ? 'info' : 'warn',
        copied
          ? `secret ${secret.name} copied from ${from.environment}`
          : `secret ${secret.name} does not exist in ${from.environment}; not copied`,
      );
    }
  }

  async #applyService(
    { operation, spec, kubeConfig, context }: RolloutRun,
    service: EnvironmentServiceSpec,
    definition: ServiceDefinition | undefined,
    claimed: ReadonlyMap<string, ReleaseIdentity>,
  ): Promise<string> {
    const { inventories, revisions, desired } = this.deps;
    if (!definition) {
      throw new Error(
        `service '${service.name}' is not in the service registry`,
      );
    }
    const release = await desired.service(spec, service, definition);
    const hash = manifestHash(release.objects);
    const [latest] = await revisions.listRevisions(spec.name, service.name);
    const previous = await inventories.getInventory(spec.name, service.name);
    if (
      latest?.manifestHash === hash &&
      previous &&
      holdsExactly(previous, release.objects, spec.namespace) &&
      operation.type !== 'create' &&
      !(await this.#hasDrift(spec, service.name))
    ) {
      return `unchanged (revision ${latest.revision})`;
    }
    const result = await recordedApply(
      this.deps,
      { env: spec, release: service.name },
      {
        kubeConfig,
        namespace: spec.namespace,
        environment: spec.name,
        release: service.name,
        // The revision is the chart's; the feature routes in its VirtualServices are routing's.
        objects: await desired.withLiveRoutes(spec, release, kubeConfig),
        previousInventory: previous ?? [],
        claimed,
      },
    );
    // Ready feature instances whose routing the apply lost (a chart that now renders another host) are routed
    // again by a listener; the step ends once they are.
    await this.deps.events.emit('serviceApplied', {
      environment: spec,
      service: service.name,
    });
    if (latest?.manifestHash === hash) {
      return `re-applied (revision ${latest.revision})`;
    }
    const image = (release.values.values.image ?? {}) as { tag?: unknown };
    const revision = await revisions.addRevision({
      environment: spec.name,
      service: service.name,
      imageTag: image.tag === undefined ? undefined : String(image.tag),
      values: release.values.values,
      manifestHash: hash,
      chartDigest: release.source.chartDigest,
      defaultValues: release.source.defaultValues,
      actor: operation.actor,
    });
    await context.log(
      'info',
      `${service.name}: applied ${
        result.inventory.length
      } object(s), revision ${revision.revision}${
        result.pruned.length
          ? `, pruned ${result.pruned.map(formatRef).join(', ')}`
          : ''
      }`,
    );
    return `revision ${revision.revision}`;
  }

  /**
   * The objects of the environment's feature instances, by refKey: a base service (one added, or a chart
   * that now renders more) must not take them over.
   */
  async #instanceObjects(spec: EnvironmentSpec) {
    const claimed = new Map<string, ReleaseIdentity>();
    for (const inventory of await this.deps.inventories.listInventories(
      spec.name,
    )) {
      if (!isInstanceRelease(inventory.release)) continue;
      const [release, feature] = inventory.release.split('.');
      for (const ref of inventory.objects) {
        claimed.set(refKey(ref), { environment: spec.name, release, feature });
      }
    }
    return claimed;
  }

  /** Whether a release's objects drifted: an update re-applies them then, even with an unchanged manifest. */
  async #hasDrift(spec: EnvironmentSpec, release: string): Promise<boolean> {
    try {
      const watcher = this.deps.watchers.forNamespace(
        spec.cluster,
        spec.namespace,
      );
      return (await watcher.drift(release)).length > 0;
    } catch {
      // Not known (the watches have not synced): re-applying is the safe side.
      return true;
    }
  }

  /** Deletes the releases (and their feature instances) of services that left the environment. */
  async #prune({ spec, kubeConfig, context }: RolloutRun): Promise<string> {
    const { inventories, features, applier, watchers } = this.deps;
    const wanted = new Set(spec.services.map(s => s.name));
    const removed: string[] = [];
    for (const inventory of await inventories.listInventories(spec.name)) {
      // A feature instance (`<service>.<feature>[.isolation]`) goes with its service.
      const [service, feature] = inventory.release.split('.');
      if (inventory.release === '' || wanted.has(service)) continue;
      await applier.deleteRelease(kubeConfig, [
        ...inventory.objects,
        ...(isInstanceRelease(inventory.release)
          ? []
          : routingObjectsOf(spec.namespace, inventory.objects)),
      ]);
      await inventories.setInventory(spec.name, inventory.release, []);
      watchers
        .forNamespace(spec.cluster, spec.namespace)
        .untrackInventory(inventory.release);
      if (feature) await features.deleteInstances(feature, [service]);
      removed.push(inventory.release);
      await context.log(
        'info',
        `${inventory.release}: removed from the environment, its objects deleted`,
      );
    }
    return removed.length
      ? `removed ${removed.join(', ')}`
      : 'nothing to remove';
  }
}

/**
 * Whether an inventory holds exactly the rendered objects; an apply that failed part-way leaves more, which
 * the next apply must prune even when the manifest is the one of the latest revision.
 */
function holdsExactly(
  inventory: ObjectRef[],
  objects: KubernetesObject[],
  namespace: string,
): boolean {
  if (inventory.length !== objects.length) return false;
  const keys = new Set(inventory.map(refKey));
  return objects.every(object => {
    const ref = refOf(object);
    return (
      keys.has(refKey({ ...ref, namespace: ref.namespace ?? namespace })) ||
      keys.has(refKey({ ...ref, namespace: undefined }))
    );
  });
}

/**
 * The routing objects envmesh may have written for a removed service's hosts (its DestinationRule and a
 * generated mesh VirtualService); deleteRelease skips those that do not exist or are not envmesh's.
 */
function routingObjectsOf(
  namespace: string,
  objects: ObjectRef[],
): ObjectRef[] {
  return objects
    .filter(r => r.kind === 'Service' && r.apiVersion === 'v1')
    .flatMap(({ name }) => [
      {
        apiVersion: ISTIO_API_VERSION,
        kind: 'DestinationRule',
        namespace,
        name,
      },
      {
        apiVersion: ISTIO_API_VERSION,
        kind: 'VirtualService',
        namespace,
        name,
      },
      {
        apiVersion: ISTIO_API_VERSION,
        kind: 'VirtualService',
        namespace,
        name: `${name}-mesh`,
      },
    ]);
}
