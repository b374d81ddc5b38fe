import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import IconButton from '@material-ui/core/IconButton';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import DeleteIcon from '@material-ui/icons/Delete';
import cronstrue from 'cronstrue';
import { SleepSchedule, SleepWindow } from '../../api/types';

/** 19:00–08:00 on weekdays and all weekend: the schedule most teams start from. */
export const WEEKNIGHTS_AND_WEEKENDS: SleepWindow = {
  sleep: '0 19 * * 1-5',
  wake: '0 8 * * 1-5',
};

/** A cron expression in words, or nothing when it does not parse (the backend names the error on save). */
function inWords(cron: string): string {
  try {
    return cronstrue.toString(cron, { use24HourTimeFormat: true });
  } catch {
    return '';
  }
}

/**
 * The sleep windows of a schedule, each a sleep and a wake cron expression with its meaning in words, and
 * the schedule's time zone.
 */
export const ScheduleEditor = (props: {
  schedule: SleepSchedule;
  onChange: (schedule: SleepSchedule) => void;
  disabled?: boolean;
}) => {
  const { schedule, onChange, disabled } = props;
  const setWindow = (index: number, window: SleepWindow) =>
    onChange({
      ...schedule,
      windows: schedule.windows.map((w, i) => (i === index ? window : w)),
    });
  return (
    <Box>
      <TextField
        id="sleep-schedule-time-zone"
        label="Time zone"
        helperText="An IANA time zone, e.g. Europe/Berlin"
        value={schedule.timeZone}
        disabled={disabled}
        onChange={e => onChange({ ...schedule, timeZone: e.target.value })}
        margin="dense"
        fullWidth
      />
      {schedule.windows.map((window, i) => (
        <Box key={i} display="flex" alignItems="flex-start" mt={1}>
          {(['sleep', 'wake'] as const).map(field => (
            <Box key={field} flex={1} mr={1}>
              <TextField
                id={`sleep-window-${i}-${field}`}
                label={`${field === 'sleep' ? 'Sleep' : 'Wake'} at (cron)`}
                value={window[field]}
                disabled={disabled}
                onChange={e =>
                  setWindow(i, { ...window, [field]: e.target.value })
                }
                helperText={inWords(window[field]) || ' '}
                margin="dense"
                fullWidth
              />
            </Box>
          ))}
          <IconButton
            aria-label={`Remove window ${i + 1}`}
            disabled={disabled || schedule.windows.length === 1}
            onClick={() =>
              onChange({
                ...schedule,
                windows: schedule.windows.filter((_, j) => j !== i),
              })
            }
          >
            <DeleteIcon />
          </IconButton>
        </Box>
      ))}
      <Button
        size="small"
        disabled={disabled}
        onClick={() =>
          onChange({
            ...schedule,
            windows: [...schedule.windows, WEEKNIGHTS_AND_WEEKENDS],
          })
        }
      >
        Add window
      </Button>
      <Typography variant="caption" display="block" color="textSecondary">
        It sleeps when a window's sleep time comes and wakes at its next wake
        time, startup group by group.
      </Typography>
    </Box>
  );
};
