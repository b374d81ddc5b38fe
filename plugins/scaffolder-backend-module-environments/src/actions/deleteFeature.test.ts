import {
  createMockDirectory,
  mockCredentials,
} from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { environmentsServiceMock } from '@envmesh/plugin-environments-node/testUtils';
import { createFeatureDeleteAction } from './deleteFeature';
import { examples } from './deleteFeature.examples';
import {
  checkpointStore,
  collectingLogger,
  config,
  featureBranch,
  operation,
  progression,
} from './__testUtils__/fixtures';

const feature = featureBranch('checkout-redesign', ['demo-api', 'demo-ui']);

const removalOf = (
  state: 'pending' | 'running' | 'succeeded' | 'failed',
  services = ['demo-api', 'demo-ui'],
) =>
  operation(
    state,
    [
      ...services.map(
        s =>
          [`remove ${s}`, state === 'pending' ? 'pending' : 'succeeded'] as [
            string,
            'pending' | 'succeeded',
          ],
      ),
      ['preview', state === 'succeeded' ? 'succeeded' : 'pending'],
    ],
    {
      id: 'op-12',
      type: 'remove-feature',
      environment: 'demo-dev',
      feature: 'checkout-redesign',
      ...(state === 'failed' ? { error: 'cluster unreachable' } : {}),
    },
  );

/** The task's initiator, whose credentials every call of the action carries. */
const jane = mockCredentials.user('user:default/jane');

