import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {
  LoggerService,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  ChartSource,
  ServiceDefinition,
  validateDnsLabel,
} from '@envmesh/plugin-environments-common';
import { HelmRenderer } from '../render/HelmRenderer';
import { canonicalJson, mapWithConcurrency } from '../render/util';
import { isPlainObject, parseYaml } from '../render/yaml';
import {
  PackagedChart,
  packageChart,
  realpathInside,
  runCommand,
} from './charts';

/** Where to import services from. */
export type ServiceImportSource =
  | { type: 'directory'; path: string }
  | { type: 'git'; url: string; ref?: string }
  | { type: 'url'; url: string };

/** A chart archive to store (`putChart`). */
export interface ChartArchive {
  digest: string;
  name: string;
  version: string;
  archive: Buffer;
}

/** A service that imported: its definition and its packaged chart. */
export interface ImportedService {
  definition: ServiceDefinition;
  archive: Buffer;
}

/** A service that did not import, and why. */
export interface ServiceImportFailure {
  name: string;
  error: string;
}

/** The outcome of one import. Nothing is persisted: see {@link persistServiceImport}. */
export interface ServiceImportResult {
  /** Every service that imported (created, updated and unchanged), sorted by name. */
  services: ImportedService[];
  /** The distinct charts of `services`, by digest. */
  charts: ChartArchive[];
  created: string[];
  updated: string[];
  unchanged: string[];
  failed: ServiceImportFailure[];
  /**
   * Existing services from the same location (source type and location) that this import did not find and
   * did not fail: removed from the repository. Nothing is deleted; the caller decides.
   */
  missing: string[];
  /** The definitions to upsert: the created and updated ones. */
  upsert: ServiceDefinition[];
  /** The commit imported from Git, or the UrlReader's etag. */
  revision?: string;
}

/** What {@link persistServiceImport} needs of the store. */
export interface ServiceRegistryStore {
  putChart(chart: ChartArchive): Promise<void>;
  upsertServices(definitions: ServiceDefinition[]): Promise<void>;
}

export interface ServiceImporterOptions {
  /** Validates each service by rendering it once. */
  renderer: HelmRenderer;
  /** For `helm package`. Default `helm`. */
  helmBinary?: string;
  /** Default `git`. */
  gitBinary?: string;
  /** Needed for sources of type `url`. */
  urlReader?: UrlReaderService;
  /** Services processed at the same time. Default 4. */
  concurrency?: number;
  /** Parent of the temporary folders (clones, UrlReader trees, packaging). Default the OS temp folder. */
  workDir?: string;
  /**
   * The local folders `directory` sources must be in (the folder itself or below it, symlinks resolved); `[]`
   * refuses every directory source. Undefined: not restricted (the plugin always passes the configured list).
   */
  directoryRoots?: string[];
  /**
   * Whether `git` sources may be cloned from a host (the plugin allows the hosts of Backstage's integrations);
   * a local repository (a path or `file://` URL) follows `directoryRoots`. Undefined: not restricted.
   */
  allowsGitHost?: (host: string) => boolean;
  logger?: LoggerService;
  /** For tests. */
  now?: () => Date;
}

/** One service found in the layout, before it is read. */
interface Candidate {
  /** The folder name; the service name unless service.yaml says otherwise. */
  folder: string;
  /** Where the file paths in errors are relative to. */
  label: string;
  serviceFile?: string;
  valuesFile?: string;
  /** The chart folder, or the reason none could be chosen. */
  chartDir?: string;
  chartError?: string;
  /** service.yaml's `chart` is relative to this folder. */
  baseDir: string;
}

const NAMESPACE_FOR_VALIDATION = 'envmesh-import';

/**
 * Bulk import of services from a directory, a Git repository or a Backstage UrlReader location. Layouts:
 * one shared chart plus `services/<name>/values.yaml` (and optional `services/<name>/service.yaml` with
 * `name`, `startupGroup`, `catalogEntityRef`, `chart`), or one chart per folder (`<name>/Chart.yaml` or
 * `charts/<name>/Chart.yaml`). Each service is validated by rendering it once; a broken one is reported in
 * `failed` and does not stop the others.
 */
