import {
  BackstageCredentials,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import {
  ActionContext,
  TemplateActionOptions,
} from '@backstage/plugin-scaffolder-node';
import {
  EnvironmentsService,
  OperationReport,
} from '@envmesh/plugin-environments-node';

/** The zod the scaffolder passes to schema callbacks (so this package does not pin one). */
export type Zod = Parameters<
  NonNullable<NonNullable<TemplateActionOptions['schema']>['output']>[string]
>[0];

/** What the environment and feature branch actions need to be built. @public */
export interface EnvironmentActionOptions {
  /** The environments engine, usually the bridge from `environmentsServiceRef`. */
  environments: EnvironmentsService;
  /** Root config; `app.baseUrl` makes the page URLs of the outputs (`environmentUrl`, `featureUrl`) absolute. */
  config: RootConfigService;
  /** How often to poll the operation while waiting; 2000 ms by default. */
  pollIntervalMs?: number;
}

/** A page of the portal: absolute under `app.baseUrl` when it is set, else the path alone. */
export function portalUrl(config: RootConfigService, path: string) {
  const baseUrl = config.getOptionalString('app.baseUrl')?.replace(/\/+$/, '');
  return `${baseUrl ?? ''}${path}`;
}

/** The outputs both environment actions set. */
export const environmentOutputSchema = {
  environmentName: (z: Zod) => z.string().describe('Name of the environment'),
  operationId: (z: Zod) =>
    z
      .string()
      .describe('Id of the operation that creates it (`dry-run` in dry runs)'),
  environmentUrl: (z: Zod) =>
    z.string().describe("URL of the environment's page in the portal"),
};

/** Services as a list of names or of `{ name, imageTag }`. */
/**
 * The inputs of every action that starts an operation: whether to wait for it to end, and how long.
 * `what` is what the action waits for, e.g. `the copy`.
 */
export const waitInputs = (what: string) => ({
  waitForReady: (z: Zod) =>
    z
      .boolean()
      .default(true)
      .describe('Wait until the operation ends, and fail if it fails'),
  timeoutMinutes: (z: Zod) =>
    z
      .number()
      .positive()
      .default(30)
      .describe(`How long to wait for ${what}, in minutes`),
});

export const serviceListSchema = (z: Zod) =>
  z.array(
    z.union([
      z.string(),
      z.object({
        name: z.string().describe('Service of the registry'),
        imageTag: z
          .string()
          .optional()
          .describe('Overrides the image tag of the service definition'),
      }),
    ]),
  );

type ServiceItem = string | { name: string; imageTag?: string };

/** `['a', { name: 'b', imageTag: '2' }]` → `[{ name: 'a' }, { name: 'b', imageTag: '2' }]`. */
export function toServiceSpecs(services: ServiceItem[] | undefined) {
  return (services ?? []).map(s => (typeof s === 'string' ? { name: s } : s));
}

function describeServices(
  services: Array<{ name: string; imageTag?: string }>,
) {
  return services.length
    ? services
        .map(s => (s.imageTag ? `${s.name}:${s.imageTag}` : s.name))
        .join(', ')
    : 'none';
}

const cancelled = () => new Error('the task was cancelled');

/** Waits `ms`, or rejects as soon as the task is cancelled. */
function sleep(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    let timer: NodeJS.Timeout | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function failureReason(operation: OperationReport) {
  if (operation.error) return operation.error;
  const step = operation.steps.find(s => s.state === 'failed');
  return step ? `${step.name}: ${step.message ?? 'failed'}` : 'unknown error';
}

/** `create of environment 'x'`, or `deploy-feature of feature branch 'f' (environment 'x')`. */
function operationSubject(operation: OperationReport) {
  return operation.feature
    ? `${operation.type} of feature branch '${operation.feature}' (environment '${operation.environment}')`
    : `${operation.type} of environment '${operation.environment}'`;
}

/**
 * Polls an operation until it ends, logging `step i/n: <name> (<state>)` for every step whose state changed.
 * Resolves with the succeeded operation; throws with the operation's error when it fails, is cancelled or
 * does not finish in time.
 */
async function waitForOperation(options: {
  environments: EnvironmentsService;
  operationId: string;
  /** Whom the operation is read for. */
  credentials: BackstageCredentials;
  logger: LoggerService;
  timeoutMs: number;
  pollIntervalMs?: number;
  signal?: AbortSignal;
}): Promise<OperationReport> {
  const { environments, operationId, credentials, logger, timeoutMs, signal } =
    options;
  const interval = options.pollIntervalMs ?? 2000;
  const deadline = Date.now() + timeoutMs;
  const seen = new Map<number, string>();
  for (;;) {
    if (signal?.aborted) throw cancelled();
    const operation = await environments.getOperation(operationId, {
      credentials,
    });
    const { steps } = operation;
    steps.forEach((step, position) => {
      if ((seen.get(step.index) ?? 'pending') === step.state) return;
      seen.set(step.index, step.state);
      const line = `step ${position + 1}/${steps.length}: ${step.name} (${
        step.state
      })`;
      if (step.state === 'failed') {
        logger.error(step.message ? `${line}: ${step.message}` : line);
      } else {
        logger.info(line);
      }
    });
    const what = operationSubject(operation);
    if (operation.state === 'succeeded') {
      logger.info(
        `${what} succeeded (${operation.progress.done}/${operation.progress.total} steps)`,
      );
      return operation;
    }
    if (operation.state === 'failed') {
      throw new Error(`${what} failed: ${failureReason(operation)}`);
    }
    if (operation.state === 'cancelled') {
      throw new Error(`${what} was cancelled (operation ${operation.id})`);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(
        `${what} did not finish within ${
          timeoutMs / 60_000
        } minutes (operation ${operation.id} is ${operation.state}, ${
          operation.progress.done
        }/${operation.progress.total} steps done)`,
      );
    }
    await sleep(Math.min(interval, left), signal);
  }
}

/**
 * The part both environment actions share: in a dry run, checks the name is free and reports what would be
 * done; otherwise starts the operation once (checkpointed, so a retried task resumes on the same operation),
 * sets the outputs and waits for it.
 */
export async function runEnvironmentOperation(
  ctx: ActionContext<any, any>,
  options: EnvironmentActionOptions & {
    name: string;
    /** Checkpoint key; stores the id of the started operation. */
    checkpointKey: string;
    /** The environment `name` is copied from, if any: it must exist. */
    source?: string;
    /** Cluster for the dry-run report; the source's when missing. */
    cluster?: string;
    services: Array<{ name: string; imageTag?: string }>;
    waitForReady?: boolean;
    timeoutMinutes?: number;
    /** Starts the operation for the task's initiator. */
    start(request: {
      credentials: BackstageCredentials;
    }): Promise<OperationReport>;
  },
): Promise<void> {
  const { environments, config, name, source } = options;
  // The task's initiator: the engine authorizes the operation for them and records them as its actor.
  const credentials = await ctx.getInitiatorCredentials();
  const environmentUrl = portalUrl(
    config,
    `/environments/${encodeURIComponent(name)}`,
  );

  if (ctx.isDryRun) {
    const existing = await environments.listEnvironments({ credentials });
    if (existing.some(e => e.name === name)) {
      throw new Error(`an environment named '${name}' already exists`);
    }
    const from = source && existing.find(e => e.name === source);
    if (source && !from) {
      throw new Error(`there is no environment named '${source}' to copy`);
    }
    const cluster = options.cluster ?? (from ? from.cluster : undefined);
    ctx.logger.info(
      source
        ? `dry run: would copy environment '${source}' to '${name}' on cluster '${cluster}', service overrides: ${describeServices(
            options.services,
          )}`
        : `dry run: would create environment '${name}' on cluster '${cluster}' with services: ${describeServices(
            options.services,
          )}`,
    );
    ctx.output('environmentName', name);
    ctx.output('operationId', 'dry-run');
    ctx.output('environmentUrl', environmentUrl);
    return;
  }

  const { operationId } = await ctx.checkpoint({
    key: options.checkpointKey,
    fn: async () => {
      const operation = await options.start({ credentials });
      ctx.logger.info(
        `started ${operation.type} of environment '${name}' (operation ${operation.id}, ${operation.steps.length} steps)`,
      );
      return { operationId: operation.id };
    },
  });
  ctx.output('environmentName', name);
  ctx.output('operationId', operationId);
  ctx.output('environmentUrl', environmentUrl);
  await followOperation(ctx, {
    ...options,
    operationId,
    pageUrl: environmentUrl,
  });
}

/**
 * Waits for a started operation to end, unless the template asked not to (`waitForReady: false`), in which
 * case it logs the page to follow it on. Resolves true when it waited (and the operation succeeded).
 */
export async function followOperation(
  ctx: ActionContext<any, any>,
  options: Pick<EnvironmentActionOptions, 'environments' | 'pollIntervalMs'> & {
    operationId: string;
    /** The page of what the operation works on. */
    pageUrl: string;
    waitForReady?: boolean;
    timeoutMinutes?: number;
  },
): Promise<boolean> {
  const { operationId } = options;
  if (options.waitForReady === false) {
    ctx.logger.info(
      `not waiting for operation ${operationId}; follow it at ${options.pageUrl}`,
    );
    return false;
  }
  await waitForOperation({
    environments: options.environments,
    operationId,
    credentials: await ctx.getInitiatorCredentials(),
    logger: ctx.logger,
    // The scaffolder validates inputs against the schema but does not fill in its defaults.
    timeoutMs: (options.timeoutMinutes ?? 30) * 60_000,
    pollIntervalMs: options.pollIntervalMs,
    signal: ctx.signal,
  });
  return true;
}
