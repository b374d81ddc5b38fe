import {
  createMockDirectory,
  mockCredentials,
} from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import { createFeatureDeployAction } from './deployFeature';
import { examples } from './deployFeature.examples';
import {
  checkpointStore,
  collectingLogger,
  config,
  demoDev,
  featureBranch,
  operation,
  progression,
} from './__testUtils__/fixtures';

const input = {
  name: 'checkout-redesign',
  environment: 'demo-dev',
  branch: 'feature/checkout-redesign',
  services: [
    'demo-ui',
    { service: 'demo-api', imageTag: 'pr-42', values: { replicaCount: 2 } },
  ],
  ttlHours: 24,
  waitForReady: true,
  timeoutMinutes: 30,
};

const deployOf = (state: 'pending' | 'running' | 'succeeded' | 'failed') =>
  operation(
    state,
    [
      ['deploy demo-api', state === 'pending' ? 'pending' : 'succeeded'],
      ['deploy demo-ui', state === 'running' ? 'running' : state],
      ['preview', state === 'succeeded' ? 'succeeded' : 'pending'],
    ],
    {
      id: 'op-9',
      type: 'deploy-feature',
      environment: 'demo-dev',
      feature: 'checkout-redesign',
      ...(state === 'failed'
        ? { error: "instance 'demo-ui' did not become ready" }
        : {}),
    },
  );

const deployed = () => ({
  feature: featureBranch('checkout-redesign', ['demo-api', 'demo-ui']),
  operation: deployOf('pending'),
});

/** The task's initiator, whose credentials every call of the action carries. */
const jane = mockCredentials.user('user:default/jane');

