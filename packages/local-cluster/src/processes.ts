import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** One child process of the local cluster, with its log file. */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logPath: string;
  /** Set by stopProcesses, so a supervisor does not start it again. */
  stopping?: boolean;
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a binary with its output in `<dir>/logs/<name>.log` and records its PID in `<dir>/pids`, which the
 * watchdog reads if the owning process dies without calling stop().
 */
export function startProcess(
  dir: string,
  name: string,
  binary: string,
  args: string[],
): ManagedProcess {
  const logPath = path.join(dir, 'logs', `${name}.log`);
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const out = fs.openSync(logPath, 'a');
  const child = spawn(binary, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  if (child.pid === undefined) {
    throw new Error(`could not start ${name} (${binary})`);
  }
  fs.appendFileSync(path.join(dir, 'pids'), `${child.pid}\n`);
  return { name, child, logPath };
}

/**
 * Like startProcess, but starts the binary again when it exits on its own (at most `maxRestarts` times), for
 * kwok, whose v0.7 stage setup can panic on a startup race. stopProcesses() ends the current child for good.
 */
export function startSupervisedProcess(
  dir: string,
  name: string,
  binary: string,
  args: string[],
  maxRestarts = 5,
): ManagedProcess {
  const proc = startProcess(dir, name, binary, args);
  let restarts = 0;
  const watch = () => {
    proc.child.once('exit', () => {
      if (proc.stopping || restarts >= maxRestarts) return;
      restarts++;
      fs.appendFileSync(
        proc.logPath,
        `\n--- ${name} exited, restart ${restarts}\n`,
      );
      proc.child = startProcess(dir, name, binary, args).child;
      watch();
    });
  };
  watch();
  return proc;
}

/** The last lines of a process log, for error messages. */
function logTail(proc: ManagedProcess, lines = 20): string {
  try {
    return fs
      .readFileSync(proc.logPath, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls `check` until it returns true; fails early if the process exits, with the end of its log. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; process?: ManagedProcess },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const proc = options.process;
    if (proc && proc.child.exitCode !== null) {
      throw new Error(
        `${proc.name} exited with code ${
          proc.child.exitCode
        } while waiting for ${what}:\n${logTail(proc)}`,
      );
    }
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = proc ? `\n${logTail(proc)}` : '';
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${what}${
          lastError ? ` (last error: ${lastError})` : ''
        }${detail}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

/** Stops processes in reverse start order: SIGTERM, then SIGKILL after a grace period. */
export async function stopProcesses(procs: ManagedProcess[]): Promise<void> {
  for (const proc of [...procs].reverse()) {
    proc.stopping = true;
    const { child } = proc;
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise<void>(resolve =>
      child.once('exit', () => resolve()),
    );
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Starts a detached shell that outlives us: when the owner process dies while the cluster folder still exists
 * (a crashed or killed test run), it kills every PID listed in the folder whose command line mentions the
 * folder, then removes the folder. After a normal stop() the folder is gone and the watchdog just exits.
 */
export function startWatchdog(dir: string, ownerPid: number): void {
  const script = `
    while kill -0 ${ownerPid} 2>/dev/null && [ -d "$1" ]; do sleep 1; done
    [ -d "$1" ] || exit 0
    ours() { tr '\\0' ' ' < /proc/$1/cmdline 2>/dev/null | grep -qF "$2"; }
    for sig in TERM KILL; do
      for pid in $(cat "$1/pids" 2>/dev/null); do ours "$pid" "$1" && kill -$sig "$pid" 2>/dev/null; done
      sleep 3
    done
    rm -rf "$1"`;
  spawn('bash', ['-c', script, 'envmesh-cluster-watchdog', dir], {
    detached: true,
    stdio: 'ignore',
  }).unref();
}
