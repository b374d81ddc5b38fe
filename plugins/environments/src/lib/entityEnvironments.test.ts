import { Entity } from '@backstage/catalog-model';
import { EnvironmentSummary } from '@envmesh/plugin-environments-common';
import { Environment, EnvironmentStatus } from '../api/types';
import {
  demoApiComponent,
  demoServices,
  demoStatus,
  stubEnvironmentsApi,
} from '../testing/stubEnvironmentsApi';
import {
  findEntityEnvironments,
  isEnvironmentsAvailable,
} from './entityEnvironments';

const summary = (
  name: string,
  componentRefs: string[] = [],
): EnvironmentSummary => ({
  name,
  cluster: 'local',
  namespace: name,
  owner: 'group:default/platform-team',
  componentRefs,
  services: { total: 2, ready: 2 },
  sleepState: 'awake' as const,
});

const component = (name: string, kubernetesId?: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    ...(kubernetesId
      ? { annotations: { 'backstage.io/kubernetes-id': kubernetesId } }
      : {}),
  },
});

describe('isEnvironmentsAvailable', () => {
  it('is true for components with the kubernetes-id annotation only', () => {
    expect(isEnvironmentsAvailable(demoApiComponent)).toBe(true);
    expect(isEnvironmentsAvailable(component('demo-api'))).toBe(false);
    expect(
      isEnvironmentsAvailable({
        ...demoApiComponent,
        kind: 'Resource',
      }),
    ).toBe(false);
  });
});

describe('findEntityEnvironments', () => {
  it('reads only the environments that list the component, matching its ref whatever the case or defaults', async () => {
    const getStatus = jest.fn(async (_name: string) => demoStatus);
    const api = stubEnvironmentsApi({
      listEnvironments: async () => ({
        items: [
          summary('a', ['Component:default/Demo-API']),
          summary('b', ['demo-api']),
          summary('c', ['component:default/other']),
        ],
      }),
      listServices: async () => ({ items: demoServices }),
      getStatus,
    });

    const rows = await findEntityEnvironments(api, demoApiComponent);

    expect(rows.map(r => [r.environment.name, r.service, r.version])).toEqual([
      ['a', 'demo-api', '1.4.0'],
      ['b', 'demo-api', '1.4.0'],
    ]);
    expect(getStatus.mock.calls.map(([name]) => name)).toEqual(['a', 'b']);
  });

  it('matches a service named like the kubernetes-id that the registry links to no component, in every environment', async () => {
    const status = (services: string[]): EnvironmentStatus => ({
      services: services.map(name => ({
        ...demoStatus.services[1],
        name,
      })),
    });
    const api = stubEnvironmentsApi({
      listEnvironments: async () => ({
        items: [summary('x'), summary('y')],
      }),
      // demo-web has no catalogEntityRef.
      listServices: async () => ({ items: demoServices }),
      getStatus: async name =>
        status(name === 'x' ? ['demo-web', 'demo-api'] : ['demo-api']),
    });

    const rows = await findEntityEnvironments(
      api,
      component('web-frontend', 'demo-web'),
    );

    expect(rows.map(r => [r.environment.name, r.service])).toEqual([
      ['x', 'demo-web'],
    ]);
  });

  it('does not match a service by name when the registry links it to another component', async () => {
    const listEnvironments = jest.fn(async () => ({ items: [summary('x')] }));
    const api = stubEnvironmentsApi({
      listEnvironments,
      listServices: async () => ({ items: demoServices }),
    });

    await expect(
      findEntityEnvironments(api, component('impostor', 'demo-api')),
    ).resolves.toEqual([]);
  });

  it('falls back to the stored environment when the cluster cannot be read', async () => {
    const unreachable = new Error("cluster 'local' is unreachable");
    const api = stubEnvironmentsApi({
      listEnvironments: async () => ({
        items: [summary('a', ['component:default/demo-api'])],
      }),
      listServices: async () => ({ items: demoServices }),
      getStatus: async () => {
        throw unreachable;
      },
      getEnvironment: async name =>
        ({
          name,
          services: [{ name: 'demo-api', imageTag: '2.0.0' }, { name: 'x' }],
        } as Environment),
    });

    await expect(
      findEntityEnvironments(api, demoApiComponent),
    ).resolves.toEqual([
      {
        environment: summary('a', ['component:default/demo-api']),
        service: 'demo-api',
        version: '2.0.0',
        statusError: unreachable,
      },
    ]);
  });
});
