export { isolateBaseRelease, serviceSelections } from './baseRelease';

export { featureInstanceObjects } from './featureInstanceObjects';

export { collectIsolation } from './collectIsolation';

export { isolationHooksFromConfig } from './isolationHooks';

export { placementFromConfig } from './placement';
export type { FeaturePlacement } from './placement';
