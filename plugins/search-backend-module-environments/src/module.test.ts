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
  eventsServiceFactory,
  eventsServiceRef,
  EventsService,
} from '@backstage/plugin-events-node';
import {
  ENVIRONMENTS_OPERATIONS_TOPIC,
  EnvironmentsOperationEvent,
  environmentsServiceRef,
} from '@envmesh/plugin-environments-node';
import { searchModuleEnvironmentsCollator } from './module';

describe('searchModuleEnvironmentsCollator', () => {
  it('registers the environment and feature branch collators with the search plugin, which indexes both', async () => {
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
      listFeatures: async () => [
        {
          name: 'checkout-redesign',
          environment: 'demo-dev',
          owner: 'group:default/team-a',
          source: { branch: 'feature/checkout-redesign' },
          instances: [
            {
              service: 'demo-api',
              imageTag: 'pr-42',
              values: { env: { API_TOKEN: 'tok-9f8e7d' } },
              state: 'ready',
              updatedAt: '2026-01-01T00:00:00.000Z',
            },
          ],
          previewUrls: ['https://checkout-redesign.demo.net'],
          behindBase: [],
          routingHeader: 'X-FEATURE-NAME',
          routing: [{ service: 'demo-api', target: 'feature' }],
          createdAt: '2026-01-01T00:00:00.000Z',
          updatedAt: '2026-01-01T00:00:00.000Z',
        },
      ],
    });

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
                featureBranches: {
                  schedule: {
                    frequency: { minutes: 5 },
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
    expect(tasks.map(t => t.id)).toEqual(
      expect.arrayContaining([
        'search_index_environment',
        'search_index_feature_branch',
      ]),
    );
    await scheduler!.triggerTask('search_index_environment');
    await scheduler!.triggerTask('search_index_feature_branch');

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

    const search = async (query: string) => {
      const res = await fetch(
        `http://localhost:${server.port()}/api/search/query?${query}`,
      );
      expect(res.status).toBe(200);
      return (await res.json()).results;
    };
    // The feature branch's document, found by its name and by a service it runs.
    for (const term of ['checkout', 'demo-api']) {
      expect(await search(`term=${term}&types[0]=feature-branch`)).toEqual([
        {
          type: 'feature-branch',
          document: expect.objectContaining({
            title: 'checkout-redesign',
            location: '/feature-branches/checkout-redesign',
            kind: 'feature-branch',
            environment: 'demo-dev',
            owner: 'group:default/team-a',
            previewUrls: ['https://checkout-redesign.demo.net'],
          }),
          rank: expect.any(Number),
          highlight: expect.anything(),
        },
      ]);
    }
    // A search over every type finds both kinds of documents, and no instance value was indexed.
    const all = await search('term=demo');
    expect(all.map((r: { type: string }) => r.type).sort()).toEqual([
      'environment',
      'feature-branch',
    ]);
    expect(await search('term=tok-9f8e7d')).toEqual([]);
    expect(JSON.stringify(all)).not.toContain('tok-9f8e7d');
  });

  it('indexes again as soon as an envmesh operation ends, not on its start or steps', async () => {
    const summary = {
      name: 'demo-new',
      cluster: 'local',
      namespace: 'demo-new',
      owner: 'group:default/platform-team',
      componentRefs: [],
      services: { total: 1, ready: 1 },
      sleepState: 'awake' as const,
    };
    const list: Array<typeof summary> = [];
    let collations = 0;
    const bridge = environmentsServiceMock({
      listEnvironments: async () => {
        collations += 1;
        return [...list];
      },
      listFeatures: async () => [],
    });
    // Another plugin of the backend, publishing as the environments backend does.
    let events: EventsService | undefined;
    const publisher = createBackendModule({
      pluginId: 'search',
      moduleId: 'test-publisher',
      register(reg) {
        reg.registerInit({
          deps: { e: eventsServiceRef },
          async init({ e }) {
            events = e;
          },
        });
      },
    });
    const { server } = await startTestBackend({
      features: [
        searchPlugin,
        searchModuleEnvironmentsCollator,
        publisher,
        // The real events service: the mock keeps each plugin's events to itself.
        eventsServiceFactory,
        mockServices.rootConfig.factory({
          data: {
            search: {
              collators: {
                environments: {
                  schedule: {
                    frequency: { hours: 6 },
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
    const found = async () => {
      const res = await fetch(
        `http://localhost:${server.port()}/api/search/query?term=demo-new&types[0]=environment`,
      );
      return res.ok ? (await res.json()).results.length : 0;
    };
    const announce = (event: EnvironmentsOperationEvent['event']) => {
      const eventPayload: EnvironmentsOperationEvent = {
        event,
        operationId: 'op-1',
        type: 'create',
        environment: 'demo-new',
        state: event === 'finished' ? 'succeeded' : 'running',
      };
      return events!.publish({
        topic: ENVIRONMENTS_OPERATIONS_TOPIC,
        eventPayload,
      });
    };

    list.push(summary);
    const before = collations;
    await announce('started');
    await announce('stepFinished');
    expect(collations).toBe(before);
    expect(await found()).toBe(0);

    await announce('finished');
    for (let i = 0; i < 50 && (await found()) === 0; i++) {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    expect(await found()).toBe(1);
    expect(collations).toBeGreaterThan(before);
  });
});
