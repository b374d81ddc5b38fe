export { FeatureBranchPage } from './FeatureBranchPage';
