import { testKubeConfig } from '@envmesh/local-cluster';
import { RecordedObject } from '../apply/types';
import { DriftTracker } from './DriftTracker';
import { NamespaceCache } from './NamespaceCache';

// The cache's watches run against the real local cluster started by the package's jest global setup.
const namespace = 'drift-tracker-index';

function deploymentRecord(name: string, generation: number): RecordedObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace,
    name,
    generation,
  };
}

describe('DriftTracker', () => {
  const cache = new NamespaceCache({ kubeConfig: testKubeConfig(), namespace });
  const tracker = new DriftTracker({ cache, syncTimeoutMs: 10_000 });
  afterAll(() => cache.stop());

  it('answers an object’s applied generation from the releases tracked now', async () => {
    const ref = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace,
      name: 'api',
    };
    await tracker.track('api', [deploymentRecord('api', 3)]);
    await tracker.track('shared', [deploymentRecord('api', 5)]);
    expect(tracker.appliedGeneration(ref)).toBe(5);

    // A re-apply replaces the release's records; the other release's still count.
    await tracker.track('shared', [deploymentRecord('other', 1)]);
    expect(tracker.appliedGeneration(ref)).toBe(3);
    expect(tracker.appliedGeneration({ ...ref, name: 'other' })).toBe(1);

    tracker.recordGeneration(ref, 4);
    expect(tracker.appliedGeneration(ref)).toBe(4);

    tracker.untrack('api');
    expect(tracker.appliedGeneration(ref)).toBeUndefined();
    expect(tracker.appliedGeneration({ ...ref, name: 'other' })).toBe(1);
  });
});
