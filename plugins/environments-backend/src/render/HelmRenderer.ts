import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ValuesObject } from '@envmesh/plugin-environments-common';
import { canonicalJson, LruCache, Semaphore, sha256Hex } from './util';
import { isPlainObject, parseYaml, parseYamlStream } from './yaml';

/** A packaged chart (.tgz) and its digest, as stored. */
export interface ChartArchiveRef {
  digest: string;
  archive: Buffer;
}

/** @public */
export interface RenderRequest {
  release: string;
  namespace: string;
  chart: ChartArchiveRef;
  values: ValuesObject;
}

/** @public */
export interface HelmRendererOptions {
  /** The helm binary: a path, or a name looked up on PATH. Default `helm`. */
  helmBinary?: string;
  /**
   * Where chart archives (one per digest) and helm's own cache/config folders are written. Default: a new
   * temporary folder, removed by {@link HelmRenderer.close}.
   */
  cacheDir?: string;
  /** Entries of the rendered-output cache. Default 500. */
  maxCacheEntries?: number;
  /** helm processes running at the same time. Default 4. */
  concurrency?: number;
  /** A helm run that takes longer is killed and fails. Default 120 s. */
  timeoutMs?: number;
  /** `--kube-version` for `.Capabilities.KubeVersion`. */
  kubeVersion?: string;
  /** `--api-versions` for `.Capabilities.APIVersions.Has` (e.g. `networking.istio.io/v1`). */
  apiVersions?: string[];
}

/** @public */
export interface HelmRendererStats {
  /** helm processes started (template and show values). */
  helmInvocations: number;
  cacheHits: number;
  cacheMisses: number;
}

// Release names and namespaces are passed to helm as arguments: keep them to DNS-1123 characters so they
// can never be read as flags.
const RELEASE_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Renders services with `helm template` (no release secrets, nothing talks to a cluster). Rendered output is
 * cached by chart digest, release, namespace and the hash of the values' canonical JSON; callers always get
 * their own deep copy.
 */
