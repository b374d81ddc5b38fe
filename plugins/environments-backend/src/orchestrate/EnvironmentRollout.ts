import { createHash } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import {
  EnvironmentServiceSpec,
  EnvironmentSpec,
  OperationType,
  ServiceDefinition,
} from '@envmesh/plugin-environments-common';
import { ClusterRegistry } from '../clusters/ClusterRegistry';
import {
  ReleaseApplier,
  WORKLOAD_KINDS,
  formatRef,
  mapSettled,
  stableStringify,
} from '../apply';
import type { ObjectRef } from '../apply';
import { HelmRenderer, layerServiceValues } from '../render';
import { LruCache } from '../render/util';
import { DatabaseEnvironmentStore } from '../store';
import type { StoredOperation } from '../store';
import { NamespaceWatchers, WorkloadNotReadyError } from '../watch';
import { environmentObjects, namespaceObject } from './environmentObjects';
import { isInstanceRelease } from './FeatureRollout';
import { OperationContext } from './OperationRunner';
import { SecretWriter } from './SecretWriter';

export interface RolloutSettings {
  /** Services applied at the same time inside a startup group. */
  parallelism: number;
  /** How long a startup group's workloads may take to become ready. */
  readyTimeoutMs: number;
}

export interface PlannedStep {
  name: string;
  group?: number;
  service?: string;
}

/** The parameters of a copy: where the environment's Secrets are copied from, cluster-side. */
export interface CopyParams {
  from: { environment: string; cluster: string; namespace: string };
}

const PREPARE = 'prepare namespace, config and resources';
const PRUNE = 'remove services that left the environment';

/** A service's startup group in an environment: the environment's override, else the registry's. */
function groupOf(
  spec: EnvironmentServiceSpec,
  definition: ServiceDefinition | undefined,
): number {
  return spec.startupGroup ?? definition?.startupGroup ?? 0;
}

/**
 * Carries out environment operations as persisted step lists. create, update, copy and rollback all converge
 * the cluster to the stored spec: namespace, config and resources first, then the startup groups in order
 * (inside a group up to `parallelism` services at once; the next group starts when every workload of the
 * previous one is ready, as seen by the namespace's watches), then pruning of services that left. delete
 * takes it all away.
 */
export class EnvironmentRollout {
  /** Chart archives by digest (content-addressed, so never stale): one store read per chart, not per service. */
  readonly #archives = new LruCache<string, Promise<Buffer | undefined>>(32);

  constructor(
    private readonly deps: {
      store: DatabaseEnvironmentStore;
      clusters: ClusterRegistry;
      renderer: HelmRenderer;
      applier: ReleaseApplier;
      watchers: NamespaceWatchers;
      settings: RolloutSettings;
      /**
       * Called after a service's base release was applied: re-applying a chart that renders the host's
       * VirtualService takes back its routes, so the feature routes are restored here.
       */
      afterServiceApplied?: (
        spec: EnvironmentSpec,
        service: string,
      ) => Promise<void>;
    },
  ) {}

  /** The steps of an operation on an environment with this spec, in order. */
  async plan(
    type: OperationType,
    spec: EnvironmentSpec,
  ): Promise<PlannedStep[]> {
    if (type === 'delete') {
      return [
        { name: 'delete services' },
        { name: 'delete config and resources' },
        { name: 'delete namespace' },
      ];
    }
    const definitions = await this.#definitions();
    const groups = new Map<number, string[]>();
    for (const service of spec.services) {
      const group = groupOf(service, definitions.get(service.name));
      groups.set(group, [...(groups.get(group) ?? []), service.name]);
    }
    const steps: PlannedStep[] = [{ name: PREPARE }];
    for (const group of [...groups.keys()].sort((a, b) => a - b)) {
      for (const service of groups.get(group)!.sort()) {
        steps.push({ name: `apply ${service}`, group, service });
      }
      steps.push({ name: `wait for group ${group} to be ready`, group });
    }
    steps.push({ name: PRUNE });
    return steps;
  }

  async execute(operation: StoredOperation, context: OperationContext) {
    const spec = await this.deps.store.getEnvironment(operation.environment);
    if (!spec) {
      throw new Error(
        `environment '${operation.environment}' no longer exists`,
      );
    }
    const kubeConfig = this.deps.clusters.kubeConfig(spec.cluster);
    if (operation.type === 'delete') {
      await this.#delete(operation, spec, kubeConfig, context);
      return;
    }
    await this.#converge(operation, spec, kubeConfig, context);
  }

