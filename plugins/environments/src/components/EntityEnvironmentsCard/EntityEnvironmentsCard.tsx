import { InfoCard, Link } from '@backstage/core-components';
import {
  EntityEnvironmentsContentProps,
  ServiceReadiness,
  useEntityEnvironments,
  useEnvironmentPath,
} from '../EntityEnvironmentsContent';
import { LoadedList } from '../LoadedItems';

/**
 * The short version of the "Environments" tab for a component's overview: per environment, the version of
 * its service and whether it is ready.
 */
export const EntityEnvironmentsCard = (
  props: EntityEnvironmentsContentProps,
) => {
  const { renderFeatureInstances } = props;
  const entityEnvironments = useEntityEnvironments();
  const environmentPath = useEnvironmentPath();

  return (
    <InfoCard title="Environments">
      <LoadedList
        state={entityEnvironments}
        empty="Not deployed to any environment."
        aria-label="Environments"
        itemKey={row => `${row.environment.name}/${row.service}`}
        primary={row => (
          <Link to={environmentPath(row.environment.name)}>
            {row.environment.name}
          </Link>
        )}
        secondary={row => (
          <>
            {row.version ?? 'no version yet'}
            {' · '}
            <ServiceReadiness row={row} />
            {renderFeatureInstances?.(row)}
          </>
        )}
      />
    </InfoCard>
  );
};
