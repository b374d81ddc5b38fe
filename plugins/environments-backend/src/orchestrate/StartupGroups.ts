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
import { notReadyReport } from './notReadyError';
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
      /** A workload Unschedulable this long fails its group before the timeout. */
      unschedulableGraceMs: number;
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
          {
            timeoutMs: this.deps.readyTimeoutMs,
            unschedulableGraceMs: this.deps.unschedulableGraceMs,
            signal: context.signal,
          },
        );
    } catch (error) {
      if (!(error instanceof WorkloadNotReadyError)) throw error;
      const serviceOf = (ref: ObjectRef) =>
        workloads.find(w => formatRef(w.ref) === formatRef(ref))?.service;
      const report = notReadyReport(
        error.workloads.map(w => ({ ...w, service: serviceOf(w.ref) })),
        error.what,
      );
      // Every service with its own reason in the log; the error stays short at any scale.
      for (const line of report.lines) await context.log('error', line);
      throw new Error(report.error);
    }
    return `${workloads.length} workload(s) ready`;
  }
}
