import {
  InfoCard,
  Progress,
  StructuredMetadataTable,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { environmentUpdatePermission } from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { environmentsApiRef } from '../../api';
import {
  Environment,
  EnvironmentLifecycle,
  Operation,
  SleepSchedule,
  UpdateLifecycleRequest,
} from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';
import { PermittedButton } from '../PermittedButton';
import { ScheduleEditor, WEEKNIGHTS_AND_WEEKENDS } from './ScheduleEditor';

const REASONS = { schedule: 'schedule', idle: 'no activity', ttl: 'TTL' };
const time = (iso: string) => new Date(iso).toLocaleString();

/** The next automatic action in words: "sleeps at 12/7/2026, 7:00:00 PM (schedule)". */
function nextAction(next: EnvironmentLifecycle['next']) {
  if (!next) return 'none';
  const verb = { sleep: 'sleeps', wake: 'wakes', delete: 'is deleted' }[
    next.action
  ];
  return `${verb} at ${time(next.at)} (${REASONS[next.reason]})`;
}

/** An hour from now, as a `datetime-local` input wants it (local time, no zone). */
function inAnHour() {
  const date = new Date(Date.now() + 3_600_000);
  date.setMinutes(date.getMinutes() - date.getTimezoneOffset(), 0, 0);
  return date.toISOString().slice(0, 16);
}

/**
 * How the environment sleeps and is recycled by itself: its state, the next automatic action, the sleep
 * schedule (edited in place), whether it is disposable, "keep awake until" and "keep".
 */
export const LifecycleCard = (props: {
  environment: Environment;
  onStarted?: (operation: Operation) => void;
}) => {
  const { environment, onStarted } = props;
  const { name } = environment;
  const environmentsApi = useApi(environmentsApiRef);
  // Reloaded with the environment, after its operations end.
  const lifecycle = useAsyncRetry(
    () => environmentsApi.getEnvironmentLifecycle(name),
    [environmentsApi, name, environment],
  );
  const [draft, setDraft] = useState<SleepSchedule>();
  const [until, setUntil] = useState(inAnHour);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await action();
      setError(undefined);
      lifecycle.retry();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  const update = (body: UpdateLifecycleRequest) =>
    run(() => environmentsApi.updateEnvironmentLifecycle(name, body));

  if (lifecycle.loading && !lifecycle.value) return <Progress />;
  if (!lifecycle.value) {
    return (
      <WarningPanel
        title={`Could not load the lifecycle: ${errorMessage(
          lifecycle.error ?? new Error('no answer'),
        )}`}
      />
    );
  }
  const value = lifecycle.value;
  const permitted = {
    permission: environmentUpdatePermission,
    resourceRef: name,
    disabled: busy,
  };

  return (
    <InfoCard title="Sleep and recycling">
      <StructuredMetadataTable
        metadata={{
          state:
            value.state === 'asleep'
              ? `asleep (${value.sleepReason}) since ${time(
                  value.asleepSince!,
                )}`
              : 'awake',
          next: nextAction(value.next),
          'last activity': time(value.lastActivityAt),
          ...(value.wakeUntil && { 'awake until': time(value.wakeUntil) }),
        }}
      />
      <Box mt={2}>
        <Typography variant="subtitle2">Sleep schedule</Typography>
        {draft ? (
          <>
            <ScheduleEditor
              schedule={draft}
              onChange={setDraft}
              disabled={busy}
            />
            <Box mt={1} display="flex" style={{ gap: 8 }}>
              <PermittedButton
                {...permitted}
                intent="change the sleep schedule"
                variant="contained"
                color="primary"
                onClick={() =>
                  update({ sleepSchedule: draft }).then(() =>
                    setDraft(undefined),
                  )
                }
              >
                Save schedule
              </PermittedButton>
              <Button onClick={() => setDraft(undefined)} disabled={busy}>
                Cancel
              </Button>
            </Box>
          </>
        ) : (
          <Box display="flex" alignItems="center" style={{ gap: 8 }}>
            <Typography variant="body2">
              {value.sleepSchedule
                ? `${value.sleepSchedule.windows.length} window(s), ${value.sleepSchedule.timeZone}`
                : 'none'}
            </Typography>
            <PermittedButton
              {...permitted}
              intent="change the sleep schedule"
              size="small"
              onClick={() =>
                setDraft(
                  value.sleepSchedule ?? {
                    timeZone: new Intl.DateTimeFormat().resolvedOptions()
                      .timeZone,
                    windows: [WEEKNIGHTS_AND_WEEKENDS],
                  },
                )
              }
            >
              {value.sleepSchedule ? 'Edit schedule' : 'Add a schedule'}
            </PermittedButton>
            {value.sleepSchedule && (
              <PermittedButton
                {...permitted}
                intent="remove the sleep schedule"
                size="small"
                onClick={() => update({ sleepSchedule: null })}
              >
                Remove schedule
              </PermittedButton>
            )}
          </Box>
        )}
      </Box>
      <Box mt={2} display="flex" alignItems="center" style={{ gap: 8 }}>
        <TextField
          id="keep-awake-until"
          label="Keep awake until"
          type="datetime-local"
          value={until}
          onChange={e => setUntil(e.target.value)}
          InputLabelProps={{ shrink: true }}
          disabled={busy}
        />
        <PermittedButton
          {...permitted}
          intent="keep this environment awake"
          variant="outlined"
          onClick={() =>
            run(async () => {
              const date = new Date(until);
              if (value.state === 'asleep') {
                onStarted?.(
                  await environmentsApi.wakeEnvironment(name, { until: date }),
                );
              } else {
                await environmentsApi.updateEnvironmentLifecycle(name, {
                  wakeUntil: date,
                });
              }
            })
          }
        >
          {value.state === 'asleep' ? 'Wake until' : 'Keep awake until'}
        </PermittedButton>
        <PermittedButton
          {...permitted}
          intent="keep this environment"
          onClick={() => run(() => environmentsApi.keepEnvironment(name))}
        >
          Keep
        </PermittedButton>
      </Box>
      <FormControlLabel
        control={
          <Switch
            checked={value.disposable}
            disabled={busy}
            onChange={e => update({ disposable: e.target.checked })}
          />
        }
        label="Disposable: delete it with its feature branches once idle long enough"
      />
      {error && <WarningPanel severity="error" title={errorMessage(error)} />}
    </InfoCard>
  );
};
