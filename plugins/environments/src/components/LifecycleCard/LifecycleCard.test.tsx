import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { EnvironmentLifecycle, UpdateLifecycleRequest } from '../../api/types';
import {
  demoEnvironment,
  demoLifecycle,
  demoOperation,
} from '../../testing/stubEnvironmentsApi';
import { LifecycleCard } from './LifecycleCard';

jest.setTimeout(30_000);

const scheduled: EnvironmentLifecycle = {
  ...demoLifecycle,
  sleepSchedule: {
    timeZone: 'Europe/Berlin',
    windows: [{ sleep: '0 19 * * 1-5', wake: '0 8 * * 1-5' }],
  },
  next: { action: 'sleep', reason: 'schedule', at: '2026-12-07T18:00:00.000Z' },
};

describe('LifecycleCard', () => {
  it('adds a weeknights-and-weekends schedule, shows it in words, and saves it', async () => {
    const saved: UpdateLifecycleRequest[] = [];
    let current = demoLifecycle;
    await renderWithApis(<LifecycleCard environment={demoEnvironment} />, {
      api: {
        getEnvironmentLifecycle: async () => current,
        updateEnvironmentLifecycle: async (_name, body) => {
          saved.push(body);
          current = { ...scheduled, sleepSchedule: body.sleepSchedule! };
          return current;
        },
      },
    });
    expect(
      await screen.findByText(/sleeps at .* \(no activity\)/),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'Add a schedule' }),
    );
    expect(
      screen.getByText('At 19:00, Monday through Friday'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('At 08:00, Monday through Friday'),
    ).toBeInTheDocument();
    const timeZone = screen.getByLabelText('Time zone');
    await userEvent.clear(timeZone);
    await userEvent.type(timeZone, 'Europe/Berlin');
    await userEvent.click(
      screen.getByRole('button', { name: 'Save schedule' }),
    );
    await waitFor(() =>
      expect(saved).toEqual([
        {
          sleepSchedule: {
            timeZone: 'Europe/Berlin',
            windows: [{ sleep: '0 19 * * 1-5', wake: '0 8 * * 1-5' }],
          },
        },
      ]),
    );
    expect(
      await screen.findByText('1 window(s), Europe/Berlin'),
    ).toBeInTheDocument();
    expect(screen.getByText(/sleeps at .* \(schedule\)/)).toBeInTheDocument();
  });

  it("shows the backend's 400 naming the bad field", async () => {
    await renderWithApis(<LifecycleCard environment={demoEnvironment} />, {
      api: {
        getEnvironmentLifecycle: async () => scheduled,
        updateEnvironmentLifecycle: async () => {
          throw new Error(
            "sleepSchedule.windows.0.wake: '0 8 * *' must have five fields (minute hour day-of-month month day-of-week)",
          );
        },
      },
    });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Edit schedule' }),
    );
    const wake = screen.getByLabelText('Wake at (cron)');
    await userEvent.clear(wake);
    await userEvent.type(wake, '0 8 * *');
    await userEvent.click(
      screen.getByRole('button', { name: 'Save schedule' }),
    );
    expect(
      await screen.findByText(
        /sleepSchedule\.windows\.0\.wake: '0 8 \* \*' must have five fields/,
      ),
    ).toBeInTheDocument();
  });

  it('wakes a sleeping environment until a time, starting the wake operation', async () => {
    const woken: Array<{ until?: Date }> = [];
    const started = jest.fn();
    await renderWithApis(
      <LifecycleCard
        environment={{
          ...demoEnvironment,
          asleepSince: '2026-12-07T18:00:30.000Z',
        }}
        onStarted={started}
      />,
      {
        api: {
          getEnvironmentLifecycle: async () => ({
            ...scheduled,
            state: 'asleep',
            asleepSince: '2026-12-07T18:00:30.000Z',
            sleepReason: 'schedule',
            next: {
              action: 'wake',
              reason: 'schedule',
              at: '2026-12-08T07:00:00.000Z',
            },
          }),
          wakeEnvironment: async (_name, options = {}) => {
            woken.push(options);
            return demoOperation('pending', { done: 0, total: 4 });
          },
        },
      },
    );
    expect(
      await screen.findByText(/asleep \(schedule\) since/),
    ).toBeInTheDocument();
    const until = screen.getByLabelText('Keep awake until');
    await userEvent.clear(until);
    await userEvent.type(until, '2026-12-07T23:00');
    await userEvent.click(screen.getByRole('button', { name: 'Wake until' }));
    await waitFor(() => expect(started).toHaveBeenCalled());
    expect(woken).toEqual([{ until: new Date('2026-12-07T23:00') }]);
  });

  it('keeps an environment, and marks it disposable', async () => {
    const calls: string[] = [];
    await renderWithApis(<LifecycleCard environment={demoEnvironment} />, {
      api: {
        keepEnvironment: async () => {
          calls.push('keep');
          return demoLifecycle;
        },
        updateEnvironmentLifecycle: async (_name, body) => {
          calls.push(JSON.stringify(body));
          return { ...demoLifecycle, ...body } as EnvironmentLifecycle;
        },
      },
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Keep' }));
    await userEvent.click(screen.getByRole('checkbox', { name: /Disposable/ }));
    await waitFor(() => expect(calls).toEqual(['keep', '{"disposable":true}']));
  });

  it('disables the actions without the update permission', async () => {
    await renderWithApis(<LifecycleCard environment={demoEnvironment} />, {
      denied: ['environments.environment.update'],
    });
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Keep' })).toBeDisabled(),
    );
    expect(
      screen.getByRole('button', { name: 'Add a schedule' }),
    ).toBeDisabled();
  });
});
