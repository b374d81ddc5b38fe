/* eslint-disable no-console */
import fs from 'node:fs';
import { startLocalCluster } from './startLocalCluster';

/**
 * `start-cluster [--kubeconfig-out <file>]`: starts a local cluster for `make dev`, copies its kubeconfig to
 * the given file (so the path is stable across runs), prints it, and runs until SIGINT/SIGTERM, then stops
 * every process it started.
 */
async function main() {
  // Whoever reads our output may go away first (a killed make dev terminal); that must not crash the cluster.
  process.stdout.on('error', () => {});
  const outIndex = process.argv.indexOf('--kubeconfig-out');
  const out = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
  const cluster = await startLocalCluster({
    name: 'dev',
    log: line => console.log(`local-cluster: ${line}`),
  });
  let kubeconfigPath = cluster.kubeconfigPath;
  if (out) {
    fs.copyFileSync(cluster.kubeconfigPath, out);
    fs.chmodSync(out, 0o600);
    kubeconfigPath = out;
  }
  console.log(`local-cluster: folder ${cluster.dir}`);
  console.log(`local-cluster: kubeconfig ${kubeconfigPath}`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('local-cluster: stopping');
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch(error => {
  console.error(`local-cluster: ${error.stack ?? error}`);
  process.exit(1);
});