export class ServiceImporter {
  readonly #renderer: HelmRenderer;
  readonly #helm: string;
  readonly #git: string;
  readonly #urlReader?: UrlReaderService;
  readonly #concurrency: number;
  readonly #workDir?: string;
  readonly #directoryRoots?: string[];
  readonly #allowsGitHost?: (host: string) => boolean;
  readonly #logger?: LoggerService;
  readonly #now: () => Date;

  constructor(options: ServiceImporterOptions) {
    this.#renderer = options.renderer;
    this.#helm = options.helmBinary ?? 'helm';
    this.#git = options.gitBinary ?? 'git';
    this.#urlReader = options.urlReader;
    this.#concurrency = options.concurrency ?? 4;
    this.#workDir = options.workDir;
    this.#directoryRoots = options.directoryRoots;
    this.#allowsGitHost = options.allowsGitHost;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Imports every service of `source`. `existing` are the stored definitions, to tell created, updated and
   * unchanged services apart. Throws for a source that cannot be read or holds no services.
   */
  async importServices(
    source: ServiceImportSource,
    options: { existing?: ServiceDefinition[] } = {},
  ): Promise<ServiceImportResult> {
    const started = Date.now();
    const temp = await fs.mkdtemp(
      path.join(this.#workDir ?? os.tmpdir(), 'envmesh-import-'),
    );
    try {
      const { root, chartSource, revision } = await this.#fetch(source, temp);
      const result = await this.#importRoot(
        root,
        chartSource,
        options.existing ?? [],
        temp,
      );
      this.#logger?.info(
        `imported services from ${chartSource.type} ${redact(
          chartSource.location,
        )} in ${Date.now() - started} ms: ${result.created.length} created, ${
          result.updated.length
        } updated, ${result.unchanged.length} unchanged, ${
          result.failed.length
        } failed`,
      );
      return { ...result, ...(revision ? { revision } : {}) };
    } finally {
      await fs.rm(temp, { recursive: true, force: true });
    }
  }

