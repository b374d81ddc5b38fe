import { EnvironmentSpec } from '@envmesh/plugin-environments-common';
import { ReleaseApplier } from '../apply';
import type { DiffEntry } from '../apply';
import type { ClusterSupplier } from '../clusters';
import { DesiredState } from '../desired';
import { SecretWriter } from '../apply';
import { SecretValues, applyUpdate } from '../requests/environmentSpec';
import type {
  EnvironmentStore,
  FeatureStore,
  InventoryStore,
  ServiceRegistryStore,
} from '../store';
import { fromCluster } from './clusterReads';
import { requireEnvironment } from './EnvironmentReader';

/**
 * What an update would change, per service and for the environment's own objects, by server-side dry run of
 * the desired state the update makes; changes nothing.
 */
export class EnvironmentDiffer {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      registry: ServiceRegistryStore;
      features: FeatureStore;
      inventories: InventoryStore;
      clusters: ClusterSupplier;
      desired: DesiredState;
      applier: ReleaseApplier;
    },
  ) {}

  async diffEnvironment(name: string, body: unknown) {
    const { environments, registry, features, inventories } = this.deps;
    const { clusters, desired, applier } = this.deps;
    const current = await requireEnvironment(environments, name);
    const { spec, secretValues } = await applyUpdate(
      { registry, features },
      current,
      body,
    );
    const kubeConfig = clusters.kubeConfig(spec.cluster);
    const environment = {
      changes: await fromCluster(spec.cluster, () =>
        this.#diffEnvironmentObjects(spec, secretValues),
      ),
    };
    const services: Array<{ name: string; changes: DiffEntry[] }> = [];
    for (const service of spec.services) {
      // Rendering fails on its own (502, helm's message) before any cluster is asked.
      const release = await desired.service(spec, service);
      const objects = await fromCluster(spec.cluster, () =>
        desired.withLiveRoutes(spec, release, kubeConfig),
      );
      const previous = await inventories.getInventory(spec.name, service.name);
      const entries = await fromCluster(spec.cluster, () =>
        applier.diff({
          kubeConfig,
          namespace: spec.namespace,
          environment: spec.name,
          release: service.name,
          objects,
          previousInventory: previous ?? [],
        }),
      );
      const changes = entries.filter(e => e.action !== 'unchanged');
      if (changes.length) services.push({ name: service.name, changes });
    }
    const removed = current.services
      .filter(s => !spec.services.some(n => n.name === s.name))
      .map(s => s.name);
    return { environment, services, removed };
  }

  /**
   * What an update would change of the environment's own objects: config ConfigMaps, Gateways and
   * Certificates by dry run; Secrets by name and key only (values are never read back or compared).
   */
  async #diffEnvironmentObjects(
    spec: EnvironmentSpec,
    secretValues: SecretValues,
  ): Promise<DiffEntry[]> {
    const kubeConfig = this.deps.clusters.kubeConfig(spec.cluster);
    const previous = await this.deps.inventories.getInventory(spec.name, '');
    const objects = await this.deps.applier.diff({
      kubeConfig,
      namespace: spec.namespace,
      environment: spec.name,
      release: '',
      objects: this.deps.desired.environment(spec),
      // Secrets are SecretWriter's, diffed below.
      previousInventory: (previous ?? []).filter(o => o.kind !== 'Secret'),
    });
    const secrets = await SecretWriter.diff({
      kubeConfig,
      namespace: spec.namespace,
      environment: spec.name,
      declared: spec.config.secrets.map(s => s.name),
      writes: new Map(
        [...secretValues].map(([secret, values]) => [
          secret,
          Object.keys(values),
        ]),
      ),
    });
    return [...objects, ...secrets].filter(e => e.action !== 'unchanged');
  }
}
