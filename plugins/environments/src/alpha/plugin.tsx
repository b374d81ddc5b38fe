import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import LayersIcon from '@material-ui/icons/Layers';
import { environmentsApi } from './apis';
import { entityEnvironmentsCard, entityEnvironmentsContent } from './entity';
import { environmentsPage, featureBranchesPage } from './pages';
import {
  createEnvironmentRouteRef,
  featureBranchesRouteRef,
  rootRouteRef,
} from './routes';
import { environmentSearchResultListItem } from './search';
import {
  envmeshClusterPickerFormField,
  envmeshServicesPickerFormField,
} from '../scaffolder/alpha';

/**
 * The envmesh environments plugin, for the new frontend system: the API, the environments pages (also the
 * nav item), the "Environments" entity tab and card, the search result item, and the scaffolder form fields
 * `EnvmeshServicesPicker` and `EnvmeshClusterPicker`.
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
    featureBranches: featureBranchesRouteRef,
  },
  externalRoutes: {
    createEnvironment: createEnvironmentRouteRef,
  },
  extensions: [
    environmentsApi,
    environmentsPage,
    featureBranchesPage,
    entityEnvironmentsContent,
    entityEnvironmentsCard,
    environmentSearchResultListItem,
    envmeshServicesPickerFormField,
    envmeshClusterPickerFormField,
  ],
});
