import { StatusWarning, SubvalueCell } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { createContext, ReactNode, useContext, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { Operation } from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';
import { OperationState } from '../OperationState';

type Cache = Map<string, Promise<Operation | undefined>>;

const LastOperationCache = createContext<Cache | undefined>(undefined);

/**
 * Keeps the last operations fetched by the {@link LastOperation} cells below it, so that a table row that is
 * shown again (paging back, clearing a search) does not fetch again.
 */
export const LastOperationCacheProvider = (props: { children: ReactNode }) => {
  const [cache] = useState<Cache>(() => new Map());
  return (
    <LastOperationCache.Provider value={cache}>
      {props.children}
    </LastOperationCache.Provider>
  );
};

/**
 * The latest operation of an environment and its state, fetched when the cell is shown
 * (`GET /environments/{name}`'s `lastOperation`; the list endpoint does not carry it).
 */
export const LastOperation = ({ name }: { name: string }) => {
  const environmentsApi = useApi(environmentsApiRef);
  const cache = useContext(LastOperationCache);
  const { value, loading, error } = useAsync(() => {
    let operation = cache?.get(name);
    if (!operation) {
      operation = environmentsApi
        .getEnvironment(name)
        .then(environment => environment.lastOperation);
      cache?.set(name, operation);
    }
    return operation;
  }, [environmentsApi, cache, name]);

  if (loading) {
    return (
      <Typography variant="body2" color="textSecondary">
        …
      </Typography>
    );
  }
  if (error) {
    return (
      <Tooltip title={errorMessage(error)}>
        <span>
          <StatusWarning>unknown</StatusWarning>
        </span>
      </Tooltip>
    );
  }
  if (!value) {
    return (
      <Typography variant="body2" color="textSecondary">
        none
      </Typography>
    );
  }
  return (
    <SubvalueCell
      value={
        <>
          {value.type} <OperationState operation={value} />
        </>
      }
      subvalue={new Date(value.createdAt).toLocaleString()}
    />
  );
};
