import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ManagedProcess, freePort, startWatchdog, waitFor } from './processes';

/** A throwaway PostgreSQL server on 127.0.0.1. */
export interface LocalPostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres`, trust auth (no password). */
  connectionString: string;
  port: number;
  /** The temp folder holding the data dir, the socket and the log; removed by stop(). */
  dir: string;
  /** Fast shutdown of the server, then removes its folder. */
  stop(): Promise<void>;
}

/**
 * The folder of Debian's PostgreSQL server binaries: `ENVMESH_POSTGRES_BIN`, else the newest
 * `/usr/lib/postgresql/<major>/bin`, else whatever `pg_config --bindir` says.
 */
function postgresBinDir(): string {
  if (process.env.ENVMESH_POSTGRES_BIN) return process.env.ENVMESH_POSTGRES_BIN;
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter(v => fs.existsSync(path.join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length) return path.join(root, majors[0], 'bin');
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'no PostgreSQL server found: install Debian\'s "postgresql" package or set ENVMESH_POSTGRES_BIN',
    );
  }
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` OS user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Starts a PostgreSQL server with a fresh data dir on a free loopback port, trust auth, durability off
 * (fsync and friends) for speed. Resolves once it accepts connections. If this process dies without
 * calling stop(), the local cluster's watchdog kills the server and removes its folder.
 */
export async function startLocalPostgres(
  options: { timeoutMs?: number } = {},
): Promise<LocalPostgres> {
  const bin = postgresBinDir();
  const user = serverUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envmesh-pg-'));
  const dataDir = path.join(dir, 'data');
  const logPath = path.join(dir, 'postgres.log');
  if (user) fs.chownSync(dir, user.uid, user.gid);
  const env = { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C' };

  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    await promisify(execFile)(
      path.join(bin, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--no-sync',
      ],
      { env, ...user },
    );
  } catch (error) {
    removeDir();
    throw new Error(
      `initdb failed: ${(error as { stderr?: string }).stderr ?? error}`,
    );
  }

  const port = await freePort();
  const out = fs.openSync(logPath, 'a');
  if (user) fs.fchownSync(out, user.uid, user.gid);
  const child = spawn(
    path.join(bin, 'postgres'),
    [
      ...['-D', dataDir, '-p', String(port), '-k', dir],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off'],
      ...['-c', 'full_page_writes=off'],
    ],
    { env, stdio: ['ignore', out, out], ...user },
  );
  fs.closeSync(out);
  if (child.pid === undefined) {
    removeDir();
    throw new Error(`could not start ${path.join(bin, 'postgres')}`);
  }
  // The watchdog kills the PIDs listed here whose command line names `dir`, then removes `dir`.
  fs.appendFileSync(path.join(dir, 'pids'), `${child.pid}\n`);
  startWatchdog(dir, process.pid);
  const proc: ManagedProcess = { name: 'postgres', child, logPath };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise(resolve => child.once('exit', resolve));
      child.kill('SIGINT'); // fast shutdown: disconnects clients instead of waiting for them
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    removeDir();
  };

  try {
    const pgIsReady = path.join(bin, 'pg_isready');
    await waitFor(
      'postgres to accept connections',
      async () => {
        await promisify(execFile)(pgIsReady, [
          ...['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'],
        ]);
        return true;
      },
      { timeoutMs: options.timeoutMs ?? 60_000, process: proc },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    stop,
  };
}
