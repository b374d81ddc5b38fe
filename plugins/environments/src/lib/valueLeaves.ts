import { formatValuesPath } from '@envmesh/plugin-environments-common';
import { MergedValues, ValuesLayer } from '../api/types';

/** One leaf of merged Helm values: a scalar, a list or an empty map, with the layer that set it. */
export interface ValueLeaf {
  /** The path as the API keys provenance: keys joined by `.`, with `.` and `\` inside a key escaped. */
  path: string;
  value: unknown;
  /** Unknown when the API reported no layer for the path. */
  layer?: ValuesLayer;
}

/** How each layer is named in the UI, lowest precedence first. */
export const LAYER_LABELS: Record<ValuesLayer, string> = {
  chart: 'chart',
  environment: 'environment',
  service: 'service',
  override: 'key/value',
  feature: 'feature instance',
};

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every leaf of the merged values, in the order of the values, with its provenance layer
 * (`GET /environments/{name}/services/{service}/values`).
 */
export function valueLeaves(merged: MergedValues): ValueLeaf[] {
  const leaves: ValueLeaf[] = [];
  const walk = (value: unknown, keys: string[]) => {
    if (isMap(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) {
        walk(child, [...keys, key]);
      }
      return;
    }
    const path = formatValuesPath(keys);
    leaves.push({ path, value, layer: merged.provenance[path] });
  };
  walk(merged.values, []);
  // The root itself is only a leaf when it is empty.
  return leaves.filter(leaf => leaf.path !== '');
}

/** A leaf's value as text: strings as they are, everything else as JSON. */
export const formatLeafValue = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value);
