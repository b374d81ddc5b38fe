import { render, screen, within } from '@testing-library/react';
import { demoDiff } from '../../testing/stubEnvironmentsApi';
import { DiffView } from './DiffView';

describe('DiffView', () => {
  it('says when nothing would change', () => {
    render(
      <DiffView
        diff={{ environment: { changes: [] }, services: [], removed: [] }}
      />,
    );

    expect(screen.getByText('Nothing would change.')).toBeInTheDocument();
  });

  it('lists the changes per service, rejected objects and removed services', () => {
    render(
      <DiffView
        diff={{
          environment: {
            changes: [
              {
                ref: { apiVersion: 'v1', kind: 'Secret', name: 'db' },
                action: 'update',
                changes: ['data.password'],
              },
            ],
          },
          services: [
            ...demoDiff.services,
            {
              name: 'demo-web',
              changes: [
                {
                  ref: { apiVersion: 'v1', kind: 'ConfigMap', name: 'web' },
                  action: 'create',
                  error: 'admission webhook denied',
                },
              ],
            },
          ],
          removed: ['demo-old'],
        }}
      />,
    );

    const changes = screen.getByRole('list', { name: 'Changes' });
    expect(
      within(changes).getByText('update Deployment demo-api (spec.template)'),
    ).toBeInTheDocument();
    expect(
      within(changes).getByText(
        'create ConfigMap web: admission webhook denied',
      ),
    ).toBeInTheDocument();
    expect(
      within(changes).getByText('Environment (config and resources)'),
    ).toBeInTheDocument();
    expect(
      within(changes).getByText('update Secret db (data.password)'),
    ).toBeInTheDocument();
    expect(within(changes).getByText('demo-old')).toBeInTheDocument();
    expect(within(changes).getByText('would be removed')).toBeInTheDocument();
  });
});