  async #fetch(
    source: ServiceImportSource,
    temp: string,
  ): Promise<{ root: string; chartSource: ChartSource; revision?: string }> {
    switch (source.type) {
      case 'directory': {
        if (typeof source.path !== 'string' || !source.path) {
          throw new InputError('path is required for a directory source');
        }
        const root = path.resolve(source.path);
        const stat = await fs.stat(root).catch(() => undefined);
        if (!stat?.isDirectory()) {
          throw new InputError(
            `source.location: directory ${root} does not exist`,
          );
        }
        await this.#assertAllowedDirectory(root);
        return { root, chartSource: { type: 'directory', location: root } };
      }
      case 'git': {
        const { url, ref } = source;
        if (typeof url !== 'string' || !url || url.startsWith('-')) {
          throw new InputError(`invalid Git URL '${url}'`);
        }
        if (ref !== undefined && (!ref || ref.startsWith('-'))) {
          throw new InputError(`invalid Git ref '${ref}'`);
        }
        await this.#assertAllowedGitUrl(url);
        const root = path.join(temp, 'repo');
        const revision = await this.#clone(url, ref, root);
        return {
          root,
          chartSource: { type: 'git', location: url, ...(ref ? { ref } : {}) },
          revision,
        };
      }
      case 'url': {
        if (!this.#urlReader) {
          throw new InputError('importing from a URL needs a UrlReader');
        }
        const target = path.join(temp, 'tree');
        await fs.mkdir(target);
        const response = await this.#urlReader.readTree(source.url);
        const root = await response.dir({ targetDir: target });
        return {
          root,
          chartSource: { type: 'url', location: source.url },
          revision: response.etag || undefined,
        };
      }
      default:
        throw new InputError(
          `unknown source type '${(source as { type?: unknown }).type}'`,
        );
    }
  }

  /** Throws a 400 naming the rule unless the folder is inside one of the allowed roots, symlinks resolved. */
  async #assertAllowedDirectory(
    root: string,
    field = 'source.location',
  ): Promise<void> {
    const roots = this.#directoryRoots;
    if (!roots) return;
    const real = await fs.realpath(root).catch(() => path.resolve(root));
    for (const allowed of roots) {
      const base = await fs.realpath(allowed).catch(() => undefined);
      if (!base) continue;
      const relative = path.relative(base, real);
      if (!relative.startsWith('..') && !path.isAbsolute(relative)) return;
    }
    throw new InputError(
      `${field}: directory ${root} is not inside a folder the operator allows imports from (environments.import.directoryRoots${
        roots.length ? `: ${roots.join(', ')}` : ' is not set'
      })`,
    );
  }

  /**
   * Throws a 400 naming the rule unless a Git URL is one the operator allows: `https`, `ssh` or scp-like
   * (`git@host:org/repo`) to a host of Backstage's integrations, or a local repository inside the directory
   * roots. Other transports (`ext::`, `fd::`... which run commands) are never cloned.
   */
  async #assertAllowedGitUrl(url: string): Promise<void> {
    if (path.isAbsolute(url) || url.startsWith('file://')) {
      await this.#assertAllowedDirectory(
        url.startsWith('file://') ? new URL(url).pathname : url,
        'source.url',
      );
      return;
    }
    const scpLike = /^[\w.-]+@([\w.-]+):(?!\/\/)/.exec(url);
    let host = scpLike?.[1];
    if (!host) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !['https:', 'ssh:'].includes(parsed.protocol)) {
        throw new InputError(
          `source.url: '${redact(url)}' is not an https, ssh or local Git URL`,
        );
      }
      host = parsed.hostname;
    }
    if (this.#allowsGitHost && !this.#allowsGitHost(host)) {
      throw new InputError(
        `source.url: host ${host} is not the host of one of the portal's integrations (the integrations config)`,
      );
    }
  }

  /** A shallow clone of `ref` (or the default branch); returns the commit. */
  async #clone(
    url: string,
    ref: string | undefined,
    dir: string,
  ): Promise<string> {
    const env = {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_LFS_SKIP_SMUDGE: '1',
    };
    const git = (args: string[], cwd?: string) =>
      runCommand(this.#git, args, { env, cwd });
    try {
      try {
        await git([
          'clone',
          '--quiet',
          '--depth',
          '1',
          '--single-branch',
          '--no-tags',
          ...(ref ? ['--branch', ref] : []),
          '--',
          url,
          dir,
        ]);
      } catch (e) {
        // --branch takes branches and tags only; a commit is fetched by id.
        if (!ref || !/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(ref)) throw e;
        await fs.rm(dir, { recursive: true, force: true });
        await git(['init', '--quiet', dir]);
        await git(['fetch', '--quiet', '--depth', '1', '--', url, ref], dir);
        await git(['checkout', '--quiet', '--detach', 'FETCH_HEAD'], dir);
      }
      return (await git(['rev-parse', 'HEAD'], dir)).trim();
    } catch (e) {
      throw new InputError(
        `cannot clone ${redact(url)}${ref ? ` at ${ref}` : ''}: ${redact(
          (e as Error).message,
        )}`,
      );
    }
  }

  async #importRoot(
    root: string,
    chartSource: ChartSource,
    existing: ServiceDefinition[],
    temp: string,
  ): Promise<Omit<ServiceImportResult, 'revision'>> {
    const candidates = await detectLayout(root);
    if (candidates.length === 0) {
      throw new InputError(
        `no services found in ${redact(
          chartSource.location,
        )}: expected services/<name>/values.yaml (with a shared chart) or <name>/Chart.yaml`,
      );
    }

    const packaged = new Map<string, Promise<PackagedChart>>();
    const helmEnv = {
      ...process.env,
      HELM_CACHE_HOME: path.join(temp, 'helm', 'cache'),
      HELM_CONFIG_HOME: path.join(temp, 'helm', 'config'),
      HELM_DATA_HOME: path.join(temp, 'helm', 'data'),
    };
    const packageOnce = async (chartDir: string) => {
      const real = await realpathInside(root, chartDir, 'the chart folder');
      let pending = packaged.get(real);
      if (!pending) {
        pending = packageChart(real, root, {
          binary: this.#helm,
          env: helmEnv,
          workDir: temp,
        });
        packaged.set(real, pending);
      }
      return pending;
    };
    const updatedAt = this.#now().toISOString();

    const outcomes = await mapWithConcurrency(
      candidates,
      this.#concurrency,
      async candidate => {
        let name = candidate.folder;
        try {
          const meta = await readServiceFile(root, candidate);
          name = meta.name ?? candidate.folder;
          const invalid = validateDnsLabel(name, 'service name');
          if (invalid) throw new Error(invalid);

          const defaultValues = await readValuesFile(root, candidate);
          let chartDir = candidate.chartDir;
          if (meta.chart !== undefined) {
            chartDir = path.resolve(candidate.baseDir, meta.chart);
          } else if (!chartDir) {
            throw new Error(candidate.chartError ?? 'no chart found');
          }
          const chart = await packageOnce(chartDir);
          await this.#renderer.render({
            release: name,
            namespace: NAMESPACE_FOR_VALIDATION,
            chart: { digest: chart.digest, archive: chart.archive },
            values: defaultValues,
          });

          const definition: ServiceDefinition = {
            name,
            source: chartSource,
            chart: {
              name: chart.name,
              version: chart.version,
              digest: chart.digest,
            },
            defaultValues,
            image: imageOf(chart.defaults, defaultValues),
            startupGroup: meta.startupGroup ?? 0,
            ...(meta.catalogEntityRef
              ? { catalogEntityRef: meta.catalogEntityRef }
              : {}),
            updatedAt,
          };
          return {
            ok: true as const,
            definition,
            chart,
            label: candidate.label,
          };
        } catch (e) {
          return {
            ok: false as const,
            name,
            label: candidate.label,
            error: redact((e as Error).message),
          };
        }
      },
    );

    const failed: ServiceImportFailure[] = [];
    const byName = new Map<
      string,
      Array<Extract<(typeof outcomes)[number], { ok: true }>>
    >();
    for (const outcome of outcomes) {
      if (!outcome.ok) {
        failed.push({
          name: outcome.name,
          error: `${outcome.label}: ${outcome.error}`,
        });
        continue;
      }
      const list = byName.get(outcome.definition.name) ?? [];
      list.push(outcome);
      byName.set(outcome.definition.name, list);
    }

    const previous = new Map(existing.map(d => [d.name, d]));
    const services: ImportedService[] = [];
    const charts = new Map<string, ChartArchive>();
    const created: string[] = [];
    const updated: string[] = [];
    const unchanged: string[] = [];
    const upsert: ServiceDefinition[] = [];
    for (const [name, list] of [...byName].sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      if (list.length > 1) {
        const where = list.map(o => o.label).join(', ');
        failed.push({
          name,
          error: `the service name is defined more than once (${where})`,
        });
        continue;
      }
      const { chart } = list[0];
      let definition = list[0].definition;
      const before = previous.get(name);
      if (!before) {
        created.push(name);
        upsert.push(definition);
      } else if (sameDefinition(before, definition)) {
        unchanged.push(name);
        definition = { ...definition, updatedAt: before.updatedAt };
      } else {
        updated.push(name);
        upsert.push(definition);
      }
      services.push({ definition, archive: chart.archive });
      charts.set(chart.digest, {
        digest: chart.digest,
        name: chart.name,
        version: chart.version,
        archive: chart.archive,
      });
    }
    failed.sort((a, b) => a.name.localeCompare(b.name));
    const seen = new Set([...byName.keys(), ...failed.map(f => f.name)]);
    const missing = existing
      .filter(
        d =>
          !seen.has(d.name) &&
          d.source.type === chartSource.type &&
          d.source.location === chartSource.location,
      )
      .map(d => d.name)
      .sort();
    return {
      missing,
      services,
      charts: [...charts.values()],
      created,
      updated,
      unchanged,
      failed,
      upsert,
    };
  }
}

