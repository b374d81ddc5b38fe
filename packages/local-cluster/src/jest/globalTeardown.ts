import type { LocalCluster } from '../startLocalCluster';

/** Jest global teardown: stops the cluster the global setup started, once. */
export default async function globalTeardown() {
  const slot = globalThis as { __envmeshCluster?: LocalCluster };
  const cluster = slot.__envmeshCluster;
  if (!cluster) return;
  delete slot.__envmeshCluster;
  delete process.env.ENVMESH_TEST_KUBECONFIG;
  await cluster.stop();
}
