import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { ClusterStatus } from '../ClusterStatus';

/**
 * The clusters envmesh can deploy to, each with whether the backend can reach it.
 */
export const ClustersCard = () => {
  const environmentsApi = useApi(environmentsApiRef);
  const { value, loading, error } = useAsync(
    () => environmentsApi.listClusters(),
    [environmentsApi],
  );

  let content;
  if (loading) {
    content = <Progress />;
  } else if (error) {
    content = <ResponseErrorPanel error={error} />;
  } else if (!value?.items.length) {
    content = (
      <Typography variant="body2" color="textSecondary">
        No clusters configured. envmesh uses the clusters listed under{' '}
        <code>kubernetes.clusterLocatorMethods</code> in the app config.
      </Typography>
    );
  } else {
    content = (
      <List dense disablePadding>
        {value.items.map(cluster => (
          <ListItem key={cluster.name} disableGutters>
            <ListItemText
              primary={cluster.title ?? cluster.name}
              secondary={
                <>
                  <ClusterStatus name={cluster.name} />
                  <br />
                  {cluster.url}
                </>
              }
              secondaryTypographyProps={{ component: 'div' }}
            />
          </ListItem>
        ))}
      </List>
    );
  }

  return <InfoCard title="Clusters">{content}</InfoCard>;
};
