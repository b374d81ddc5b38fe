import fs from 'node:fs/promises';
import path from 'node:path';
import { isPlainObject, parseYaml } from '../render/yaml';
import { realpathInside } from './charts';

/** One service found in the layout, before it is read. */
export interface Candidate {
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
export async function detectLayout(root: string): Promise<Candidate[]> {
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
  propagates?: 'header' | 'baggage' | 'none';
}

const PROPAGATIONS = ['header', 'baggage', 'none'] as const;

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

export async function readServiceFile(
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
  if (doc.propagates !== undefined && doc.propagates !== null) {
    const value = PROPAGATIONS.find(p => p === doc.propagates);
    if (!value) {
      throw new Error(
        `service.yaml: propagates must be one of ${PROPAGATIONS.join(
          ', ',
        )}, got ${JSON.stringify(doc.propagates)}`,
      );
    }
    meta.propagates = value;
  }
  return meta;
}

export async function readValuesFile(
  root: string,
  candidate: Candidate,
): Promise<Record<string, unknown>> {
  if (!candidate.valuesFile) return {};
  return readYamlMap(root, candidate.valuesFile, 'values.yaml');
}
