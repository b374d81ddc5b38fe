import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { EnvironmentsService } from '@envmesh/plugin-environments-node';

import type { Zod } from './waitForOperation';

/** The output of the deploy action's pre-flight. */
export const reachabilityOutputSchema = (z: Zod) =>
  z
    .array(
      z.object({
        service: z.string(),
        message: z.string(),
        lostAt: z
          .object({ service: z.string(), reason: z.string() })
          .optional(),
      }),
    )
    .describe(
      "The feature instances a request with the routing header would not reach from the environment's preview service, and why (empty when it reaches them all; not set when the pre-flight could not run)",
    );

/**
 * The reachability pre-flight of a deploy: a warning in the task log for each instance a request with the
 * routing header cannot reach (the service that drops the header, and why), and those instances as the
 * `reachability` output. A pre-flight that cannot run (no preview service, catalog unavailable) is a warning
 * without the output, never a reason not to deploy.
 */
export async function warnUnreachable(
  ctx: ActionContext<any, any>,
  environments: EnvironmentsService,
  options: {
    environment: string;
    services: string[];
    credentials: BackstageCredentials;
  },
) {
  try {
    const answer = await environments.getEnvironmentReachability(
      options.environment,
      { credentials: options.credentials, instances: options.services },
    );
    const unreachable = answer.instances
      .filter(i => !i.path)
      .map(({ service, message, lostAt }) => ({
        service,
        message,
        ...(lostAt ? { lostAt } : {}),
      }));
    for (const { service, message } of unreachable) {
      ctx.logger.warn(
        `pre-flight: a request from ${answer.entry} does not reach the instance of ${service}: ${message}`,
      );
    }
    if (!unreachable.length) ctx.logger.info(`pre-flight: ${answer.summary}`);
    ctx.output('reachability', unreachable);
  } catch (error) {
    ctx.logger.warn(`pre-flight skipped: ${(error as Error).message}`);
  }
}
