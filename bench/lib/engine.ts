/* eslint-disable no-console */
import os from 'node:os';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { binaryPath } from '@envmesh/local-cluster';
import type { LocalCluster } from '@envmesh/local-cluster';
import type { EnvironmentsBackend } from '@envmesh/engine-test-utils/engineParts';
import { say } from './report';

/*
 * What the benchmarks that run the engine in process share: its config on the local cluster, a quiet logger
 * and waiting for an operation.
 */

export const CLUSTER = 'local';
export const ACTOR = 'user:default/bench';
export const OWNER = 'group:default/platform-team';

/** How often an operation is polled, and how long one may take before the benchmark gives up on it. */
const POLL_MS = 200;
const OPERATION_LIMIT_MS = 30 * 60_000;

/** The root config of an engine on the benchmark's cluster (named `local`), with these `environments` settings. */
export function engineConfig(cluster: LocalCluster, environments: object) {
  return new ConfigReader({
    kubernetes: {
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            {
              name: CLUSTER,
              url: cluster.server,
              serviceAccountToken: cluster.token,
              skipTLSVerify: true,
              authProvider: 'serviceAccount',
            },
          ],
        },
      ],
    },
    environments: {
      helm: { binary: binaryPath('helm') },
      import: { directoryRoots: [os.tmpdir()] },
      ...environments,
    },
  });
}

/** Warnings and errors only; info and debug are too chatty at hundreds of services. */
export function benchLogger(meta: Record<string, unknown> = {}): LoggerService {
  const where = Object.entries(meta)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const print =
    (level: string) => (message: string, extra?: Error | object) => {
      let detail = '';
      if (extra instanceof Error) detail = ` ${extra.stack ?? extra.message}`;
      else if (extra && Object.keys(extra).length) {
        detail = ` ${JSON.stringify(extra)}`;
      }
      console.error(
        `[engine ${level}]${where ? ` (${where})` : ''} ${message}${detail}`,
      );
    };
  return {
    error: print('error'),
    warn: print('warn'),
    info: () => {},
    debug: () => {},
    child: (more: Record<string, unknown>) => benchLogger({ ...meta, ...more }),
  } as LoggerService;
}

export type OperationSummary = Awaited<
  ReturnType<EnvironmentsBackend['operations']['getOperation']>
>;

/** Polls getOperation every 200 ms until the operation is final; throws unless it succeeded. */
export async function waitOperation(
  engine: EnvironmentsBackend,
  id: string,
  what: string,
): Promise<OperationSummary> {
  const deadline = Date.now() + OPERATION_LIMIT_MS;
  let lastProgress = '';
  let lastPrint = 0;
  for (;;) {
    const op = await engine.operations.getOperation(id);
    if (op.state === 'succeeded') return op;
    if (op.state === 'failed' || op.state === 'cancelled') {
      const failed = op.steps
        .filter(s => s.state === 'failed')
        .map(s => `${s.name}: ${s.message ?? ''}`)
        .slice(0, 5);
      throw new Error(
        `${what}: operation ${id} ${op.state}: ${op.error ?? ''}${
          failed.length ? ` | failed steps: ${failed.join(' | ')}` : ''
        }`,
      );
    }
    const progress = `${op.progress.done}/${op.progress.total}`;
    if (progress !== lastProgress && Date.now() - lastPrint > 5000) {
      say(`  ${what}: ${op.state}, ${progress} steps done`);
      lastPrint = Date.now();
      lastProgress = progress;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: operation ${id} still ${op.state} after ${
          OPERATION_LIMIT_MS / 1000
        } s (${progress} steps)`,
      );
    }
    await new Promise(r => setTimeout(r, POLL_MS));
  }
}
