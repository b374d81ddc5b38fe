import {
  EnvironmentSpec,
  EnvironmentStatus,
  EnvironmentSummary,
  ServiceStatus,
} from '@envmesh/plugin-environments-common';
import { WORKLOAD_KINDS } from '../apply';
import type { ClusterSupplier } from '../clusters';
import type {
  EnvironmentStore,
  InventoryObject,
  InventoryStore,
  RevisionStore,
  ServiceRegistryStore,
} from '../store';
import { NamespaceWatchers } from '../watch';
import { checkReachable, fromCluster } from './clusterReads';
import { requireEnvironment } from './EnvironmentReader';

/** Each release's inventory by release name ('' the environment's own objects). */
type Inventories = Map<string, InventoryObject[]>;

/**
 * Desired against live: each environment's services, their workloads' readiness and drift, from the
 * namespace watches' cache and the stored inventories and revisions.
 */
export class EnvironmentStatusReader {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      registry: ServiceRegistryStore;
      inventories: InventoryStore;
      revisions: RevisionStore;
      clusters: ClusterSupplier;
      watchers: NamespaceWatchers;
    },
  ) {}

  async listEnvironments(): Promise<EnvironmentSummary[]> {
    const [environments, services] = await Promise.all([
      this.deps.environments.listEnvironments(),
      this.deps.registry.listServices(),
    ]);
    const refs = new Map(services.map(s => [s.name, s.catalogEntityRef]));
    return Promise.all(
      environments.map(async env => {
        const ready = await checkReachable(this.deps, env)
          .then(() => this.#readyServices(env))
          .catch(() => 0);
        return {
          name: env.name,
          cluster: env.cluster,
          namespace: env.namespace,
          owner: env.owner,
          ...(env.description ? { description: env.description } : {}),
          componentRefs: env.services.flatMap(s => {
            const ref = refs.get(s.name);
            return ref ? [ref] : [];
          }),
          services: {
            total: env.services.length,
            ready,
          },
          sleepState: env.asleepSince ? 'asleep' : 'awake',
          ...(env.asleepSince ? { asleepSince: env.asleepSince } : {}),
        };
      }),
    );
  }

  /** Desired against live per service; 503 naming the cluster when its API server cannot be reached. */
  async getStatus(name: string): Promise<EnvironmentStatus> {
    const env = await requireEnvironment(this.deps.environments, name);
    await checkReachable(this.deps, env);
    const inventories = await this.#inventories(env);
    const [services, drift] = await Promise.all([
      this.#serviceStatuses(env, inventories),
      this.#environmentDrift(env, inventories),
    ]);
    return { services, drift };
  }

  /** Drift of the environment's own release '' (config, resources, Secrets). */
  async #environmentDrift(env: EnvironmentSpec, inventories: Inventories) {
    if (!inventories.has('')) return [];
    const watcher = this.deps.watchers.forNamespace(env.cluster, env.namespace);
    return fromCluster(env.cluster, () => watcher.drift(''));
  }

  /** The services whose workloads are all ready: one inventory read, readiness from the watch cache. */
  async #readyServices(env: EnvironmentSpec): Promise<number> {
    const inventories = await this.#inventories(env);
    const ready = await Promise.all(
      env.services.map(
        async service =>
          (
            await this.#readiness(env, inventories.get(service.name))
          ).ready,
      ),
    );
    return ready.filter(Boolean).length;
  }

  /** Each release's inventory, by release ('' the environment's own): one read. */
  async #inventories(env: EnvironmentSpec): Promise<Inventories> {
    return new Map(
      (await this.deps.inventories.listInventories(env.name)).map(i => [
        i.release,
        i.objects,
      ]),
    );
  }

  /** A service's workloads as the watch cache has them; one never applied (no inventory) is not ready. */
  async #readiness(env: EnvironmentSpec, inventory?: InventoryObject[]) {
    const workloads = (inventory ?? []).filter(r => WORKLOAD_KINDS.has(r.kind));
    const watcher = this.deps.watchers.forNamespace(env.cluster, env.namespace);
    const statuses = workloads.length
      ? await fromCluster(env.cluster, () => watcher.status(workloads))
      : [];
    return { statuses, ready: !!inventory && statuses.every(s => s.ready) };
  }

  async #serviceStatuses(
    env: EnvironmentSpec,
    inventories: Inventories,
  ): Promise<ServiceStatus[]> {
    const watcher = this.deps.watchers.forNamespace(env.cluster, env.namespace);
    const [services, revisions] = await Promise.all([
      this.deps.registry.listServices(),
      this.deps.revisions.listRevisions(env.name),
    ]);
    const definitions = new Map(services.map(s => [s.name, s]));
    // Revisions come newest first: each service's first is its latest.
    const latestOf = new Map<string, (typeof revisions)[number]>();
    for (const r of revisions)
      if (!latestOf.has(r.service)) latestOf.set(r.service, r);
    return Promise.all(
      env.services.map(async service => {
        const inventory = inventories.get(service.name);
        const { statuses, ready } = await this.#readiness(env, inventory);
        const latest = latestOf.get(service.name);
        const definition = definitions.get(service.name);
        return {
          name: service.name,
          group: service.startupGroup ?? definition?.startupGroup ?? 0,
          revision: latest?.revision,
          desiredImage: latest
            ? imageOfValues(latest.values, latest.imageTag)
            : undefined,
          workloads: statuses,
          ready,
          drift: inventory
            ? await fromCluster(env.cluster, () => watcher.drift(service.name))
            : [],
        };
      }),
    );
  }
}

/**
 * The image a revision deployed, from its merged values as the usual chart conventions read them:
 * `[<image.registry>/]<image.repository>` then `@<image.digest>` or `:<image.tag>` (the revision's tag when the
 * values hold none). Without a repository the tag alone; without a tag or digest the repository alone (the
 * chart's own default tag applies).
 */
function imageOfValues(
  values: Record<string, unknown> | undefined,
  imageTag?: string,
): string | undefined {
  const image = values?.image;
  const field = (key: string) => {
    const value =
      image && typeof image === 'object' && !Array.isArray(image)
        ? (image as Record<string, unknown>)[key]
        : undefined;
    return typeof value === 'string' || typeof value === 'number'
      ? String(value)
      : undefined;
  };
  const tag = field('tag') || imageTag || undefined;
  const repository = field('repository');
  if (!repository) return tag;
  const registry = field('registry');
  const name = registry ? `${registry}/${repository}` : repository;
  const digest = field('digest');
  if (digest) return `${name}@${digest}`;
  return tag ? `${name}:${tag}` : name;
}
