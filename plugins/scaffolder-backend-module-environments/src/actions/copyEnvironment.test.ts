import {
  createMockDirectory,
  mockCredentials,
} from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import { createEnvironmentCopyAction } from './copyEnvironment';
import { examples } from './copyEnvironment.examples';
import {
  checkpointStore,
  demoDev,
  collectingLogger,
  config,
  operation,
  progression,
} from './__testUtils__/fixtures';

const input = {
  source: 'demo-dev',
  name: 'demo-dev-copy',
  services: [{ name: 'demo-api', imageTag: 'pr-42' }],
  waitForReady: true,
  timeoutMinutes: 30,
};

const copyOf = (state: 'pending' | 'running' | 'succeeded' | 'failed') =>
  operation(
    state,
    [
      ['namespace', state === 'pending' ? 'pending' : 'succeeded'],
      ['demo-api', state === 'running' ? 'running' : state],
    ],
    {
      id: 'op-7',
      type: 'copy',
      environment: 'demo-dev-copy',
      ...(state === 'failed' ? { error: 'source has no revisions' } : {}),
    },
  );

/** The task's initiator, whose credentials every call of the action carries. */
const jane = mockCredentials.user('user:default/jane');

describe('envmesh:environment:copy', () => {
  const workspacePath = createMockDirectory().resolve('workspace');

  function context(overrides: Record<string, unknown> = {}) {
    const { logger, lines } = collectingLogger();
    const ctx = {
      ...createMockActionContext({
        input: (overrides.input as typeof input) ?? input,
        logger,
        workspacePath,
        user: { ref: 'user:default/jane' },
      }),
      getInitiatorCredentials: async () => jane,
      ...overrides,
    };
    return { ctx, lines };
  }

  it('copies the environment, waits for it and sets the outputs', async () => {
    const copyEnvironment = jest.fn(async () => copyOf('pending'));
    const getOperation = progression(copyOf('running'), copyOf('succeeded'));
    const action = createEnvironmentCopyAction({
      environments: environmentsServiceMock({ copyEnvironment, getOperation }),
      config,
      pollIntervalMs: 1,
    });
    const store = checkpointStore();
    const { ctx, lines } = context({ checkpoint: store.checkpoint });

    await action.handler(ctx as any);

    expect(copyEnvironment).toHaveBeenCalledWith(
      'demo-dev',
      {
        name: 'demo-dev-copy',
        cluster: undefined,
        namespace: undefined,
        owner: undefined,
        description: undefined,
        services: [{ name: 'demo-api', imageTag: 'pr-42' }],
      },
      { credentials: jane },
    );
    expect([...store.values.keys()]).toEqual(['copy-demo-dev-copy']);
    expect(ctx.output).toHaveBeenCalledWith('environmentName', 'demo-dev-copy');
    expect(ctx.output).toHaveBeenCalledWith('operationId', 'op-7');
    expect(ctx.output).toHaveBeenCalledWith(
      'environmentUrl',
      'http://localhost:3000/environments/demo-dev-copy',
    );
    expect(lines).toEqual([
      "started copy of environment 'demo-dev-copy' (operation op-7, 2 steps)",
      'step 1/2: namespace (succeeded)',
      'step 2/2: demo-api (running)',
      'step 2/2: demo-api (succeeded)',
      "copy of environment 'demo-dev-copy' succeeded (2/2 steps)",
    ]);
  });

  it('treats empty optional fields from template parameters as not given', async () => {
    const copyEnvironment = jest.fn(async () => copyOf('pending'));
    const action = createEnvironmentCopyAction({
      environments: environmentsServiceMock({ copyEnvironment }),
      config,
    });
    const { ctx } = context({
      input: {
        source: 'demo-dev',
        name: 'demo-dev-copy',
        cluster: '',
        owner: '',
        services: [],
        waitForReady: false,
      },
    });

    await action.handler(ctx as any);

    expect(copyEnvironment).toHaveBeenCalledWith(
      'demo-dev',
      {
        name: 'demo-dev-copy',
        cluster: undefined,
        namespace: undefined,
        owner: undefined,
        description: undefined,
      },
      { credentials: jane },
    );
  });

  it('in a dry run, reports the copy on the source cluster and changes nothing', async () => {
    const listEnvironments = jest.fn(async () => [demoDev]);
    const action = createEnvironmentCopyAction({
      environments: environmentsServiceMock({ listEnvironments }),
      config,
    });
    const checkpoint = jest.fn();
    const { ctx, lines } = context({ isDryRun: true, checkpoint });

    await action.handler(ctx as any);

    expect(checkpoint).not.toHaveBeenCalled();
    expect(lines).toEqual([
      "dry run: would copy environment 'demo-dev' to 'demo-dev-copy' on cluster 'local', service overrides: demo-api:pr-42",
    ]);
    expect(ctx.output).toHaveBeenCalledWith('operationId', 'dry-run');
  });

  it('in a dry run, fails when the target name is taken', async () => {
    const action = createEnvironmentCopyAction({
      environments: environmentsServiceMock({
        listEnvironments: async () => [
          demoDev,
          { ...demoDev, name: 'demo-dev-copy' },
        ],
      }),
      config,
    });
    const { ctx } = context({ isDryRun: true });

    await expect(action.handler(ctx as any)).rejects.toThrow(
      "an environment named 'demo-dev-copy' already exists",
    );
  });

  it('does not copy twice when the task is retried', async () => {
    const copyEnvironment = jest.fn(async () => copyOf('pending'));
    const getOperation = jest
      .fn()
      .mockRejectedValueOnce(new Error('engine restarting'))
      .mockResolvedValue(copyOf('succeeded'));
    const action = createEnvironmentCopyAction({
      environments: environmentsServiceMock({ copyEnvironment, getOperation }),
      config,
      pollIntervalMs: 1,
    });
    const store = checkpointStore();

    await expect(
      action.handler(context({ checkpoint: store.checkpoint }).ctx as any),
    ).rejects.toThrow('engine restarting');
    await action.handler(context({ checkpoint: store.checkpoint }).ctx as any);

    expect(copyEnvironment).toHaveBeenCalledTimes(1);
    expect(getOperation).toHaveBeenCalledTimes(2);
    expect(getOperation).toHaveBeenLastCalledWith('op-7', {
      credentials: jane,
    });
  });

  it('fails with the reason of a failed copy', async () => {
    const action = createEnvironmentCopyAction({
      environments: environmentsServiceMock({
        copyEnvironment: async () => copyOf('pending'),
        getOperation: async () => copyOf('failed'),
      }),
      config,
      pollIntervalMs: 1,
    });
    const { ctx } = context({ checkpoint: checkpointStore().checkpoint });

    await expect(action.handler(ctx as any)).rejects.toThrow(
      "copy of environment 'demo-dev-copy' failed: source has no revisions",
    );
  });

  it('surfaces errors of the service, such as an unknown source', async () => {
    class NotFoundError extends Error {
      name = 'NotFoundError';
    }
    const action = createEnvironmentCopyAction({
      environments: environmentsServiceMock({
        copyEnvironment: async source => {
          throw new NotFoundError(`environment '${source}' not found`);
        },
      }),
      config,
    });
    const { ctx } = context({ input: { ...input, source: 'nope' } });

    await expect(action.handler(ctx as any)).rejects.toThrow(
      "environment 'nope' not found",
    );
  });

  it('has examples that use the action', () => {
    expect(examples.length).toBeGreaterThan(0);
    for (const { example } of examples) {
      expect(example).toContain('action: envmesh:environment:copy');
    }
  });
});
