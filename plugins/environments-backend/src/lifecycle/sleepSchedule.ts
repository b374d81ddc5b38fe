import type { SleepSchedule } from '@envmesh/plugin-environments-common';
import { CronTime } from 'cron';

const DAY = 86_400_000;
/** How far back the last firing of a window's cron is looked for: a day first, then a week and a month. */
const LOOKBACKS = [DAY, 8 * DAY, 32 * DAY];

/** The last time a cron expression fired at or before `at`, within a month. */
function lastFiring(cron: CronTime, timeZone: string, at: Date) {
  for (const lookback of LOOKBACKS) {
    let last: Date | undefined;
    let next = cron.getNextDateFrom(
      new Date(at.getTime() - lookback),
      timeZone,
    );
    while (next.toMillis() <= at.getTime()) {
      last = next.toJSDate();
      next = cron.getNextDateFrom(next, timeZone);
    }
    if (last) return last;
  }
  return undefined;
}

/**
 * Where a schedule stands at a time: inside a window since `since` until the open windows close (the latest
 * of their next wakes), or outside since the last closing.
 */
export type ScheduledState =
  | { asleep: true; since: Date; until: Date }
  | { asleep: false; since?: Date };

/**
 * Whether a schedule has the environment asleep at `at`: a window is open when its sleep cron fired later
 * than its wake cron. Open since the latest opening of the open windows; closed since the latest closing.
 */
export function scheduledState(
  schedule: SleepSchedule,
  at: Date,
): ScheduledState {
  let openedAt: Date | undefined;
  let closedAt: Date | undefined;
  let closesAt: Date | undefined;
  for (const window of schedule.windows) {
    const slept = lastFiring(new CronTime(window.sleep), schedule.timeZone, at);
    const woke = lastFiring(new CronTime(window.wake), schedule.timeZone, at);
    if (slept && (!woke || slept > woke)) {
      if (!openedAt || slept > openedAt) openedAt = slept;
      const closes = nextFiring({ ...schedule, windows: [window] }, 'wake', at);
      if (!closesAt || closes > closesAt) closesAt = closes;
    } else if (woke && (!closedAt || woke > closedAt)) {
      closedAt = woke;
    }
  }
  return openedAt
    ? { asleep: true, since: openedAt, until: closesAt! }
    : { asleep: false, since: closedAt };
}

/** The next time after `after` the schedule opens (`sleep`) or closes (`wake`) a window. */
export function nextFiring(
  schedule: SleepSchedule,
  field: 'sleep' | 'wake',
  after: Date,
): Date {
  return new Date(
    Math.min(
      ...schedule.windows.map(window =>
        new CronTime(window[field])
          .getNextDateFrom(after, schedule.timeZone)
          .toMillis(),
      ),
    ),
  );
}