/** Stores the charts, then upserts the created and updated definitions. */
export async function persistServiceImport(
  store: ServiceRegistryStore,
  result: Pick<ServiceImportResult, 'charts' | 'upsert'>,
): Promise<void> {
  const needed = new Set(result.upsert.map(d => d.chart.digest));
  for (const chart of result.charts) {
    if (needed.has(chart.digest)) await store.putChart(chart);
  }
  if (result.upsert.length) await store.upsertServices(result.upsert);
}

function sameDefinition(a: ServiceDefinition, b: ServiceDefinition): boolean {
  const strip = ({ updatedAt: _, ...rest }: ServiceDefinition) => rest;
  return canonicalJson(strip(a)) === canonicalJson(strip(b));
}

function imageOf(
  chartDefaults: Record<string, unknown>,
  values: Record<string, unknown>,
): ServiceDefinition['image'] {
  const pick = (key: 'repository' | 'tag') => {
    for (const source of [values, chartDefaults]) {
      const image = source.image;
      if (isPlainObject(image) && image[key] !== undefined) {
        const value = image[key];
        if (typeof value === 'string' || typeof value === 'number') {
          return String(value) || undefined;
        }
        return undefined;
      }
    }
    return undefined;
  };
  const repository = pick('repository');
  const tag = pick('tag');
  return {
    ...(repository ? { repository } : {}),
    ...(tag ? { tag } : {}),
  };
}

