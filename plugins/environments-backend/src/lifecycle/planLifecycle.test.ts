import type { SleepSchedule } from '@envmesh/plugin-environments-common';
import { scheduleErrors } from '../requests/scheduleErrors';
import {
  EnvironmentLifecycleFacts,
  nextEnvironmentAction,
  nextFeatureDeletion,
} from './planLifecycle';
import { scheduledState } from './sleepSchedule';

// 19:00–08:00 on weekdays, and all weekend (Friday 19:00 to Monday 08:00), Berlin time (UTC+1 in December).
const weekdays: SleepSchedule = {
  timeZone: 'Europe/Berlin',
  windows: [{ sleep: '0 19 * * 1-5', wake: '0 8 * * 1-5' }],
};
const at = (iso: string) => new Date(iso);
const off = { idleSleepHours: 0, idleDeleteDays: 0 };

function env(
  facts: Partial<EnvironmentLifecycleFacts> = {},
): EnvironmentLifecycleFacts {
  return {
    name: 'demo',
    lifecycle: { sleepSchedule: weekdays },
    awakeSince: at('2026-11-30T07:00:00Z'), // Monday 08:00 Berlin
    lastActivityAt: at('2026-11-30T07:00:00Z'),
    ...facts,
  };
}

describe('sleep schedules', () => {
  it('is inside a window from 19:00 to 08:00 on weekdays and over the weekend, in its time zone', () => {
    // Thursday 2026-12-03, 18:59 and 19:00 Berlin.
    expect(scheduledState(weekdays, at('2026-12-03T17:59:00Z')).asleep).toBe(
      false,
    );
    expect(scheduledState(weekdays, at('2026-12-03T18:00:00Z'))).toEqual({
      asleep: true,
      since: at('2026-12-03T18:00:00Z'),
      until: at('2026-12-04T07:00:00Z'),
    });
    // Saturday noon: the Friday window lasts until Monday 08:00.
    expect(scheduledState(weekdays, at('2026-12-05T11:00:00Z'))).toEqual({
      asleep: true,
      since: at('2026-12-04T18:00:00Z'),
      until: at('2026-12-07T07:00:00Z'),
    });
    expect(scheduledState(weekdays, at('2026-12-07T07:00:00Z'))).toEqual({
      asleep: false,
      since: at('2026-12-07T07:00:00Z'),
    });
  });

  it('names the bad field of a schedule', () => {
    expect(
      scheduleErrors({
        timeZone: 'Mars/Olympus',
        windows: [
          { sleep: '0 19 * * 1-5', wake: '0 8 * * 1-5 *' },
          { sleep: '61 19 * * *', wake: '0 8 * * *' },
        ],
      }),
    ).toEqual([
      "timeZone: 'Mars/Olympus' is not an IANA time zone",
      "windows[0].wake: '0 8 * * 1-5 *' must have five fields (minute hour day-of-month month day-of-week)",
      expect.stringMatching(
        /^windows\[1\]\.sleep: '61 19 \* \* \*' is not a cron expression/,
      ),
    ]);
    expect(scheduleErrors(weekdays)).toEqual([]);
  });
});

