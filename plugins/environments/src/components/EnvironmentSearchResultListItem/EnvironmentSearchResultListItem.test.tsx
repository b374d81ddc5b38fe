import { renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { EnvironmentSearchResultListItem } from './EnvironmentSearchResultListItem';

/** An `environment` document as the search collator indexes it. */
const document = {
  title: 'demo-dev',
  text: 'Development environment of the demo shop\nOwner: group:default/platform-team',
  location: '/environments/demo-dev',
  kind: 'environment',
  cluster: 'local',
  namespace: 'demo-dev',
  owner: 'group:default/platform-team',
};

describe('EnvironmentSearchResultListItem', () => {
  it('renders nothing without a result', async () => {
    const { container } = await renderInTestApp(
      <EnvironmentSearchResultListItem />,
    );

    expect(container).toBeEmptyDOMElement();
  });

  it('links the environment to its page, with its text and where it runs', async () => {
    await renderInTestApp(
      <EnvironmentSearchResultListItem
        result={document}
        icon={<span>icon</span>}
      />,
    );

    expect(screen.getByRole('link', { name: 'demo-dev' })).toHaveAttribute(
      'href',
      '/environments/demo-dev',
    );
    expect(
      screen.getByText(/Development environment of the demo shop/),
    ).toBeInTheDocument();
    expect(screen.getByText('Type: Environment')).toBeInTheDocument();
    expect(screen.getByText('Cluster: local')).toBeInTheDocument();
    expect(screen.getByText('Namespace: demo-dev')).toBeInTheDocument();
    expect(
      screen.getByText('Owner: group:default/platform-team'),
    ).toBeInTheDocument();
    expect(screen.getByText('icon')).toBeInTheDocument();
  });

  it('renders feature-branch documents with their base environment', async () => {
    const featureBranch = {
      title: 'feature-31337',
      text: 'Checkout redesign',
      location: '/feature-branches/feature-31337',
      kind: 'feature-branch',
      environment: 'demo-dev',
    };
    await renderInTestApp(
      <EnvironmentSearchResultListItem result={featureBranch} />,
    );

    expect(screen.getByRole('link', { name: 'feature-31337' })).toHaveAttribute(
      'href',
      '/feature-branches/feature-31337',
    );
    expect(screen.getByText('Type: Feature branch')).toBeInTheDocument();
    expect(screen.getByText('Environment: demo-dev')).toBeInTheDocument();
  });

  it('highlights the matched terms', async () => {
    await renderInTestApp(
      <EnvironmentSearchResultListItem
        result={document}
        highlight={{
          preTag: '<em>',
          postTag: '</em>',
          fields: { title: '<em>demo</em>-dev' },
        }}
      />,
    );

    expect(screen.getByText('demo').tagName).toBe('MARK');
  });
});
