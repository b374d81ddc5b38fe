import yaml from 'js-yaml';

/**
 * The YAML schema envmesh parses values and rendered manifests with: YAML 1.2 core (so `2024-01-01` stays a
 * string, as it does for Helm and Kubernetes, instead of becoming a Date) plus merge keys (`<<`).
 */
export const YAML_SCHEMA = yaml.CORE_SCHEMA.extend(
  // js-yaml 4 exports its types at runtime; @types/js-yaml does not declare them.
  (yaml as unknown as { types: { merge: yaml.Type } }).types.merge,
);

/** Parses one YAML document with {@link YAML_SCHEMA}. */
export function parseYaml(text: string): unknown {
  return yaml.load(text, { schema: YAML_SCHEMA });
}

/** Parses a YAML stream with {@link YAML_SCHEMA}. */
export function parseYamlStream(text: string): unknown[] {
  return yaml.loadAll(text, undefined, { schema: YAML_SCHEMA });
}

/** True for a plain (non-list) object. */
export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
