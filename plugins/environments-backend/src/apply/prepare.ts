import { InputError } from '@backstage/errors';
import { KubernetesObject, V1APIResource } from '@kubernetes/client-node';
import { mapSettled } from './concurrency';
import { DynamicClient } from './DynamicClient';
import { LABELS, MANAGER, ObjectRef, formatRef, refKey, refOf } from './types';

/** One release's objects as rendered, and where they go. */
export interface ReleaseObjects {
  /** The environment's namespace, given to namespaced objects that name none. */
  namespace: string;
  environment: string;
  /** The service name, or '' for environment-level objects (namespace, config, gateway, certificates). */
  release: string;
  /** The feature name for a feature instance; adds the `envmesh.io/feature` label. */
  feature?: string;
  /** The rendered objects. */
  objects: KubernetesObject[];
}

/** An object as envmesh applies it: labelled as its release's, its namespace resolved. */
export interface Prepared {
  object: KubernetesObject;
  ref: ObjectRef;
}

/** Metadata the API server maintains: never applied, never compared. */
export const METADATA_NOISE = [
  'managedFields',
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

/**
 * Validates and labels every object and resolves its namespace through discovery. Kinds the API server does
 * not serve yet are deferred when the release itself creates CRDs (they are resolved once those exist);
 * otherwise they fail the apply before anything is changed.
 */
export async function prepareAll(
  client: DynamicClient,
  input: ReleaseObjects,
  concurrency: number,
): Promise<{ resolved: Prepared[]; deferred: KubernetesObject[] }> {
  const createsCrds = input.objects.some(
    o => o.kind === 'CustomResourceDefinition',
  );
  const resolved: Prepared[] = [];
  const deferred: KubernetesObject[] = [];
  const unknown: string[] = [];
  input.objects.forEach((object, index) => {
    if (!object || typeof object !== 'object') {
      throw new InputError(`objects[${index}] is not an object`);
    }
    if (!object.apiVersion || !object.kind || !object.metadata?.name) {
      throw new InputError(
        `objects[${index}] needs apiVersion, kind and metadata.name`,
      );
    }
  });
  const lookups = new Map<string, Promise<V1APIResource | undefined>>();
  const results = await mapSettled(input.objects, concurrency, async object => {
    // One discovery request per kind, however many objects of it.
    const key = `${object.apiVersion} ${object.kind}`;
    let lookup = lookups.get(key);
    if (!lookup) {
      lookup = client.resourceFor(object.apiVersion!, object.kind!);
      lookups.set(key, lookup);
    }
    return (await lookup)?.namespaced;
  });
  results.forEach((result, index) => {
    const object = input.objects[index];
    if (result.status === 'rejected') throw result.reason;
    if (result.value === undefined) {
      if (createsCrds) deferred.push(object);
      else unknown.push(`${object.apiVersion} ${object.kind}`);
      return;
    }
    resolved.push(prepareObject(input, object, result.value));
  });
  if (unknown.length) {
    throw new InputError(
      `the cluster does not serve ${[...new Set(unknown)].join(
        ', ',
      )} (is its CRD installed?)`,
    );
  }
  const seen = new Set<string>();
  for (const { ref } of resolved) {
    const key = refKey(ref);
    if (seen.has(key)) {
      throw new InputError(
        `${formatRef(ref)} appears twice in release ${
          input.release || '(environment)'
        }`,
      );
    }
    seen.add(key);
  }
  return { resolved, deferred };
}

/** Waits (up to 30 s) until the kind of a deferred object is served, then prepares it. */
export async function prepareDeferred(
  client: DynamicClient,
  input: ReleaseObjects,
  object: KubernetesObject,
): Promise<Prepared> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const resource = await client.resourceFor(object.apiVersion!, object.kind!);
    if (resource) return prepareObject(input, object, resource.namespaced);
    if (Date.now() > deadline) {
      throw new InputError(
        `the cluster does not serve ${object.apiVersion} ${object.kind} (is its CRD installed?)`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}

/** A copy of the object labelled as the release's, without server-maintained fields, in its namespace. */
export function prepareObject(
  input: ReleaseObjects,
  source: KubernetesObject,
  namespaced: boolean,
): Prepared {
  const object = structuredClone(source) as KubernetesObject & {
    status?: unknown;
  };
  delete object.status;
  const metadata = { ...object.metadata! };
  for (const key of METADATA_NOISE) delete metadata[key];
  if (namespaced) {
    if (!metadata.namespace) metadata.namespace = input.namespace;
  } else {
    delete metadata.namespace;
  }
  const labels: Record<string, string> = {
    ...(metadata.labels ?? {}),
    [LABELS.managedBy]: MANAGER,
    [LABELS.environment]: input.environment,
  };
  if (input.release) labels[LABELS.service] = input.release;
  else delete labels[LABELS.service];
  if (input.feature) labels[LABELS.feature] = input.feature;
  metadata.labels = labels;
  object.metadata = metadata;
  return { object, ref: refOf(object) };
}
