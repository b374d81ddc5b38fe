import { InputError } from '@backstage/errors';
import type { V1EnvVar, V1EnvFromSource, V1Job } from '@kubernetes/client-node';
import type {
  FeatureIsolationContext,
  FeatureIsolationHook,
  FeatureIsolationJobTemplate,
} from '@envmesh/plugin-environments-node';
import { LABELS } from '../apply';
import { assertUniqueHookNames, validateJobTemplate } from './isolationHooks';
import { suffixedName } from '../naming';
import { FeaturePlacement } from './placement';

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The label that tells which hook a Job came from. */
const ISOLATION_HOOK_LABEL = 'envmesh.io/isolation-hook';

/** What the isolation hooks want for one feature instance. */
export interface FeatureIsolation {
  /** Env vars for every container of the instance, in hook order. */
  env: Array<{ name: string; value: string }>;
  /** Jobs to run (and wait for) in the namespace before the instance starts. */
  jobs: Array<{ hook: string; job: V1Job }>;
}

/** The context of one instance, plus where its Jobs run. */
export interface CollectIsolationContext extends FeatureIsolationContext {
  placement?: FeaturePlacement;
}

/**
 * Asks every hook for its env vars and Job for one feature instance. Hooks may not share a name, nor set the
 * same env var. Each Job is built complete: named `<service>-<feature>-<hook>` (cut with a hash when too
 * long), labelled with the feature, service and hook, never restarted in place, placed on the feature nodes,
 * and given the instance's env vars so it knows e.g. the schema name. A hook that throws fails the whole
 * call, its name in the message. Env values are never part of a message: they may be credentials.
 */
export async function collectIsolation(
  hooks: FeatureIsolationHook[],
  context: CollectIsolationContext,
): Promise<FeatureIsolation> {
  assertUniqueHookNames(hooks);
  const { placement, ...rest } = context;
  const ctx = (): FeatureIsolationContext => ({ ...rest });

  const envs = await Promise.all(
    hooks.map(hook =>
      call(hook, 'env vars', async () => (hook.env ? hook.env(ctx()) : {})),
    ),
  );
  const env: Array<{ name: string; value: string }> = [];
  const setBy = new Map<string, string>();
  for (const [index, hook] of hooks.entries()) {
    const vars = envs[index];
    if (!vars || typeof vars !== 'object' || Array.isArray(vars)) {
      throw new InputError(
        `isolation hook '${hook.name}' gave env vars that are not a map of names to values`,
      );
    }
    for (const [name, value] of Object.entries(vars)) {
      if (!ENV_NAME.test(name)) {
        throw new InputError(
          `isolation hook '${hook.name}' gave the env var '${name}', which is not a valid name`,
        );
      }
      if (typeof value !== 'string') {
        throw new InputError(
          `isolation hook '${hook.name}' gave the env var '${name}' a value that is not a string`,
        );
      }
      const other = setBy.get(name);
      if (other !== undefined) {
        throw new InputError(
          `isolation hooks '${other}' and '${hook.name}' both set the env var '${name}'`,
        );
      }
      setBy.set(name, hook.name);
      env.push({ name, value });
    }
  }

  const templates = await Promise.all(
    hooks.map(hook =>
      call(hook, 'its Job', async () =>
        hook.job ? hook.job(ctx()) : undefined,
      ),
    ),
  );
  const jobs: FeatureIsolation['jobs'] = [];
  const jobNames = new Map<string, string>();
  for (const [index, hook] of hooks.entries()) {
    const template = templates[index];
    if (template === undefined || template === null) continue;
    validateJobTemplate(template, `isolation hook '${hook.name}': job`);
    const job = isolationJob(hook.name, template, context, env);
    const name = job.metadata!.name!;
    const other = jobNames.get(name);
    if (other !== undefined) {
      throw new InputError(
        `isolation hooks '${other}' and '${hook.name}' would both run the Job '${name}'; rename one of them`,
      );
    }
    jobNames.set(name, hook.name);
    jobs.push({ hook: hook.name, job });
  }
  return { env, jobs };
}

async function call<T>(
  hook: FeatureIsolationHook,
  what: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const wrapped = new Error(
      `isolation hook '${hook.name}' failed to give ${what}: ${
        (error as Error)?.message ?? error
      }`,
    );
    (wrapped as Error & { cause?: unknown }).cause = error;
    throw wrapped;
  }
}

/** A hook name as a DNS-1123 label segment: `schemaName` → `schema-name`. */
export function hookSegment(hook: string): string {
  const segment = hook
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return segment || 'hook';
}

/** The Job of one hook for one instance. */
function isolationJob(
  hook: string,
  template: FeatureIsolationJobTemplate,
  context: CollectIsolationContext,
  instanceEnv: Array<{ name: string; value: string }>,
): V1Job {
  const { service, feature, namespace, placement } = context;
  const segment = hookSegment(hook);
  const labels = {
    [LABELS.feature]: feature,
    [LABELS.service]: service,
    [ISOLATION_HOOK_LABEL]: segment,
  };
  // The Job's own env vars win; the instance's come first so the Job's can refer to them as $(NAME).
  const own = Object.entries(template.env ?? {}).map(
    ([name, value]): V1EnvVar => ({ name, value }),
  );
  const ownNames = new Set(own.map(e => e.name));
  const env = [
    ...instanceEnv
      .filter(e => !ownNames.has(e.name))
      .map(({ name, value }) => ({ name, value })),
    ...own,
  ];
  const envFrom = (template.envFrom ?? []).map(
    (source): V1EnvFromSource =>
      'secret' in source
        ? { secretRef: { name: source.secret } }
        : { configMapRef: { name: source.configMap } },
  );
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: suffixedName(`${service}-${feature}`, segment),
      namespace,
      labels,
    },
    spec: {
      backoffLimit: template.backoffLimit ?? 2,
      ...(template.activeDeadlineSeconds !== undefined
        ? { activeDeadlineSeconds: template.activeDeadlineSeconds }
        : {}),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: segment,
              image: template.image,
              ...(template.command ? { command: [...template.command] } : {}),
              ...(template.args ? { args: [...template.args] } : {}),
              ...(env.length ? { env } : {}),
              ...(envFrom.length ? { envFrom } : {}),
            },
          ],
          ...(placement?.nodeSelector &&
          Object.keys(placement.nodeSelector).length
            ? { nodeSelector: { ...placement.nodeSelector } }
            : {}),
          ...(placement?.tolerations?.length
            ? { tolerations: placement.tolerations.map(t => ({ ...t })) }
            : {}),
        },
      },
    },
  };
}
