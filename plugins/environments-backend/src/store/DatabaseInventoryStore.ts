import { Knex } from 'knex';
import { InventoryStore } from './InventoryStore';
import { Inventory, InventoryObject } from './types';
import { parseJson, toIsoRequired } from './util';

/**
 * Release inventories in the plugin's database, one row per environment and release.
 *
 * @internal
 */
export class DatabaseInventoryStore implements InventoryStore {
  /** Wraps an already migrated Knex, or a transaction. */
  constructor(private readonly db: Knex) {}

  async getInventory(
    environment: string,
    release: string,
  ): Promise<InventoryObject[] | undefined> {
    const row = await this.db('inventories')
      .where({ environment, release })
      .first('objects');
    return row ? parseJson<InventoryObject[]>(row.objects, []) : undefined;
  }

  async setInventory(
    environment: string,
    release: string,
    objects: InventoryObject[],
  ): Promise<void> {
    await this.db('inventories')
      .insert({
        environment,
        release,
        objects: JSON.stringify(objects),
        updated_at: new Date(),
      })
      .onConflict(['environment', 'release'])
      .merge();
  }

  /** The inventories of the environment deployed to a cluster's namespace (none when there is none). */
  async listNamespaceInventories(
    cluster: string,
    namespace: string,
  ): Promise<Inventory[]> {
    const env = await this.db('environments')
      .where({ cluster, namespace })
      .first('name');
    return env ? this.listInventories(env.name) : [];
  }

  async deleteInventory(environment: string, release: string): Promise<void> {
    await this.db('inventories').where({ environment, release }).delete();
  }

  async listInventories(environment: string): Promise<Inventory[]> {
    const rows = await this.db('inventories')
      .where({ environment })
      .orderBy('release');
    return rows.map(row => ({
      environment: row.environment,
      release: row.release,
      objects: parseJson<InventoryObject[]>(row.objects, []),
      updatedAt: toIsoRequired(row.updated_at),
    }));
  }
}
