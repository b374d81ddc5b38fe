/**
 * The layers of a service's Helm values, lowest precedence first.
 *
 * @public
 */
export type ValuesLayerName =
  | 'chart'
  | 'environment'
  | 'service'
  | 'override'
  | 'feature';

/** @public */
export const VALUES_LAYERS: ValuesLayerName[] = [
  'chart',
  'environment',
  'service',
  'override',
  'feature',
];

/** @public */
export type ValuesObject = { [key: string]: unknown };

/** @public */
export interface MergedValues {
  values: ValuesObject;
  /** For every leaf (a scalar or a list) of `values`: the layer that set it, keyed by its path. */
  provenance: Record<string, ValuesLayerName>;
}

function isMap(value: unknown): value is ValuesObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A leaf's path: keys joined by '.', with '.' and '\' inside a key escaped by '\' (so `podAnnotations.envmesh\.io/env`).
 *
 * @public
 */
export function formatValuesPath(keys: string[]): string {
  return keys
    .map(k => k.replace(/\\/g, '\\\\').replace(/\./g, '\\.'))
    .join('.');
}

/** @public */
export function parseValuesPath(path: string): string[] {
  const keys: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\' && i + 1 < path.length) {
      current += path[++i];
    } else if (c === '.') {
      keys.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  keys.push(current);
  return keys;
}

/**
 * Turns key/value overrides (`{ 'image.tag': '1.4.3' }`, paths as in {@link formatValuesPath}) into a values
 * object. Values are taken as given: strings stay strings.
 *
 * @public
 */
export function keyValuesToObject(
  keyValues: Record<string, unknown>,
): ValuesObject {
  const result: ValuesObject = {};
  for (const [path, value] of Object.entries(keyValues)) {
    const keys = parseValuesPath(path);
    let node = result;
    for (const key of keys.slice(0, -1)) {
      if (!isMap(node[key])) node[key] = {};
      node = node[key] as ValuesObject;
    }
    node[keys[keys.length - 1]] = value;
  }
  return result;
}

function recordLeaves(
  value: unknown,
  keys: string[],
  layer: ValuesLayerName,
  provenance: Record<string, ValuesLayerName>,
) {
  if (isMap(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) {
      recordLeaves(child, [...keys, key], layer, provenance);
    }
  } else {
    provenance[formatValuesPath(keys)] = layer;
  }
}

function forgetLeaves(
  keys: string[],
  provenance: Record<string, ValuesLayerName>,
) {
  const prefix = formatValuesPath(keys);
  for (const path of Object.keys(provenance)) {
    if (path === prefix || path.startsWith(`${prefix}.`)) {
      delete provenance[path];
    }
  }
}

function mergeInto(
  target: ValuesObject,
  source: ValuesObject,
  keys: string[],
  layer: ValuesLayerName,
  provenance: Record<string, ValuesLayerName>,
) {
  for (const [key, value] of Object.entries(source)) {
    const path = [...keys, key];
    if (value === null) {
      // As in Helm: null removes the key set by a lower layer.
      delete target[key];
      forgetLeaves(path, provenance);
    } else if (isMap(value) && isMap(target[key])) {
      // An empty map was a leaf of its own; once filled, its keys are the leaves.
      if (Object.keys(value).length > 0)
        delete provenance[formatValuesPath(path)];
      mergeInto(target[key] as ValuesObject, value, path, layer, provenance);
    } else {
      forgetLeaves(path, provenance);
      target[key] = structuredClone(value);
      recordLeaves(value, path, layer, provenance);
    }
  }
}

/**
 * Merges values layers, lowest precedence first (chart, then environment, service, override). Maps merge
 * deeply, lists and scalars are replaced, null removes a key. Each leaf of the result keeps the layer that set
 * it.
 *
 * @public
 */
export function mergeValues(
  layers: Array<{ layer: ValuesLayerName; values?: ValuesObject | null }>,
): MergedValues {
  const values: ValuesObject = {};
  const provenance: Record<string, ValuesLayerName> = {};
  for (const { layer, values: layerValues } of layers) {
    if (layerValues) mergeInto(values, layerValues, [], layer, provenance);
  }
  return { values, provenance };
}
