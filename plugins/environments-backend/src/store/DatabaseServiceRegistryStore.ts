import type {
  ChartSource,
  ServiceDefinition,
} from '@envmesh/plugin-environments-common';
import { Knex } from 'knex';
import { ServiceRegistryStore } from './ServiceRegistryStore';
import { StoredChart } from './types';
import { chunks, parseJson, toIsoRequired } from './util';

type Row = Record<string, any>;

/**
 * The service registry in the plugin's database; charts are keyed by their archive's digest.
 *
 * @internal
 */
export class DatabaseServiceRegistryStore implements ServiceRegistryStore {
  /** Wraps an already migrated Knex, or a transaction. */
  constructor(private readonly db: Knex) {}

  /** Stores a chart archive; a digest that is already stored is left as it is. */
  async putChart(chart: StoredChart): Promise<void> {
    await this.db('charts')
      .insert({
        digest: chart.digest,
        name: chart.name,
        version: chart.version,
        archive: chart.archive,
        created_at: new Date(),
      })
      .onConflict('digest')
      .ignore();
  }

  async getChartArchive(digest: string): Promise<Buffer | undefined> {
    const row = await this.db('charts').where({ digest }).first('archive');
    return row ? Buffer.from(row.archive) : undefined;
  }

  /** Inserts or replaces service definitions, all in one transaction. */
  async upsertServices(defs: ServiceDefinition[]): Promise<void> {
    const now = new Date();
    const rows = defs.map(def => ({
      name: def.name,
      source: JSON.stringify(def.source),
      chart_name: def.chart.name,
      chart_version: def.chart.version,
      chart_digest: def.chart.digest,
      default_values: JSON.stringify(def.defaultValues ?? {}),
      image_repository: def.image.repository ?? null,
      image_tag: def.image.tag ?? null,
      startup_group: def.startupGroup ?? 0,
      catalog_entity_ref: def.catalogEntityRef ?? null,
      propagates: def.propagates ?? null,
      updated_at: now,
    }));
    await this.db.transaction(async tx => {
      for (const batch of chunks(rows, 100)) {
        await tx('services').insert(batch).onConflict('name').merge();
      }
    });
  }

  async listServices(): Promise<ServiceDefinition[]> {
    const rows = await this.db('services').orderBy('name');
    return rows.map(toService);
  }

  async getService(name: string): Promise<ServiceDefinition | undefined> {
    const row = await this.db('services').where({ name }).first();
    return row ? toService(row) : undefined;
  }
}

function toService(row: Row): ServiceDefinition {
  return {
    name: row.name,
    source: parseJson<ChartSource>(row.source, {
      type: 'directory',
      location: '',
    }),
    chart: {
      name: row.chart_name,
      version: row.chart_version,
      digest: row.chart_digest,
    },
    defaultValues: parseJson(row.default_values, {}),
    image: {
      ...(row.image_repository && { repository: row.image_repository }),
      ...(row.image_tag && { tag: row.image_tag }),
    },
    startupGroup: Number(row.startup_group),
    ...(row.catalog_entity_ref && { catalogEntityRef: row.catalog_entity_ref }),
    ...(row.propagates && { propagates: row.propagates }),
    updatedAt: toIsoRequired(row.updated_at),
  };
}
