import type { ServiceDefinition } from '@envmesh/plugin-environments-common';
import { StoredChart } from './types';

/**
 * The service registry: imported service definitions and the chart archives they are rendered with.
 *
 * @internal
 */
export interface ServiceRegistryStore {
  /** Stores a chart archive; a digest that is already stored is left as it is. */
  putChart(chart: StoredChart): Promise<void>;

  getChartArchive(digest: string): Promise<Buffer | undefined>;

  /** Inserts or replaces service definitions, all in one transaction. */
  upsertServices(defs: ServiceDefinition[]): Promise<void>;

  listServices(): Promise<ServiceDefinition[]>;

  getService(name: string): Promise<ServiceDefinition | undefined>;
}
