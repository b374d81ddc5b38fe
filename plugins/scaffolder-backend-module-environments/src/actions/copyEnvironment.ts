import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { EnvironmentsService } from '@envmesh/plugin-environments-node';
import { examples } from './copyEnvironment.examples';
import {
  EnvironmentActionOptions,
  environmentOutputSchema,
  runEnvironmentOperation,
  serviceListSchema,
  toServiceSpecs,
  waitInputs,
} from './waitForOperation';

type CopyRequest = Parameters<EnvironmentsService['copyEnvironment']>;

/**
 * Starts the copy of `source`, for this action and for `envmesh:environment:create` with `copyFrom`: the
 * `services` given override the source's; none keeps them as they are.
 */
export function startCopy(
  environments: EnvironmentsService,
  source: string,
  copy: Omit<CopyRequest[1], 'services'> & {
    services: ReturnType<typeof toServiceSpecs>;
  },
  request: CopyRequest[2],
) {
  const { services, ...rest } = copy;
  return environments.copyEnvironment(
    source,
    { ...rest, ...(services.length ? { services } : {}) },
    request,
  );
}

/**
 * Creates the `envmesh:environment:copy` action: copies an environment, with the same service versions and
 * values, and waits until the copy's services are ready.
 *
 * @public
 */
export function createEnvironmentCopyAction(options: EnvironmentActionOptions) {
  return createTemplateAction({
    id: 'envmesh:environment:copy',
    description:
      'Copies an envmesh environment (same services, versions and values) and waits until the copy is ready',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        source: z => z.string().describe('Name of the environment to copy'),
        name: z =>
          z.string().describe('Name of the new environment, a DNS label'),
        cluster: z =>
          z
            .string()
            .optional()
            .describe("Cluster of the copy; the source's by default"),
        namespace: z =>
          z
            .string()
            .optional()
            .describe('Namespace of the copy; its name by default'),
        owner: z =>
          z
            .string()
            .optional()
            .describe(
              "Entity ref of the copy's owner; the source's by default",
            ),
        description: z =>
          z
            .string()
            .optional()
            .describe('Description of the copy; "Copy of <source>" by default'),
        services: z =>
          serviceListSchema(z)
            .optional()
            .describe(
              'Overrides of services of the source: names, or objects with name and imageTag',
            ),
        ...waitInputs('the copy'),
      },
      output: environmentOutputSchema,
    },
    async handler(ctx) {
      const { source, name } = ctx.input;
      // Templates pass unset parameters as empty strings: treat those as not given.
      const cluster = ctx.input.cluster || undefined;
      const namespace = ctx.input.namespace || undefined;
      const owner = ctx.input.owner || undefined;
      const description = ctx.input.description || undefined;
      const services = toServiceSpecs(ctx.input.services);
      await runEnvironmentOperation(ctx, {
        ...options,
        name,
        cluster,
        services,
        source,
        checkpointKey: `copy-${name}`,
        waitForReady: ctx.input.waitForReady,
        timeoutMinutes: ctx.input.timeoutMinutes,
        start: request =>
          startCopy(
            options.environments,
            source,
            { name, cluster, namespace, owner, description, services },
            request,
          ),
      });
    },
  });
}