  async #definitions(): Promise<Map<string, ServiceDefinition>> {
    const services = await this.deps.store.listServices();
    return new Map(services.map(s => [s.name, s]));
  }

  async #converge(
    operation: StoredOperation,
    spec: EnvironmentSpec,
    kubeConfig: KubeConfig,
    context: OperationContext,
  ) {
    const { store, watchers, settings } = this.deps;
    const watcher = watchers.forNamespace(spec.cluster, spec.namespace);
    const definitions = await this.#definitions();
    const byName = new Map(spec.services.map(s => [s.name, s]));

    // Steps come from the persisted list, so a resumed operation runs exactly what was planned.
    const steps = operation.steps;
    let index = 0;
    while (index < steps.length) {
      const step = steps[index];
      if (step.name === PREPARE) {
        await context.step(index, () =>
          this.#prepare(operation, spec, kubeConfig, context),
        );
        index++;
      } else if (step.service !== undefined) {
        // All apply steps of one startup group, with bounded parallelism.
        const batch: StoredOperation['steps'] = [];
        while (index < steps.length && steps[index].service !== undefined) {
          batch.push(steps[index++]);
        }
        const results = await mapSettled(batch, settings.parallelism, s =>
          context.step(s.index, () => {
            const service = byName.get(s.service!);
            if (!service)
              return Promise.resolve('no longer in the environment');
            return this.#applyService(
              operation,
              spec,
              service,
              definitions.get(service.name),
              kubeConfig,
              context,
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
      } else if (step.group !== undefined) {
        const group = step.group;
        await context.step(index, async () => {
          const members = spec.services.filter(
            s => groupOf(s, definitions.get(s.name)) === group,
          );
          const workloads: Array<{ service: string; ref: ObjectRef }> = [];
          // One query for the environment's inventories, not one per member.
          const inventories = new Map(
            (await store.listInventories(spec.name)).map(i => [
              i.release,
              i.objects,
            ]),
          );
          for (const member of members) {
            const inventory = inventories.get(member.name);
            for (const ref of inventory ?? []) {
              if (WORKLOAD_KINDS.has(ref.kind)) {
                workloads.push({ service: member.name, ref });
              }
            }
          }
          await context.log(
            'info',
            `group ${group}: waiting for ${workloads.length} workload(s) of ${members.length} service(s)`,
          );
          try {
            await watcher.waitReady(
              workloads.map(w => w.ref),
              { timeoutMs: settings.readyTimeoutMs, signal: context.signal },
            );
          } catch (error) {
            if (error instanceof WorkloadNotReadyError) {
              const service = (ref: ObjectRef) =>
                workloads.find(w => formatRef(w.ref) === formatRef(ref))
                  ?.service;
              throw new Error(
                error.workloads
                  .map(
                    w =>
                      `service ${service(w.ref)} not ready (${formatRef(
                        w.ref,
                      )}): ${w.reason}`,
                  )
                  .join('; '),
              );
            }
            throw error;
          }
          return `${workloads.length} workload(s) ready`;
        });
        index++;
      } else if (step.name === PRUNE) {
        await context.step(index, () => this.#prune(spec, kubeConfig, context));
        index++;
      } else {
        throw new Error(`unknown step '${step.name}'`);
      }
    }
  }

  async #prepare(
    operation: StoredOperation,
    spec: EnvironmentSpec,
    kubeConfig: KubeConfig,
    context: OperationContext,
  ): Promise<string> {
    const { store, applier, clusters } = this.deps;
    await applier.apply({
      kubeConfig,
      namespace: spec.namespace,
      environment: spec.name,
      release: '',
      objects: [namespaceObject(spec)],
      previousInventory: [],
    });
    const copy =
      operation.type === 'copy'
        ? (operation.params as unknown as CopyParams)
        : undefined;
    if (copy) {
      for (const secret of spec.config.secrets) {
        const copied = await SecretWriter.copy({
          from: {
            kubeConfig: clusters.kubeConfig(copy.from.cluster),
            namespace: copy.from.namespace,
          },
          to: { kubeConfig, namespace: spec.namespace, environment: spec.name },
          name: secret.name,
        });
        await context.log(
          copied ? 'info' : 'warn',
          copied
            ? `secret ${secret.name} copied from ${copy.from.environment}`
            : `secret ${secret.name} does not exist in ${copy.from.environment}; not copied`,
        );
      }
    }
    const previous = await store.getInventory(spec.name, '');
    const result = await applier.apply({
      kubeConfig,
      namespace: spec.namespace,
      environment: spec.name,
      release: '',
      objects: environmentObjects(spec),
      previousInventory: previous ?? [],
    });
    await store.setInventory(spec.name, '', result.inventory);
    const pruned = await SecretWriter.prune({
      kubeConfig,
      namespace: spec.namespace,
      environment: spec.name,
      keep: spec.config.secrets.map(s => s.name),
    });
    await context.log(
      'info',
      `namespace ${spec.namespace}: ${
        result.inventory.length
      } config/resource object(s) applied${
        pruned.length ? `, secrets removed: ${pruned.join(', ')}` : ''
      }`,
    );
    return `${result.inventory.length} object(s)`;
  }

  async #applyService(
    operation: StoredOperation,
    spec: EnvironmentSpec,
    service: EnvironmentServiceSpec,
    definition: ServiceDefinition | undefined,
    kubeConfig: KubeConfig,
    context: OperationContext,
  ): Promise<string> {
    const { store, renderer, applier, watchers } = this.deps;
    if (!definition) {
      throw new Error(
        `service '${service.name}' is not in the service registry`,
      );
    }
    const archive = await this.#chartArchive(definition.chart.digest);
    if (!archive) {
      throw new Error(
        `chart ${definition.chart.digest} of service '${service.name}' is missing`,
      );
    }
    const chart = { digest: definition.chart.digest, archive };
    const merged = layerServiceValues({
      chartDefaults: await renderer.chartDefaults(chart),
      service: definition,
      environment: spec,
      environmentService: service,
    });
    const objects = await renderer.render({
      release: service.name,
      namespace: spec.namespace,
      chart,
      values: merged.values,
    });
    const manifestHash = createHash('sha256')
      .update(stableStringify(objects))
      .digest('hex');
    const [latest] = await store.listRevisions(spec.name, service.name);
    const previous = await store.getInventory(spec.name, service.name);
    if (
      latest?.manifestHash === manifestHash &&
      previous &&
      operation.type !== 'create'
    ) {
      return `unchanged (revision ${latest.revision})`;
    }
    const result = await applier.apply({
      kubeConfig,
      namespace: spec.namespace,
      environment: spec.name,
      release: service.name,
      objects,
      previousInventory: previous ?? [],
    });
    await store.setInventory(spec.name, service.name, result.inventory);
    await watchers
      .forNamespace(spec.cluster, spec.namespace)
      .trackInventory(service.name, result.recorded);
    await this.deps.afterServiceApplied?.(spec, service.name);
    if (latest?.manifestHash === manifestHash) {
      return `re-applied (revision ${latest.revision})`;
    }
    const image = (merged.values.image ?? {}) as { tag?: unknown };
    const revision = await store.addRevision({
      environment: spec.name,
      service: service.name,
      imageTag: image.tag === undefined ? undefined : String(image.tag),
      values: merged.values,
      manifestHash,
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

  #chartArchive(digest: string): Promise<Buffer | undefined> {
    let pending = this.#archives.get(digest);
    if (!pending) {
      pending = this.deps.store.getChartArchive(digest);
      this.#archives.set(digest, pending);
      const loaded = pending;
      // Only a found archive stays: a failed or empty read is asked again next time.
      loaded.then(
        archive => !archive && this.#archives.delete(digest, loaded),
        () => this.#archives.delete(digest, loaded),
      );
    }
    return pending;
  }

  async #prune(
    spec: EnvironmentSpec,
    kubeConfig: KubeConfig,
    context: OperationContext,
  ): Promise<string> {
    const { store, applier, watchers } = this.deps;
    const wanted = new Set(spec.services.map(s => s.name));
    const removed: string[] = [];
    for (const inventory of await store.listInventories(spec.name)) {
      if (
        inventory.release === '' ||
        wanted.has(inventory.release) ||
        isInstanceRelease(inventory.release)
      ) {
        continue;
      }
      await applier.deleteRelease(kubeConfig, inventory.objects);
      await store.setInventory(spec.name, inventory.release, []);
      watchers
        .forNamespace(spec.cluster, spec.namespace)
        .untrackInventory(inventory.release);
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

  async #delete(
    operation: StoredOperation,
    spec: EnvironmentSpec,
    kubeConfig: KubeConfig,
    context: OperationContext,
  ) {
    const { store, applier, watchers } = this.deps;
    const inventories = await store.listInventories(spec.name);
    await context.step(0, async () => {
      for (const inventory of inventories.filter(i => i.release !== '')) {
        await applier.deleteRelease(kubeConfig, inventory.objects);
      }
      return `${inventories.length - 1} service(s)`;
    });
    await context.step(1, async () => {
      const own = inventories.find(i => i.release === '');
      await applier.deleteRelease(kubeConfig, own?.objects ?? []);
    });
    await context.step(2, async () => {
      await watchers.stop(spec.cluster, spec.namespace);
      try {
        await kubeConfig
          .makeApiClient(CoreV1Api)
          .deleteNamespace({ name: spec.namespace });
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
      }
      await context.log('info', `namespace ${spec.namespace} deleted`);
    });
    await store.deleteEnvironment(operation.environment);
  }
}
