import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { DatabaseEnvironmentStore } from './DatabaseEnvironmentStore';
import { DatabaseFeatureStore } from './DatabaseFeatureStore';
import { DatabaseLifecycleStore } from './DatabaseLifecycleStore';
import { DatabaseInventoryStore } from './DatabaseInventoryStore';
import { DatabaseOperationStore } from './DatabaseOperationStore';
import { DatabaseRevisionStore } from './DatabaseRevisionStore';
import { DatabaseServiceRegistryStore } from './DatabaseServiceRegistryStore';
import { applyDatabaseMigrations } from './migrations';
import { EnvironmentsStores, StoreTransaction } from './StoreTransaction';

/**
 * Every store of the plugin's database and the transaction that spans them, for the code that wires the
 * engine; the engine's parts each take only the stores they use.
 *
 * @internal
 */
export interface DatabaseStores extends EnvironmentsStores {
  transaction: StoreTransaction;
}

/**
 * Opens the plugin's database, migrated unless the backend config skips it, and builds its stores.
 *
 * @internal
 */
export async function createDatabaseStores(options: {
  database: DatabaseService;
}): Promise<DatabaseStores> {
  return databaseStores(await applyDatabaseMigrations(options.database));
}

/** The stores over an already migrated Knex (or a transaction). */
function bindStores(db: Knex): EnvironmentsStores {
  return {
    environments: new DatabaseEnvironmentStore(db),
    operations: new DatabaseOperationStore(db),
    inventories: new DatabaseInventoryStore(db),
    revisions: new DatabaseRevisionStore(db),
    registry: new DatabaseServiceRegistryStore(db),
    features: new DatabaseFeatureStore(db),
    lifecycle: new DatabaseLifecycleStore(db),
  };
}

function databaseStores(knex: Knex): DatabaseStores {
  return {
    ...bindStores(knex),
    transaction: fn => knex.transaction(tx => fn(bindStores(tx))),
  };
}
