import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { rootRouteRef } from '../../routes';
import {
  EntityEnvironmentsContentProps,
  ServiceReadiness,
  useEntityEnvironments,
} from '../EntityEnvironmentsContent';

/**
 * The short version of the "Environments" tab for a component's overview: per environment, the version of
 * its service and whether it is ready.
 */
export const EntityEnvironmentsCard = (
  props: EntityEnvironmentsContentProps,
) => {
  const { renderFeatureInstances } = props;
  const { value, loading, error } = useEntityEnvironments();
  const environmentsRoot = useRouteRef(rootRouteRef);

  let content;
  if (loading) {
    content = <Progress />;
  } else if (error) {
    content = <ResponseErrorPanel error={error} />;
  } else if (!value?.length) {
    content = (
      <Typography variant="body2" color="textSecondary">
        Not deployed to any environment.
      </Typography>
    );
  } else {
    content = (
      <List dense disablePadding aria-label="Environments">
        {value.map(row => (
          <ListItem
            key={`${row.environment.name}/${row.service}`}
            disableGutters
          >
            <ListItemText
              primary={
                <Link
                  to={`${environmentsRoot()}/${encodeURIComponent(
                    row.environment.name,
                  )}`}
                >
                  {row.environment.name}
                </Link>
              }
              secondary={
                <>
                  {row.version ?? 'no version yet'}
                  {' · '}
                  <ServiceReadiness row={row} />
                  {renderFeatureInstances?.(row)}
                </>
              }
              secondaryTypographyProps={{ component: 'div' }}
            />
          </ListItem>
        ))}
      </List>
    );
  }

  return <InfoCard title="Environments">{content}</InfoCard>;
};
