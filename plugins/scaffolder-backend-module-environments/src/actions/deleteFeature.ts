import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { FeatureBranchDetails } from '@envmesh/plugin-environments-common';
import { examples } from './deleteFeature.examples';
import {
  featureOutputSchema,
  featureUrl,
  outputFeature,
} from './featureBranch';
import {
  EnvironmentActionOptions,
  followOperation,
  waitInputs,
} from './waitForOperation';

/** What removing `services` (all when not given) does to a feature branch. */
function plan(feature: FeatureBranchDetails, services: string[] | undefined) {
  const known = feature.instances.map(i => i.service);
  const unknown = services?.find(s => !known.includes(s));
  if (unknown) {
    throw new Error(
      `feature branch '${feature.name}' has no instance of service '${unknown}'`,
    );
  }
  const removed = services ?? known;
  const kept = known.filter(s => !removed.includes(s));
  return {
    removed,
    kept,
    deletesFeature: kept.length === 0,
    describe: (verb: string) =>
      kept.length === 0
        ? `${verb} feature branch '${feature.name}' of environment '${
            feature.environment
          }' with its instances ${removed.join(', ')}`
        : `${verb} instances ${removed.join(', ')} of feature branch '${
            feature.name
          }' (environment '${feature.environment}'), keeping ${kept.join(
            ', ',
          )}`,
  };
}

/**
 * Creates the `envmesh:feature:delete` action: removes a feature branch (routes first, then its instances),
 * or only some of its instances, and waits until that is done.
 *
 * @public
 */
export function createFeatureDeleteAction(options: EnvironmentActionOptions) {
  const { environments, config } = options;
  return createTemplateAction({
    id: 'envmesh:feature:delete',
    description:
      'Removes an envmesh feature branch, or some of its instances, and waits until their routes and workloads are gone',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().describe('Name of the feature branch'),
        services: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              'Services whose feature instances to remove; the whole feature branch when not given or empty',
            ),
        ...waitInputs('the removal'),
      },
      output: featureOutputSchema,
    },
    async handler(ctx) {
      const { name } = ctx.input;
      const services = ctx.input.services?.length
        ? [...new Set(ctx.input.services)]
        : undefined;
      const url = featureUrl(config, name);
      // The task's initiator: the engine authorizes the removal for them and records them as its actor.
      const credentials = await ctx.getInitiatorCredentials();

      if (ctx.isDryRun) {
        const feature = await environments.getFeature(name, { credentials });
        const { describe, deletesFeature } = plan(feature, services);
        ctx.logger.info(`dry run: ${describe('would remove')}`);
        outputFeature(ctx, {
          featureName: name,
          operationId: 'dry-run',
          featureUrl: url,
          previewUrls: deletesFeature ? [] : feature.previewUrls,
        });
        return;
      }

      // A retried task finds the started removal here (the feature branch may be gone by then) and waits on it.
      const { operationId, previewUrls } = await ctx.checkpoint({
        key: `remove-feature-${name}${
          services ? `-${[...services].sort().join(',')}` : ''
        }`,
        fn: async () => {
          const feature = await environments.getFeature(name, { credentials });
          const { describe, deletesFeature } = plan(feature, services);
          const operation = await environments.removeFeature(name, {
            credentials,
            services,
          });
          ctx.logger.info(
            `${describe('started removing')} (operation ${operation.id}, ${
              operation.steps.length
            } steps)`,
          );
          return {
            operationId: operation.id,
            previewUrls: deletesFeature ? [] : feature.previewUrls,
          };
        },
      });
      outputFeature(ctx, {
        featureName: name,
        operationId,
        featureUrl: url,
        previewUrls,
      });

      await followOperation(ctx, {
        ...options,
        operationId,
        pageUrl: url,
        waitForReady: ctx.input.waitForReady,
        timeoutMinutes: ctx.input.timeoutMinutes,
      });
    },
  });
}
