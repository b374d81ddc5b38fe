import type { V1Container, V1EnvVar, V1PodSpec } from '@kubernetes/client-node';
import { FeaturePlacement } from './placement';

/* The edits a feature instance makes to its pod specs: placement, env vars, and the config they name. */

type ConfigKind = 'ConfigMap' | 'Secret' | 'PersistentVolumeClaim';

/** A place in a pod spec that names a ConfigMap, Secret or PersistentVolumeClaim. */
export interface ConfigRef {
  kind: ConfigKind;
  name: string;
  rename(name: string): void;
}

/** The last entry of a name wins, as it would in a container (and server-side apply rejects duplicates). */
export function dedupeEnv(
  env: Array<{ name: string; value: string }>,
): V1EnvVar[] {
  const byName = new Map<string, string>();
  for (const { name, value } of env) {
    byName.delete(name);
    byName.set(name, value);
  }
  return [...byName].map(([name, value]) => ({ name, value }));
}

/** The feature nodes: their node selector wins over the chart's for the same key; tolerations are added. */
export function applyPlacement(spec: V1PodSpec, placement?: FeaturePlacement) {
  if (!placement) return;
  if (placement.nodeSelector && Object.keys(placement.nodeSelector).length) {
    spec.nodeSelector = { ...spec.nodeSelector, ...placement.nodeSelector };
  }
  if (placement.tolerations?.length) {
    const tolerations = [...(spec.tolerations ?? [])];
    for (const toleration of placement.tolerations) {
      const same = JSON.stringify(sortedEntries(toleration));
      if (!tolerations.some(t => JSON.stringify(sortedEntries(t)) === same)) {
        tolerations.push({ ...toleration });
      }
    }
    spec.tolerations = tolerations;
  }
}

function sortedEntries(value: object) {
  return Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

/**
 * Puts the env vars first in every container, dropping same-named ones of the chart: they win, and the
 * chart's own env vars can use them as `$(NAME)`, which only sees variables defined earlier.
 */
export function addEnv(spec: V1PodSpec, env: V1EnvVar[]) {
  if (!env.length) return;
  const names = new Set(env.map(e => e.name));
  const containers: V1Container[] = [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
  ];
  for (const container of containers) {
    container.env = [
      ...env.map(e => ({ ...e })),
      ...(container.env ?? []).filter(e => !names.has(e.name)),
    ];
  }
}

/** Every place in a pod spec that names a ConfigMap, Secret or PersistentVolumeClaim. */
export function configRefs(spec: V1PodSpec): ConfigRef[] {
  const refs: ConfigRef[] = [];
  const add = (kind: ConfigKind, holder: any, key: string) => {
    const name = holder?.[key];
    if (typeof name !== 'string' || !name) return;
    refs.push({
      kind,
      name,
      rename: newName => {
        holder[key] = newName;
      },
    });
  };
  for (const volume of spec.volumes ?? []) {
    add('ConfigMap', volume.configMap, 'name');
    add('Secret', volume.secret, 'secretName');
    add('PersistentVolumeClaim', volume.persistentVolumeClaim, 'claimName');
    for (const source of volume.projected?.sources ?? []) {
      add('ConfigMap', source.configMap, 'name');
      add('Secret', source.secret, 'name');
    }
  }
  for (const secret of spec.imagePullSecrets ?? []) {
    add('Secret', secret, 'name');
  }
  const containers: V1Container[] = [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
    ...((spec.ephemeralContainers ?? []) as V1Container[]),
  ];
  for (const container of containers) {
    for (const source of container.envFrom ?? []) {
      add('ConfigMap', source.configMapRef, 'name');
      add('Secret', source.secretRef, 'name');
    }
    for (const variable of container.env ?? []) {
      add('ConfigMap', variable.valueFrom?.configMapKeyRef, 'name');
      add('Secret', variable.valueFrom?.secretKeyRef, 'name');
    }
  }
  return refs;
}
