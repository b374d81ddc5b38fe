import {
  createMockDirectory,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import { createEnvironmentCreateAction } from './createEnvironment';
import { examples } from './createEnvironment.examples';
import {
  checkpointStore,
  collectingLogger,
  config,
  operation,
  progression,
} from './__testUtils__/fixtures';

const input = {
  name: 'team-a-dev',
  cluster: 'local',
  owner: 'group:default/team-a',
  services: ['config-service', { name: 'demo-api', imageTag: '1.2.3' }],
  waitForReady: true,
  timeoutMinutes: 30,
};

const pending = operation('pending', [
  ['namespace', 'pending'],
  ['config-service', 'pending'],
  ['demo-api', 'pending'],
]);
const running = operation('running', [
  ['namespace', 'succeeded'],
  ['config-service', 'running'],
  ['demo-api', 'pending'],
]);
const done = operation('succeeded', [
  ['namespace', 'succeeded'],
  ['config-service', 'succeeded'],
  ['demo-api', 'succeeded'],
]);

/** The task's initiator, whose credentials every call of the action carries. */
const jane = mockCredentials.user('user:default/jane');

describe('envmesh:environment:create', () => {
  const workspacePath = createMockDirectory().resolve('workspace');

  function context(
    overrides: Partial<ReturnType<typeof createMockActionContext>> & {
      input?: Record<string, unknown>;
    } = {},
  ) {
    const { logger, lines } = collectingLogger();
    const store = checkpointStore();
    const ctx = {
      ...createMockActionContext({
        input: overrides.input ?? input,
        logger,
        workspacePath,
        user: { ref: 'user:default/jane' },
      }),
      getInitiatorCredentials: async () => jane,
      checkpoint: store.checkpoint,
      ...overrides,
    };
    return { ctx, lines, store };
  }

  it('creates the environment, logs the steps as they change and sets the outputs', async () => {
    const createEnvironment = jest.fn(async () => pending);
    const getOperation = progression(running, running, done);
    const action = createEnvironmentCreateAction({
      environments: environmentsServiceMock({
        createEnvironment,
        getOperation,
      }),
      config,
      pollIntervalMs: 1,
    });
    const { ctx, lines } = context();

    await action.handler(ctx as any);

    expect(createEnvironment).toHaveBeenCalledTimes(1);
    expect(createEnvironment).toHaveBeenCalledWith(
      {
        name: 'team-a-dev',
        cluster: 'local',
        owner: 'group:default/team-a',
        description: undefined,
        globalValues: undefined,
        services: [
          { name: 'config-service' },
          { name: 'demo-api', imageTag: '1.2.3' },
        ],
      },
      { credentials: jane },
    );
    expect(getOperation).toHaveBeenCalledWith('op-1', { credentials: jane });
    expect(getOperation).toHaveBeenCalledTimes(3);
    expect(ctx.output).toHaveBeenCalledWith('environmentName', 'team-a-dev');
    expect(ctx.output).toHaveBeenCalledWith('operationId', 'op-1');
    expect(ctx.output).toHaveBeenCalledWith(
      'environmentUrl',
      'http://localhost:3000/environments/team-a-dev',
    );
    expect(lines).toEqual([
      "started create of environment 'team-a-dev' (operation op-1, 3 steps)",
      'step 1/3: namespace (succeeded)',
      'step 2/3: config-service (running)',
      'step 2/3: config-service (succeeded)',
      'step 3/3: demo-api (succeeded)',
      "create of environment 'team-a-dev' succeeded (3/3 steps)",
    ]);
  });

  it("passes the initiator's credentials, the scaffolder's own without a user, and builds a relative URL without app.baseUrl", async () => {
    const scaffolder = mockCredentials.service('plugin:scaffolder');
    const createEnvironment = jest.fn(async () => pending);
    const action = createEnvironmentCreateAction({
      environments: environmentsServiceMock({ createEnvironment }),
      config: mockServices.rootConfig(),
    });
    const { ctx } = context({
      input: { ...input, waitForReady: false },
      user: undefined,
      getInitiatorCredentials: async () => scaffolder,
    });

    await action.handler(ctx as any);

    expect(createEnvironment).toHaveBeenCalledWith(expect.anything(), {
      credentials: scaffolder,
    });
    expect(ctx.output).toHaveBeenCalledWith(
      'environmentUrl',
      '/environments/team-a-dev',
    );
  });

  it('copies the environment named by copyFrom, with the services as overrides', async () => {
    const copyEnvironment = jest.fn(async () =>
      operation('pending', [['namespace', 'pending']], { type: 'copy' }),
    );
    const action = createEnvironmentCreateAction({
      environments: environmentsServiceMock({
        copyEnvironment,
        getOperation: async () =>
          operation('succeeded', [['namespace', 'succeeded']], {
            type: 'copy',
          }),
      }),
      config,
      pollIntervalMs: 1,
    });
    const { ctx, store } = context({
      input: {
        ...input,
        copyFrom: 'demo-dev',
        services: [{ name: 'demo-api', imageTag: 'pr-42' }],
      },
    });

    await action.handler(ctx as any);

    expect(copyEnvironment).toHaveBeenCalledWith(
      'demo-dev',
      {
        name: 'team-a-dev',
        cluster: 'local',
        owner: 'group:default/team-a',
        description: undefined,
        services: [{ name: 'demo-api', imageTag: 'pr-42' }],
      },
      { credentials: jane },
    );
    expect([...store.values.keys()]).toEqual(['create-team-a-dev']);
  });

  it('refuses globalValues with copyFrom before changing anything', async () => {
    const action = createEnvironmentCreateAction({
      environments: environmentsServiceMock({}),
      config,
    });
    const { ctx } = context({
      input: { ...input, copyFrom: 'demo-dev', globalValues: { a: 1 } },
    });

    await expect(action.handler(ctx as any)).rejects.toThrow(
      'globalValues: cannot be combined with copyFrom',
    );
  });

  describe('dry run', () => {
    it('reports what it would create and calls nothing that changes anything', async () => {
      const listEnvironments = jest.fn(async () => [
        {
          name: 'demo-dev',
          cluster: 'local',
          namespace: 'demo-dev',
          owner: 'group:default/platform-team',
          componentRefs: [],
          services: { total: 5, ready: 5 },
          sleepState: 'awake' as const,
        },
      ]);
      // Every other method of this mock rejects if called.
      const action = createEnvironmentCreateAction({
        environments: environmentsServiceMock({ listEnvironments }),
        config,
      });
      const checkpoint = jest.fn();
      const { ctx, lines } = context({ isDryRun: true, checkpoint });

      await action.handler(ctx as any);

      expect(listEnvironments).toHaveBeenCalledTimes(1);
      expect(checkpoint).not.toHaveBeenCalled();
      expect(lines).toEqual([
        "dry run: would create environment 'team-a-dev' on cluster 'local' with services: config-service, demo-api:1.2.3",
      ]);
      expect(ctx.output).toHaveBeenCalledWith('environmentName', 'team-a-dev');
      expect(ctx.output).toHaveBeenCalledWith('operationId', 'dry-run');
      expect(ctx.output).toHaveBeenCalledWith(
        'environmentUrl',
        'http://localhost:3000/environments/team-a-dev',
      );
    });

    it('fails when the name is already taken', async () => {
      const action = createEnvironmentCreateAction({
        environments: environmentsServiceMock({
          listEnvironments: async () => [
            {
              name: 'team-a-dev',
              cluster: 'local',
              namespace: 'team-a-dev',
              owner: 'group:default/team-a',
              componentRefs: [],
              services: { total: 0, ready: 0 },
              sleepState: 'awake' as const,
            },
          ],
        }),
        config,
      });
      const { ctx } = context({ isDryRun: true });

      await expect(action.handler(ctx as any)).rejects.toThrow(
        "an environment named 'team-a-dev' already exists",
      );
      expect(ctx.output).not.toHaveBeenCalled();
    });

    it('fails when the environment to copy does not exist', async () => {
      const action = createEnvironmentCreateAction({
        environments: environmentsServiceMock({
          listEnvironments: async () => [],
        }),
        config,
      });
      const { ctx } = context({
        isDryRun: true,
        input: { ...input, copyFrom: 'nope' },
      });

      await expect(action.handler(ctx as any)).rejects.toThrow(
        "there is no environment named 'nope' to copy",
      );
    });
  });

  it('does not create twice when the task is retried, and resumes waiting on the same operation', async () => {
    const createEnvironment = jest.fn(async () => pending);
    let reachable = true;
    const getOperation = jest.fn(async (_id: string) => {
      if (!reachable) throw new Error('connection reset');
      return done;
    });
    const action = createEnvironmentCreateAction({
      environments: environmentsServiceMock({
        createEnvironment,
        getOperation,
      }),
      config,
      pollIntervalMs: 1,
    });
    const store = checkpointStore();

    // First attempt: the operation starts, then the task dies while waiting.
    reachable = false;
    const first = context({ checkpoint: store.checkpoint });
    await expect(action.handler(first.ctx as any)).rejects.toThrow(
      'connection reset',
    );
    expect(createEnvironment).toHaveBeenCalledTimes(1);
    expect(store.values.get('create-team-a-dev')).toBe(
      JSON.stringify({ operationId: 'op-1' }),
    );

    // Retry of the same task (same checkpoint state).
    reachable = true;
    const second = context({ checkpoint: store.checkpoint });
    await action.handler(second.ctx as any);

    expect(createEnvironment).toHaveBeenCalledTimes(1);
    expect(getOperation).toHaveBeenLastCalledWith('op-1', {
      credentials: jane,
    });
    expect(second.ctx.output).toHaveBeenCalledWith('operationId', 'op-1');
    expect(second.lines).not.toContainEqual(expect.stringMatching(/^started /));
  });

  it('fails with the reason of a failed operation', async () => {
    const action = createEnvironmentCreateAction({
      environments: environmentsServiceMock({
        createEnvironment: async () => pending,
        getOperation: progression(
          running,
          operation(
            'failed',
            [
              ['namespace', 'succeeded'],
              ['config-service', 'succeeded'],
              ['demo-api', 'failed', 'pods not ready: ImagePullBackOff'],
            ],
            { error: "service 'demo-api' did not become ready" },
          ),
        ),
      }),
      config,
      pollIntervalMs: 1,
    });
    const { ctx, lines } = context();

    await expect(action.handler(ctx as any)).rejects.toThrow(
      "create of environment 'team-a-dev' failed: service 'demo-api' did not become ready",
    );
    expect(lines).toContain(
      'error: step 3/3: demo-api (failed): pods not ready: ImagePullBackOff',
    );
  });

  it('fails when the operation does not finish in time', async () => {
    const action = createEnvironmentCreateAction({
      environments: environmentsServiceMock({
        createEnvironment: async () => pending,
        getOperation: async () => running,
      }),
      config,
      pollIntervalMs: 1,
    });
    const { ctx } = context({
      input: { ...input, timeoutMinutes: 0.0005 },
    });

    await expect(action.handler(ctx as any)).rejects.toThrow(
      /did not finish within 0.0005 minutes \(operation op-1 is running, 1\/3 steps done\)/,
    );
  });

  it('stops waiting when the task is cancelled', async () => {
    const controller = new AbortController();
    const getOperation = jest.fn(async (_id: string) => {
      controller.abort();
      return running;
    });
    const action = createEnvironmentCreateAction({
      environments: environmentsServiceMock({
        createEnvironment: async () => pending,
        getOperation,
      }),
      config,
      pollIntervalMs: 60_000,
    });
    const { ctx } = context({ signal: controller.signal });

    await expect(action.handler(ctx as any)).rejects.toThrow(
      'the task was cancelled',
    );
    expect(getOperation).toHaveBeenCalledTimes(1);
  });

  it("surfaces the service's input validation errors and keeps no checkpoint", async () => {
    class InputError extends Error {
      name = 'InputError';
    }
    const action = createEnvironmentCreateAction({
      environments: environmentsServiceMock({
        createEnvironment: async () => {
          throw new InputError(
            'services.1.name: must be a DNS label of lower case letters, digits and -',
          );
        },
      }),
      config,
    });
    const { ctx, store } = context({
      input: { ...input, services: ['ok', 'Not_OK'] },
    });
    ctx.checkpoint = store.checkpoint;

    await expect(action.handler(ctx as any)).rejects.toThrow(
      /^services\.1\.name: must be a DNS label/,
    );
    expect(store.values.size).toBe(0);
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('has examples that use the action', () => {
    expect(examples.length).toBeGreaterThan(0);
    for (const { example } of examples) {
      expect(example).toContain('action: envmesh:environment:create');
    }
  });
});
