import { WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { environmentUpdatePermission } from '@envmesh/plugin-environments-common';
import Brightness3Icon from '@material-ui/icons/Brightness3';
import WbSunnyIcon from '@material-ui/icons/WbSunny';
import { useEffect, useState } from 'react';
import { environmentsApiRef } from '../../api';
import { Environment, Operation } from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';
import { PermittedButton } from '../PermittedButton';

/**
 * "Sleep" for an awake environment, "Wake" for a sleeping one (needs `environments.environment.update` on it).
 * It starts the operation at once, no dialog: both are undone by the other.
 */
export const SleepButton = (props: {
  environment: Environment;
  onStarted?: (operation: Operation) => void;
}) => {
  const { environment, onStarted } = props;
  const environmentsApi = useApi(environmentsApiRef);
  // The request changes the state at once, before the page reloads the environment when the operation ends.
  const [asleep, setAsleep] = useState(!!environment.asleepSince);
  useEffect(() => setAsleep(!!environment.asleepSince), [environment]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();

  const start = async () => {
    setBusy(true);
    try {
      const operation = asleep
        ? await environmentsApi.wakeEnvironment(environment.name)
        : await environmentsApi.sleepEnvironment(environment.name);
      setAsleep(!asleep);
      setError(undefined);
      onStarted?.(operation);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PermittedButton
        permission={environmentUpdatePermission}
        resourceRef={environment.name}
        intent={
          asleep ? 'wake this environment' : 'put this environment to sleep'
        }
        variant="outlined"
        startIcon={asleep ? <WbSunnyIcon /> : <Brightness3Icon />}
        disabled={busy}
        onClick={start}
      >
        {asleep ? 'Wake' : 'Sleep'}
      </PermittedButton>
      {error && (
        <WarningPanel
          severity="error"
          title={`Could not ${asleep ? 'wake' : 'put to sleep'} ${
            environment.name
          }: ${errorMessage(error)}`}
        />
      )}
    </>
  );
};