async function exists(p: string, kind: 'file' | 'dir'): Promise<boolean> {
  const stat = await fs.stat(p).catch(() => undefined);
  return kind === 'file' ? !!stat?.isFile() : !!stat?.isDirectory();
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (
      entry.isDirectory() ||
      (entry.isSymbolicLink() &&
        (await exists(path.join(dir, entry.name), 'dir')))
    ) {
      names.push(entry.name);
    }
  }
  return names.sort();
}

/** The shared chart of layout 2 when service.yaml names none: chart/, the root, or the only one in charts/. */
async function sharedChart(
  root: string,
): Promise<{ dir?: string; error?: string }> {
  if (await exists(path.join(root, 'chart', 'Chart.yaml'), 'file')) {
    return { dir: path.join(root, 'chart') };
  }
  if (await exists(path.join(root, 'Chart.yaml'), 'file')) {
    return { dir: root };
  }
  const chartsDir = path.join(root, 'charts');
  const charts: string[] = [];
  if (await exists(chartsDir, 'dir')) {
    for (const name of await subfolders(chartsDir)) {
      if (await exists(path.join(chartsDir, name, 'Chart.yaml'), 'file')) {
        charts.push(name);
      }
    }
  }
  if (charts.length === 1) return { dir: path.join(chartsDir, charts[0]) };
  if (charts.length === 0) {
    return {
      error: `service.yaml names no chart and there is no shared chart (chart/, Chart.yaml or charts/<name>/)`,
    };
  }
  return {
    error: `service.yaml names no chart and charts/ holds several (${charts.join(
      ', ',
    )})`,
  };
}

