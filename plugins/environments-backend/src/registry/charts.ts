import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { isPlainObject, parseYaml } from '../render/yaml';

/** A chart folder packaged for the store. */
export interface PackagedChart {
  name: string;
  version: string;
  /** sha256 (hex) over the chart's files, sorted by relative path; independent of packaging time. */
  digest: string;
  /** The `.tgz` made by `helm package`. */
  archive: Buffer;
  /** The chart's own values.yaml. */
  defaults: Record<string, unknown>;
}

/** Resolves `target` and fails unless it stays inside `root` (symbolic links included). */
export async function realpathInside(
  root: string,
  target: string,
  what: string,
): Promise<string> {
  const realRoot = await fs.realpath(root);
  let real: string;
  try {
    real = await fs.realpath(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${what} not found`);
    }
    throw e;
  }
  const rel = path.relative(realRoot, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new Error(`${what} is outside the imported location`);
  }
  return real;
}

/** `.helmignore` rules, the subset Helm documents: globs with * and ?, trailing / for folders, no negation. */
function helmIgnoreMatcher(
  text: string,
): (rel: string, isDir: boolean) => boolean {
  const rules: Array<{ re: RegExp; dirOnly: boolean; basename: boolean }> = [];
  // Helm's default: hidden files under templates/ are not templates.
  const lines = ['templates/.?*', ...text.split(/\r?\n/)];
  for (const raw of lines) {
    let line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    if (line.startsWith('/')) line = line.slice(1);
    const source = line
      .split('')
      .map(c => {
        if (c === '*') return '[^/]*';
        if (c === '?') return '[^/]';
        return c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    rules.push({
      re: new RegExp(`^${source}$`),
      dirOnly,
      basename: !line.includes('/'),
    });
  }
  return (rel, isDir) =>
    rules.some(
      r =>
        (!r.dirOnly || isDir) &&
        r.re.test(r.basename ? path.posix.basename(rel) : rel),
    );
}

/** The chart's files as (relative posix path, absolute path), sorted, without .helmignore'd ones. */
async function chartFiles(
  chartDir: string,
  root: string,
): Promise<Array<{ rel: string; abs: string }>> {
  let ignoreText = '';
  try {
    ignoreText = await fs.readFile(path.join(chartDir, '.helmignore'), 'utf8');
  } catch {
    // no .helmignore
  }
  const ignored = helmIgnoreMatcher(ignoreText);
  const files: Array<{ rel: string; abs: string }> = [];
  const visited = new Set<string>();

  async function walk(dir: string, relDir: string) {
    const real = await realpathInside(root, dir, `chart folder ${relDir}`);
    if (visited.has(real)) return;
    visited.add(real);
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const abs = path.join(dir, entry.name);
      if (entry.name === '.git') continue;
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        const target = await realpathInside(root, abs, `chart file ${rel}`);
        isDir = (await fs.stat(target)).isDirectory();
      } else if (!isDir && !entry.isFile()) {
        continue;
      }
      if (ignored(rel, isDir)) continue;
      if (isDir) await walk(abs, rel);
      else files.push({ rel, abs });
    }
  }

  await walk(chartDir, '');
  // Code-unit order, independent of locale.
  return files.sort((a, b) => {
    if (a.rel === b.rel) return 0;
    return a.rel < b.rel ? -1 : 1;
  });
}

/** sha256 over the sorted (relative path, content) pairs of the chart's files. */
export async function chartDigest(
  chartDir: string,
  root: string = chartDir,
): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await chartFiles(chartDir, root)) {
    const content = await fs.readFile(file.abs);
    hash.update(`${file.rel}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest('hex');
}

async function readChartYaml(chartDir: string) {
  let text: string;
  try {
    text = await fs.readFile(path.join(chartDir, 'Chart.yaml'), 'utf8');
  } catch {
    throw new Error('Chart.yaml not found in the chart folder');
  }
  let chart: unknown;
  try {
    chart = parseYaml(text);
  } catch (e) {
    throw new Error(`Chart.yaml is not valid YAML: ${(e as Error).message}`);
  }
  if (
    !isPlainObject(chart) ||
    typeof chart.name !== 'string' ||
    !chart.name ||
    (typeof chart.version !== 'string' && typeof chart.version !== 'number')
  ) {
    throw new Error('Chart.yaml must have a name and a version');
  }
  return { name: chart.name, version: String(chart.version) };
}

async function readChartValues(
  chartDir: string,
): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(path.join(chartDir, 'values.yaml'), 'utf8');
  } catch {
    return {};
  }
  let values: unknown;
  try {
    values = parseYaml(text);
  } catch (e) {
    throw new Error(
      `the chart's values.yaml is not valid YAML: ${(e as Error).message}`,
    );
  }
  if (values === null || values === undefined) return {};
  if (!isPlainObject(values)) {
    throw new Error(`the chart's values.yaml is not a map of values`);
  }
  return values;
}

export function runCommand(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 300_000,
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(
            new Error(`${path.basename(file)} binary '${file}' not found`),
          );
          return;
        }
        reject(new Error(stderr.trim() || error.message));
      },
    );
  });
}

/**
 * Packages a chart folder with `helm package` and computes its digest. `root` is the imported location: the
 * chart and every file it links to must be inside it.
 */
export async function packageChart(
  chartDir: string,
  root: string,
  helm: { binary: string; env: NodeJS.ProcessEnv; workDir?: string },
): Promise<PackagedChart> {
  const { name, version } = await readChartYaml(chartDir);
  const [digest, defaults] = await Promise.all([
    chartDigest(chartDir, root),
    readChartValues(chartDir),
  ]);
  const out = await fs.mkdtemp(
    path.join(helm.workDir ?? os.tmpdir(), 'envmesh-package-'),
  );
  try {
    await runCommand(helm.binary, ['package', chartDir, '-d', out], {
      env: helm.env,
    }).catch(e => {
      throw new Error(`helm package failed: ${(e as Error).message}`);
    });
    const [file] = (await fs.readdir(out)).filter(f => f.endsWith('.tgz'));
    if (!file) throw new Error('helm package wrote no archive');
    const archive = await fs.readFile(path.join(out, file));
    return { name, version, digest, archive, defaults };
  } finally {
    await fs.rm(out, { recursive: true, force: true });
  }
}
