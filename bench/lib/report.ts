/* eslint-disable no-console */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { machineInfo } from './machine';

/*
 * What both benchmarks print while they run and write into their results: progress lines, numbers, the
 * machine section, the command-line plumbing and the written report.
 */

const startedAt = Date.now();

/** A progress line, stamped with the seconds since the benchmark started. */
export function say(line: string) {
  console.log(
    `[bench ${((Date.now() - startedAt) / 1000)
      .toFixed(1)
      .padStart(7)}s] ${line}`,
  );
}

/** A number for a table cell; '—' when it was not measured. */
export function fmt(x: number | undefined, digits = 1) {
  return x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits);
}

/** Nearest-rank percentile (p in 0..1) of a sample; undefined for an empty one. */
export function percentile(sample: number[], p: number): number | undefined {
  if (!sample.length) return undefined;
  const sorted = [...sample].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/** Load averages (1/5/15 min) as `a / b / c`. */
export function formatLoad(load?: number[]) {
  return load ? load.map(x => x.toFixed(2)).join(' / ') : '—';
}

/**
 * The share of the machine's CPU that processes outside the benchmark used, per phase, and whether that makes
 * the run one made on a loaded machine (20 % or more in any phase).
 */
export function describeOtherCpu(
  shares: Record<string, number | undefined>,
): string {
  const phases = Object.entries(shares).filter(
    (entry): entry is [string, number] => entry[1] !== undefined,
  );
  const measured = phases.length
    ? phases
        .map(([phase, share]) => `${phase} ${(share * 100).toFixed(0)} %`)
        .join(', ')
    : 'not measured';
  const loaded = phases.some(([, share]) => share >= 0.2)
    ? '**loaded machine**: other work competed for the CPUs'
    : 'quiet machine';
  return `${measured} of the machine (${loaded})`;
}

/**
 * The first lines of a results file's machine section; `loadLines` are the benchmark's own load averages
 * taken between its phases, listed before the one at the end.
 */
export function machineLines(
  machine: ReturnType<typeof machineInfo>,
  loadLines: string[],
): string[] {
  return [
    `- nproc: ${machine.nproc}`,
    `- CPU: ${machine.cpuModel}`,
    `- memory: ${machine.totalMemGiB.toFixed(1)} GiB`,
    `- Node: ${machine.node}`,
    `- date: ${machine.date}`,
    `- load average (1/5/15 min) at start: ${formatLoad(machine.loadStart)}`,
    ...loadLines,
    `- load average at end: ${formatLoad(os.loadavg())}`,
  ];
}

/**
 * Reads `--flag value` arguments: `handle` is called with each flag and a function that takes its value, and
 * returns false for a flag it does not know. `--help` prints `usage` and exits.
 */
export function readArgs(
  argv: string[],
  usage: string,
  handle: (arg: string, value: () => string) => boolean,
) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(`usage: ${usage}`);
      process.exit(0);
    }
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (!handle(arg, value)) throw new Error(`unknown argument ${arg}`);
  }
}

/** Runs `shutdown` (once) on Ctrl-C or SIGTERM, so the benchmark's cluster never outlives it. */
export function stopOnSignals(shutdown: () => Promise<void>) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`${signal}: stopping`);
      shutdown().finally(() => process.exit(130));
    });
  }
}

/** Writes the results file and says where. */
export function writeReport(out: string, text: string) {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  say(`wrote ${path.relative(process.cwd(), out) || out}`);
}

/** Runs a benchmark's main; a failure is printed and sets the exit code. */
export function runMain(main: () => Promise<void>) {
  main().catch(error => {
    console.error(`bench failed: ${error.stack ?? error}`);
    process.exitCode = 1;
  });
}

/** Whether a target was met, for the results' targets section. */
export function verdict(ok: boolean | undefined) {
  if (ok === undefined) return 'not measured';
  return ok ? '**met**' : '**not met**';
}
