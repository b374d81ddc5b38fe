import { isDeepStrictEqual } from 'node:util';
import { ConflictError, InputError } from '@backstage/errors';
import {
  EnvironmentServiceSpec,
  EnvironmentSpec,
  FeatureBranch,
  Revision,
  ServiceDefinition,
  ServicePin,
} from '@envmesh/plugin-environments-common';
import type { ServiceImportSource } from '../registry';
import type { z } from 'zod';
import {
  createEnvironmentInput,
  parseInput,
  updateEnvironmentInput,
} from './validation';

export type CreateInput = z.infer<typeof createEnvironmentInput>;
type UpdateInput = z.infer<typeof updateEnvironmentInput>;

/** Secret values of a request, kept apart from the spec so they never reach the store. */
export type SecretValues = Map<string, Record<string, string>>;

/** The registry's services, to check that a request names known ones. */
interface ServiceLookup {
  listServices(): Promise<ServiceDefinition[]>;
}

/** The feature branches of an environment, which a routing mode change must not strand. */
interface FeatureLookup {
  listFeatures(filter: { environment: string }): Promise<FeatureBranch[]>;
}

/** Throws an InputError naming the entry when a request's services are unknown to the registry or repeated. */
export async function checkServices(
  registry: ServiceLookup,
  services: EnvironmentServiceSpec[],
) {
  const known = new Set((await registry.listServices()).map(s => s.name));
  const seen = new Set<string>();
  services.forEach((service, index) => {
    if (!known.has(service.name)) {
      throw new InputError(
        `services.${index}.name: service '${service.name}' is not in the registry; import it first`,
      );
    }
    if (seen.has(service.name)) {
      throw new InputError(
        `services.${index}.name: service '${service.name}' is listed twice`,
      );
    }
    seen.add(service.name);
  });
}

/**
 * The spec a create request describes, and the secret values it carries (kept apart: they go to the
 * cluster only).
 */
export async function toSpec(registry: ServiceLookup, input: CreateInput) {
  await checkServices(registry, input.services);
  if (
    input.previewService &&
    !input.services.some(s => s.name === input.previewService)
  ) {
    throw new InputError(
      `previewService: '${input.previewService}' is not a service of the environment`,
    );
  }
  const secretValues: SecretValues = new Map();
  const secrets = input.config.secrets.map(secret => {
    if (secret.values) secretValues.set(secret.name, secret.values);
    return {
      name: secret.name,
      ...(secret.type ? { type: secret.type } : {}),
      keys: [
        ...new Set([
          ...(secret.keys ?? []),
          ...Object.keys(secret.values ?? {}),
        ]),
      ].sort(),
    };
  });
  const spec: EnvironmentSpec = {
    name: input.name,
    cluster: input.cluster,
    namespace: input.namespace ?? input.name,
    owner: input.owner,
    ...(input.description ? { description: input.description } : {}),
    ...(input.previewDomain ? { previewDomain: input.previewDomain } : {}),
    ...(input.previewService ? { previewService: input.previewService } : {}),
    ...(input.routing ? { routing: input.routing } : {}),
    globalValues: input.globalValues,
    config: { configMaps: input.config.configMaps, secrets },
    resources: input.resources,
    services: input.services,
    ...(input.lifecycle ? { lifecycle: input.lifecycle } : {}),
  };
  return { spec, secretValues };
}

/**
 * The spec an update request makes of the current one: fields it sends replace the current ones; services it
 * sends back unchanged keep their pins; declared secret keys stay.
 */
export async function applyUpdate(
  stores: { registry: ServiceLookup; features: FeatureLookup },
  current: EnvironmentSpec,
  body: unknown,
) {
  const input: UpdateInput = parseInput(updateEnvironmentInput, body);
  const mode = (spec: Pick<EnvironmentSpec, 'routing'>) =>
    spec.routing?.mode ?? 'subset';
  if (input.routing && mode(input) !== mode(current)) {
    // Routed features would lose their routes (subsets or instance Services) half-way.
    const features = await stores.features.listFeatures({
      environment: current.name,
    });
    if (features.length) {
      throw new ConflictError(
        `routing.mode: environment '${
          current.name
        }' has feature branches (${features
          .map(f => f.name)
          .join(', ')}); remove them before changing the routing mode`,
      );
    }
  }
  const merged: CreateInput = {
    name: current.name,
    cluster: current.cluster,
    namespace: current.namespace,
    owner: input.owner ?? current.owner,
    description: input.description ?? current.description,
    previewDomain: input.previewDomain ?? current.previewDomain,
    previewService: input.previewService ?? current.previewService,
    routing: input.routing ?? current.routing,
    globalValues: input.globalValues ?? current.globalValues,
    config: input.config ?? current.config,
    resources: input.resources ?? current.resources,
    services: input.services
      ? keepPins(current.services, input.services)
      : current.services,
    lifecycle: current.lifecycle,
  };
  const result = await toSpec(stores.registry, merged);
  // Keys of secrets that already exist stay declared even when a request only sends new values.
  for (const secret of result.spec.config.secrets) {
    const before = current.config.secrets.find(s => s.name === secret.name);
    if (before)
      secret.keys = [...new Set([...before.keys, ...secret.keys])].sort();
  }
  return result;
}

/**
 * The services of an update with the pins (of a rollback or copy) of those it sends unchanged: a client that
 * sends back the list it read, to change one service, keeps the others on their pinned chart. `pinned` is
 * never taken from a request; an edited service is rendered from the registry again.
 */
function keepPins(
  current: EnvironmentServiceSpec[],
  sent: EnvironmentServiceSpec[],
): EnvironmentServiceSpec[] {
  return sent.map(service => {
    const before = current.find(s => s.name === service.name);
    if (!before?.pinned) return service;
    const { pinned, ...unpinned } = before;
    return isDeepStrictEqual(unpinned, service)
      ? { ...service, pinned }
      : service;
  });
}

/** The chart and service defaults a revision was rendered with, if it recorded them. */
export function pinOf(revision: Revision): ServicePin | undefined {
  return revision.chartDigest
    ? {
        chartDigest: revision.chartDigest,
        defaultValues: revision.defaultValues ?? {},
      }
    : undefined;
}

/** The API's `{ type, location, ref? }` as the importer's source. */
/** The API's `{ type, location, ref? }` as the importer's source. */
export function importSource(source: {
  type: 'directory' | 'git' | 'url';
  location: string;
  ref?: string;
}): ServiceImportSource {
  switch (source.type) {
    case 'directory':
      return { type: 'directory', path: source.location };
    case 'git':
      return { type: 'git', url: source.location, ref: source.ref };
    default:
      return { type: 'url', url: source.location };
  }
}
