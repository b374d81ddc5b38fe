import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@envmesh/plugin-environments-backend',
  'migrations',
);

/** One migration run per connection pool, however many stores open it (and concurrent runs would contend). */
const migrated = new WeakMap<Knex, Promise<void>>();

/**
 * The plugin's database client, with the migrations applied unless the backend config skips them. Every
 * store's `create` awaits it; the first call migrates, the others wait for that run.
 *
 * @internal
 */
export async function applyDatabaseMigrations(
  database: DatabaseService,
): Promise<Knex> {
  const knex = await database.getClient();
  if (!database.migrations?.skip) {
    let run = migrated.get(knex);
    if (!run) {
      run = knex.migrate
        .latest({ directory: migrationsDir })
        .then(() => undefined);
      migrated.set(knex, run);
      // A failed run is not remembered, so that the next store retries it.
      run.catch(() => migrated.delete(knex));
    }
    await run;
  }
  return knex;
}
