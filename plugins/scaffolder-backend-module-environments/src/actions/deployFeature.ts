import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { EnvironmentsService } from '@envmesh/plugin-environments-node';
import { examples } from './deployFeature.examples';
import {
  describeInstances,
  FEATURE_NAME_PATTERN,
  featureOutputSchema,
  featureUrl,
  instanceListSchema,
  outputFeature,
  toInstanceSpecs,
} from './featureBranch';
import { reachabilityOutputSchema, warnUnreachable } from './preflight';
import {
  EnvironmentActionOptions,
  followOperation,
  waitInputs,
} from './waitForOperation';

/**
 * Creates the `envmesh:feature:deploy` action: deploys a feature branch (feature instances of some services
 * of a base environment, routed to by the feature's header and preview host), or adds or replaces instances
 * of an existing one, and waits until they are ready and routed.
 *
 * @public
 */
export function createFeatureDeployAction(options: EnvironmentActionOptions) {
  const { environments, config } = options;
  return createTemplateAction({
    id: 'envmesh:feature:deploy',
    description:
      'Deploys an envmesh feature branch beside a base environment (or adds instances to one) and waits until its instances are ready and routed',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            // Empty (an unset template parameter) means: derive it from the branch.
            .regex(new RegExp(`^$|${FEATURE_NAME_PATTERN}`))
            .max(63)
            .optional()
            .describe(
              "Name of the feature branch, a DNS label; the value of the routing header and of the preview host. When not set, derived from branch by the push webhooks' rule (environments.webhooks.branchPattern and featureName; feature/checkout → checkout by default)",
            ),
        environment: z =>
          z
            .string()
            .describe('Base environment the feature instances run beside'),
        services: z =>
          instanceListSchema(z).describe(
            'Services of the base environment to deploy feature instances of: names, or objects with service, imageTag and values',
          ),
        imageTag: z =>
          z
            .string()
            .optional()
            .describe(
              "Image tag of the feature instances of the services given by name (objects carry their own); the base environment's by default",
            ),
        branch: z =>
          z
            .string()
            .optional()
            .describe(
              'Git branch the feature comes from, recorded as the source of the feature branch; names the feature when name is not set',
            ),
        repository: z =>
          z
            .string()
            .optional()
            .describe(
              'Repository the feature comes from, recorded as the source',
            ),
        sha: z =>
          z
            .string()
            .optional()
            .describe(
              'Commit the feature is built from, recorded as the source',
            ),
        owner: z =>
          z
            .string()
            .optional()
            .describe(
              'Entity ref of the owner of a new feature branch; the user running the task by default',
            ),
        description: z =>
          z.string().optional().describe('Description of the feature branch'),
        ttlHours: z =>
          z
            .number()
            .positive()
            .optional()
            .describe(
              'Hours from now until the feature branch is removed; the engine default (72) for a new one when not set',
            ),
        ...waitInputs('the feature branch'),
      },
      output: {
        ...featureOutputSchema,
        reachability: reachabilityOutputSchema,
      },
    },
    async handler(ctx) {
      const { environment } = ctx.input;
      // The task's initiator: the engine authorizes the deploy for them and records them as its actor.
      const credentials = await ctx.getInitiatorCredentials();
      const name = await resolveFeatureName(
        environments,
        credentials,
        ctx.input.name,
        ctx.input.branch,
      );
      // Templates pass unset parameters as empty strings: treat those as not given.
      const owner = ctx.input.owner || undefined;
      const description = ctx.input.description || undefined;
      const ttlHours = ctx.input.ttlHours || undefined;
      const source = {
        ...(ctx.input.repository ? { repository: ctx.input.repository } : {}),
        ...(ctx.input.branch ? { branch: ctx.input.branch } : {}),
        ...(ctx.input.sha ? { sha: ctx.input.sha } : {}),
      };
      const instances = toInstanceSpecs(
        ctx.input.services,
        ctx.input.imageTag || undefined,
      );
      if (!instances.length) {
        throw new Error('services: name at least one service to deploy');
      }
      const url = featureUrl(config, name);
      const ttl = ttlHours ? `, expiring in ${ttlHours} hours` : '';
      await warnUnreachable(ctx, environments, {
        environment,
        services: instances.map(i => i.service),
        credentials,
      });

      if (ctx.isDryRun) {
        const env = (await environments.listEnvironments({ credentials })).find(
          e => e.name === environment,
        );
        if (!env) {
          throw new Error(`there is no environment named '${environment}'`);
        }
        const existing = (
          await environments.listFeatures({ credentials })
        ).find(f => f.name === name);
        if (existing && existing.environment !== environment) {
          throw new Error(
            `feature branch '${name}' already exists in environment '${existing.environment}'`,
          );
        }
        ctx.logger.info(
          existing
            ? `dry run: would deploy instances ${describeInstances(
                instances,
              )} to the existing feature branch '${name}' of environment '${environment}'${ttl}`
            : `dry run: would create feature branch '${name}' of environment '${environment}' on cluster '${
                env.cluster
              }' with instances ${describeInstances(instances)}${ttl}`,
        );
        outputFeature(ctx, {
          featureName: name,
          operationId: 'dry-run',
          featureUrl: url,
          previewUrls: existing?.previewUrls ?? [],
        });
        return;
      }

      // A retried task finds the started operation here and waits on it instead of deploying again.
      const { operationId, previewUrls } = await ctx.checkpoint({
        key: `deploy-feature-${name}`,
        fn: async () => {
          const { feature, operation } = await environments.deployFeature(
            {
              name,
              environment,
              owner,
              description,
              ttlHours,
              ...(Object.keys(source).length ? { source } : {}),
              instances,
            },
            { credentials },
          );
          ctx.logger.info(
            `started deploy of feature branch '${name}' in environment '${
              feature.environment
            }' (operation ${operation.id}, ${
              operation.steps.length
            } steps): ${describeInstances(instances)}`,
          );
          return {
            operationId: operation.id,
            previewUrls: feature.previewUrls,
          };
        },
      });
      outputFeature(ctx, {
        featureName: name,
        operationId,
        featureUrl: url,
        previewUrls,
      });

      const followed = await followOperation(ctx, {
        ...options,
        operationId,
        pageUrl: url,
        waitForReady: ctx.input.waitForReady,
        timeoutMinutes: ctx.input.timeoutMinutes,
      });
      if (!followed) return;
      ctx.logger.info(
        previewUrls.length
          ? `feature branch '${name}' is ready; preview at ${previewUrls.join(
              ', ',
            )}`
          : `feature branch '${name}' is ready; requests whose routing header (X-FEATURE-NAME by default) is '${name}' reach it`,
      );
    },
  });
}

/**
 * The given name, or the one the engine's push rule derives from the branch, as a push to that branch would
 * deploy it. Throws an InputError naming both fields when neither yields a feature name.
 */
async function resolveFeatureName(
  environments: EnvironmentsService,
  credentials: BackstageCredentials,
  name: string | undefined,
  branch: string | undefined,
): Promise<string> {
  if (name) return name;
  if (!branch) {
    throw new InputError(
      'name: give the feature name, or a branch to derive it from',
    );
  }
  const derived = await environments.featureNameFromBranch(branch, {
    credentials,
  });
  if (!derived) {
    throw new InputError(
      `name: not given, and branch '${branch}' does not yield a feature name (lower case letters, digits and -, at most 63) by the pattern of environments.webhooks.branchPattern; give name`,
    );
  }
  return derived;
}
