import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ValuesObject } from '@envmesh/plugin-environments-common';
import { ChartRenderError } from './ChartRenderError';
import { ChartArchiveRef, HelmProcess, archiveMentions } from './HelmProcess';
import {
  helmTemplateArgs,
  PersistentHelmRenderer,
  RendererTemplateRequest,
  RendererUnavailableError,
} from './PersistentHelmRenderer';
import { rendererBeside } from './rendererBinary';
import { canonicalJson, LruCache, sha256Hex } from './util';
import { isPlainObject, parseYaml, parseYamlStream } from './yaml';

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
   * envmesh-helm-renderer (built beside helm by tools/build-binaries.sh): renders with helm's own packages in
   * long-lived processes, byte for byte as `helm template`. Default: the one beside the helm binary, when
   * there is one. `''` always runs helm. helm runs instead whenever the renderer cannot answer.
   */
  rendererBinary?: string;
  /** Told when the renderer cannot answer and helm runs instead. */
  logger?: LoggerService;
  /**
   * Where chart archives (one per digest) and helm's own cache/config folders are written. Default: a new
   * temporary folder, removed by {@link HelmRenderer.close}.
   */
  cacheDir?: string;
  /** Entries of the rendered-output cache. Default 500. */
  maxCacheEntries?: number;
  /** helm (or renderer) processes running at the same time. Default 4. */
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
  /** Requests (template and show values) sent to the renderer instead. */
  rendererRequests: number;
  cacheHits: number;
  cacheMisses: number;
}

// Release names and namespaces are passed to helm as arguments: keep them to DNS-1123 characters so they
// can never be read as flags.
const RELEASE_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Renders services with `helm template` (no release secrets, nothing talks to a cluster). Rendered output is
 * cached by chart digest, release and the hash of the values' canonical JSON; callers always get their own
 * deep copy.
 *
 * The namespace is part of the key only when the output may depend on it. It cannot when neither the chart
 * (every file of the archive, subchart archives included) nor the values contain the word `Namespace` (so
 * no template reads `.Release.Namespace`, directly, through `tpl` or a file) and the rendered text does not
 * contain the namespace (so no template dumped `.Release` whole). Such output is the same in every namespace
 * and is reused across namespaces as it is: a copy of an environment renders nothing its source already
 * rendered. Objects keep whatever `metadata.namespace` the chart wrote (none, or a fixed one); the applier
 * gives namespaced objects without one the environment's namespace. Any other chart is cached per namespace.
 */
export class HelmRenderer {
  readonly #helm: HelmProcess;
  readonly #renderer?: PersistentHelmRenderer;
  readonly #logger?: LoggerService;
  readonly #kubeVersion?: string;
  readonly #apiVersions: string[];
  readonly #rendered: LruCache<string, KubernetesObject[]>;
  readonly #inFlight = new Map<string, Promise<KubernetesObject[]>>();
  readonly #defaults = new LruCache<string, Promise<ValuesObject>>(100);
  /** Per chart digest: whether any file of the chart mentions `Namespace`. */
  readonly #readsNamespace = new LruCache<string, Promise<boolean>>(100);
  #stats = { cacheHits: 0, cacheMisses: 0 };

  /**
   * Reads `environments.helm.binary` (default `helm`), `environments.helm.rendererBinary`,
   * `environments.helm.concurrency` and `environments.helm.renderCacheSize`.
   */
  static fromConfig(
    config: Config,
    options: Omit<HelmRendererOptions, 'helmBinary' | 'rendererBinary'> = {},
  ): HelmRenderer {
    return new HelmRenderer({
      concurrency: config.getOptionalNumber('environments.helm.concurrency'),
      maxCacheEntries: config.getOptionalNumber(
        'environments.helm.renderCacheSize',
      ),
      ...options,
      helmBinary: config.getOptionalString('environments.helm.binary'),
      rendererBinary: config.getOptionalString(
        'environments.helm.rendererBinary',
      ),
    });
  }

