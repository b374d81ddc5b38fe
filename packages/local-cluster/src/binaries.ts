import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REQUIRED = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'helm',
] as const;

export type LocalClusterBinary = (typeof REQUIRED)[number];

let cached: string | undefined;

function findBuildScript(): string {
  // This package runs from source inside the repository (tests, make dev), never from a production build.
  // eslint-disable-next-line no-restricted-syntax
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'tools', 'build-binaries.sh');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(
        'ENVMESH_BIN_DIR is not set and tools/build-binaries.sh was not found above this package; run `make test` or `make dev`, which build the binaries',
      );
    }
    dir = parent;
  }
}

/**
 * The folder holding the Go-built binaries: `ENVMESH_BIN_DIR` as exported by scripts/bootstrap.sh, or else
 * the cached build that tools/build-binaries.sh reports (it builds only what is missing).
 */
export function binDir(): string {
  if (cached) return cached;
  let dir = process.env.ENVMESH_BIN_DIR;
  if (!dir) {
    const out = execFileSync('bash', [findBuildScript()], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    dir = out.trim().split('\n').pop()!;
  }
  const missing = REQUIRED.filter(b => !fs.existsSync(path.join(dir!, b)));
  if (missing.length) {
    throw new Error(`missing binaries in ${dir}: ${missing.join(', ')}`);
  }
  cached = dir;
  return dir;
}

/** The absolute path of one of the local cluster's binaries (helm included). */
export function binaryPath(name: LocalClusterBinary): string {
  return path.join(binDir(), name);
}
