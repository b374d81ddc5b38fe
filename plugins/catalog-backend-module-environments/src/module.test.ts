import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import {
  coreServices,
  createBackendModule,
  createServiceFactory,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { environmentsServiceRef } from '@envmesh/plugin-environments-node';
import { EnvironmentSummary } from '@envmesh/plugin-environments-common';
import { catalogModuleEnvironmentsProvider } from './module';

jest.setTimeout(60_000);

describe('catalogModuleEnvironmentsProvider', () => {
  it('adds the environments to the catalog as Resource entities related to their components', async () => {
    const bridge = environmentsServiceMock({
      listEnvironments: async () => [
        {
          name: 'demo-dev',
          cluster: 'local',
          namespace: 'demo-dev',
          owner: 'group:default/platform-team',
          description: 'Shared development environment',
          componentRefs: ['component:default/demo-api'],
          services: { total: 1, ready: 1 },
          sleepState: 'awake' as const,
        },
      ],
    });

    // Captures the (mock) scheduler the test backend gives the catalog, to run the refresh now.
    let scheduler: SchedulerService | undefined;
    const captureScheduler = createBackendModule({
      pluginId: 'catalog',
      moduleId: 'test-scheduler-capture',
      register(reg) {
        reg.registerInit({
          deps: { s: coreServices.scheduler },
          async init({ s }) {
            scheduler = s;
          },
        });
      },
    });

    const { server } = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleEnvironmentsProvider,
        captureScheduler,
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              providers: { envmesh: { system: 'system:default/envmesh' } },
            },
          },
        }),
        createServiceFactory({
          service: environmentsServiceRef,
          deps: {},
          factory: () => bridge,
        }),
      ],
    });

    await scheduler!.triggerTask('envmesh-environments:refresh');

    const url = `http://localhost:${server.port()}/api/catalog/entities/by-name/resource/default/demo-dev`;
    let entity: any;
    for (let i = 0; i < 100 && !entity?.relations?.length; i++) {
      const response = await fetch(url);
      if (response.ok) {
        entity = await response.json();
      }
      if (!entity?.relations?.length) {
        await new Promise(resolve => setTimeout(resolve, 200));
      }
    }

    expect(entity).toMatchObject({
      kind: 'Resource',
      metadata: {
        name: 'demo-dev',
        annotations: {
          'backstage.io/managed-by-location': 'envmesh:environments/demo-dev',
          'envmesh.io/cluster': 'local',
          'envmesh.io/namespace': 'demo-dev',
        },
      },
      spec: {
        type: 'environment',
        owner: 'group:default/platform-team',
        system: 'system:default/envmesh',
        dependencyOf: ['component:default/demo-api'],
      },
    });
    expect(entity.relations).toEqual(
      expect.arrayContaining([
        {
          type: 'dependencyOf',
          targetRef: 'component:default/demo-api',
        },
        { type: 'ownedBy', targetRef: 'group:default/platform-team' },
        { type: 'partOf', targetRef: 'system:default/envmesh' },
      ]),
    );
  });

  it('shows a new environment in the catalog at the next change check, without waiting for the scheduled refresh', async () => {
    const env = (name: string): EnvironmentSummary => ({
      name,
      cluster: 'local',
      namespace: name,
      owner: 'group:default/platform-team',
      componentRefs: [],
      services: { total: 0, ready: 0 },
      sleepState: 'awake' as const,
    });
    let list = [env('demo-dev')];
    const listEnvironments = jest.fn(async () => list);
    const bridge = environmentsServiceMock({ listEnvironments });

    let scheduler: SchedulerService | undefined;
    const captureScheduler = createBackendModule({
      pluginId: 'catalog',
      moduleId: 'test-scheduler-capture',
      register(reg) {
        reg.registerInit({
          deps: { s: coreServices.scheduler },
          async init({ s }) {
            scheduler = s;
          },
        });
      },
    });

    const { server } = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleEnvironmentsProvider,
        captureScheduler,
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              providers: {
                envmesh: {
                  // The full refresh would come only in a day; the change check is what the test runs.
                  schedule: {
                    frequency: { hours: 24 },
                    timeout: { minutes: 3 },
                    initialDelay: { hours: 24 },
                  },
                  changeCheckInterval: { seconds: 2 },
                },
              },
            },
          },
        }),
        createServiceFactory({
          service: environmentsServiceRef,
          deps: {},
          factory: () => bridge,
        }),
      ],
    });
    const tasks = await scheduler!.getScheduledTasks();
    expect(tasks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'envmesh-environments:change-check',
          scope: 'local',
        }),
        expect.objectContaining({ id: 'envmesh-environments:refresh' }),
      ]),
    );

    const names = async () => {
      const response = await fetch(
        `http://localhost:${server.port()}/api/catalog/entities/by-query?filter=kind=resource,spec.type=environment`,
      );
      expect(response.status).toBe(200);
      const { items } = await response.json();
      return items.map((e: any) => e.metadata.name).sort();
    };
    const eventually = async (expected: string[]) => {
      let last: string[] = [];
      for (let i = 0; i < 100; i++) {
        last = await names();
        if (JSON.stringify(last) === JSON.stringify(expected)) return last;
        await new Promise(resolve => setTimeout(resolve, 200));
      }
      return last;
    };

    // The first check after start applies the environments (the refresh task has an initial delay).
    await scheduler!.triggerTask('envmesh-environments:change-check');
    expect(await eventually(['demo-dev'])).toEqual(['demo-dev']);

    // An environment is created: the next change check, not the scheduled refresh, brings it.
    list = [env('demo-dev'), env('team-a-dev')];
    await scheduler!.triggerTask('envmesh-environments:change-check');
    expect(await eventually(['demo-dev', 'team-a-dev'])).toEqual([
      'demo-dev',
      'team-a-dev',
    ]);

    // And one deleted goes away the same way.
    list = [env('team-a-dev')];
    await scheduler!.triggerTask('envmesh-environments:change-check');
    expect(await eventually(['team-a-dev'])).toEqual(['team-a-dev']);
  });
});
