import { useApi } from '@backstage/core-plugin-api';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { errorMessage } from '../../lib/errorMessage';
import { formatCost } from './formatCost';

/** What a feature branch cost over the last 7 days, against a full copy of its base environment. */
export const FeatureCost = ({ feature }: { feature: string }) => {
  const environmentsApi = useApi(environmentsApiRef);
  const { value, error } = useAsync(
    () => environmentsApi.getFeatureCost(feature),
    [environmentsApi, feature],
  );
  if (error) {
    return (
      <Typography variant="body2" color="textSecondary">
        Cost not known: {errorMessage(error)}
      </Typography>
    );
  }
  if (!value) return null;
  const { currency } = value.prices;
  return (
    <Typography variant="body2">
      Cost, last 7 days: {formatCost(value.cost, currency)}; a full copy of{' '}
      {value.environment} would cost {formatCost(value.fullCopyCost, currency)}{' '}
      (saves {Math.round(value.saving.ratio * 100)}%)
    </Typography>
  );
};

/** What an environment cost over the last 7 days, for a table cell. */
export const EnvironmentCostCell = ({ name }: { name: string }) => {
  const environmentsApi = useApi(environmentsApiRef);
  const { value, error } = useAsync(
    () => environmentsApi.getEnvironmentCost(name),
    [environmentsApi, name],
  );
  if (error) return <>-</>;
  return value ? <>{formatCost(value.cost, value.prices.currency)}</> : null;
};
