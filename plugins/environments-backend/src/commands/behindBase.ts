import type {
  BehindBase,
  BehindBaseChangedEnum,
  FeatureBranch,
  Revision,
} from '@envmesh/plugin-environments-common';
import { stableStringify } from '../apply';
import type { RevisionStore } from '../store';

/**
 * The instances of a feature branch deployed onto an older revision of their base service than its latest
 * (`latest`, by service), with what differs between the two. An instance not deployed yet, or deployed before
 * base revisions were recorded for instances, is not known to be behind.
 */
export async function behindBase(
  revisions: RevisionStore,
  feature: FeatureBranch,
  latest: ReadonlyMap<string, number>,
): Promise<BehindBase[]> {
  const behind: BehindBase[] = [];
  for (const instance of feature.instances) {
    const deployedOn = instance.baseRevision;
    const current = latest.get(instance.service);
    if (deployedOn === undefined || current === undefined) continue;
    if (current <= deployedOn) continue;
    const [before, after] = await Promise.all(
      [deployedOn, current].map(revision =>
        revisions.getRevision(feature.environment, instance.service, revision),
      ),
    );
    behind.push({
      service: instance.service,
      deployedOnRevision: deployedOn,
      currentRevision: current,
      changed: before && after ? changes(before, after) : [],
    });
  }
  return behind;
}

function changes(before: Revision, after: Revision): BehindBaseChangedEnum[] {
  const changed: BehindBaseChangedEnum[] = [];
  if (before.chartDigest !== after.chartDigest) changed.push('chart');
  if (before.imageTag !== after.imageTag) changed.push('image');
  // The image tag is one of the values too; a values change means one besides it.
  const withoutTag = (r: Revision) => ({
    ...r.values,
    image: { ...(r.values.image as object), tag: undefined },
  });
  if (
    stableStringify(withoutTag(before)) !== stableStringify(withoutTag(after))
  ) {
    changed.push('values');
  }
  return changed;
}
