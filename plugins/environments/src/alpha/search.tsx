import { SearchResultListItemBlueprint } from '@backstage/plugin-search-react/alpha';
import LayersIcon from '@material-ui/icons/Layers';
import { isEnvironmentSearchResult } from '../lib/search';

/**
 * Search results of type `environment` (and `feature-branch`, once indexed).
 *
 * @alpha
 */
export const environmentSearchResultListItem =
  SearchResultListItemBlueprint.make({
    name: 'environments',
    params: {
      icon: <LayersIcon />,
      predicate: isEnvironmentSearchResult,
      component: () =>
        import('../components/EnvironmentSearchResultListItem').then(
          m => m.EnvironmentSearchResultListItem,
        ),
    },
  });
