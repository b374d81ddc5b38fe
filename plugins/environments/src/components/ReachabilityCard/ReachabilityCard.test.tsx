import { fireEvent, screen } from '@testing-library/react';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { FeatureReachability } from '../../api/types';
import { PropagationCard } from './PropagationCard';
import { ReachabilityCard } from './ReachabilityCard';

jest.setTimeout(30_000);

const fromUi: FeatureReachability = {
  feature: 'feature-31337',
  environment: 'demo-dev',
  entry: 'demo-ui',
  baggage: false,
  summary: '1 of 2 instance(s) of feature-31337 reachable from demo-ui',
  instances: [
    {
      service: 'demo-api',
      path: ['demo-ui', 'demo-api'],
      message: 'reached: demo-ui → demo-api',
    },
    {
      service: 'demo-payments',
      lostAt: { service: 'demo-orders', reason: 'does-not-forward' },
      message: 'not reached: demo-orders does not forward the routing header',
    },
  ],
};

describe('ReachabilityCard', () => {
  it('shows which instances a request from the preview service reaches, and where the header is lost', async () => {
    const asked: Array<string | undefined> = [];
    await renderWithApis(<ReachabilityCard feature="feature-31337" />, {
      api: {
        getFeatureReachability: async (feature, entry) => {
          expect(feature).toBe('feature-31337');
          asked.push(entry);
          return entry
            ? {
                ...fromUi,
                entry,
                summary: `0 of 2 instance(s) of feature-31337 reachable from ${entry}`,
                instances: fromUi.instances.map(i => ({
                  service: i.service,
                  message: `not reached: no service on a call path from ${entry} calls it`,
                })),
              }
            : fromUi;
        },
      },
    });

    expect(await screen.findByText(fromUi.summary)).toBeInTheDocument();
    expect(screen.getByText('demo-ui → demo-api')).toBeInTheDocument();
    expect(
      screen.getByText('demo-orders does not forward the routing header'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/1 instance\(s\) not reached from demo-ui/),
    ).toBeInTheDocument();

    fireEvent.change(screen.getByLabelText('Entry service'), {
      target: { value: 'demo-orders' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect(
      await screen.findByText(
        '0 of 2 instance(s) of feature-31337 reachable from demo-orders',
      ),
    ).toBeInTheDocument();
    expect(asked).toEqual([undefined, 'demo-orders']);
  });

  it("says why the pre-flight could not run, in the backend's words", async () => {
    await renderWithApis(<ReachabilityCard feature="feature-31337" />, {
      api: {
        getFeatureReachability: async () => {
          throw new Error(
            "entry: environment 'demo-dev' has no previewService; name the service a request enters by",
          );
        },
      },
    });
    expect(
      await screen.findByText(/The pre-flight could not run/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/has no previewService; name the service/),
    ).toBeInTheDocument();
  });
});

describe('PropagationCard', () => {
  it("summarises the environment's header propagation", async () => {
    await renderWithApis(<PropagationCard environment="demo-dev" />, {
      api: {
        getEnvironmentReachability: async name => ({
          environment: name,
          entry: 'demo-ui',
          baggage: false,
          summary: '',
          instances: [],
          propagation: {
            services: 5,
            doesNotForward: ['demo-orders'],
            unknown: ['config-service'],
            withoutSidecar: [],
            hidden: ['demo-payments'],
            summary:
              '2 of 5 services may not forward the routing header (1 do not, 1 do not say, 0 have no sidecar); from demo-ui they hide the feature instances of 1 others',
          },
        }),
      },
    });
    expect(
      await screen.findByText(/2 of 5 services may not forward/),
    ).toBeInTheDocument();
    expect(screen.getByText('Do not forward: demo-orders')).toBeInTheDocument();
    expect(
      screen.getByText('Feature instances hidden: demo-payments'),
    ).toBeInTheDocument();
    expect(screen.getByText('Without a sidecar: none')).toBeInTheDocument();
  });
});
