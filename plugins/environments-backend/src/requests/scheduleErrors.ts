import type { SleepSchedule } from '@envmesh/plugin-environments-common';
import { CronTime } from 'cron';
import { IANAZone } from 'luxon';

/** Why a sleep schedule is not valid, per field; none when it is. */
export function scheduleErrors(schedule: SleepSchedule): string[] {
  const errors: string[] = [];
  if (!IANAZone.isValidZone(schedule.timeZone)) {
    errors.push(`timeZone: '${schedule.timeZone}' is not an IANA time zone`);
  }
  schedule.windows.forEach((window, i) => {
    for (const field of ['sleep', 'wake'] as const) {
      const error = cronError(window[field]);
      if (error) errors.push(`windows[${i}].${field}: ${error}`);
    }
  });
  return errors;
}

function cronError(expression: string): string | undefined {
  // Five fields: a sixth (seconds) would let a window open and close within a minute.
  if (expression.trim().split(/\s+/).length !== 5) {
    return `'${expression}' must have five fields (minute hour day-of-month month day-of-week)`;
  }
  try {
    // Parsing alone accepts a day that never comes (30 2 *); the next firing must exist too.
    new CronTime(expression).sendAt();
    return undefined;
  } catch (error) {
    return `'${expression}' is not a cron expression: ${
      (error as Error).message
    }`;
  }
}
