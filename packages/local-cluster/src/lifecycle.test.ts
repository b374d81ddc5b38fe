import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalCluster } from './startLocalCluster';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidsOf(dir: string): number[] {
  return fs
    .readFileSync(path.join(dir, 'pids'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(Number);
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

describe('local cluster lifecycle', () => {
  it('stop() kills exactly the processes it started and removes its folder', async () => {
    const cluster = await startLocalCluster({ name: 'lifecycle' });
    const pids = pidsOf(cluster.dir);
    expect(pids.length).toBeGreaterThanOrEqual(5); // etcd, apiserver, kcm, scheduler, kwok (+ restarts)
    expect(pids.every(alive)).toBe(true);

    await cluster.stop();

    expect(pids.filter(alive)).toEqual([]);
    expect(fs.existsSync(cluster.dir)).toBe(false);
    // The cluster of the jest global setup is untouched.
    expect(process.env.ENVMESH_TEST_KUBECONFIG).toBeDefined();
    expect(fs.existsSync(process.env.ENVMESH_TEST_KUBECONFIG!)).toBe(true);
  });

  it('leaves no process behind when its owner is killed', async () => {
    const out = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'envmesh-crash-')),
      'kubeconfig',
    );
    const owner = spawn(
      process.execPath,
      [
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        path.join(__dirname, 'cli.ts'),
        '--kubeconfig-out',
        out,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    owner.stdout!.on('data', chunk => (output += chunk));
    await until(
      'the owner to start its cluster',
      () => output.includes('local-cluster: kubeconfig'),
      90_000,
    );
    const dir = /local-cluster: folder (\S+)/.exec(output)?.[1];
    expect(dir).toBeDefined();
    const pids = pidsOf(dir!);
    expect(pids.every(alive)).toBe(true);

    owner.kill('SIGKILL'); // no chance to call stop()

    await until('the watchdog to kill the cluster', () =>
      pids.every(pid => !alive(pid)),
    );
    await until(
      'the watchdog to remove the folder',
      () => !fs.existsSync(dir!),
    );
  });
});
