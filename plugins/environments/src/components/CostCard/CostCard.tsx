import { InfoCard, Progress, WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { EnvironmentCost } from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';
import { formatCost, lastDays } from './formatCost';

const DAYS = 7;
const BAR_WIDTH = 36;
const CHART_HEIGHT = 80;

/** One bar a day: what the environment cost that day, its height relative to the dearest day. */
const DailyBars = ({ days }: { days: EnvironmentCost[] }) => {
  const highest = Math.max(...days.map(d => d.cost), 0.01);
  return (
    <svg
      role="img"
      aria-label="Cost per day"
      width={days.length * (BAR_WIDTH + 8)}
      height={CHART_HEIGHT + 20}
    >
      {days.map((day, i) => {
        const height = (day.cost / highest) * CHART_HEIGHT;
        return (
          <g key={day.to} transform={`translate(${i * (BAR_WIDTH + 8)}, 0)`}>
            <title>{`${day.to.slice(0, 10)}: ${formatCost(
              day.cost,
              day.prices.currency,
            )} (${day.awakeHours} h awake)`}</title>
            <rect
              y={CHART_HEIGHT - height}
              width={BAR_WIDTH}
              height={height}
              fill="currentColor"
              opacity={0.6}
            />
            <text
              x={BAR_WIDTH / 2}
              y={CHART_HEIGHT + 14}
              fontSize={10}
              textAnchor="middle"
            >
              {day.to.slice(5, 10)}
            </text>
          </g>
        );
      })}
    </svg>
  );
};

const sum = (days: EnvironmentCost[], of: (d: EnvironmentCost) => number) =>
  days.reduce((total, d) => total + of(d), 0);

/** The days' figures added up (cost and hours); the requests and prices as of the last day. */
function weekOf(days: EnvironmentCost[]) {
  const last = days[days.length - 1];
  const cost = Math.round(sum(days, d => d.cost) * 100) / 100;
  const saved = Math.round(sum(days, d => d.sleepSaving.cost) * 100) / 100;
  return {
    ...last,
    cost,
    awakeHours: Math.round(sum(days, d => d.awakeHours) * 1000) / 1000,
    sleepSaving: {
      cost: saved,
      ratio: saved + cost > 0 ? saved / (saved + cost) : 0,
    },
  };
}

/**
 * What the environment costs: the last 7 days in total (its services' requests over the hours it was awake at
 * its cluster's prices), what its sleep saved, and a bar a day.
 */
export const CostCard = ({ environment }: { environment: string }) => {
  const environmentsApi = useApi(environmentsApiRef);
  const { value, loading, error } = useAsync(async () => {
    const days = await Promise.all(
      lastDays(DAYS).map(p =>
        environmentsApi.getEnvironmentCost(environment, p),
      ),
    );
    return { week: weekOf(days), days };
  }, [environmentsApi, environment]);

  return (
    <InfoCard title="Cost" subheader={`The last ${DAYS} days`}>
      {loading && <Progress />}
      {error && (
        <WarningPanel
          title="The cost is not known"
          message={errorMessage(error)}
        />
      )}
      {value && (
        <>
          <Typography variant="h5">
            {formatCost(value.week.cost, value.week.prices.currency)}
          </Typography>
          <Typography variant="body2" gutterBottom>
            {value.week.pods} pods requesting {value.week.cpu} CPU and{' '}
            {value.week.memoryGiB} GiB, awake {value.week.awakeHours} h; sleep
            saved{' '}
            {formatCost(
              value.week.sleepSaving.cost,
              value.week.prices.currency,
            )}{' '}
            ({Math.round(value.week.sleepSaving.ratio * 100)}%)
          </Typography>
          <Box mt={1}>
            <DailyBars days={value.days} />
          </Box>
        </>
      )}
    </InfoCard>
  );
};