  constructor(options: HelmRendererOptions = {}) {
    const helmBinary = options.helmBinary ?? 'helm';
    const concurrency = options.concurrency ?? 4;
    const timeoutMs = options.timeoutMs ?? 120_000;
    const helm = new HelmProcess({
      helmBinary,
      cacheDir: options.cacheDir,
      concurrency,
      timeoutMs,
    });
    this.#helm = helm;
    const rendererBinary = options.rendererBinary ?? rendererBeside(helmBinary);
    if (rendererBinary) {
      this.#renderer = new PersistentHelmRenderer({
        binary: rendererBinary,
        env: () => helm.env(),
        concurrency,
        timeoutMs,
      });
    }
    this.#logger = options.logger;
    this.#rendered = new LruCache(options.maxCacheEntries ?? 500);
    this.#kubeVersion = options.kubeVersion;
    this.#apiVersions = options.apiVersions ?? [];
  }

  /** Counters, for tests and metrics. */
  get stats(): HelmRendererStats {
    return {
      ...this.#stats,
      helmInvocations: this.#helm.invocations,
      rendererRequests: this.#renderer?.requests ?? 0,
    };
  }

  /**
   * `helm template <release> <chart.tgz> --namespace <namespace> -f <values>`, parsed into objects (empty
   * documents dropped). Throws an Error carrying helm's stderr when helm fails.
   */
  async render(request: RenderRequest): Promise<KubernetesObject[]> {
    const { release, namespace, chart, values } = request;
    checkName(release, 'release');
    checkName(namespace, 'namespace');
    const valuesJson = canonicalJson(values ?? {});
    const valuesHash = sha256Hex(valuesJson);
    // Output that does not depend on the namespace is kept under `anyNamespace`, the rest under `ownNamespace`.
    const anyNamespace = [chart.digest, release, '', valuesHash].join('\0');
    const ownNamespace = [chart.digest, release, namespace, valuesHash].join(
      '\0',
    );

    const cached =
      this.#rendered.get(anyNamespace) ?? this.#rendered.get(ownNamespace);
    if (cached) {
      this.#stats.cacheHits++;
      return structuredClone(cached);
    }
    let pending = this.#inFlight.get(ownNamespace);
    if (pending) {
      this.#stats.cacheHits++;
    } else {
      this.#stats.cacheMisses++;
      pending = this.#renderUncached(request)
        .then(async ({ objects, text }) => {
          const independent =
            !valuesJson.includes('Namespace') &&
            !text.includes(namespace) &&
            !(await this.#chartReadsNamespace(chart));
          this.#rendered.set(
            independent ? anyNamespace : ownNamespace,
            objects,
          );
          return objects;
        })
        .finally(() => this.#inFlight.delete(ownNamespace));
      this.#inFlight.set(ownNamespace, pending);
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

  /** Stops the renderer's processes and removes the cache folder when the renderer created it. */
  async close(): Promise<void> {
    this.#rendered.clear();
    this.#defaults.clear();
    await this.#renderer?.close();
    await this.#helm.close();
  }

  async #renderUncached({
    release,
    namespace,
    chart,
    values,
  }: RenderRequest): Promise<{ objects: KubernetesObject[]; text: string }> {
    const chartPath = await this.#helm.chartFile(chart);
    const valuesPath = path.join(
      await this.#helm.dir('values'),
      `${randomUUID()}.json`,
    );
    // JSON is YAML, and avoids any YAML dump ambiguity.
    await fs.writeFile(valuesPath, JSON.stringify(values ?? {}), {
      mode: 0o600,
    });
    let stdout: string;
    try {
      stdout = await this.#template({
        release,
        namespace,
        chartPath,
        valuesPath,
        skipTests: true,
        kubeVersion: this.#kubeVersion,
        apiVersions: this.#apiVersions,
      });
    } finally {
      await fs.rm(valuesPath, { force: true });
    }

    let docs: unknown[];
    try {
      docs = parseYamlStream(stdout);
    } catch (e) {
      throw new ChartRenderError(
        `helm template ${release} produced invalid YAML: ${
          (e as Error).message
        }`,
      );
    }
    const objects: KubernetesObject[] = [];
    for (const doc of docs) {
      if (doc === null || doc === undefined) continue;
      if (!isPlainObject(doc)) {
        throw new ChartRenderError(
          `helm template ${release} produced a document that is not an object: ${JSON.stringify(
            doc,
          ).slice(0, 200)}`,
        );
      }
      objects.push(doc as KubernetesObject);
    }
    return { objects, text: stdout };
  }

  /**
   * Whether any file of the chart archive (templates, helpers, values, files read by `.Files`, and the files
   * of subchart archives) contains `Namespace`; true when the archive cannot be read, to stay on the safe side.
   */
  #chartReadsNamespace(chart: ChartArchiveRef): Promise<boolean> {
    let pending = this.#readsNamespace.get(chart.digest);
    if (!pending) {
      pending = archiveMentions(chart.archive, 'Namespace').catch(() => true);
      this.#readsNamespace.set(chart.digest, pending);
    }
    return pending;
  }

  /** `helm template` by the renderer, or by helm when there is none or it cannot answer. */
  async #template(request: RendererTemplateRequest): Promise<string> {
    const what = `helm template ${request.release}`;
    const byRenderer = await this.#byRenderer(r => r.template(request, what));
    if (byRenderer !== undefined) return byRenderer;
    return this.#helm.run(helmTemplateArgs(request), what);
  }

  /** The renderer's answer; undefined when there is no renderer or it cannot answer (helm runs instead). */
  async #byRenderer(
    ask: (renderer: PersistentHelmRenderer) => Promise<string>,
  ): Promise<string | undefined> {
    if (!this.#renderer?.available) return undefined;
    try {
      return await ask(this.#renderer);
    } catch (error) {
      if (!(error instanceof RendererUnavailableError)) throw error;
      this.#logger?.warn(
        `envmesh-helm-renderer cannot answer, running helm instead: ${error.message}`,
      );
      return undefined;
    }
  }

  async #showValues(chart: ChartArchiveRef): Promise<ValuesObject> {
    const chartPath = await this.#helm.chartFile(chart);
    const what = `helm show values (chart ${chart.digest})`;
    const stdout =
      (await this.#byRenderer(r => r.showValues(chartPath, what))) ??
      (await this.#helm.run(['show', 'values', chartPath], what));
    const parsed = parseYaml(stdout);
    if (parsed === null || parsed === undefined) return {};
    if (!isPlainObject(parsed)) {
      throw new ChartRenderError(
        `the values.yaml of chart ${chart.digest} is not a map of values`,
      );
    }
    return parsed;
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
