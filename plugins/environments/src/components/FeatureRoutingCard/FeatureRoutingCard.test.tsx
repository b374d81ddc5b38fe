import { fireEvent, screen } from '@testing-library/react';
import { demoFeature } from '../../testing/stubEnvironmentsApi';
import { specErrors } from '../../__testUtils__/openApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { FeatureRoutingCard } from './FeatureRoutingCard';

jest.setTimeout(30_000);

/** A feature of a 300-service environment that replaces 3 of them. */
const routing = Array.from({ length: 300 }, (_, i) => ({
  service: `svc-${String(i).padStart(3, '0')}`,
  target: (i % 100 === 7 ? 'feature' : 'default') as 'feature' | 'default',
}));
const bigFeature = { ...demoFeature, routing };

const chips = () => screen.queryAllByText(/ → /);

describe('FeatureRoutingCard', () => {
  it('shows every service of a small environment', async () => {
    await renderWithApis(<FeatureRoutingCard feature={demoFeature} />);

    expect(screen.getByText('demo-api → feature-31337')).toBeInTheDocument();
    expect(screen.getByText('demo-orders → default')).toBeInTheDocument();
    expect(chips()).toHaveLength(2);
    expect(screen.queryByText(/others? falls? back/)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Show all' })).toBeNull();
  });

  it('with 300 services, shows the feature services and counts the others, all on demand', async () => {
    expect(specErrors('get', '/features/{feature}', bigFeature)).toEqual([]);
    await renderWithApis(<FeatureRoutingCard feature={bigFeature} />);

    expect(chips().map(c => c.textContent)).toEqual([
      'svc-007 → feature-31337',
      'svc-107 → feature-31337',
      'svc-207 → feature-31337',
    ]);
    expect(
      screen.getByText('297 others fall back to default'),
    ).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Show all' }));
    expect(chips()).toHaveLength(300);
    expect(screen.getByText('svc-299 → default')).toBeInTheDocument();
    expect(screen.queryByText(/others fall back/)).toBeNull();

    fireEvent.click(
      screen.getByRole('button', { name: 'Show the feature services only' }),
    );
    expect(chips()).toHaveLength(3);
  });

  it('says when every service of a large environment answers for the feature', async () => {
    await renderWithApis(
      <FeatureRoutingCard
        feature={{
          ...demoFeature,
          routing: routing.map(r => ({ ...r, target: 'feature' as const })),
        }}
      />,
    );

    expect(chips()).toHaveLength(300);
    expect(screen.queryByText(/fall back/)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Show all' })).toBeNull();
  });
});
