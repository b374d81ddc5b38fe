import { createHash } from 'node:crypto';
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObject,
} from '@kubernetes/client-node';
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
  apiErrorMessage,
  formatRef,
  mapSettled,
  refKey,
  refOf,
  stableStringify,
} from '../apply';
import type { ObjectRef, ReleaseIdentity } from '../apply';
import { isolateBaseRelease } from '../features';
import { ISTIO_API_VERSION } from '../routing/types';
import type { RoutingDriver } from '../routing';
import { HelmRenderer, layerServiceValues } from '../render';
import { LruCache } from '../render/util';
import { DatabaseEnvironmentStore } from '../store';
import type { StoredOperation } from '../store';
import { NamespaceWatchers, WorkloadNotReadyError } from '../watch';
import {
  environmentObjects,
  namespaceObject,
  secretRefs,
} from './environmentObjects';
import { recordOwnGenerations } from './ownGenerations';
import { isolationMode, withLiveRoutes } from './releaseRoutes';
import { recordedApply } from './recordedApply';
import { isInstanceRelease } from './FeatureRollout';
import { OperationContext } from './OperationRunner';
import { renderSource } from './ServiceReleaseRenderer';
import { SecretWriter } from './SecretWriter';
import { SCALABLE_KINDS, WorkloadScaler } from './WorkloadScaler';

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
const WAIT_READY = (group: number) => `wait for group ${group} to be ready`;
const SCALE_DOWN = (group: number) => `scale group ${group} to zero`;
const SCALE_UP = (group: number) => `scale group ${group} back up`;

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
 * takes it all away; sleep and wake scale the workloads to zero and back, in startup group order.
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
      routing: RoutingDriver;
      /**
       * Called after a service's base release was applied, so that ready feature instances whose routing the
       * apply lost (e.g. a chart that now renders another host) are routed again.
       */
      afterServiceApplied?: (
        spec: EnvironmentSpec,
        service: string,
      ) => Promise<void>;
    },
  ) {}

  /** The environment's own objects, its gateways of the kind the routing driver attaches routes to. */
  environmentObjects(spec: EnvironmentSpec) {
    return environmentObjects(spec, this.deps.routing.kind);
  }

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
    const order = [...groups.keys()].sort((a, b) => a - b);
    if (type === 'sleep') {
      // The last group first: services go to sleep before what they depend on.
      return order.reverse().map(group => ({ name: SCALE_DOWN(group), group }));
    }
    if (type === 'wake') {
      return order.flatMap(group => [
        { name: SCALE_UP(group), group },
        { name: WAIT_READY(group), group },
      ]);
    }
    const steps: PlannedStep[] = [{ name: PREPARE }];
    for (const group of order) {
      for (const service of groups.get(group)!.sort()) {
        steps.push({ name: `apply ${service}`, group, service });
      }
      steps.push({ name: WAIT_READY(group), group });
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
    } else if (operation.type === 'sleep' || operation.type === 'wake') {
      await this.#sleepOrWake(operation, spec, kubeConfig, context);
    } else {
      await this.#converge(operation, spec, kubeConfig, context);
    }
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
    const { settings } = this.deps;
    const definitions = await this.#definitions();
    const byName = new Map(spec.services.map(s => [s.name, s]));
    const claimed = await this.#instanceObjects(spec);

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
      } else if (step.group !== undefined) {
        const group = step.group;
        await context.step(index, () =>
          this.#waitForGroup(spec, group, definitions, context, {
            instances: false,
          }),
        );
        index++;
      } else if (step.name === PRUNE) {
        await context.step(index, () => this.#prune(spec, kubeConfig, context));
        index++;
      } else {
        throw new Error(`unknown step '${step.name}'`);
      }
    }
  }

  /**
   * The workloads of a startup group's services, from their inventories (one query for the environment),
   * with their feature instances' when asked.
   */
  async #groupWorkloads(
    spec: EnvironmentSpec,
    group: number,
    definitions: Map<string, ServiceDefinition>,
    options: { instances: boolean },
  ) {
    const members = new Set(
      spec.services
        .filter(s => groupOf(s, definitions.get(s.name)) === group)
        .map(s => s.name),
    );
    const workloads: Array<{
      service: string;
      release: string;
      ref: ObjectRef;
    }> = [];
    for (const inventory of await this.deps.store.listInventories(spec.name)) {
      const instance = isInstanceRelease(inventory.release);
      if (instance && !options.instances) continue;
      const service = instance
        ? inventory.release.slice(0, inventory.release.indexOf('.'))
        : inventory.release;
      if (!members.has(service)) continue;
      for (const ref of inventory.objects) {
        if (WORKLOAD_KINDS.has(ref.kind)) {
          workloads.push({ service, release: inventory.release, ref });
        }
      }
    }
    return { services: members.size, workloads };
  }

  /** Waits until every workload of a startup group is ready; a timeout names each service and its reason. */
  async #waitForGroup(
    spec: EnvironmentSpec,
    group: number,
    definitions: Map<string, ServiceDefinition>,
    context: OperationContext,
    options: { instances: boolean },
  ): Promise<string> {
    const { watchers, settings } = this.deps;
    const { services, workloads } = await this.#groupWorkloads(
      spec,
      group,
      definitions,
      options,
    );
    await context.log(
      'info',
      `group ${group}: waiting for ${workloads.length} workload(s) of ${services} service(s)`,
    );
    try {
      await watchers.forNamespace(spec.cluster, spec.namespace).waitReady(
        workloads.map(w => w.ref),
        { timeoutMs: settings.readyTimeoutMs, signal: context.signal },
      );
    } catch (error) {
      if (error instanceof WorkloadNotReadyError) {
        const service = (ref: ObjectRef) =>
          workloads.find(w => formatRef(w.ref) === formatRef(ref))?.service;
        throw new Error(
          error.workloads
            .map(
              w =>
                `service ${service(w.ref)} not ready (${formatRef(w.ref)}): ${
                  w.reason
                }`,
            )
            .join('; '),
        );
      }
      throw error;
    }
    return `${workloads.length} workload(s) ready`;
  }

  /**
   * sleep scales the Deployments and StatefulSets of every service and feature instance to zero, the last
   * startup group first; wake scales them back group by group, each group ready before the next one wakes.
   */
  async #sleepOrWake(
    operation: StoredOperation,
    spec: EnvironmentSpec,
    kubeConfig: KubeConfig,
    context: OperationContext,
  ) {
    const { settings } = this.deps;
    const definitions = await this.#definitions();
    const sleep = operation.type === 'sleep';
    for (const step of operation.steps) {
      const group = step.group!;
      if (step.name === WAIT_READY(group)) {
        await context.step(step.index, () =>
          this.#waitForGroup(spec, group, definitions, context, {
            instances: true,
          }),
        );
        continue;
      }
      await context.step(step.index, async () => {
        const { workloads } = await this.#groupWorkloads(
          spec,
          group,
          definitions,
          { instances: true },
        );
        const scalable = workloads.filter(w => SCALABLE_KINDS.has(w.ref.kind));
        const results = await mapSettled(
          scalable,
          settings.parallelism,
          async ({ ref }) => {
            return sleep
              ? await WorkloadScaler.sleep(kubeConfig, ref)
              : await WorkloadScaler.wake(kubeConfig, ref);
          },
        );
        // envmesh's own scaling is not drift, after a restart either.
        await recordOwnGenerations(
          this.deps,
          spec,
          results.flatMap((r, i) =>
            r.status === 'fulfilled' && r.value.generation !== undefined
              ? [{ ...scalable[i], generation: r.value.generation }]
              : [],
          ),
        );
        const failed = results.flatMap((r, i) =>
          r.status === 'rejected'
            ? [
                `${scalable[i].service} (${formatRef(
                  scalable[i].ref,
                )}): ${apiErrorMessage(r.reason)}`,
              ]
            : [],
        );
        if (failed.length) {
          throw new Error(`scaling failed for ${failed.join('; ')}`);
        }
        const changed = results.filter(
          r => r.status === 'fulfilled' && r.value.changed,
        ).length;
        const done = sleep ? 'scaled to zero' : 'scaled back';
        await context.log(
          'info',
          `group ${group}: ${changed} of ${scalable.length} workload(s) ${done}`,
        );
        return `${changed} workload(s) ${done}`;
      });
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
    const secrets = await SecretWriter.prune({
      kubeConfig,
      namespace: spec.namespace,
      environment: spec.name,
      keep: spec.config.secrets.map(s => s.name),
    });
    const previous = await store.getInventory(spec.name, '');
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
        objects: this.environmentObjects(spec),
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

  async #applyService(
    operation: StoredOperation,
    spec: EnvironmentSpec,
    service: EnvironmentServiceSpec,
    definition: ServiceDefinition | undefined,
    kubeConfig: KubeConfig,
    context: OperationContext,
    claimed: ReadonlyMap<string, ReleaseIdentity>,
  ): Promise<string> {
    const { store, renderer } = this.deps;
    if (!definition) {
      throw new Error(
        `service '${service.name}' is not in the service registry`,
      );
    }
    const source = renderSource(definition, service);
    const archive = await this.#chartArchive(source.chartDigest);
    if (!archive) {
      throw new Error(
        `chart ${source.chartDigest} of service '${service.name}' is missing`,
      );
    }
    const chart = { digest: source.chartDigest, archive };
    const merged = layerServiceValues({
      chartDefaults: await renderer.chartDefaults(chart),
      service: source,
      environment: spec,
      environmentService: service,
    });
    const objects = isolateBaseRelease(
      await renderer.render({
        release: service.name,
        namespace: spec.namespace,
        chart,
        values: merged.values,
      }),
      service.name,
      isolationMode(this.deps.routing, spec),
    );
    const manifestHash = createHash('sha256')
      .update(stableStringify(objects))
      .digest('hex');
    const [latest] = await store.listRevisions(spec.name, service.name);
    const previous = await store.getInventory(spec.name, service.name);
    if (
      latest?.manifestHash === manifestHash &&
      previous &&
      holdsExactly(previous, objects, spec.namespace) &&
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
        objects: await withLiveRoutes(
          this.deps.routing,
          spec,
          service.name,
          objects,
          kubeConfig,
        ),
        previousInventory: previous ?? [],
        claimed,
      },
    );
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
      chartDigest: source.chartDigest,
      defaultValues: source.defaultValues,
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
    for (const inventory of await this.deps.store.listInventories(spec.name)) {
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
      // A feature instance (`<service>.<feature>[.isolation]`) goes with its service.
      const [service, feature] = inventory.release.split('.');
      if (inventory.release === '' || wanted.has(service)) continue;
      await applier.deleteRelease(kubeConfig, [
        ...inventory.objects,
        ...(isInstanceRelease(inventory.release)
          ? []
          : routingObjectsOf(spec.namespace, inventory.objects)),
      ]);
      await store.setInventory(spec.name, inventory.release, []);
      watchers
        .forNamespace(spec.cluster, spec.namespace)
        .untrackInventory(inventory.release);
      if (feature) await store.features.deleteInstances(feature, [service]);
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