/** Finds the services of `root` in one of the two layouts. */
async function detectLayout(root: string): Promise<Candidate[]> {
  const servicesDir = path.join(root, 'services');
  if (await exists(servicesDir, 'dir')) {
    const candidates: Candidate[] = [];
    let shared: { dir?: string; error?: string } | undefined;
    for (const folder of await subfolders(servicesDir)) {
      const dir = path.join(servicesDir, folder);
      const valuesFile = path.join(dir, 'values.yaml');
      const serviceFile = path.join(dir, 'service.yaml');
      const hasValues = await exists(valuesFile, 'file');
      const hasService = await exists(serviceFile, 'file');
      if (!hasValues && !hasService) continue;
      shared ??= await sharedChart(root);
      candidates.push({
        folder,
        label: `services/${folder}`,
        baseDir: dir,
        ...(hasValues ? { valuesFile } : {}),
        ...(hasService ? { serviceFile } : {}),
        ...(shared.dir ? { chartDir: shared.dir } : {}),
        ...(shared.error ? { chartError: shared.error } : {}),
      });
    }
    if (candidates.length > 0) return candidates;
  }

  // One chart per folder.
  const candidates: Candidate[] = [];
  for (const base of ['', 'charts']) {
    const dir = path.join(root, base);
    if (!(await exists(dir, 'dir'))) continue;
    for (const folder of await subfolders(dir)) {
      const chartDir = path.join(dir, folder);
      if (!(await exists(path.join(chartDir, 'Chart.yaml'), 'file'))) continue;
      const serviceFile = path.join(chartDir, 'service.yaml');
      candidates.push({
        folder,
        label: base ? `${base}/${folder}` : folder,
        baseDir: chartDir,
        chartDir,
        ...((await exists(serviceFile, 'file')) ? { serviceFile } : {}),
      });
    }
  }
  if (
    candidates.length === 0 &&
    (await exists(path.join(root, 'Chart.yaml'), 'file'))
  ) {
    // The location is a single chart.
    const text = await fs.readFile(path.join(root, 'Chart.yaml'), 'utf8');
    let name = path.basename(root);
    try {
      const chart = parseYaml(text);
      if (isPlainObject(chart) && typeof chart.name === 'string') {
        name = chart.name;
      }
    } catch {
      // reported when the chart is packaged
    }
    candidates.push({
      folder: name,
      label: '.',
      baseDir: root,
      chartDir: root,
    });
  }
  return candidates;
}

interface ServiceMeta {
  name?: string;
  startupGroup?: number;
  catalogEntityRef?: string;
  chart?: string;
}

async function readYamlMap(
  root: string,
  file: string,
  label: string,
): Promise<Record<string, unknown>> {
  const real = await realpathInside(root, file, label);
  let parsed: unknown;
  try {
    parsed = parseYaml(await fs.readFile(real, 'utf8'));
  } catch (e) {
    throw new Error(`${label} is not valid YAML: ${(e as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isPlainObject(parsed)) throw new Error(`${label} must be a map`);
  return parsed;
}

async function readServiceFile(
  root: string,
  candidate: Candidate,
): Promise<ServiceMeta> {
  if (!candidate.serviceFile) return {};
  const doc = await readYamlMap(root, candidate.serviceFile, 'service.yaml');
  const meta: ServiceMeta = {};
  if (doc.name !== undefined && doc.name !== null) {
    if (typeof doc.name !== 'string') {
      throw new Error('service.yaml: name must be a string');
    }
    meta.name = doc.name;
  }
  if (doc.startupGroup !== undefined && doc.startupGroup !== null) {
    if (
      typeof doc.startupGroup !== 'number' ||
      !Number.isInteger(doc.startupGroup) ||
      doc.startupGroup < 0
    ) {
      throw new Error(
        `service.yaml: startupGroup must be a non-negative integer, got ${JSON.stringify(
          doc.startupGroup,
        )}`,
      );
    }
    meta.startupGroup = doc.startupGroup;
  }
  if (doc.catalogEntityRef !== undefined && doc.catalogEntityRef !== null) {
    if (typeof doc.catalogEntityRef !== 'string') {
      throw new Error('service.yaml: catalogEntityRef must be a string');
    }
    meta.catalogEntityRef = doc.catalogEntityRef;
  }
  if (doc.chart !== undefined && doc.chart !== null) {
    if (typeof doc.chart !== 'string' || !doc.chart) {
      throw new Error('service.yaml: chart must be a relative path');
    }
    if (path.isAbsolute(doc.chart)) {
      throw new Error('service.yaml: chart must be a relative path');
    }
    meta.chart = doc.chart;
  }
  return meta;
}

async function readValuesFile(
  root: string,
  candidate: Candidate,
): Promise<Record<string, unknown>> {
  if (!candidate.valuesFile) return {};
  return readYamlMap(root, candidate.valuesFile, 'values.yaml');
}

/** Hides credentials in URLs (`https://user:token@host` → `https://***@host`). */
function redact(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}
