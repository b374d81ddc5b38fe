import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import { SchedulerServiceTaskInvocationDefinition } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { EntityProviderConnection } from '@backstage/plugin-catalog-node';
import { EnvironmentSummary } from '@envmesh/plugin-environments-common';
import { DefaultEventsService } from '@backstage/plugin-events-node';
import {
  ENVIRONMENTS_OPERATIONS_TOPIC,
  EnvironmentsOperationEvent,
} from '@envmesh/plugin-environments-node';
import { EnvironmentsEntityProvider } from './EnvironmentsEntityProvider';

const environments: EnvironmentSummary[] = [
  {
    name: 'demo-dev',
    cluster: 'local',
    namespace: 'demo-dev',
    owner: 'group:default/platform-team',
    description: 'Shared development environment',
    componentRefs: ['component:default/demo-api', 'demo-web'],
    services: { total: 5, ready: 4 },
    sleepState: 'awake' as const,
  },
  {
    name: 'demo-test',
    cluster: 'staging',
    namespace: 'demo-test-ns',
    owner: 'group:default/qa',
    componentRefs: [],
    services: { total: 0, ready: 0 },
    sleepState: 'awake' as const,
  },
];

function attachedBridge(list: () => Promise<EnvironmentSummary[]>) {
  const bridge = environmentsServiceMock({ listEnvironments: list });
  return bridge;
}

function fakeConnection() {
  return {
    applyMutation: jest.fn(async () => {}),
    refresh: jest.fn(async () => {}),
  } satisfies EntityProviderConnection;
}

/** A mock scheduler that keeps the tasks given to its runners, by id. */
function capturingScheduler() {
  const scheduler = mockServices.scheduler.mock();
  const tasks = new Map<string, SchedulerServiceTaskInvocationDefinition>();
  scheduler.createScheduledTaskRunner.mockImplementation(() => ({
    run: async task => {
      tasks.set(task.id, task);
    },
  }));
  return { scheduler, tasks };
}

