import type { LocalPostgres } from '@envmesh/local-cluster';
// The jest hooks are test-only sources of local-cluster (the jest config names them too), not its API.
// eslint-disable-next-line @backstage/no-forbidden-package-imports
import clusterGlobalTeardown from '@envmesh/local-cluster/src/jest/globalTeardown';
import { POSTGRES_ENV } from './globalSetup';

/** Stops what the global setup started: the PostgreSQL server and the local cluster. */
export default async function globalTeardown() {
  const slot = globalThis as { __envmeshPostgres?: LocalPostgres };
  const postgres = slot.__envmeshPostgres;
  delete slot.__envmeshPostgres;
  if (postgres) {
    delete process.env[POSTGRES_ENV];
    await postgres.stop();
  }
  await clusterGlobalTeardown();
}
