import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { startCopy } from './copyEnvironment';
import { examples } from './createEnvironment.examples';
import {
  EnvironmentActionOptions,
  environmentOutputSchema,
  runEnvironmentOperation,
  serviceListSchema,
  toServiceSpecs,
  waitInputs,
} from './waitForOperation';

/**
 * Creates the `envmesh:environment:create` action: creates an environment (or copies one, with `copyFrom`)
 * and waits until its services are ready.
 *
 * @public
 */
export function createEnvironmentCreateAction(
  options: EnvironmentActionOptions,
) {
  return createTemplateAction({
    id: 'envmesh:environment:create',
    description:
      'Creates an envmesh environment, or copies one with copyFrom, and waits until its services are ready',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .describe(
              'Name of the new environment, a DNS label; also its namespace',
            ),
        cluster: z =>
          z
            .string()
            .describe(
              'Cluster to create it on, as configured for the Kubernetes plugin',
            ),
        owner: z =>
          z
            .string()
            .describe(
              'Entity ref of the owner, such as group:default/platform-team',
            ),
        description: z =>
          z.string().optional().describe('Description of the environment'),
        services: z =>
          serviceListSchema(z)
            .optional()
            .describe(
              'Services of the registry to deploy: names, or objects with name and imageTag. With copyFrom: overrides of the copied services',
            ),
        // any, not unknown: the published TemplateAction's input must be a JsonObject, and
        // Record<string, unknown> is not one (a consumer's tsc:full fails on the declarations).
        globalValues: z =>
          z
            .record(z.any())
            .optional()
            .describe(
              'Helm values applied to every service of the environment (not with copyFrom)',
            ),
        copyFrom: z =>
          z
            .string()
            .optional()
            .describe(
              'Copy this environment (its services, versions and values) instead of creating one from scratch',
            ),
        ...waitInputs('the environment'),
      },
      output: environmentOutputSchema,
    },
    async handler(ctx) {
      const { name, cluster, owner, globalValues } = ctx.input;
      // Templates pass unset parameters as empty strings: treat those as not given.
      const copyFrom = ctx.input.copyFrom || undefined;
      const description = ctx.input.description || undefined;
      const services = toServiceSpecs(ctx.input.services);
      if (copyFrom && globalValues && Object.keys(globalValues).length) {
        throw new Error(
          'globalValues: cannot be combined with copyFrom; a copy keeps the global values of its source',
        );
      }
      await runEnvironmentOperation(ctx, {
        ...options,
        name,
        cluster,
        services,
        source: copyFrom,
        checkpointKey: `create-${name}`,
        waitForReady: ctx.input.waitForReady,
        timeoutMinutes: ctx.input.timeoutMinutes,
        start: request =>
          copyFrom
            ? startCopy(
                options.environments,
                copyFrom,
                { name, cluster, owner, description, services },
                request,
              )
            : options.environments.createEnvironment(
                { name, cluster, owner, description, globalValues, services },
                request,
              ),
      });
    },
  });
}
