import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import LayersIcon from '@material-ui/icons/Layers';
import { environmentsApi } from './apis';
import { environmentsPage } from './pages';
import { rootRouteRef } from './routes';

/**
 * The envmesh environments plugin, for the new frontend system.
 *
 * @alpha
 */
export const environmentsPlugin = createFrontendPlugin({
  pluginId: 'environments',
  title: 'Environments',
  icon: <LayersIcon fontSize="inherit" />,
  info: { packageJson: () => import('../../package.json') },
  routes: {
    root: rootRouteRef,
  },
  extensions: [environmentsApi, environmentsPage],
});