describe('EnvironmentsEntityProvider', () => {
  it('provides one Resource entity per environment as a full mutation', async () => {
    const provider = new EnvironmentsEntityProvider({
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
      environments: attachedBridge(async () => environments),
    });
    const connection = fakeConnection();
    await provider.connect(connection);
    await provider.refresh();

    expect(provider.getProviderName()).toBe('envmesh-environments');
    expect(connection.applyMutation).toHaveBeenCalledTimes(1);
    expect(connection.applyMutation).toHaveBeenCalledWith({
      type: 'full',
      entities: [
        {
          locationKey: 'envmesh-environments',
          entity: {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Resource',
            metadata: {
              name: 'demo-dev',
              title: 'demo-dev',
              description: 'Shared development environment',
              annotations: {
                'backstage.io/managed-by-location':
                  'envmesh:environments/demo-dev',
                'backstage.io/managed-by-origin-location':
                  'envmesh:environments/demo-dev',
                'envmesh.io/cluster': 'local',
                'envmesh.io/namespace': 'demo-dev',
              },
            },
            spec: {
              type: 'environment',
              owner: 'group:default/platform-team',
              dependencyOf: [
                'component:default/demo-api',
                'component:default/demo-web',
              ],
            },
          },
        },
        {
          locationKey: 'envmesh-environments',
          entity: {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Resource',
            metadata: {
              name: 'demo-test',
              title: 'demo-test',
              description:
                'envmesh environment in namespace demo-test-ns of cluster staging',
              annotations: {
                'backstage.io/managed-by-location':
                  'envmesh:environments/demo-test',
                'backstage.io/managed-by-origin-location':
                  'envmesh:environments/demo-test',
                'envmesh.io/cluster': 'staging',
                'envmesh.io/namespace': 'demo-test-ns',
              },
            },
            spec: {
              type: 'environment',
              owner: 'group:default/qa',
            },
          },
        },
      ],
    });
    // toHaveBeenCalledWith treats undefined properties as absent; make sure none are there.
    const [{ entities }] = connection.applyMutation.mock.calls[0] as any;
    expect(Object.keys(entities[1].entity.spec)).toEqual(['type', 'owner']);
  });

  it('sets spec.system from config and refreshes on the configured schedule', async () => {
    const { scheduler, tasks } = capturingScheduler();
    const provider = EnvironmentsEntityProvider.fromConfig(
      mockServices.rootConfig({
        data: {
          catalog: {
            providers: {
              envmesh: {
                system: 'system:default/envmesh',
                schedule: {
                  frequency: { minutes: 1 },
                  timeout: { seconds: 30 },
                },
              },
            },
          },
        },
      }),
      {
        logger: mockServices.logger.mock(),
        auth: mockServices.auth(),
        scheduler,
        environments: attachedBridge(async () => [environments[1]]),
      },
    );
    const connection = fakeConnection();
    await provider.connect(connection);

    expect(scheduler.createScheduledTaskRunner).toHaveBeenCalledWith({
      frequency: { minutes: 1 },
      timeout: { seconds: 30 },
    });
    expect([...tasks.keys()]).toEqual([
      'envmesh-environments:refresh',
      'envmesh-environments:change-check',
    ]);
    expect(connection.applyMutation).not.toHaveBeenCalled();

    await tasks
      .get('envmesh-environments:refresh')!
      .fn(new AbortController().signal);
    expect(connection.applyMutation).toHaveBeenCalledWith({
      type: 'full',
      entities: [
        expect.objectContaining({
          entity: expect.objectContaining({
            spec: {
              type: 'environment',
              owner: 'group:default/qa',
              system: 'system:default/envmesh',
            },
          }),
        }),
      ],
    });
  });

  it('refreshes every 5 minutes by default', () => {
    const scheduler = mockServices.scheduler.mock();
    EnvironmentsEntityProvider.fromConfig(mockServices.rootConfig(), {
      logger: mockServices.logger.mock(),
      auth: mockServices.auth(),
      scheduler,
      environments: attachedBridge(async () => []),
    });
    expect(scheduler.createScheduledTaskRunner).toHaveBeenCalledWith(
      expect.objectContaining({ frequency: { minutes: 5 } }),
    );
  });

  it('replaces nothing when the environments cannot be read', async () => {
    const logger = mockServices.logger.mock();
    let task: SchedulerServiceTaskInvocationDefinition | undefined;
    const provider = new EnvironmentsEntityProvider({
      auth: mockServices.auth(),
      logger,
      environments: attachedBridge(async () => {
        throw new Error('store unavailable');
      }),
      taskRunner: {
        run: async t => {
          task = t;
        },
      },
    });
    const connection = fakeConnection();
    await provider.connect(connection);

    await expect(provider.refresh()).rejects.toThrow('store unavailable');
    await task!.fn(new AbortController().signal);
    expect(connection.applyMutation).not.toHaveBeenCalled();
    expect(logger.error).toHaveBeenCalledWith(
      'Refreshing the envmesh environment entities failed',
      new Error('store unavailable'),
    );
  });

  it('skips environments with invalid names and invalid component refs, and takes no other fields', async () => {
    const provider = new EnvironmentsEntityProvider({
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
      environments: attachedBridge(async () => [
        { ...environments[1], name: 'Not A Name' },
        {
          ...environments[1],
          componentRefs: ['component:default/ok', 'component:'],
          secrets: { DB_PASSWORD: 'hunter2' },
        } as EnvironmentSummary,
      ]),
    });
    const connection = fakeConnection();
    await provider.connect(connection);
    await provider.refresh();

    const [{ entities }] = connection.applyMutation.mock.calls[0] as any;
    expect(entities).toHaveLength(1);
    expect(entities[0].entity.metadata.name).toBe('demo-test');
    expect(entities[0].entity.spec.dependencyOf).toEqual([
      'component:default/ok',
    ]);
    expect(JSON.stringify(entities)).not.toMatch(/hunter2|secrets/);
  });

  it('cannot refresh before the catalog connected it', async () => {
    const provider = new EnvironmentsEntityProvider({
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
      environments: attachedBridge(async () => environments),
    });
    await expect(provider.refresh()).rejects.toThrow(/not connected/);
  });

  describe('change check', () => {
    it('runs every 10 seconds by default, on each backend instance', () => {
      const scheduler = mockServices.scheduler.mock();
      EnvironmentsEntityProvider.fromConfig(mockServices.rootConfig(), {
        logger: mockServices.logger.mock(),
        auth: mockServices.auth(),
        scheduler,
        environments: attachedBridge(async () => []),
      });
      expect(scheduler.createScheduledTaskRunner).toHaveBeenCalledWith({
        frequency: { seconds: 10 },
        timeout: { minutes: 2 },
        scope: 'local',
      });
    });

    it('takes its interval from config, as a duration object or an ISO duration', () => {
      for (const changeCheckInterval of [{ seconds: 2 }, 'PT2S']) {
        const scheduler = mockServices.scheduler.mock();
        EnvironmentsEntityProvider.fromConfig(
          mockServices.rootConfig({
            data: {
              catalog: { providers: { envmesh: { changeCheckInterval } } },
            },
          }),
          {
            logger: mockServices.logger.mock(),
            auth: mockServices.auth(),
            scheduler,
            environments: attachedBridge(async () => []),
          },
        );
        expect(scheduler.createScheduledTaskRunner).toHaveBeenCalledWith(
          expect.objectContaining({ frequency: { seconds: 2 } }),
        );
      }
    });

    it('rejects an invalid interval', () => {
      expect(() =>
        EnvironmentsEntityProvider.fromConfig(
          mockServices.rootConfig({
            data: {
              catalog: {
                providers: { envmesh: { changeCheckInterval: 'soon' } },
              },
            },
          }),
          {
            logger: mockServices.logger.mock(),
            auth: mockServices.auth(),
            scheduler: mockServices.scheduler.mock(),
            environments: attachedBridge(async () => []),
          },
        ),
      ).toThrow(/catalog\.providers\.envmesh\.changeCheckInterval/);
    });

    it('replaces the entities only when an environment was added, changed or removed', async () => {
      let list: EnvironmentSummary[] = [environments[0]];
      const provider = new EnvironmentsEntityProvider({
        auth: mockServices.auth(),
        logger: mockServices.logger.mock(),
        environments: attachedBridge(async () => list),
      });
      const connection = fakeConnection();
      await provider.connect(connection);
      const names = () =>
        (connection.applyMutation.mock.calls.at(-1) as any)[0].entities.map(
          (e: any) => e.entity.metadata.name,
        );

      // Nothing applied yet: the first check applies.
      expect(await provider.refreshIfChanged()).toBe(true);
      expect(names()).toEqual(['demo-dev']);
      // Unchanged, or changed only in what the entities do not show (readiness), or in another order.
      expect(await provider.refreshIfChanged()).toBe(false);
      list = [{ ...environments[0], services: { total: 5, ready: 5 } }];
      expect(await provider.refreshIfChanged()).toBe(false);
      list = [
        {
          ...environments[0],
          componentRefs: [...environments[0].componentRefs].reverse(),
        },
      ];
      expect(await provider.refreshIfChanged()).toBe(false);
      expect(connection.applyMutation).toHaveBeenCalledTimes(1);

      list = [environments[0], environments[1]];
      expect(await provider.refreshIfChanged()).toBe(true);
      expect(names()).toEqual(['demo-dev', 'demo-test']);

      list = [
        environments[0],
        { ...environments[1], owner: 'group:default/b' },
      ];
      expect(await provider.refreshIfChanged()).toBe(true);

      list = [environments[1]];
      expect(await provider.refreshIfChanged()).toBe(true);
      expect(names()).toEqual(['demo-test']);
      expect(connection.applyMutation).toHaveBeenCalledTimes(4);
    });

    it('checks at once when the environments backend announces an ended operation', async () => {
      let list: EnvironmentSummary[] = [environments[0]];
      const events = DefaultEventsService.create({
        logger: mockServices.logger.mock(),
      });
      const provider = new EnvironmentsEntityProvider({
        auth: mockServices.auth(),
        logger: mockServices.logger.mock(),
        environments: attachedBridge(async () => list),
        events,
      });
      const connection = fakeConnection();
      await provider.connect(connection);
      const announce = (
        event: EnvironmentsOperationEvent['event'],
        state: EnvironmentsOperationEvent['state'] = 'succeeded',
      ) => {
        const eventPayload: EnvironmentsOperationEvent = {
          event,
          operationId: 'op-1',
          type: 'create',
          environment: 'demo-test',
          state,
        };
        return events.publish({
          topic: ENVIRONMENTS_OPERATIONS_TOPIC,
          eventPayload,
        });
      };

      await announce('finished');
      expect(connection.applyMutation).toHaveBeenCalledTimes(1);
      list = [environments[0], environments[1]];
      // A running operation's start and steps change nothing the entities say: no check yet.
      await announce('started', 'running');
      await announce('stepFinished', 'running');
      expect(connection.applyMutation).toHaveBeenCalledTimes(1);
      await announce('finished');
      expect(connection.applyMutation).toHaveBeenCalledTimes(2);
      expect(
        (connection.applyMutation.mock.calls.at(-1) as any)[0].entities.map(
          (e: any) => e.entity.metadata.name,
        ),
      ).toEqual(['demo-dev', 'demo-test']);
      // Another topic is not this provider's business.
      list = [];
      await events.publish({ topic: 'other', eventPayload: {} });
      expect(connection.applyMutation).toHaveBeenCalledTimes(2);
    });

    it('does not apply again what the scheduled refresh just applied', async () => {
      const provider = new EnvironmentsEntityProvider({
        auth: mockServices.auth(),
        logger: mockServices.logger.mock(),
        environments: attachedBridge(async () => environments),
      });
      const connection = fakeConnection();
      await provider.connect(connection);

      await provider.refresh();
      expect(await provider.refreshIfChanged()).toBe(false);
      expect(connection.applyMutation).toHaveBeenCalledTimes(1);
    });

    it('applies again after a mutation failed', async () => {
      const provider = new EnvironmentsEntityProvider({
        auth: mockServices.auth(),
        logger: mockServices.logger.mock(),
        environments: attachedBridge(async () => environments),
      });
      const connection = fakeConnection();
      connection.applyMutation.mockRejectedValueOnce(new Error('db busy'));
      await provider.connect(connection);

      await expect(provider.refreshIfChanged()).rejects.toThrow('db busy');
      expect(await provider.refreshIfChanged()).toBe(true);
      expect(connection.applyMutation).toHaveBeenCalledTimes(2);
    });

    it('logs a failing engine once, not on every check, and when it works again', async () => {
      const { scheduler, tasks } = capturingScheduler();
      const logger = mockServices.logger.mock();
      let failing = true;
      const provider = EnvironmentsEntityProvider.fromConfig(
        mockServices.rootConfig(),
        {
          logger,
          auth: mockServices.auth(),
          scheduler,
          environments: attachedBridge(async () => {
            if (failing) throw new Error('store unavailable');
            return environments;
          }),
        },
      );
      const connection = fakeConnection();
      await provider.connect(connection);
      const check = () =>
        tasks
          .get('envmesh-environments:change-check')!
          .fn(new AbortController().signal);

      await check();
      await check();
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn).toHaveBeenCalledWith(
        'Checking envmesh environments for changes failed',
        new Error('store unavailable'),
      );
      expect(connection.applyMutation).not.toHaveBeenCalled();

      failing = false;
      await check();
      expect(logger.info).toHaveBeenCalledWith(
        'Checking envmesh environments works again',
      );
      expect(connection.applyMutation).toHaveBeenCalledTimes(1);
    });

    it('cannot check before the catalog connected it', async () => {
      const provider = new EnvironmentsEntityProvider({
        auth: mockServices.auth(),
        logger: mockServices.logger.mock(),
        environments: attachedBridge(async () => environments),
      });
      await expect(provider.refreshIfChanged()).rejects.toThrow(
        /not connected/,
      );
    });
  });
});
