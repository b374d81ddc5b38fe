/** The route refs of the new frontend system are those of the legacy one (see `../routes`). */
export {
  createEnvironmentRouteRef,
  featureBranchesRouteRef,
  rootRouteRef,
} from '../routes';
