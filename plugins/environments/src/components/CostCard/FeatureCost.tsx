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

/** What one service of an environment cost over the last 7 days (its line of the environment's cost). */
export const ServiceCostCell = (props: {
  environment: string;
  service: string;
}) => {
  const environmentsApi = useApi(environmentsApiRef);
  const { value, error } = useAsync(
    () => environmentsApi.getEnvironmentCost(props.environment),
    [environmentsApi, props.environment],
  );
  const line = value?.services.find(s => s.name === props.service);
  if (error || (value && !line)) return <>-</>;
  return line ? (
    <>
      {formatCost(line.cost, value!.prices.currency)} ({line.pods} pods,{' '}
      {line.cpu} CPU, {line.memoryGiB} GiB)
    </>
  ) : null;
};
