import {
  EnvironmentSpec,
  ServiceDefinition,
} from '@envmesh/plugin-environments-common';
import { WORKLOAD_KINDS, formatRef } from '../apply';
import type { ObjectRef } from '../apply';
import type { InventoryStore, ServiceRegistryStore } from '../store';
import { isInstanceRelease } from '../naming';
import { NamespaceWatchers, WorkloadNotReadyError } from '../watch';
import { OperationContext } from './OperationRunner';
import { startupGroupOf } from './rolloutPlan';

/** A workload of a startup group: the service it belongs to and the release (base or instance) that has it. */
export interface GroupWorkload {
  service: string;
  release: string;
  ref: ObjectRef;
}

/**
 * The workloads of an environment's startup groups, from the stored inventories, and the wait until a
 * group's are ready (as the namespace's watches see them). Converge, sleep and wake share it.
 */
export class StartupGroups {
  constructor(
    private readonly deps: {
      registry: ServiceRegistryStore;
      inventories: InventoryStore;
      watchers: NamespaceWatchers;
      /** How long a startup group's workloads may take to become ready. */
      readyTimeoutMs: number;
    },
  ) {}

  /** The registry's definitions by name, for the groups they default to. */
  async definitions(): Promise<Map<string, ServiceDefinition>> {
    const services = await this.deps.registry.listServices();
    return new Map(services.map(s => [s.name, s]));
  }

  /**
   * The workloads of a startup group's services, from their inventories (one query for the environment),
   * with their feature instances' when asked.
   */
  async workloads(
    spec: EnvironmentSpec,
    group: number,
    definitions: ReadonlyMap<string, ServiceDefinition>,
    options: { instances: boolean },
  ): Promise<{ services: number; workloads: GroupWorkload[] }> {
    const members = new Set(
      spec.services
        .filter(s => startupGroupOf(s, definitions.get(s.name)) === group)
        .map(s => s.name),
    );
    const workloads: GroupWorkload[] = [];
    for (const inventory of await this.deps.inventories.listInventories(
      spec.name,
    )) {
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
  async waitReady(
    spec: EnvironmentSpec,
    group: number,
    definitions: ReadonlyMap<string, ServiceDefinition>,
    context: OperationContext,
    options: { instances: boolean },
  ): Promise<string> {
    const { services, workloads } = await this.workloads(
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
      await this.deps.watchers
        .forNamespace(spec.cluster, spec.namespace)
        .waitReady(
          workloads.map(w => w.ref),
          { timeoutMs: this.deps.readyTimeoutMs, signal: context.signal },
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
}
