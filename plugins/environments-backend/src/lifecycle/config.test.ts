import { ConfigReader } from '@backstage/config';
import { lifecycleRulesFromConfig } from './config';

describe('lifecycleRulesFromConfig', () => {
  it('refuses changes to a sleeping environment by default, and wakes it when told', () => {
    expect(lifecycleRulesFromConfig(new ConfigReader({})).whenAsleep).toBe(
      'refuse',
    );
    expect(
      lifecycleRulesFromConfig(
        new ConfigReader({
          environments: { lifecycle: { whenAsleep: 'wake' } },
        }),
      ).whenAsleep,
    ).toBe('wake');
  });

  it('names the config key of a value it does not know', () => {
    expect(() =>
      lifecycleRulesFromConfig(
        new ConfigReader({
          environments: { lifecycle: { whenAsleep: 'sometimes' } },
        }),
      ),
    ).toThrow(
      "Invalid config at environments.lifecycle.whenAsleep: must be 'wake' or 'refuse', not 'sometimes'",
    );
  });
});
