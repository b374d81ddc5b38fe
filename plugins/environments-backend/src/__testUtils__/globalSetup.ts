import { LocalPostgres, startLocalPostgres } from '@envmesh/local-cluster';
// The jest hooks are test-only sources of local-cluster (the jest config names them too), not its API.
// eslint-disable-next-line @backstage/no-forbidden-package-imports
import clusterGlobalSetup from '@envmesh/local-cluster/src/jest/globalSetup';

export const POSTGRES_ENV =
  'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';

/**
 * Jest global setup of the backend: the shared local cluster, plus one throwaway PostgreSQL server per run
 * for TestDatabases' POSTGRES_15 (held in a global slot like the cluster). A run started with the variable
 * already set uses the given server instead.
 */
export default async function globalSetup() {
  const slot = globalThis as { __envmeshPostgres?: LocalPostgres };
  const startPostgres = async () => {
    if (process.env[POSTGRES_ENV] || slot.__envmeshPostgres) return;
    slot.__envmeshPostgres = await startLocalPostgres();
    process.env[POSTGRES_ENV] = slot.__envmeshPostgres.connectionString;
  };
  await Promise.all([clusterGlobalSetup(), startPostgres()]);
}
