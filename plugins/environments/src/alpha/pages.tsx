import { PageBlueprint } from '@backstage/frontend-plugin-api';
import LayersIcon from '@material-ui/icons/Layers';
import { rootRouteRef } from './routes';

/**
 * The environments pages: the list at `/environments`, one environment at `/environments/:name`. Its title and icon also make it the "Environments" item in the app's nav.
 */
export const environmentsPage = PageBlueprint.make({
  params: {
    path: '/environments',
    routeRef: rootRouteRef,
    title: 'Environments',
    icon: <LayersIcon fontSize="inherit" />,
    loader: () =>
      import('../components/EnvironmentsRoutes').then(m => (
        <m.EnvironmentsRoutes />
      )),
  },
});
