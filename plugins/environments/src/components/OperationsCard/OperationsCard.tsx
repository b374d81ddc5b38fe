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
import { useCallback, useEffect } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { environmentsApiRef } from '../../api';
import { Operation } from '../../api/types';
import { isFinished } from '../../lib/operations';
import { OperationProgress } from '../OperationProgress';
import { OperationState } from '../OperationState';

/**
 * The recent operations of an environment; the one in progress (or the one just started) is followed live.
 */
export const OperationsCard = (props: {
  name: string;
  /** An operation just started from this page; followed even before it shows up in the list. */
  started?: Operation;
  /** Called when the followed operation ends. */
  onFinished?: (operation: Operation) => void;
}) => {
  const { name, started, onFinished } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const { value, loading, error, retry } = useAsyncRetry(
    () => environmentsApi.listOperations(name),
    [environmentsApi, name],
  );

  // Refresh the list when an operation is started from the page.
  useEffect(() => {
    if (started) {
      retry();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [started?.id]);

  const handleFinished = useCallback(
    (operation: Operation) => {
      retry();
      onFinished?.(operation);
    },
    [retry, onFinished],
  );

  const operations = value?.items ?? [];
  const active = started ?? operations.find(o => !isFinished(o));

  return (
    <InfoCard title="Operations">
      {active && (
        <OperationProgress
          key={active.id}
          operation={active}
          onFinished={handleFinished}
        />
      )}
      {loading && !value && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && operations.length === 0 && (
        <Typography variant="body2">No operations yet.</Typography>
      )}
      {operations.length > 0 && (
        <List dense aria-label="Recent operations">
          {operations.slice(0, 10).map(operation => (
            <ListItem key={operation.id} disableGutters>
              <ListItemText
                primary={
                  <>
                    {operation.type} by {operation.actor}{' '}
                    <OperationState operation={operation} />
                  </>
                }
                secondary={`${new Date(
                  operation.createdAt,
                ).toLocaleString()} · ${operation.progress.done}/${
                  operation.progress.total
                } steps${operation.error ? ` · ${operation.error}` : ''}`}
              />
            </ListItem>
          ))}
        </List>
      )}
    </InfoCard>
  );
};
