import {
  EnvironmentServiceSpec,
  FeatureInstanceSpec,
  keyValuesToObject,
  MergedValues,
  mergeValues,
  parseValuesPath,
  ServiceDefinition,
  ValuesObject,
} from '@envmesh/plugin-environments-common';

/** @public */
export interface LayerServiceValuesInput {
  /** The chart's own values.yaml (see HelmRenderer.chartDefaults). */
  chartDefaults: ValuesObject;
  service: Pick<ServiceDefinition, 'defaultValues'>;
  environment: { globalValues?: ValuesObject };
  environmentService: Pick<
    EnvironmentServiceSpec,
    'imageTag' | 'values' | 'keyValues'
  >;
  /** A feature instance of the service: its image tag and values, the top layer (`feature`). */
  featureInstance?: Pick<FeatureInstanceSpec, 'imageTag' | 'values'>;
}

/**
 * The values a service is rendered with in an environment, each leaf with the layer that set it. Lowest first:
 * chart defaults and the service's own values (layer `chart`), the environment's global values
 * (`environment`), the environment's values override for the service (`service`), then the image tag and the
 * key/value overrides (`override`), and for a feature instance its values and image tag (`feature`). Maps
 * merge deeply, lists are replaced, null removes a key.
 */
export function layerServiceValues({
  chartDefaults,
  service,
  environment,
  environmentService,
  featureInstance,
}: LayerServiceValuesInput): MergedValues {
  const { imageTag, values, keyValues } = environmentService;
  const merged = mergeValues([
    { layer: 'chart', values: chartDefaults },
    { layer: 'chart', values: service.defaultValues },
    { layer: 'environment', values: environment.globalValues },
    { layer: 'service', values },
    {
      layer: 'override',
      values: imageTag ? { image: { tag: imageTag } } : null,
    },
    {
      layer: 'override',
      values: keyValues ? keyValuesToObject(keyValues) : null,
    },
    { layer: 'feature', values: featureInstance?.values ?? null },
    {
      layer: 'feature',
      values: featureInstance?.imageTag
        ? { image: { tag: featureInstance.imageTag } }
        : null,
    },
  ]);
  return { values: merged.values, provenance: leavesOnly(merged) };
}

/**
 * mergeValues records an empty map (a chart default such as `env: {}`) as a leaf and keeps that entry when a
 * higher layer later fills the map; drop such entries so only real leaves of the result remain.
 */
function leavesOnly({
  values,
  provenance,
}: MergedValues): MergedValues['provenance'] {
  const result: MergedValues['provenance'] = {};
  for (const [path, layer] of Object.entries(provenance)) {
    let node: unknown = values;
    for (const key of parseValuesPath(path)) {
      node =
        node && typeof node === 'object' && !Array.isArray(node)
          ? (node as ValuesObject)[key]
          : undefined;
    }
    const filledMap =
      node !== null &&
      typeof node === 'object' &&
      !Array.isArray(node) &&
      Object.keys(node).length > 0;
    if (!filledMap) result[path] = layer;
  }
  return result;
}
