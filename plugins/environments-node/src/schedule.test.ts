import { mockServices } from '@backstage/backend-test-utils';
import { readScheduleFromConfig } from './schedule';

const fallback = { frequency: { minutes: 10 }, timeout: { minutes: 15 } };

describe('readScheduleFromConfig', () => {
  it('reads the schedule at the key, else answers the default', () => {
    const config = mockServices.rootConfig({
      data: {
        a: { schedule: { frequency: { minutes: 1 }, timeout: { minutes: 2 } } },
      },
    });
    expect(readScheduleFromConfig(config, 'a.schedule', fallback)).toEqual({
      frequency: { minutes: 1 },
      timeout: { minutes: 2 },
    });
    expect(readScheduleFromConfig(config, 'b.schedule', fallback)).toBe(
      fallback,
    );
  });

  it('names the key of a malformed schedule', () => {
    const config = mockServices.rootConfig({
      data: { a: { schedule: { frequency: 'soon' } } },
    });
    expect(() =>
      readScheduleFromConfig(config, 'a.schedule', fallback),
    ).toThrow(/^Invalid schedule at a.schedule, /);
  });
});
