import { WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { environmentUpdatePermission } from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import { useCallback, useEffect, useRef, useState } from 'react';
import useInterval from 'react-use/esm/useInterval';
import { environmentsApiRef } from '../../api';
import { Operation, OperationLogLine } from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';
import { isFinished } from '../../lib/operations';
import { PermittedButton } from '../PermittedButton';

/** How often a pending or running operation is polled. */
const POLL_INTERVAL_MS = 2000;

/**
 * Follows one operation: its progress as a bar and its log lines, polled every 2 seconds until it ends.
 */
export const OperationProgress = (props: {
  operation: Operation;
  /** Called once with the final operation when it ends. */
  onFinished?: (operation: Operation) => void;
}) => {
  const { onFinished } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const [operation, setOperation] = useState(props.operation);
  const [lines, setLines] = useState<OperationLogLine[]>([]);
  const [error, setError] = useState<Error>();
  const lastSeq = useRef<number | undefined>(undefined);
  const polling = useRef(false);
  const finished = isFinished(operation);
  const id = operation.id;

  const poll = useCallback(async () => {
    if (polling.current) {
      return;
    }
    polling.current = true;
    try {
      // The operation first, then its logs, so the logs hold every line of an operation seen as ended.
      const latest = await environmentsApi.getOperation(id);
      const logs = await environmentsApi.getOperationLogs(id, lastSeq.current);
      if (logs.items.length > 0) {
        lastSeq.current = logs.items[logs.items.length - 1].seq;
        setLines(previous => [...previous, ...logs.items]);
      }
      setOperation(latest);
      setError(undefined);
    } catch (e) {
      setError(e as Error);
    } finally {
      polling.current = false;
    }
  }, [environmentsApi, id]);

  useEffect(() => {
    poll();
  }, [poll]);
  useInterval(poll, finished ? null : POLL_INTERVAL_MS);

  const reported = useRef(false);
  useEffect(() => {
    if (finished && !reported.current) {
      reported.current = true;
      onFinished?.(operation);
    }
  }, [finished, operation, onFinished]);

  const [cancelError, setCancelError] = useState<Error>();
  const cancel = useCallback(async () => {
    try {
      setOperation(await environmentsApi.cancelOperation(id));
      setCancelError(undefined);
    } catch (e) {
      setCancelError(e as Error);
    }
  }, [environmentsApi, id]);

  const { done, total } = operation.progress;
  let percent = finished ? 100 : 0;
  if (total > 0) {
    percent = (100 * done) / total;
  }

  return (
    <Box>
      <Box display="flex" alignItems="center" style={{ gap: 8 }}>
        <Typography variant="body2">
          {operation.type} {operation.state}: {done}/{total} steps
          {!finished && operation.cancelRequested && ' (cancel requested)'}
        </Typography>
        {!finished && !operation.cancelRequested && (
          <PermittedButton
            permission={environmentUpdatePermission}
            resourceRef={operation.environment}
            intent="cancel operations of this environment"
            size="small"
            onClick={cancel}
            aria-label={`Cancel operation ${operation.id}`}
          >
            Cancel
          </PermittedButton>
        )}
      </Box>
      <LinearProgress
        variant="determinate"
        value={percent}
        color={operation.state === 'failed' ? 'secondary' : 'primary'}
        aria-label={`Operation ${operation.id} progress`}
      />
      {operation.error && (
        <WarningPanel severity="error" title={operation.error} />
      )}
      {error && (
        <WarningPanel
          title={`Could not refresh the operation: ${errorMessage(error)}`}
        />
      )}
      {cancelError && (
        <WarningPanel
          severity="error"
          title={`Could not cancel the operation: ${errorMessage(cancelError)}`}
        />
      )}
      {lines.length > 0 && (
        <Box
          component="pre"
          aria-label="Operation log"
          style={{ maxHeight: 240, overflow: 'auto', fontSize: '0.8em' }}
        >
          {lines.map(line => (
            <div key={line.seq}>
              {line.ts} {line.level.toUpperCase()} {line.message}
            </div>
          ))}
        </Box>
      )}
    </Box>
  );
};
