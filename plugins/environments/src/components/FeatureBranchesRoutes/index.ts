export {
  FeatureBranchesPageWithHeader,
  FeatureBranchesRoutes,
} from './FeatureBranchesRoutes';
