import { PageBlueprint } from '@backstage/frontend-plugin-api';
import CallSplitIcon from '@material-ui/icons/CallSplit';
import LayersIcon from '@material-ui/icons/Layers';
import { featureBranchesRouteRef, rootRouteRef } from './routes';

/**
 * The environments pages: the list at `/environments`, one environment at `/environments/:name`. Its title and icon also make it the "Environments" item in the app's nav.
 *
 * @alpha
 */
export const environmentsPage = PageBlueprint.make({
  params: {
    path: '/environments',
    routeRef: rootRouteRef,
    title: 'Environments',
    icon: <LayersIcon fontSize="inherit" />,
    loader: () =>
      import('../components/EnvironmentsRoutes').then(
        ({ EnvironmentsRoutes }) => <EnvironmentsRoutes />,
      ),
  },
});

/**
 * The feature-branch pages: the list at `/feature-branches`, one feature branch at `/feature-branches/:name`
 * (also a nav item).
 */
export const featureBranchesPage = PageBlueprint.make({
  name: 'feature-branches',
  params: {
    path: '/feature-branches',
    routeRef: featureBranchesRouteRef,
    title: 'Feature branches',
    icon: <CallSplitIcon fontSize="inherit" />,
    loader: () =>
      import('../components/FeatureBranchesRoutes').then(
        ({ FeatureBranchesRoutes }) => <FeatureBranchesRoutes />,
      ),
  },
});
