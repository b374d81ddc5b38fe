import { fireEvent, screen } from '@testing-library/react';
import { RouteHop, TraceRouteRequest } from '../../api/types';
import { demoFeature } from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { TraceRequestCard } from './TraceRequestCard';

jest.setTimeout(30_000);

/** What the backend answers for demoFeature's chain: its instance with the header, the base without. */
function hops(request: TraceRouteRequest): RouteHop[] {
  const featured = request.headers?.['X-Dev-Branch'] === demoFeature.name;
  return (request.chain ?? []).map(service => {
    const toFeature = featured && service === 'demo-api';
    return {
      service,
      host: service,
      virtualService: service,
      rule: toFeature
        ? { index: 0, name: `envmesh-${demoFeature.name}` }
        : { index: 1, name: 'default' },
      destination: {
        host: service,
        subset: toFeature ? demoFeature.name : 'default',
      },
      pods: toFeature
        ? [`${service}-${demoFeature.name}-7c9f-x1`]
        : [`${service}-5d4f-a1`, `${service}-5d4f-b2`],
      reason: toFeature ? 'rule matched' : 'rule default applied',
    };
  });
}

describe('TraceRequestCard', () => {
  it('traces the feature services with the configured header and without it', async () => {
    const requests: TraceRouteRequest[] = [];
    await renderWithApis(<TraceRequestCard feature={demoFeature} />, {
      api: {
        traceRoute: async (name, request) => {
          expect(name).toBe(demoFeature.environment);
          requests.push(request);
          return { hops: hops(request), withoutSidecar: ['legacy-batch'] };
        },
      },
    });
    expect(
      screen.getByText(/with X-Dev-Branch: feature-31337 and without it/),
    ).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Trace' }));

    expect(
      await screen.findByText('With X-Dev-Branch: feature-31337'),
    ).toBeInTheDocument();
    const chain = demoFeature.instances.map(i => i.service);
    expect(requests).toEqual(
      expect.arrayContaining([
        { chain, headers: { 'X-Dev-Branch': 'feature-31337' } },
        { chain },
      ]),
    );
    // The feature's pod answers with the header; plain requests reach the base pods only.
    expect(
      screen.getByText('demo-api-feature-31337-7c9f-x1'),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText('demo-api-5d4f-a1, demo-api-5d4f-b2'),
    ).toHaveLength(1);
    expect(screen.getByText('demo-api / feature-31337')).toBeInTheDocument();
    expect(screen.getByText(/1 without a sidecar/)).toBeInTheDocument();
  });

  it('says why a trace failed', async () => {
    await renderWithApis(<TraceRequestCard feature={demoFeature} />, {
      api: {
        traceRoute: async () => {
          throw new Error('cluster local is unavailable');
        },
      },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Trace' }));
    expect(
      await screen.findByText(/cluster local is unavailable/),
    ).toBeInTheDocument();
  });
});
