import { startLocalCluster, LocalCluster } from '../startLocalCluster';

/**
 * Jest global setup: one local cluster per test run, shared by every package whose jest config names this
 * file (global hooks of all projects run in the same process, hence the global slot). Tests find it through
 * ENVMESH_TEST_KUBECONFIG; a run started with that variable already set reuses the given cluster.
 */
export default async function globalSetup() {
  const slot = globalThis as { __envmeshCluster?: LocalCluster };
  if (process.env.ENVMESH_TEST_KUBECONFIG || slot.__envmeshCluster) return;
  const started = Date.now();
  slot.__envmeshCluster = await startLocalCluster({ name: 'jest' });
  process.env.ENVMESH_TEST_KUBECONFIG = slot.__envmeshCluster.kubeconfigPath;
  // eslint-disable-next-line no-console
  console.log(`\nlocal cluster ready in ${Date.now() - started} ms`);
}
