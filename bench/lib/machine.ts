import fs from 'node:fs';
import os from 'node:os';

/*
 * What both benchmarks record about the machine they ran on, and how busy it was with other work meanwhile.
 */

export function machineInfo() {
  let cpuModel = 'unknown';
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find(l => l.startsWith('model name'));
    if (line) cpuModel = line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel,
    totalMemGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    date: new Date().toISOString(),
    loadStart: os.loadavg(),
  };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on Linux everywhere that matters). */
const CLOCK_TICKS = 100;

/**
 * CPU seconds used so far by the whole machine (busy time of /proc/stat) and by this benchmark's process
 * tree (this process, its live descendants — the local cluster, running helm processes — and the children
 * they already reaped). Undefined where /proc is missing.
 */
export function cpuSample():
  | { machine: number; ours: number; engine: number; at: number }
  | undefined {
  try {
    const cpu = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    const busy = cpu
      .slice(0, 8)
      .reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0);
    const stats = new Map<number, { ppid: number; ticks: number }>();
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const text = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        // Fields after the parenthesised command: state ppid ... utime(14) stime(15) cutime(16) cstime(17).
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
        stats.set(Number(entry), {
          ppid: Number(fields[1]),
          ticks:
            Number(fields[11]) +
            Number(fields[12]) +
            Number(fields[13]) +
            Number(fields[14]),
        });
      } catch {
        // exited meanwhile
      }
    }
    const tree = new Set([process.pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, { ppid }] of stats) {
        if (!tree.has(pid) && tree.has(ppid)) {
          tree.add(pid);
          grew = true;
        }
      }
    }
    const ours = [...tree].reduce(
      (sum, pid) => sum + (stats.get(pid)?.ticks ?? 0),
      0,
    );
    const self = process.cpuUsage();
    return {
      machine: busy / CLOCK_TICKS,
      ours: ours / CLOCK_TICKS,
      engine: (self.user + self.system) / 1e6,
      at: Date.now(),
    };
  } catch {
    return undefined;
  }
}

/**
 * How busy the machine was with other work between two samples: the CPU seconds of processes outside this
 * benchmark's tree, as a share of all the machine's CPU time in that span.
 */
export function otherCpuShare(
  from: ReturnType<typeof cpuSample>,
  to: ReturnType<typeof cpuSample>,
): number | undefined {
  if (!from || !to || to.at <= from.at) return undefined;
  const capacity = ((to.at - from.at) / 1000) * os.availableParallelism();
  const others = to.machine - from.machine - (to.ours - from.ours);
  return Math.min(1, Math.max(0, others / capacity));
}
