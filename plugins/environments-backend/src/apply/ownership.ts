import { ConflictError } from '@backstage/errors';
import { KubernetesObject } from '@kubernetes/client-node';
import { mapSettled } from './concurrency';
import { DynamicClient, isApiStatus } from './DynamicClient';
import { LABELS, MANAGER, ObjectRef, formatRef, refKey } from './types';

/** A release as its objects' labels name it. */
interface ReleaseIdentity {
  environment: string;
  /** The service, or '' for the environment's own objects. */
  release: string;
  /** The feature of a feature instance. */
  feature?: string;
}

function describe({ environment, release, feature }: ReleaseIdentity) {
  if (feature)
    return `feature ${feature}'s instance of ${release} in ${environment}`;
  return release
    ? `service ${release} of ${environment}`
    : `environment ${environment}`;
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
 * Refuses (409 naming both) a feature instance's apply that would take over an object it does not own: one
 * of another release (a base service's, another feature's) or one envmesh did not create. Base releases are
 * not checked: they may hand objects to each other (a ConfigMap moving from one chart to another in one
 * update), and a check would cost a read per object of every environment create. Only objects new to the
 * release are read: those of its previous inventory are its own.
 */
export async function assertOwnership(
  client: DynamicClient,
  applying: ReleaseIdentity,
  refs: ObjectRef[],
  previousInventory: ObjectRef[],
  concurrency: number,
): Promise<void> {
  if (!applying.feature) return;
  const own = new Set(previousInventory.map(refKey));
  const fresh = refs.filter(ref => !own.has(refKey(ref)));
  const conflicts: string[] = [];
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
        }; ${describe(applying)} does not take it over`,
      );
      return;
    }
    const same =
      owner.environment === applying.environment &&
      owner.release === applying.release &&
      (owner.feature ?? '') === (applying.feature ?? '');
    if (!same) {
      conflicts.push(
        `${formatRef(ref)} belongs to ${describe(owner)}; ${describe(
          applying,
        )} does not take it over`,
      );
    }
  }).then(results =>
    results.forEach(r => {
      if (r.status === 'rejected') throw r.reason;
    }),
  );
  if (conflicts.length) throw new ConflictError(conflicts.join('; '));
}
