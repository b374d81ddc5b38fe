import { render, screen, waitFor } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import notificationsPlugin from '@backstage/plugin-notifications/alpha';
import environmentsPlugin from '@envmesh/plugin-environments/alpha';
import App from './App';
import { navModule } from './modules/nav';

describe('App', () => {
  it('should render', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Test' },
            backend: { baseUrl: 'http://localhost:7007' },
            techdocs: {
              storageUrl: 'http://localhost:7007/api/techdocs/static/docs',
            },
          },
          context: 'test',
        },
      ] as any,
    };

    const rendered = render(App.createRoot());

    await waitFor(() => {
      expect(rendered.baseElement).toBeInTheDocument();
    });
  });

  it('shows the environments page in the sidebar', async () => {
    // The notifications plugin backs the sidebar's NotificationsSidebarItem.
    renderTestApp({
      features: [environmentsPlugin, notificationsPlugin, navModule],
    });

    expect(
      await screen.findByRole('link', { name: 'Environments' }),
    ).toHaveAttribute('href', '/environments');
  });
});
