import { InputError } from '@backstage/errors';
import { z } from 'zod';
import { validateDnsLabel } from '@envmesh/plugin-environments-common';
import { scheduleErrors } from './scheduleErrors';

const dnsLabel = z.string().superRefine((value, ctx) => {
  const error = validateDnsLabel(value, 'value');
  if (error)
    ctx.addIssue({ code: 'custom', message: error.replace(/^value /, '') });
});
const entityRef = z
  .string()
  .regex(
    /^([a-z]+:)?([a-z0-9-_.]+\/)?[a-zA-Z0-9-_.]+$/,
    'must be an entity ref such as group:default/platform-team',
  );
const valuesObject = z.record(z.string(), z.unknown());
const secretKey = z
  .string()
  .regex(/^[-._a-zA-Z0-9]+$/, 'must consist of letters, digits, -, _ and .');
const host = z
  .string()
  .regex(
    /^(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    'must be a host name, optionally starting with *.',
  );

const environmentService = z.object({
  name: dnsLabel,
  imageTag: z.string().min(1).optional(),
  values: valuesObject.optional(),
  keyValues: z.record(z.string(), z.string()).optional(),
  startupGroup: z.number().int().min(0).max(100).optional(),
});

const secretInput = z.object({
  name: dnsLabel,
  type: z.string().optional(),
  /** Key names; values are only ever written to the cluster. */
  keys: z.array(secretKey).optional(),
  /** Write-only values; their keys join `keys`. */
  values: z.record(secretKey, z.string()).optional(),
});

const config = z.object({
  configMaps: z
    .array(z.object({ name: dnsLabel, data: z.record(secretKey, z.string()) }))
    .default([]),
  secrets: z.array(secretInput).default([]),
});

const resources = z.object({
  gateways: z
    .array(
      z.object({
        name: dnsLabel,
        namespace: dnsLabel.optional(),
        hosts: z.array(host).min(1),
        selector: z.record(z.string(), z.string()).optional(),
        tls: z
          .object({
            credentialName: dnsLabel,
            httpsRedirect: z.boolean().optional(),
          })
          .optional(),
      }),
    )
    .default([]),
  certificates: z
    .array(
      z.object({
        name: dnsLabel,
        namespace: dnsLabel.optional(),
        secretName: dnsLabel,
        dnsNames: z.array(host).min(1),
        issuerRef: z.object({
          name: z.string().min(1),
          kind: z.enum(['Issuer', 'ClusterIssuer']).optional(),
          group: z.string().optional(),
        }),
      }),
    )
    .default([]),
});

const sleepSchedule = z
  .object({
    timeZone: z.string().min(1),
    windows: z
      .array(
        z
          .object({ sleep: z.string().min(1), wake: z.string().min(1) })
          .strict(),
      )
      .min(1)
      .max(20),
  })
  .strict()
  .superRefine((schedule, ctx) => {
    for (const error of scheduleErrors(schedule)) {
      const [field, ...message] = error.split(': ');
      ctx.addIssue({
        code: 'custom',
        path: field.split(/[.[\]]+/).filter(Boolean),
        message: message.join(': '),
      });
    }
  });

const lifecycleSettings = z
  .object({
    sleepSchedule: sleepSchedule.optional(),
    disposable: z.boolean().optional(),
  })
  .strict();

const isoDateTime = z
  .string()
  .datetime({ offset: true, message: 'must be an ISO 8601 date and time' });

const futureTime = isoDateTime
  .transform(value => new Date(value))
  .refine(date => date.getTime() > Date.now(), 'must be in the future');

/** The body of PUT /environments/:name/lifecycle: fields given replace the stored ones. */
export const updateLifecycleInput = z
  .object({
    sleepSchedule: sleepSchedule.nullable().optional(),
    disposable: z.boolean().optional(),
    wakeUntil: futureTime.nullable().optional(),
  })
  .strict();

/** The body of POST /environments/:name/wake. */
export const wakeInput = z.object({ until: futureTime.optional() }).strict();

const environmentFields = {
  owner: entityRef,
  description: z.string().max(1000),
  previewDomain: host,
  previewService: dnsLabel,
  routing: z
    .object({
      mode: z.enum(['subset', 'service']),
      sidecarInjection: z.boolean().optional(),
    })
    .strict(),
  globalValues: valuesObject,
  config,
  resources,
  services: z.array(environmentService),
};

/** The body of POST /environments. */
export const createEnvironmentInput = z.object({
  name: dnsLabel,
  cluster: z.string().min(1),
  namespace: dnsLabel.optional(),
  ...environmentFields,
  description: environmentFields.description.optional(),
  previewDomain: environmentFields.previewDomain.optional(),
  previewService: environmentFields.previewService.optional(),
  routing: environmentFields.routing.optional(),
  globalValues: valuesObject.default({}),
  config: config.default({ configMaps: [], secrets: [] }),
  resources: resources.default({ gateways: [], certificates: [] }),
  services: environmentFields.services.default([]),
  lifecycle: lifecycleSettings.optional(),
  /** `continue`: a service that fails does not stop the others' rollout (the operation still fails). */
  onFailure: z.enum(['stop', 'continue']).optional(),
});

/**
 * The body of PATCH /environments/:name (and of its diff): fields given replace the stored ones, fields left
 * out keep them (so no defaults here).
 */
export const updateEnvironmentInput = z.object(environmentFields).partial();

/** The body of POST /environments/:name/copy. */
export const copyEnvironmentInput = z.object({
  name: dnsLabel,
  cluster: z.string().min(1).optional(),
  namespace: dnsLabel.optional(),
  owner: entityRef.optional(),
  description: z.string().max(1000).optional(),
  /** Per service overrides over the copied versions and values. */
  services: z.array(environmentService).optional(),
});

export const rollbackInput = z.object({ revision: z.number().int().min(1) });

export const importServicesInput = z.object({
  source: z.object({
    type: z.enum(['directory', 'git', 'url']),
    location: z.string().min(1),
    ref: z.string().optional(),
  }),
});

export const secretValuesInput = z.object({
  values: z.record(secretKey, z.string()),
});

const featureInstance = z.object({
  service: dnsLabel,
  imageTag: z
    .string()
    .regex(
      /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
      'must be an image tag: letters, digits, _, . and -, at most 128',
    )
    .optional(),
  values: valuesObject.optional(),
});

/** The body of POST /features: creates a feature branch, or adds/replaces instances of an existing one. */
export const deployFeatureInput = z.object({
  name: dnsLabel.refine(n => n !== 'default', "must not be 'default'"),
  environment: dnsLabel,
  owner: entityRef.optional(),
  description: z.string().max(1000).optional(),
  source: z
    .object({
      repository: z.string().max(500).optional(),
      branch: z.string().max(255).optional(),
      sha: z.string().max(64).optional(),
      committedAt: isoDateTime.optional(),
    })
    .optional(),
  /** Time to live from now; the lifecycle task removes the feature branch after it. */
  ttlHours: z
    .number()
    .positive()
    .max(24 * 365)
    .optional(),
  instances: z.array(featureInstance).min(1),
});

/** The body of POST /features/:name/extend. */
export const extendFeatureInput = z.object({
  hours: z
    .number()
    .positive()
    .max(24 * 365),
});

/** The body of POST /environments/:name/routes/trace: where a request goes, hop by hop. */
export const traceRouteInput = z
  .object({
    /** A Service name, or an external host that enters through a gateway. */
    host: z.string().min(1).max(253).optional(),
    /** Whether `host` is reached through a gateway; default: when it is not a Service of the namespace. */
    gateway: z.boolean().optional(),
    /** The services of the environment the request goes through after `host`, in order. */
    chain: z.array(dnsLabel).max(50).optional(),
    path: z.string().startsWith('/').max(2000).optional(),
    headers: z.record(z.string(), z.string().max(4096)).optional(),
  })
  .refine(b => b.host || b.chain?.length, {
    message: 'a host or a chain of services is required',
    path: ['host'],
  });

/** Parses a request body, or throws an InputError that names the first bad field. */
export function parseInput<T extends z.ZodType>(
  schema: T,
  body: unknown,
): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.') || 'body';
  throw new InputError(`${field}: ${issue.message}`);
}
