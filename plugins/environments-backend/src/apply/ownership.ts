import { ConflictError } from '@backstage/errors';
import { KubernetesObject } from '@kubernetes/client-node';
import { mapSettled } from './concurrency';
import { DynamicClient, isApiStatus } from './DynamicClient';
import { LABELS, MANAGER, ObjectRef, formatRef, refKey } from './types';

/** A release as its objects' labels name it. */
export interface ReleaseIdentity {
  environment: string;
  /** The service, or '' for the environment's own objects. */
  release: string;
  /** The feature of a feature instance. */
  feature?: string;
}

/** `service demo-api of dev-1`, `feature f's instance of demo-api in dev-1`, for messages. */
function describeRelease({ environment, release, feature }: ReleaseIdentity) {
  if (feature)
    return `feature ${feature}'s instance of ${release} in ${environment}`;
  return release
    ? `service ${release} of ${environment}`
    : `environment ${environment}`;
}

function takeover(
  ref: ObjectRef,
  owner: ReleaseIdentity,
  applying: ReleaseIdentity,
) {
  return `${formatRef(ref)} belongs to ${describeRelease(
    owner,
  )}; ${describeRelease(applying)} does not take it over`;
}

function ownerOf(live: KubernetesObject): ReleaseIdentity | undefined {
  const labels = live.metadata?.labels ?? {};
  if (labels[LABELS.managedBy] !== MANAGER) return undefined;
  return {
    environment: labels[LABELS.environment] ?? '',
    release: labels[LABELS.service] ?? '',
    feature: labels[LABELS.feature] || undefined,
  };
}

/**
 * Refuses (409 naming both) an apply that would take over an object another release holds:
 * - any release: an object in `claimed` (another release's stored inventory, e.g. a feature instance's
 *   objects that a newly added base service's chart also renders);
 * - a feature instance: also any live object of another release (a base service's, another feature's) or
 *   one envmesh did not create, read from the cluster.
 * Base releases are not checked against each other: they may hand objects over (a ConfigMap moving from
 * one chart to another in one update), and a live read per object of every environment create would cost.
 * Only objects new to the release are checked: those of its previous inventory are its own.
 */
export async function assertOwnership(
  client: DynamicClient,
  applying: ReleaseIdentity,
  refs: ObjectRef[],
  previousInventory: ObjectRef[],
  concurrency: number,
  claimed?: ReadonlyMap<string, ReleaseIdentity>,
): Promise<void> {
  const own = new Set(previousInventory.map(refKey));
  const fresh = refs.filter(ref => !own.has(refKey(ref)));
  const conflicts = fresh.flatMap(ref => {
    const owner = claimed?.get(refKey(ref));
    return owner ? [takeover(ref, owner, applying)] : [];
  });
  if (!applying.feature) {
    if (conflicts.length) throw new ConflictError(conflicts.join('; '));
    return;
  }
  await mapSettled(fresh, concurrency, async ref => {
    let live: KubernetesObject;
    try {
      live = await client.read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: ref.namespace },
      });
    } catch (error) {
      if (isApiStatus(error, 404)) return;
      throw error;
    }
    const owner = ownerOf(live);
    if (!owner) {
      const managers = [
        ...new Set((live.metadata?.managedFields ?? []).map(f => f.manager)),
      ];
      conflicts.push(
        `${formatRef(ref)} exists and is not envmesh's${
          managers.length ? ` (managed by ${managers.join(', ')})` : ''
        }; ${describeRelease(applying)} does not take it over`,
      );
      return;
    }
    const same =
      owner.environment === applying.environment &&
      owner.release === applying.release &&
      (owner.feature ?? '') === (applying.feature ?? '');
    if (!same) {
      conflicts.push(takeover(ref, owner, applying));
    }
  }).then(results =>
    results.forEach(r => {
      if (r.status === 'rejected') throw r.reason;
    }),
  );
  if (conflicts.length) throw new ConflictError(conflicts.join('; '));
}
