import { createHash } from 'node:crypto';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type {
  FeatureIsolationContext,
  FeatureIsolationHook,
  FeatureIsolationJobTemplate,
} from '@envmesh/plugin-environments-node';
import { validateDnsLabel } from '@envmesh/plugin-environments-common';

/** The env var names the built-in hooks set unless configured otherwise. */
const DEFAULT_ISOLATION_ENV = {
  schemaName: 'ENVMESH_DB_SCHEMA',
  topicPrefix: 'ENVMESH_TOPIC_PREFIX',
  cacheMap: 'ENVMESH_CACHE_MAP',
} as const;

/** The longest identifier PostgreSQL keeps (NAMEDATALEN - 1); MySQL allows 64. */
const SCHEMA_NAME_LIMIT = 63;

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * The database schema of a feature instance: `<service>_<feature>` in lower case with every character but
 * `[a-z0-9_]` replaced by `_` (so it needs no quoting in SQL), starting with `_` when it would start with a
 * digit, and cut to 63 characters with a hash when longer.
 */
export function featureSchemaName(service: string, feature: string): string {
  let name = `${service}_${feature}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (name.length <= SCHEMA_NAME_LIMIT) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, SCHEMA_NAME_LIMIT - hash.length - 1)}_${hash}`;
}

/** `schemaName`: the env var (default `ENVMESH_DB_SCHEMA`) holds the instance's own database schema name. */
export function schemaNameHook(
  envName: string = DEFAULT_ISOLATION_ENV.schemaName,
): FeatureIsolationHook {
  return {
    name: 'schemaName',
    env: ({ service, feature }) => ({
      [envName]: featureSchemaName(service, feature),
    }),
  };
}

/** `topicPrefix`: the env var (default `ENVMESH_TOPIC_PREFIX`) holds `<feature>.`, to prefix topic names. */
export function topicPrefixHook(
  envName: string = DEFAULT_ISOLATION_ENV.topicPrefix,
): FeatureIsolationHook {
  return {
    name: 'topicPrefix',
    env: ({ feature }) => ({ [envName]: `${feature}.` }),
  };
}

/** `cacheMap`: the env var (default `ENVMESH_CACHE_MAP`) holds `<feature>`, to name cache maps or key prefixes. */
export function cacheMapHook(
  envName: string = DEFAULT_ISOLATION_ENV.cacheMap,
): FeatureIsolationHook {
  return {
    name: 'cacheMap',
    env: ({ feature }) => ({ [envName]: feature }),
  };
}

/** A Job hook as configured under `environments.features.isolation.jobs`. */
export interface ConfiguredIsolationJob extends FeatureIsolationJobTemplate {
  /** The hook's name, a DNS-1123 label; part of the Job's name. */
  name: string;
  /** Only instances of these services run it; all when absent. */
  services?: string[];
}

/**
 * A hook that runs the configured Job before every instance (of the listed services). `{feature}`,
 * `{service}`, `{namespace}` and `{environment}` in the command, args and env values are replaced by the
 * instance's; other braces (such as a shell's `${VAR}`) are left alone.
 */
export function configuredJobHook(
  settings: ConfiguredIsolationJob,
): FeatureIsolationHook {
  return {
    name: settings.name,
    job: ctx => {
      if (settings.services && !settings.services.includes(ctx.service)) {
        return undefined;
      }
      const fill = (text: string) => substitute(text, ctx);
      const template: FeatureIsolationJobTemplate = { image: settings.image };
      if (settings.command) template.command = settings.command.map(fill);
      if (settings.args) template.args = settings.args.map(fill);
      if (settings.env) {
        template.env = Object.fromEntries(
          Object.entries(settings.env).map(([k, v]) => [k, fill(v)]),
        );
      }
      if (settings.envFrom) template.envFrom = settings.envFrom;
      if (settings.backoffLimit !== undefined) {
        template.backoffLimit = settings.backoffLimit;
      }
      if (settings.activeDeadlineSeconds !== undefined) {
        template.activeDeadlineSeconds = settings.activeDeadlineSeconds;
      }
      return template;
    },
  };
}

function substitute(text: string, ctx: FeatureIsolationContext): string {
  return text.replace(
    /\{(feature|service|namespace|environment)\}/g,
    (_, key: keyof FeatureIsolationContext) => ctx[key],
  );
}

/**
 * The built-in data-isolation hooks enabled under `environments.features.isolation`:
 *
 * ```yaml
 * environments:
 *   features:
 *     isolation:
 *       schemaName: true                          # or { envName: DB_SCHEMA }
 *       topicPrefix: { envName: KAFKA_TOPIC_PREFIX }
 *       cacheMap: true
 *       jobs:
 *         - name: copy-schema
 *           image: postgres:16
 *           command: [sh, -c]
 *           args: ['pg_dump -n public | sed "s/public/$(ENVMESH_DB_SCHEMA)/" | psql']
 *           env: { PGDATABASE: shop, APP: '{service}' }
 *           envFrom: [{ secret: db-admin }]
 *           services: [demo-api]
 *           backoffLimit: 1
 *           activeDeadlineSeconds: 600
 * ```
 */
export function isolationHooksFromConfig(
  config: Config,
): FeatureIsolationHook[] {
  const key = 'environments.features.isolation';
  const isolation = config.getOptionalConfig(key);
  if (!isolation) return [];
  const hooks: FeatureIsolationHook[] = [];
  const builtIns = [
    ['schemaName', schemaNameHook],
    ['topicPrefix', topicPrefixHook],
    ['cacheMap', cacheMapHook],
  ] as const;
  for (const [name, create] of builtIns) {
    const envName = builtInEnvName(isolation, name, `${key}.${name}`);
    if (envName) hooks.push(create(envName));
  }
  for (const [index, job] of (
    isolation.getOptionalConfigArray('jobs') ?? []
  ).entries()) {
    hooks.push(configuredJobHook(readJob(job, `${key}.jobs[${index}]`)));
  }
  assertUniqueHookNames(hooks);
  return hooks;
}

