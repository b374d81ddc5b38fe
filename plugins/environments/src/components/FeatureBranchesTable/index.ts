export { FeatureBranchesTable } from './FeatureBranchesTable';
