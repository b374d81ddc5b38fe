import {
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { EnvironmentSpec } from '@envmesh/plugin-environments-common';
import { apiErrorMessage } from '../apply';
import type { ClusterSupplier } from '../clusters';
import { NamespaceWatchers, withTimeout } from '../watch';

/** How long a status read waits for the namespace watches to sync before it asks the cluster if it is up. */
const SYNC_GRACE_MS = 1_000;
/** How long that question may take. */
const PROBE_TIMEOUT_MS = 5_000;

/** Runs a read of a cluster; what the cluster fails with becomes a ServiceUnavailableError naming it. */
export async function fromCluster<T>(
  cluster: string,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InputError || error instanceof NotFoundError) {
      throw error;
    }
    throw new ServiceUnavailableError(
      `cluster '${cluster}' failed to answer: ${apiErrorMessage(error)}`,
    );
  }
}

/**
 * Throws a ServiceUnavailableError naming the cluster when the environment's namespace watches have not
 * synced and the cluster's API server does not answer either (one version request, not one per object).
 */
export async function checkReachable(
  deps: { clusters: ClusterSupplier; watchers: NamespaceWatchers },
  env: EnvironmentSpec,
): Promise<void> {
  const watcher = deps.watchers.forNamespace(env.cluster, env.namespace);
  const synced = await withTimeout(
    watcher.start().then(() => true),
    SYNC_GRACE_MS,
    false,
  );
  if (synced) return;
  const status = await withTimeout(
    deps.clusters.status(env.cluster),
    PROBE_TIMEOUT_MS,
    {
      reachable: false,
      error: `no answer within ${PROBE_TIMEOUT_MS / 1000} s`,
    },
  );
  if (!status.reachable) {
    throw new ServiceUnavailableError(
      `cluster '${env.cluster}' is unreachable: ${status.error}`,
    );
  }
}