describe('envmesh:feature:deploy', () => {
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

  it('deploys the feature branch, logs its steps as they change and sets the outputs', async () => {
    const deployFeature = jest.fn(async () => deployed());
    const getOperation = progression(
      deployOf('running'),
      deployOf('succeeded'),
    );
    const action = createFeatureDeployAction({
      environments: environmentsServiceMock({ deployFeature, getOperation }),
      config,
      pollIntervalMs: 1,
    });
    const store = checkpointStore();
    const { ctx, lines } = context({ checkpoint: store.checkpoint });

    await action.handler(ctx as any);

    expect(deployFeature).toHaveBeenCalledTimes(1);
    expect(deployFeature).toHaveBeenCalledWith(
      {
        name: 'checkout-redesign',
        environment: 'demo-dev',
        owner: undefined,
        description: undefined,
        ttlHours: 24,
        source: { branch: 'feature/checkout-redesign' },
        instances: [
          { service: 'demo-ui' },
          {
            service: 'demo-api',
            imageTag: 'pr-42',
            values: { replicaCount: 2 },
          },
        ],
      },
      { credentials: jane },
    );
    expect(getOperation).toHaveBeenCalledWith('op-9', { credentials: jane });
    expect([...store.values.keys()]).toEqual([
      'deploy-feature-checkout-redesign',
    ]);
    expect(ctx.output).toHaveBeenCalledWith('featureName', 'checkout-redesign');
    expect(ctx.output).toHaveBeenCalledWith('operationId', 'op-9');
    expect(ctx.output).toHaveBeenCalledWith(
      'featureUrl',
      'http://localhost:3000/feature-branches/checkout-redesign',
    );
    expect(ctx.output).toHaveBeenCalledWith('previewUrls', [
      'http://checkout-redesign.demo.net',
    ]);
    expect(lines).toEqual([
      "started deploy of feature branch 'checkout-redesign' in environment 'demo-dev' (operation op-9, 3 steps): demo-ui, demo-api:pr-42 (with values)",
      'step 1/3: deploy demo-api (succeeded)',
      'step 2/3: deploy demo-ui (running)',
      'step 2/3: deploy demo-ui (succeeded)',
      'step 3/3: preview (succeeded)',
      "deploy-feature of feature branch 'checkout-redesign' (environment 'demo-dev') succeeded (3/3 steps)",
      "feature branch 'checkout-redesign' is ready; preview at http://checkout-redesign.demo.net",
    ]);
  });

  it('records repository, branch and sha as the source, gives services named alone the imageTag, and treats empty template parameters as not given', async () => {
    const deployFeature = jest.fn(async () => deployed());
    const action = createFeatureDeployAction({
      environments: environmentsServiceMock({ deployFeature }),
      config,
    });
    const { ctx } = context({
      input: {
        name: 'feature-1',
        environment: 'demo-dev',
        services: [
          'demo-ui',
          { service: 'demo-api', imageTag: '', values: {} },
        ],
        imageTag: 'abc123',
        branch: '',
        repository: 'acme/demo-api',
        sha: 'abc123',
        owner: '',
        description: '',
        waitForReady: false,
      },
    });

    await action.handler(ctx as any);

    expect(deployFeature).toHaveBeenCalledWith(
      {
        name: 'feature-1',
        environment: 'demo-dev',
        owner: undefined,
        description: undefined,
        ttlHours: undefined,
        source: { repository: 'acme/demo-api', sha: 'abc123' },
        instances: [
          { service: 'demo-ui', imageTag: 'abc123' },
          { service: 'demo-api' },
        ],
      },
      { credentials: jane },
    );
  });

  it('leaves the source out when no branch, repository or sha is given, and does not wait when asked not to', async () => {
    const deployFeature = jest.fn(async () => deployed());
    const action = createFeatureDeployAction({
      // getOperation is not given: calling it fails the test.
      environments: environmentsServiceMock({ deployFeature }),
      config,
    });
    const { ctx, lines } = context({
      input: {
        name: 'feature-1',
        environment: 'demo-dev',
        services: ['demo-api'],
        owner: 'group:default/team-a',
        waitForReady: false,
      },
    });

    await action.handler(ctx as any);

    const [[body]] = deployFeature.mock.calls as unknown as [[object]];
    expect(Object.keys(body)).not.toContain('source');
    expect(body).toMatchObject({ owner: 'group:default/team-a' });
    expect(lines.at(-1)).toBe(
      'not waiting for operation op-9; follow it at http://localhost:3000/feature-branches/feature-1',
    );
  });

  it('warns, before deploying, about each instance a request with the header would not reach, and outputs them', async () => {
    const getEnvironmentReachability = jest.fn(async (..._args: unknown[]) => ({
      environment: 'demo-dev',
      entry: 'demo-ui',
      baggage: false,
      summary: '1 of 2 instance(s) would be reachable from demo-ui',
      instances: [
        {
          service: 'demo-api',
          lostAt: { service: 'demo-ui', reason: 'does-not-forward' as const },
          message: 'not reached: demo-ui does not forward the routing header',
        },
        {
          service: 'demo-ui',
          path: ['demo-ui'],
          message: 'reached: demo-ui',
        },
      ],
      propagation: {
        services: 2,
        doesNotForward: ['demo-ui'],
        unknown: [],
        withoutSidecar: [],
        hidden: ['demo-api'],
        summary: '',
      },
    }));
    const order: string[] = [];
    const action = createFeatureDeployAction({
      environments: environmentsServiceMock({
        getEnvironmentReachability: async (...args) => {
          order.push('pre-flight');
          return getEnvironmentReachability(...args);
        },
        deployFeature: async () => {
          order.push('deploy');
          return deployed();
        },
      }),
      config,
    });
    const warnings: string[] = [];
    const { ctx } = context({
      input: { ...input, waitForReady: false },
      checkpoint: checkpointStore().checkpoint,
    });
    ctx.logger.warn = (message: string) => {
      warnings.push(message);
    };

    await action.handler(ctx as any);

    expect(order).toEqual(['pre-flight', 'deploy']);
    expect(getEnvironmentReachability).toHaveBeenCalledWith('demo-dev', {
      credentials: jane,
      instances: ['demo-ui', 'demo-api'],
    });
    expect(warnings).toEqual([
      'pre-flight: a request from demo-ui does not reach the instance of demo-api: not reached: demo-ui does not forward the routing header',
    ]);
    expect(ctx.output).toHaveBeenCalledWith('reachability', [
      {
        service: 'demo-api',
        lostAt: { service: 'demo-ui', reason: 'does-not-forward' },
        message: 'not reached: demo-ui does not forward the routing header',
      },
    ]);
  });

  it('deploys when the pre-flight cannot run, with a warning and no reachability output', async () => {
    const action = createFeatureDeployAction({
      environments: environmentsServiceMock({
        getEnvironmentReachability: async () => {
          throw new Error(
            "entry: environment 'demo-dev' has no previewService; name the service a request enters by",
          );
        },
        deployFeature: async () => deployed(),
      }),
      config,
    });
    const warnings: string[] = [];
    const { ctx } = context({
      input: { ...input, waitForReady: false },
      checkpoint: checkpointStore().checkpoint,
    });
    ctx.logger.warn = (message: string) => {
      warnings.push(message);
    };

    await action.handler(ctx as any);

    expect(warnings).toEqual([
      "pre-flight skipped: entry: environment 'demo-dev' has no previewService; name the service a request enters by",
    ]);
    expect(ctx.output).toHaveBeenCalledWith('operationId', 'op-9');
    expect(ctx.output).not.toHaveBeenCalledWith(
      'reachability',
      expect.anything(),
    );
  });

  describe('dry run', () => {
    it('reports the feature branch it would create and changes nothing', async () => {
      const listEnvironments = jest.fn(async () => [demoDev]);
      const listFeatures = jest.fn(async () => [
        featureBranch('other-feature', ['demo-api']),
      ]);
      // Every other method of this mock rejects if called.
      const action = createFeatureDeployAction({
        environments: environmentsServiceMock({
          listEnvironments,
          listFeatures,
        }),
        config,
      });
      const checkpoint = jest.fn();
      const { ctx, lines } = context({ isDryRun: true, checkpoint });

      await action.handler(ctx as any);

      expect(checkpoint).not.toHaveBeenCalled();
      expect(listFeatures).toHaveBeenCalledWith({ credentials: jane });
      expect(lines).toEqual([
        "dry run: would create feature branch 'checkout-redesign' of environment 'demo-dev' on cluster 'local' with instances demo-ui, demo-api:pr-42 (with values), expiring in 24 hours",
      ]);
      expect(ctx.output).toHaveBeenCalledWith('operationId', 'dry-run');
      expect(ctx.output).toHaveBeenCalledWith('previewUrls', []);
      expect(ctx.output).toHaveBeenCalledWith(
        'featureUrl',
        'http://localhost:3000/feature-branches/checkout-redesign',
      );
    });

    it('reports an update of a feature branch that exists in the same environment', async () => {
      const action = createFeatureDeployAction({
        environments: environmentsServiceMock({
          listEnvironments: async () => [demoDev],
          listFeatures: async () => [
            featureBranch('checkout-redesign', ['demo-orders']),
          ],
        }),
        config,
      });
      const { ctx, lines } = context({
        isDryRun: true,
        input: { ...input, ttlHours: undefined },
      });

      await action.handler(ctx as any);

      expect(lines).toEqual([
        "dry run: would deploy instances demo-ui, demo-api:pr-42 (with values) to the existing feature branch 'checkout-redesign' of environment 'demo-dev'",
      ]);
      expect(ctx.output).toHaveBeenCalledWith('previewUrls', [
        'http://checkout-redesign.demo.net',
      ]);
    });

    it('fails for an unknown base environment', async () => {
      const action = createFeatureDeployAction({
        environments: environmentsServiceMock({
          listEnvironments: async () => [demoDev],
        }),
        config,
      });
      const { ctx } = context({
        isDryRun: true,
        input: { ...input, environment: 'nope' },
      });

      await expect(action.handler(ctx as any)).rejects.toThrow(
        "there is no environment named 'nope'",
      );
      expect(ctx.output).not.toHaveBeenCalled();
    });

    it('fails when the feature name is taken in another environment', async () => {
      const action = createFeatureDeployAction({
        environments: environmentsServiceMock({
          listEnvironments: async () => [demoDev],
          listFeatures: async () => [
            featureBranch('checkout-redesign', ['demo-api'], {
              environment: 'demo-test',
            }),
          ],
        }),
        config,
      });
      const { ctx } = context({ isDryRun: true });

      await expect(action.handler(ctx as any)).rejects.toThrow(
        "feature branch 'checkout-redesign' already exists in environment 'demo-test'",
      );
    });
  });

  it('does not deploy twice when the task is retried, and resumes waiting on the same operation', async () => {
    const deployFeature = jest.fn(async () => deployed());
    const getOperation = jest
      .fn()
      .mockRejectedValueOnce(new Error('engine restarting'))
      .mockResolvedValue(deployOf('succeeded'));
    const action = createFeatureDeployAction({
      environments: environmentsServiceMock({ deployFeature, getOperation }),
      config,
      pollIntervalMs: 1,
    });
    const store = checkpointStore();

    await expect(
      action.handler(context({ checkpoint: store.checkpoint }).ctx as any),
    ).rejects.toThrow('engine restarting');
    const retry = context({ checkpoint: store.checkpoint });
    await action.handler(retry.ctx as any);

    expect(deployFeature).toHaveBeenCalledTimes(1);
    expect(getOperation).toHaveBeenCalledTimes(2);
    expect(getOperation).toHaveBeenLastCalledWith('op-9', {
      credentials: jane,
    });
    expect(retry.ctx.output).toHaveBeenCalledWith('previewUrls', [
      'http://checkout-redesign.demo.net',
    ]);
    expect(retry.lines).not.toContainEqual(expect.stringMatching(/^started /));
  });

  it('fails with the reason of a failed deploy', async () => {
    const action = createFeatureDeployAction({
      environments: environmentsServiceMock({
        deployFeature: async () => deployed(),
        getOperation: async () => deployOf('failed'),
      }),
      config,
      pollIntervalMs: 1,
    });
    const { ctx } = context({ checkpoint: checkpointStore().checkpoint });

    await expect(action.handler(ctx as any)).rejects.toThrow(
      "deploy-feature of feature branch 'checkout-redesign' (environment 'demo-dev') failed: instance 'demo-ui' did not become ready",
    );
  });

  describe('feature name from the branch', () => {
    it("derives the name from the branch by the engine's push rule when name is not set", async () => {
      const featureNameFromBranch = jest.fn(async (branch: string) =>
        branch === 'feature/Checkout_Redesign' ? 'checkout-redesign' : 'other',
      );
      const deployFeature = jest.fn(async () => deployed());
      const action = createFeatureDeployAction({
        environments: environmentsServiceMock({
          featureNameFromBranch,
          deployFeature,
          getOperation: progression(deployOf('succeeded')),
        }),
        config,
        pollIntervalMs: 1,
      });
      const store = checkpointStore();
      const { ctx } = context({
        checkpoint: store.checkpoint,
        // An unset template parameter arrives as an empty string.
        input: { ...input, name: '', branch: 'feature/Checkout_Redesign' },
      });

      await action.handler(ctx as any);

      expect(featureNameFromBranch).toHaveBeenCalledWith(
        'feature/Checkout_Redesign',
        { credentials: jane },
      );
      expect(deployFeature).toHaveBeenCalledWith(
        expect.objectContaining({
          name: 'checkout-redesign',
          source: { branch: 'feature/Checkout_Redesign' },
        }),
        { credentials: jane },
      );
      expect([...store.values.keys()]).toEqual([
        'deploy-feature-checkout-redesign',
      ]);
      expect(ctx.output).toHaveBeenCalledWith(
        'featureName',
        'checkout-redesign',
      );
    });

    it('keeps a given name over the one the branch would give', async () => {
      const deployFeature = jest.fn(async () => deployed());
      const action = createFeatureDeployAction({
        environments: environmentsServiceMock({
          deployFeature,
          getOperation: progression(deployOf('succeeded')),
        }),
        config,
        pollIntervalMs: 1,
      });
      const { ctx } = context({
        checkpoint: checkpointStore().checkpoint,
        input: { ...input, branch: 'feature/something-else' },
      });

      await action.handler(ctx as any);

      expect(deployFeature).toHaveBeenCalledWith(
        expect.objectContaining({ name: 'checkout-redesign' }),
        { credentials: jane },
      );
    });

    it.each([
      [
        'neither name nor branch is given',
        { name: '', branch: '' },
        /^name: give the feature name, or a branch to derive it from$/,
      ],
      [
        'the branch yields no valid name',
        { name: undefined, branch: '///' },
        /^name: not given, and branch '\/\/\/' does not yield a feature name/,
      ],
    ])(
      'fails with an InputError naming name and branch when %s, and deploys nothing',
      async (_, fields, message) => {
        const action = createFeatureDeployAction({
          environments: environmentsServiceMock({
            featureNameFromBranch: async () => undefined,
          }),
          config,
        });
        const store = checkpointStore();
        const { ctx } = context({
          checkpoint: store.checkpoint,
          input: { ...input, ...fields },
        });

        const error = await action.handler(ctx as any).catch(e => e);

        expect(error).toMatchObject({ name: 'InputError' });
        expect(error.message).toMatch(message);
        expect(store.values.size).toBe(0);
        expect(ctx.output).not.toHaveBeenCalled();
      },
    );

    it('derives the name in a dry run too', async () => {
      const action = createFeatureDeployAction({
        environments: environmentsServiceMock({
          featureNameFromBranch: async () => 'checkout-redesign',
          listEnvironments: async () => [demoDev],
          listFeatures: async () => [],
        }),
        config,
      });
      const { ctx, lines } = context({
        isDryRun: true,
        input: { ...input, name: '' },
      });

      await action.handler(ctx as any);

      expect(lines).toEqual([
        "dry run: would create feature branch 'checkout-redesign' of environment 'demo-dev' on cluster 'local' with instances demo-ui, demo-api:pr-42 (with values), expiring in 24 hours",
      ]);
      expect(ctx.output).toHaveBeenCalledWith(
        'featureName',
        'checkout-redesign',
      );
    });
  });

  it("surfaces the engine's validation errors and keeps no checkpoint", async () => {
    class InputError extends Error {
      name = 'InputError';
    }
    const action = createFeatureDeployAction({
      environments: environmentsServiceMock({
        deployFeature: async () => {
          throw new InputError(
            "instances.0.service: 'demo-payments' is not a service of environment 'demo-dev'",
          );
        },
      }),
      config,
    });
    const store = checkpointStore();
    const { ctx } = context({
      checkpoint: store.checkpoint,
      input: { ...input, services: ['demo-payments'] },
    });

    await expect(action.handler(ctx as any)).rejects.toThrow(
      /^instances\.0\.service: 'demo-payments' is not a service/,
    );
    expect(store.values.size).toBe(0);
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('has examples that use the action', () => {
    expect(examples.length).toBeGreaterThan(0);
    for (const { example } of examples) {
      expect(example).toContain('action: envmesh:feature:deploy');
    }
  });
});
