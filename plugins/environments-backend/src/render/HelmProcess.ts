import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { ChartRenderError } from './ChartRenderError';
import { Semaphore, sha256Hex } from './util';

/** A packaged chart (.tgz) and its digest, as stored. */
export interface ChartArchiveRef {
  digest: string;
  archive: Buffer;
}

const gunzipAsync = promisify(gunzip);

/**
 * helm as a process: at most `concurrency` runs at once, each killed after `timeoutMs`, with helm's cache and
 * config folders and the chart archives (one file per digest) in one cache folder, removed by close when it
 * made it.
 */
export class HelmProcess {
  readonly #helm: string;
  readonly #configuredCacheDir?: string;
  readonly #semaphore: Semaphore;
  readonly #timeoutMs: number;
  readonly #archives = new Map<string, Promise<string>>();
  #cacheDir?: Promise<string>;
  readonly #subdirs = new Map<string, Promise<string>>();
  #invocations = 0;

  constructor(options: {
    helmBinary: string;
    cacheDir?: string;
    concurrency: number;
    timeoutMs: number;
  }) {
    this.#helm = options.helmBinary;
    this.#configuredCacheDir = options.cacheDir;
    this.#semaphore = new Semaphore(options.concurrency);
    this.#timeoutMs = options.timeoutMs;
  }

  /** helm processes started. */
  get invocations(): number {
    return this.#invocations;
  }

  /** The environment helm runs in: its own cache, config and data folders inside the cache folder. */
  async env(): Promise<NodeJS.ProcessEnv> {
    const home = await this.dir('helm-home');
    return {
      ...process.env,
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_DATA_HOME: path.join(home, 'data'),
    };
  }

  /** Runs helm with its own cache and config folders, at most `concurrency` at a time. */
  run(args: string[], what: string): Promise<string> {
    return this.#semaphore.run(async () => {
      const env = await this.env();
      this.#invocations++;
      return new Promise<string>((resolve, reject) => {
        execFile(
          this.#helm,
          args,
          {
            encoding: 'utf8',
            maxBuffer: 512 * 1024 * 1024,
            timeout: this.#timeoutMs,
            env,
          },
          (error, stdout, stderr) => {
            if (!error) {
              resolve(stdout);
              return;
            }
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'ENOENT') {
              reject(
                new Error(
                  `${what} failed: helm binary '${
                    this.#helm
                  }' not found (set environments.helm.binary)`,
                ),
              );
              return;
            }
            reject(
              helmFailure(
                what,
                stderr,
                error.killed
                  ? `killed after ${this.#timeoutMs} ms`
                  : error.message,
              ),
            );
          },
        );
      });
    });
  }

  /** The archive written once per digest into the cache folder. */
  chartFile(chart: ChartArchiveRef): Promise<string> {
    let pending = this.#archives.get(chart.digest);
    if (!pending) {
      pending = (async () => {
        const file = path.join(
          await this.dir('charts'),
          `${sha256Hex(chart.digest)}.tgz`,
        );
        const tmp = `${file}.${randomUUID()}.tmp`;
        await fs.writeFile(tmp, chart.archive);
        await fs.rename(tmp, file);
        return file;
      })();
      this.#archives.set(chart.digest, pending);
      pending.catch(() => this.#archives.delete(chart.digest));
    }
    return pending;
  }

  /** A folder of the cache folder, made once. */
  dir(name: string): Promise<string> {
    if (!this.#cacheDir) {
      this.#subdirs.clear();
      this.#cacheDir = this.#configuredCacheDir
        ? fs
            .mkdir(this.#configuredCacheDir, { recursive: true })
            .then(() => this.#configuredCacheDir!)
        : fs.mkdtemp(path.join(os.tmpdir(), 'envmesh-helm-'));
    }
    const root = this.#cacheDir;
    let pending = this.#subdirs.get(name);
    if (!pending) {
      pending = root.then(async base => {
        const dir = path.join(base, name);
        await fs.mkdir(dir, { recursive: true });
        return dir;
      });
      this.#subdirs.set(name, pending);
      pending.catch(() => this.#subdirs.delete(name));
    }
    return pending;
  }

  /** Forgets the chart files and removes the cache folder when it made it. */
  async close(): Promise<void> {
    this.#archives.clear();
    const dir = this.#cacheDir;
    this.#cacheDir = undefined;
    if (dir && !this.#configuredCacheDir) {
      await fs.rm(await dir, { recursive: true, force: true });
    }
  }
}

/**
 * The error for a failed helm command: what helm printed on stderr (`fallback` when it printed nothing),
 * without helm's hint to rerun with --debug, which does not apply to envmesh's users.
 */
export function helmFailure(
  what: string,
  stderr: string,
  fallback: string,
): ChartRenderError {
  const detail = stderr.replace(/^Use --debug flag.*$/m, '').trim() || fallback;
  return new ChartRenderError(`${what} failed: ${detail}`);
}

/**
 * Whether a gzipped tar archive (a packaged chart) contains `word` in any entry, looking inside nested gzipped
 * archives (subcharts in `charts/`) too. Entry names count as well, which can only make the answer true.
 */
export async function archiveMentions(
  gzipped: Buffer,
  word: string,
): Promise<boolean> {
  const tar = await gunzipAsync(gzipped);
  if (tar.includes(word)) return true;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every(byte => byte === 0)) break;
    const sizeField = header.subarray(124, 136);
    // Sizes beyond 8 GiB use a binary encoding; no chart is that large.
    if (sizeField[0] & 0x80) return true;
    const size = parseInt(
      sizeField.toString('latin1').replace(/\0.*$/s, '').trim() || '0',
      8,
    );
    if (!Number.isFinite(size)) return true;
    const body = tar.subarray(offset + 512, offset + 512 + size);
    if (
      body.length > 2 &&
      body[0] === 0x1f &&
      body[1] === 0x8b &&
      (await archiveMentions(body, word))
    ) {
      return true;
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return false;
}
