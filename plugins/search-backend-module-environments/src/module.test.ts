import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import {
  coreServices,
  createBackendModule,
  createServiceFactory,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import searchPlugin from '@backstage/plugin-search-backend';
import {
  environmentsServiceRef,
  EnvironmentsServiceBridge,
} from '@envmesh/plugin-environments-node';
import { searchModuleEnvironmentsCollator } from './module';

describe('searchModuleEnvironmentsCollator', () => {
  it('registers the environment collator with the search plugin, which indexes the environments', async () => {
    const bridge = new EnvironmentsServiceBridge();
    bridge.attach(
      environmentsServiceMock({
        listEnvironments: async () => [
          {
            name: 'demo-dev',
            cluster: 'local',
            namespace: 'demo-dev',
            owner: 'group:default/platform-team',
            description: 'Shared development environment',
            componentRefs: ['component:default/demo-api'],
            services: { total: 1, ready: 1 },
          },
        ],
      }),
    );

    // Captures the (mock) scheduler the test backend gives the search plugin, to run the collation now.
    let scheduler: SchedulerService | undefined;
    const captureScheduler = createBackendModule({
      pluginId: 'search',
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
        searchPlugin,
        searchModuleEnvironmentsCollator,
        captureScheduler,
        mockServices.rootConfig.factory({
          data: {
            search: {
              collators: {
                environments: {
                  schedule: {
                    frequency: { minutes: 30 },
                    timeout: { minutes: 1 },
                  },
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
    expect(tasks.map(t => t.id)).toContain('search_index_environment');
    await scheduler!.triggerTask('search_index_environment');

    const response = await fetch(
      `http://localhost:${server.port()}/api/search/query?term=demo&types[0]=environment`,
    );

    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.results).toEqual([
      expect.objectContaining({
        type: 'environment',
        document: expect.objectContaining({
          title: 'demo-dev',
          location: '/environments/demo-dev',
          kind: 'environment',
          cluster: 'local',
          namespace: 'demo-dev',
          owner: 'group:default/platform-team',
        }),
      }),
    ]);
  });
});
