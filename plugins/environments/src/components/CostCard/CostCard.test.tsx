import { screen } from '@testing-library/react';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import {
  EnvironmentCost,
  FeatureCost as FeatureCostModel,
} from '../../api/types';
import { CostCard } from './CostCard';
import { EnvironmentCostCell, FeatureCost } from './FeatureCost';

jest.setTimeout(30_000);

const prices = { currency: 'EUR', cpuHour: 0.05, memoryGiBHour: 0.01 };

function costOf(period: { from?: string; to?: string }): EnvironmentCost {
  const days =
    (new Date(period.to!).getTime() - new Date(period.from!).getTime()) /
    86_400_000;
  return {
    environment: 'demo-dev',
    cluster: 'local',
    from: period.from!,
    to: period.to!,
    prices,
    // Awake 12 h a day, asleep the other 12.
    awakeHours: 12 * days,
    asleepHours: 12 * days,
    name: 'demo-dev',
    pods: 3,
    cpu: 1.5,
    memoryGiB: 3,
    cost: 1.26 * days,
    sleepSaving: { cost: 1.26 * days, ratio: 0.5 },
    services: [],
  };
}

describe('CostCard', () => {
  it('shows the week, what sleep saved, and a bar a day', async () => {
    const asked: Array<{ from?: string; to?: string }> = [];
    await renderWithApis(<CostCard environment="demo-dev" />, {
      api: {
        getEnvironmentCost: async (name, period = {}) => {
          expect(name).toBe('demo-dev');
          asked.push(period);
          return costOf(period);
        },
      },
    });
    expect(await screen.findByText('EUR 8.82')).toBeInTheDocument();
    expect(
      screen.getByText(
        /3 pods requesting 1.5 CPU and 3 GiB, awake 84 h; sleep saved EUR 8.82 \(50%\)/,
      ),
    ).toBeInTheDocument();
    // Each day of the week, added up for the total.
    expect(asked).toHaveLength(7);
    expect(
      screen
        .getByRole('img', { name: 'Cost per day' })
        .querySelectorAll('rect'),
    ).toHaveLength(7);
  });
});

describe('FeatureCost and EnvironmentCostCell', () => {
  it("say what a feature branch and an environment cost, and a feature's saving", async () => {
    const feature: FeatureCostModel = {
      feature: 'feature-31337',
      environment: 'demo-dev',
      from: '2026-11-27T00:00:00.000Z',
      to: '2026-12-04T00:00:00.000Z',
      prices,
      awakeHours: 84,
      name: 'feature-31337',
      pods: 1,
      cpu: 0.5,
      memoryGiB: 1,
      cost: 2.94,
      instances: [],
      fullCopyCost: 8.82,
      saving: { cost: 5.88, ratio: 0.667 },
    };
    await renderWithApis(
      <>
        <FeatureCost feature="feature-31337" />
        <EnvironmentCostCell name="demo-dev" />
      </>,
      {
        api: {
          getFeatureCost: async () => feature,
          getEnvironmentCost: async () =>
            costOf({
              from: '2026-11-27T00:00:00.000Z',
              to: '2026-12-04T00:00:00.000Z',
            }),
        },
      },
    );
    expect(
      await screen.findByText(
        'Cost, last 7 days: EUR 2.94; a full copy of demo-dev would cost EUR 8.82 (saves 67%)',
      ),
    ).toBeInTheDocument();
    expect(await screen.findByText('EUR 8.82')).toBeInTheDocument();
  });
});