describe('envmesh:feature:delete', () => {
  const workspacePath = createMockDirectory().resolve('workspace');

  function context(overrides: Record<string, unknown> = {}) {
    const { logger, lines } = collectingLogger();
    const ctx = {
      ...createMockActionContext({
        input: (overrides.input as any) ?? {
          name: 'checkout-redesign',
          waitForReady: true,
          timeoutMinutes: 30,
        },
        logger,
        workspacePath,
        user: { ref: 'user:default/jane' },
      }),
      getInitiatorCredentials: async () => jane,
      ...overrides,
    };
    return { ctx, lines };
  }

  it('removes the whole feature branch, logs its steps and sets the outputs', async () => {
    const removeFeature = jest.fn(async () => removalOf('pending'));
    const getOperation = progression(
      removalOf('running'),
      removalOf('succeeded'),
    );
    const action = createFeatureDeleteAction({
      environments: environmentsServiceMock({
        getFeature: async () => feature,
        removeFeature,
        getOperation,
      }),
      config,
      pollIntervalMs: 1,
    });
    const store = checkpointStore();
    const { ctx, lines } = context({ checkpoint: store.checkpoint });

    await action.handler(ctx as any);

    expect(removeFeature).toHaveBeenCalledWith('checkout-redesign', {
      credentials: jane,
      services: undefined,
    });
    expect([...store.values.keys()]).toEqual([
      'remove-feature-checkout-redesign',
    ]);
    expect(ctx.output).toHaveBeenCalledWith('featureName', 'checkout-redesign');
    expect(ctx.output).toHaveBeenCalledWith('operationId', 'op-12');
    expect(ctx.output).toHaveBeenCalledWith(
      'featureUrl',
      'http://localhost:3000/feature-branches/checkout-redesign',
    );
    expect(ctx.output).toHaveBeenCalledWith('previewUrls', []);
    expect(lines).toEqual([
      "started removing feature branch 'checkout-redesign' of environment 'demo-dev' with its instances demo-api, demo-ui (operation op-12, 3 steps)",
      'step 1/3: remove demo-api (succeeded)',
      'step 2/3: remove demo-ui (succeeded)',
      'step 3/3: preview (succeeded)',
      "remove-feature of feature branch 'checkout-redesign' (environment 'demo-dev') succeeded (3/3 steps)",
    ]);
  });

  it('removes only the named instances and keeps the preview URLs of the rest', async () => {
    const removeFeature = jest.fn(async () =>
      removalOf('pending', ['demo-ui']),
    );
    const action = createFeatureDeleteAction({
      environments: environmentsServiceMock({
        getFeature: async () => feature,
        removeFeature,
      }),
      config,
    });
    const store = checkpointStore();
    const { ctx, lines } = context({
      checkpoint: store.checkpoint,
      input: {
        name: 'checkout-redesign',
        services: ['demo-ui', 'demo-ui'],
        waitForReady: false,
      },
    });

    await action.handler(ctx as any);

    expect(removeFeature).toHaveBeenCalledWith('checkout-redesign', {
      credentials: jane,
      services: ['demo-ui'],
    });
    expect([...store.values.keys()]).toEqual([
      'remove-feature-checkout-redesign-demo-ui',
    ]);
    expect(ctx.output).toHaveBeenCalledWith('previewUrls', [
      'http://checkout-redesign.demo.net',
    ]);
    expect(lines[0]).toBe(
      "started removing instances demo-ui of feature branch 'checkout-redesign' (environment 'demo-dev'), keeping demo-api (operation op-12, 2 steps)",
    );
  });

  describe('dry run', () => {
    it('reports what it would remove and changes nothing', async () => {
      const getFeature = jest.fn(async () => feature);
      // Every other method of this mock rejects if called.
      const action = createFeatureDeleteAction({
        environments: environmentsServiceMock({ getFeature }),
        config,
      });
      const checkpoint = jest.fn();
      const { ctx, lines } = context({ isDryRun: true, checkpoint });

      await action.handler(ctx as any);

      expect(getFeature).toHaveBeenCalledWith('checkout-redesign', {
        credentials: jane,
      });
      expect(checkpoint).not.toHaveBeenCalled();
      expect(lines).toEqual([
        "dry run: would remove feature branch 'checkout-redesign' of environment 'demo-dev' with its instances demo-api, demo-ui",
      ]);
      expect(ctx.output).toHaveBeenCalledWith('operationId', 'dry-run');
      expect(ctx.output).toHaveBeenCalledWith('previewUrls', []);
    });

    it('treats naming every instance as removing the feature branch', async () => {
      const action = createFeatureDeleteAction({
        environments: environmentsServiceMock({
          getFeature: async () => feature,
        }),
        config,
      });
      const { ctx, lines } = context({
        isDryRun: true,
        input: { name: 'checkout-redesign', services: ['demo-ui', 'demo-api'] },
      });

      await action.handler(ctx as any);

      expect(lines[0]).toMatch(
        /^dry run: would remove feature branch 'checkout-redesign' of environment 'demo-dev'/,
      );
    });

    it('fails for an unknown feature branch', async () => {
      class NotFoundError extends Error {
        name = 'NotFoundError';
      }
      const action = createFeatureDeleteAction({
        environments: environmentsServiceMock({
          getFeature: async name => {
            throw new NotFoundError(`no feature branch '${name}'`);
          },
        }),
        config,
      });
      const { ctx } = context({
        isDryRun: true,
        input: { name: 'nope' },
      });

      await expect(action.handler(ctx as any)).rejects.toThrow(
        "no feature branch 'nope'",
      );
      expect(ctx.output).not.toHaveBeenCalled();
    });

    it('fails for a service the feature branch has no instance of', async () => {
      const action = createFeatureDeleteAction({
        environments: environmentsServiceMock({
          getFeature: async () => feature,
        }),
        config,
      });
      const { ctx } = context({
        isDryRun: true,
        input: { name: 'checkout-redesign', services: ['demo-orders'] },
      });

      await expect(action.handler(ctx as any)).rejects.toThrow(
        "feature branch 'checkout-redesign' has no instance of service 'demo-orders'",
      );
    });
  });

  it('does not remove twice when the task is retried after the feature branch is gone', async () => {
    const removeFeature = jest.fn(async () => removalOf('pending'));
    let gone = false;
    const getFeature = jest.fn(async (name: string) => {
      if (gone) throw new Error(`no feature branch '${name}'`);
      return feature;
    });
    const getOperation = jest
      .fn()
      .mockImplementationOnce(async () => {
        gone = true;
        throw new Error('engine restarting');
      })
      .mockResolvedValue(removalOf('succeeded'));
    const action = createFeatureDeleteAction({
      environments: environmentsServiceMock({
        getFeature,
        removeFeature,
        getOperation,
      }),
      config,
      pollIntervalMs: 1,
    });
    const store = checkpointStore();

    await expect(
      action.handler(context({ checkpoint: store.checkpoint }).ctx as any),
    ).rejects.toThrow('engine restarting');
    const retry = context({ checkpoint: store.checkpoint });
    await action.handler(retry.ctx as any);

    expect(removeFeature).toHaveBeenCalledTimes(1);
    expect(getFeature).toHaveBeenCalledTimes(1);
    expect(getOperation).toHaveBeenLastCalledWith('op-12', {
      credentials: jane,
    });
    expect(retry.ctx.output).toHaveBeenCalledWith('operationId', 'op-12');
  });

  it('fails with the reason of a failed removal', async () => {
    const action = createFeatureDeleteAction({
      environments: environmentsServiceMock({
        getFeature: async () => feature,
        removeFeature: async () => removalOf('pending'),
        getOperation: async () => removalOf('failed'),
      }),
      config,
      pollIntervalMs: 1,
    });
    const { ctx } = context({ checkpoint: checkpointStore().checkpoint });

    await expect(action.handler(ctx as any)).rejects.toThrow(
      "remove-feature of feature branch 'checkout-redesign' (environment 'demo-dev') failed: cluster unreachable",
    );
  });

  it('has examples that use the action', () => {
    expect(examples.length).toBeGreaterThan(0);
    for (const { example } of examples) {
      expect(example).toContain('action: envmesh:feature:delete');
    }
  });
});