/** The env var name of an enabled built-in hook (`true` or `{ envName }`), or undefined when it is off. */
function builtInEnvName(
  isolation: Config,
  name: keyof typeof DEFAULT_ISOLATION_ENV,
  path: string,
): string | undefined {
  const value = isolation.getOptional(name);
  if (value === undefined || value === false) return undefined;
  if (value === true) return DEFAULT_ISOLATION_ENV[name];
  const settings = isolation.getConfig(name);
  if (settings.getOptionalBoolean('enabled') === false) return undefined;
  const envName =
    settings.getOptionalString('envName') ?? DEFAULT_ISOLATION_ENV[name];
  if (!ENV_NAME.test(envName)) {
    throw new InputError(
      `${path}.envName: '${envName}' is not a valid environment variable name`,
    );
  }
  return envName;
}

function readJob(job: Config, path: string): ConfiguredIsolationJob {
  const name = job.getString('name');
  const reason = validateDnsLabel(name, `${path}.name`);
  if (reason) throw new InputError(reason);
  // Read whole: env var names need not be valid config keys (`PORT_8080`, `_PREFIX`).
  const env = job.getOptional('env');
  const settings: ConfiguredIsolationJob = {
    name,
    image: job.getString('image'),
  };
  const command = job.getOptionalStringArray('command');
  const args = job.getOptionalStringArray('args');
  const services = job.getOptionalStringArray('services');
  const backoffLimit = job.getOptionalNumber('backoffLimit');
  const activeDeadlineSeconds = job.getOptionalNumber('activeDeadlineSeconds');
  if (command) settings.command = command;
  if (args) settings.args = args;
  if (services) settings.services = services;
  if (env !== undefined) {
    if (!env || typeof env !== 'object' || Array.isArray(env)) {
      throw new InputError(`${path}.env: must be a map of names to values`);
    }
    settings.env = env as Record<string, string>;
  }
  const envFrom = job.getOptionalConfigArray('envFrom');
  if (envFrom) {
    settings.envFrom = envFrom.map((source, i) => {
      const secret = source.getOptionalString('secret');
      const configMap = source.getOptionalString('configMap');
      if (!secret === !configMap) {
        throw new InputError(
          `${path}.envFrom[${i}]: give exactly one of secret and configMap`,
        );
      }
      return secret ? { secret } : { configMap: configMap! };
    });
  }
  if (backoffLimit !== undefined) settings.backoffLimit = backoffLimit;
  if (activeDeadlineSeconds !== undefined) {
    settings.activeDeadlineSeconds = activeDeadlineSeconds;
  }
  validateJobTemplate(settings, path);
  return settings;
}

/** Throws an InputError naming the field (prefixed by `path`) when a Job template cannot make a Job. */
export function validateJobTemplate(
  template: FeatureIsolationJobTemplate,
  path: string,
) {
  const fail = (field: string, reason: string) => {
    throw new InputError(`${path}.${field}: ${reason}`);
  };
  if (typeof template?.image !== 'string' || !template.image.trim()) {
    fail('image', 'is required');
  }
  for (const field of ['command', 'args'] as const) {
    const list = template[field];
    if (
      list !== undefined &&
      (!Array.isArray(list) || list.some(item => typeof item !== 'string'))
    ) {
      fail(field, 'must be a list of strings');
    }
  }
  for (const [name, value] of Object.entries(template.env ?? {})) {
    if (!ENV_NAME.test(name)) {
      fail('env', `'${name}' is not a valid environment variable name`);
    }
    // The value may be a credential: never echo it.
    if (typeof value !== 'string') fail(`env.${name}`, 'must be a string');
  }
  for (const [i, source] of (template.envFrom ?? []).entries()) {
    const name =
      'secret' in source ? source.secret : (source as any)?.configMap;
    if (validateDnsSubdomain(name)) {
      fail(`envFrom[${i}]`, 'must name a Secret or ConfigMap');
    }
  }
  const count = (
    field: 'backoffLimit' | 'activeDeadlineSeconds',
    min: number,
  ) => {
    const value = template[field];
    if (value !== undefined && (!Number.isInteger(value) || value < min)) {
      fail(field, `must be an integer of at least ${min}`);
    }
  };
  count('backoffLimit', 0);
  count('activeDeadlineSeconds', 1);
}

/** A reason when the value is not a DNS-1123 subdomain (the name of a Secret or ConfigMap). */
function validateDnsSubdomain(value: unknown): string | undefined {
  if (
    typeof value === 'string' &&
    value.length <= 253 &&
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(
      value,
    )
  ) {
    return undefined;
  }
  return 'not a DNS-1123 subdomain';
}

/** Hook names identify hooks (and their Jobs): two with the same name are a configuration error. */
export function assertUniqueHookNames(hooks: FeatureIsolationHook[]) {
  const seen = new Set<string>();
  for (const hook of hooks) {
    if (typeof hook?.name !== 'string' || !hook.name) {
      throw new InputError('feature isolation hooks must have a name');
    }
    if (seen.has(hook.name)) {
      throw new InputError(
        `two feature isolation hooks are named '${hook.name}'; hook names must be unique`,
      );
    }
    seen.add(hook.name);
  }
}