export class HelmRenderer {
  readonly #helm: string;
  readonly #configuredCacheDir?: string;
  readonly #semaphore: Semaphore;
  readonly #timeoutMs: number;
  readonly #extraArgs: string[];
  readonly #rendered: LruCache<string, KubernetesObject[]>;
  readonly #inFlight = new Map<string, Promise<KubernetesObject[]>>();
  readonly #defaults = new LruCache<string, Promise<ValuesObject>>(100);
  readonly #archives = new Map<string, Promise<string>>();
  #cacheDir?: Promise<string>;
  readonly #subdirs = new Map<string, Promise<string>>();
  #stats: HelmRendererStats = {
    helmInvocations: 0,
    cacheHits: 0,
    cacheMisses: 0,
  };

  /**
   * Reads `environments.helm.binary` (default `helm`), `environments.helm.concurrency` and
   * `environments.helm.renderCacheSize`.
   */
  static fromConfig(
    config: Config,
    options: Omit<HelmRendererOptions, 'helmBinary'> = {},
  ): HelmRenderer {
    return new HelmRenderer({
      concurrency: config.getOptionalNumber('environments.helm.concurrency'),
      maxCacheEntries: config.getOptionalNumber(
        'environments.helm.renderCacheSize',
      ),
      ...options,
      helmBinary: config.getOptionalString('environments.helm.binary'),
    });
  }

  constructor(options: HelmRendererOptions = {}) {
    this.#helm = options.helmBinary ?? 'helm';
    this.#configuredCacheDir = options.cacheDir;
    this.#semaphore = new Semaphore(options.concurrency ?? 4);
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#rendered = new LruCache(options.maxCacheEntries ?? 500);
    this.#extraArgs = [
      ...(options.kubeVersion ? ['--kube-version', options.kubeVersion] : []),
      ...(options.apiVersions ?? []).flatMap(v => ['--api-versions', v]),
    ];
  }

  /** Counters, for tests and metrics. */
  get stats(): HelmRendererStats {
    return { ...this.#stats };
  }

  /**
   * `helm template <release> <chart.tgz> --namespace <namespace> -f <values>`, parsed into objects (empty
   * documents dropped). Throws an Error carrying helm's stderr when helm fails.
   */
  async render(request: RenderRequest): Promise<KubernetesObject[]> {
    const { release, namespace, chart, values } = request;
    checkName(release, 'release');
    checkName(namespace, 'namespace');
    const key = [
      chart.digest,
      release,
      namespace,
      sha256Hex(canonicalJson(values ?? {})),
    ].join('\0');

    const cached = this.#rendered.get(key);
    if (cached) {
      this.#stats.cacheHits++;
      return structuredClone(cached);
    }
    let pending = this.#inFlight.get(key);
    if (pending) {
      this.#stats.cacheHits++;
    } else {
      this.#stats.cacheMisses++;
      pending = this.#renderUncached(request).finally(() =>
        this.#inFlight.delete(key),
      );
      this.#inFlight.set(key, pending);
      pending.then(
        objects => this.#rendered.set(key, objects),
        () => {},
      );
    }
    return structuredClone(await pending);
  }

  /** The chart's own values.yaml (`helm show values`), as an object; `{}` when it has none. */
  async chartDefaults(chart: ChartArchiveRef): Promise<ValuesObject> {
    let pending = this.#defaults.get(chart.digest);
    if (!pending) {
      pending = this.#showValues(chart);
      this.#defaults.set(chart.digest, pending);
      const failed = pending;
      failed.catch(() => this.#defaults.delete(chart.digest, failed));
    }
    return structuredClone(await pending);
  }

  /** Removes the cache folder when the renderer created it. */
  async close(): Promise<void> {
    this.#rendered.clear();
    this.#archives.clear();
    this.#defaults.clear();
    const dir = this.#cacheDir;
    this.#cacheDir = undefined;
    if (dir && !this.#configuredCacheDir) {
      await fs.rm(await dir, { recursive: true, force: true });
    }
  }

  async #renderUncached({
    release,
    namespace,
    chart,
    values,
  }: RenderRequest): Promise<KubernetesObject[]> {
    const chartPath = await this.#chartFile(chart);
    const valuesPath = path.join(
      await this.#dir('values'),
      `${randomUUID()}.json`,
    );
    // JSON is YAML, and avoids any YAML dump ambiguity.
    await fs.writeFile(valuesPath, JSON.stringify(values ?? {}), {
      mode: 0o600,
    });
    let stdout: string;
    try {
      stdout = await this.#runHelm(
        [
          'template',
          release,
          chartPath,
          '--namespace',
          namespace,
          '-f',
          valuesPath,
          '--skip-tests',
          ...this.#extraArgs,
        ],
        `helm template ${release}`,
      );
    } finally {
      await fs.rm(valuesPath, { force: true });
    }

    let docs: unknown[];
    try {
      docs = parseYamlStream(stdout);
    } catch (e) {
      throw new Error(
        `helm template ${release} produced invalid YAML: ${
          (e as Error).message
        }`,
      );
    }
    const objects: KubernetesObject[] = [];
    for (const doc of docs) {
      if (doc === null || doc === undefined) continue;
      if (!isPlainObject(doc)) {
        throw new Error(
          `helm template ${release} produced a document that is not an object: ${JSON.stringify(
            doc,
          ).slice(0, 200)}`,
        );
      }
      objects.push(doc as KubernetesObject);
    }
    return objects;
  }

  async #showValues(chart: ChartArchiveRef): Promise<ValuesObject> {
    const chartPath = await this.#chartFile(chart);
    const stdout = await this.#runHelm(
      ['show', 'values', chartPath],
      `helm show values (chart ${chart.digest})`,
    );
    const parsed = parseYaml(stdout);
    if (parsed === null || parsed === undefined) return {};
    if (!isPlainObject(parsed)) {
      throw new Error(
        `the values.yaml of chart ${chart.digest} is not a map of values`,
      );
    }
    return parsed;
  }

  #runHelm(args: string[], what: string): Promise<string> {
    return this.#semaphore.run(async () => {
      const home = await this.#dir('helm-home');
      this.#stats.helmInvocations++;
      return new Promise<string>((resolve, reject) => {
        execFile(
          this.#helm,
          args,
          {
            encoding: 'utf8',
            maxBuffer: 512 * 1024 * 1024,
            timeout: this.#timeoutMs,
            env: {
              ...process.env,
              HELM_CACHE_HOME: path.join(home, 'cache'),
              HELM_CONFIG_HOME: path.join(home, 'config'),
              HELM_DATA_HOME: path.join(home, 'data'),
            },
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
            // helm's hint to rerun with --debug does not apply to envmesh's users.
            const detail =
              stderr.replace(/^Use --debug flag.*$/m, '').trim() ||
              (error.killed
                ? `killed after ${this.#timeoutMs} ms`
                : error.message);
            reject(new Error(`${what} failed: ${detail}`));
          },
        );
      });
    });
  }

  /** The archive written once per digest into the cache folder. */
  #chartFile(chart: ChartArchiveRef): Promise<string> {
    let pending = this.#archives.get(chart.digest);
    if (!pending) {
      pending = (async () => {
        const file = path.join(
          await this.#dir('charts'),
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

  #dir(name: string): Promise<string> {
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
}

function checkName(value: string, field: string) {
  if (
    typeof value !== 'string' ||
    value.length > 253 ||
    !RELEASE_PATTERN.test(value)
  ) {
    throw new InputError(
      `${field} must be a DNS-1123 name (lower-case letters, digits, '-' and '.'), got '${value}'`,
    );
  }
}
