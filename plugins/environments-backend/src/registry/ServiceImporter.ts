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
import type { ChartRenderer } from '@envmesh/plugin-environments-node';
import { canonicalJson, mapWithConcurrency } from '../render/util';
import { isPlainObject } from '../render/yaml';
import { PackagedChart, packageChart, realpathInside } from './charts';
import {
  ImportSourceFetcher,
  ServiceImportSource,
  redact,
} from './ImportSourceFetcher';
import { detectLayout, readServiceFile, readValuesFile } from './layout';
import type { ServiceRegistryStore } from '../store';

/** A chart archive to store (`putChart`). */
interface ChartArchive {
  digest: string;
  name: string;
  version: string;
  archive: Buffer;
}

/** A service that imported: its definition and its packaged chart. */
interface ImportedService {
  definition: ServiceDefinition;
  archive: Buffer;
}

/** A service that did not import, and why. */
interface ServiceImportFailure {
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

export interface ServiceImporterOptions {
  /** Validates each service by rendering it once. */
  renderer: ChartRenderer;
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

const NAMESPACE_FOR_VALIDATION = 'envmesh-import';

/**
 * Bulk import of services from a directory, a Git repository or a Backstage UrlReader location. Layouts:
 * one shared chart plus `services/<name>/values.yaml` (and optional `services/<name>/service.yaml` with
 * `name`, `startupGroup`, `catalogEntityRef`, `chart`, `propagates`), or one chart per folder (`<name>/Chart.yaml` or
 * `charts/<name>/Chart.yaml`). Each service is validated by rendering it once; a broken one is reported in
 * `failed` and does not stop the others.
 */
export class ServiceImporter {
  readonly #renderer: ChartRenderer;
  readonly #helm: string;
  readonly #concurrency: number;
  readonly #workDir?: string;
  readonly #sources: ImportSourceFetcher;
  readonly #logger?: LoggerService;
  readonly #now: () => Date;

  constructor(options: ServiceImporterOptions) {
    this.#renderer = options.renderer;
    this.#helm = options.helmBinary ?? 'helm';
    this.#concurrency = options.concurrency ?? 4;
    this.#workDir = options.workDir;
    this.#sources = new ImportSourceFetcher(options);
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
      const { root, chartSource, revision } = await this.#sources.fetch(
        source,
        temp,
      );
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

  async #importRoot(
    root: string,
    chartSource: ChartSource,
    existing: ServiceDefinition[],
    temp: string,
  ): Promise<Omit<ServiceImportResult, 'revision'>> {
    const candidates = await detectLayout(root);
    if (candidates.length === 0) {
      throw new InputError(
        `source.location: no services found in ${redact(
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
            ...(meta.propagates ? { propagates: meta.propagates } : {}),
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
  store: Pick<ServiceRegistryStore, 'putChart' | 'upsertServices'>,
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