describe('nextEnvironmentAction', () => {
  it('sleeps an awake environment when a window opens, and wakes what the schedule put to sleep when it closes', () => {
    expect(
      nextEnvironmentAction(env(), off, at('2026-12-03T12:00:00Z')),
    ).toEqual({
      action: 'sleep',
      reason: 'schedule',
      at: at('2026-12-03T18:00:00Z'),
    });
    const asleep = env({
      asleepSince: at('2026-12-03T18:00:30Z'),
      sleepReason: 'schedule',
    });
    expect(
      nextEnvironmentAction(asleep, off, at('2026-12-03T20:00:00Z')),
    ).toEqual({
      action: 'wake',
      reason: 'schedule',
      at: at('2026-12-04T07:00:00Z'),
    });
    // Past the closing (say, the backend was down at 08:00): the wake is due.
    expect(
      nextEnvironmentAction(asleep, off, at('2026-12-04T09:30:00Z'))?.at,
    ).toEqual(at('2026-12-04T07:00:00Z'));
  });

  it('leaves a manual or idle sleep alone when a window closes', () => {
    for (const sleepReason of ['manual', 'idle'] as const) {
      expect(
        nextEnvironmentAction(
          env({ asleepSince: at('2026-12-03T18:00:00Z'), sleepReason }),
          off,
          at('2026-12-04T09:00:00Z'),
        ),
      ).toBeUndefined();
    }
  });

  it('keeps an environment woken inside a window awake until the next window', () => {
    const woken = env({ awakeSince: at('2026-12-03T21:00:00Z') });
    expect(
      nextEnvironmentAction(woken, off, at('2026-12-03T22:00:00Z')),
    ).toEqual({
      action: 'sleep',
      reason: 'schedule',
      at: at('2026-12-04T18:00:00Z'),
    });
  });

  it('sleeps again by itself when a wake-until ends inside a window, and not before', () => {
    const override = env({
      awakeSince: at('2026-12-03T21:00:00Z'),
      wakeUntil: at('2026-12-03T23:00:00Z'),
    });
    expect(
      nextEnvironmentAction(override, off, at('2026-12-03T22:00:00Z')),
    ).toEqual({
      action: 'sleep',
      reason: 'schedule',
      at: at('2026-12-03T23:00:00Z'),
    });
    expect(
      nextEnvironmentAction(override, off, at('2026-12-03T23:01:00Z'))?.at,
    ).toEqual(at('2026-12-03T23:00:00Z'));
    // An override that ends after the window closed: the next window.
    const pastMorning = env({
      awakeSince: at('2026-12-03T21:00:00Z'),
      wakeUntil: at('2026-12-04T10:00:00Z'),
    });
    expect(
      nextEnvironmentAction(pastMorning, off, at('2026-12-03T22:00:00Z'))?.at,
    ).toEqual(at('2026-12-04T18:00:00Z'));
  });

  it('sleeps an environment idle for idleSleepHours, after a wake-until', () => {
    const rules = { idleSleepHours: 4, idleDeleteDays: 0 };
    const idle = env({
      lifecycle: {},
      lastActivityAt: at('2026-12-03T08:00:00Z'),
    });
    expect(
      nextEnvironmentAction(idle, rules, at('2026-12-03T09:00:00Z')),
    ).toEqual({
      action: 'sleep',
      reason: 'idle',
      at: at('2026-12-03T12:00:00Z'),
    });
    expect(
      nextEnvironmentAction(
        { ...idle, wakeUntil: at('2026-12-03T15:00:00Z') },
        rules,
        at('2026-12-03T13:00:00Z'),
      )?.at,
    ).toEqual(at('2026-12-03T15:00:00Z'));
  });

  it('counts idle hours from the later of the last activity and the last wake', () => {
    const woken = env({
      lifecycle: {},
      awakeSince: at('2026-12-04T07:00:00Z'),
      lastActivityAt: at('2026-12-01T08:00:00Z'),
    });
    expect(
      nextEnvironmentAction(
        woken,
        { idleSleepHours: 4, idleDeleteDays: 0 },
        at('2026-12-04T08:00:00Z'),
      )?.at,
    ).toEqual(at('2026-12-04T11:00:00Z'));
  });

  it('deletes a disposable environment idle or asleep for idleDeleteDays, and no other', () => {
    const rules = { idleSleepHours: 0, idleDeleteDays: 3 };
    const asleep = {
      lifecycle: { disposable: true },
      asleepSince: at('2026-12-01T20:00:00Z'),
      sleepReason: 'idle' as const,
      lastActivityAt: at('2026-12-01T08:00:00Z'),
    };
    expect(
      nextEnvironmentAction(env(asleep), rules, at('2026-12-03T09:00:00Z')),
    ).toEqual({
      action: 'delete',
      reason: 'idle',
      at: at('2026-12-04T08:00:00Z'),
    });
    expect(
      nextEnvironmentAction(
        env({ ...asleep, lifecycle: {} }),
        rules,
        at('2026-12-05T09:00:00Z'),
      ),
    ).toBeUndefined();
  });
});

describe('nextFeatureDeletion', () => {
  it('deletes at the TTL or after idleDeleteDays without activity, whichever is first', () => {
    const feature = {
      name: 'feature-1',
      lastActivityAt: at('2026-12-01T08:00:00Z'),
    };
    const rules = { idleSleepHours: 0, idleDeleteDays: 7 };
    expect(nextFeatureDeletion(feature, rules)).toEqual({
      action: 'delete',
      reason: 'idle',
      at: at('2026-12-08T08:00:00Z'),
    });
    expect(
      nextFeatureDeletion(
        { ...feature, expiresAt: at('2026-12-02T00:00:00Z') },
        rules,
      ),
    ).toEqual({
      action: 'delete',
      reason: 'ttl',
      at: at('2026-12-02T00:00:00Z'),
    });
    expect(nextFeatureDeletion(feature, off)).toBeUndefined();
  });
});
