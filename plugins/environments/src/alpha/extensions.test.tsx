import {
  createExtensionTester,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { SearchResultListItemBlueprint } from '@backstage/plugin-search-react/alpha';
import { screen } from '@testing-library/react';
import { environmentsApiRef } from '../api';
import {
  demoApiComponent,
  demoServices,
  demoStatus,
  stubEnvironmentsApi,
} from '../testing/stubEnvironmentsApi';
import { permissionApi } from '../__testUtils__/renderWithApis';
import { entityEnvironmentsCard, entityEnvironmentsContent } from './entity';
import { environmentsPlugin } from './plugin';
import { rootRouteRef } from './routes';
import { environmentSearchResultListItem } from './search';

jest.setTimeout(30_000);

const environmentsApi = stubEnvironmentsApi({
  listEnvironments: async () => ({
    items: [
      {
        name: 'demo',
        cluster: 'local',
        namespace: 'demo',
        owner: 'group:default/platform-team',
        componentRefs: ['component:default/demo-api'],
        services: { total: 2, ready: 1 },
        sleepState: 'awake' as const,
      },
    ],
  }),
  listServices: async () => ({ items: demoServices }),
  getStatus: async () => demoStatus,
});

const apis = [
  [environmentsApiRef, environmentsApi],
  [permissionApiRef, permissionApi()],
] as const;

const slow = { timeout: 10_000 };

const withoutAnnotation = {
  ...demoApiComponent,
  metadata: { name: 'demo-api' },
};

describe('the alpha plugin', () => {
  it('provides the entity tab, the entity card and the search result item', () => {
    // getExtension throws for an extension the plugin does not have.
    for (const id of [
      'entity-content:environments/environments',
      'entity-card:environments/environments',
      'search-result-list-item:environments/environments',
    ]) {
      expect(environmentsPlugin.getExtension(id as never)).toMatchObject({
        name: 'environments',
        namespace: 'environments',
      });
    }
  });
});

describe('entityEnvironmentsContent', () => {
  it('is an "Environments" tab at environments/ for components with a kubernetes-id', () => {
    const tester = createExtensionTester(entityEnvironmentsContent);

    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe(
      'Environments',
    );
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction);
    expect(filter!(demoApiComponent)).toBe(true);
    expect(filter!(withoutAnnotation)).toBe(false);
    expect(filter!({ ...demoApiComponent, kind: 'System' })).toBe(false);
  });

  it('renders where the component runs', async () => {
    const tester = createExtensionTester(entityEnvironmentsContent);

    renderInTestApp(
      <EntityProvider entity={demoApiComponent}>
        {tester.reactElement()}
      </EntityProvider>,
      { apis, mountedRoutes: { '/environments': rootRouteRef } },
    );

    expect(
      await screen.findByRole('link', { name: 'demo' }, slow),
    ).toHaveAttribute('href', '/environments/demo');
    expect(await screen.findByText('2/2 ready', {}, slow)).toBeInTheDocument();
  });
});

describe('entityEnvironmentsCard', () => {
  it('is shown for components with a kubernetes-id and renders where the component runs', async () => {
    const tester = createExtensionTester(entityEnvironmentsCard);
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction);
    expect(filter!(demoApiComponent)).toBe(true);
    expect(filter!(withoutAnnotation)).toBe(false);
    // An info card: the overview shows it in the column of the About card.
    expect(tester.get(EntityCardBlueprint.dataRefs.type)).toBe('info');

    renderInTestApp(
      <EntityProvider entity={demoApiComponent}>
        {tester.reactElement()}
      </EntityProvider>,
      { apis, mountedRoutes: { '/environments': rootRouteRef } },
    );

    expect(
      await screen.findByRole('list', { name: 'Environments' }, slow),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'demo' })).toHaveAttribute(
      'href',
      '/environments/demo',
    );
  });
});

describe('environmentSearchResultListItem', () => {
  it('takes environment and feature-branch results only', () => {
    const { predicate } = createExtensionTester(
      environmentSearchResultListItem,
    ).get(SearchResultListItemBlueprint.dataRefs.item);
    const result = (type: string) => ({
      type,
      document: { title: 't', text: '', location: '/' },
    });

    expect(predicate?.(result('environment'))).toBe(true);
    expect(predicate?.(result('feature-branch'))).toBe(true);
    expect(predicate?.(result('software-catalog'))).toBe(false);
  });

  it('renders an environment document', async () => {
    const { component: Item } = createExtensionTester(
      environmentSearchResultListItem,
    ).get(SearchResultListItemBlueprint.dataRefs.item);

    renderInTestApp(
      <Item
        result={{
          title: 'demo-dev',
          text: 'Owner: group:default/platform-team',
          location: '/environments/demo-dev',
          kind: 'environment',
          cluster: 'local',
        }}
      />,
    );

    expect(
      await screen.findByRole('link', { name: 'demo-dev' }, slow),
    ).toHaveAttribute('href', '/environments/demo-dev');
    expect(screen.getByText('Cluster: local')).toBeInTheDocument();
  });
});
