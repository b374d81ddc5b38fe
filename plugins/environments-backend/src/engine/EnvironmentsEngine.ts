import { isDeepStrictEqual } from 'node:util';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import yaml from 'js-yaml';
import {
  EnvironmentServiceSpec,
  EnvironmentSpec,
  EnvironmentStatus,
  EnvironmentSummary,
  MergedValues,
  OperationType,
  Revision,
  ServicePin,
  ServiceStatus,
} from '@envmesh/plugin-environments-common';
import { ClusterRegistry } from '../clusters/ClusterRegistry';
import { ReleaseApplier, WORKLOAD_KINDS, apiErrorMessage } from '../apply';
import type { DiffEntry } from '../apply';
import { ServiceImporter, persistServiceImport } from '../registry';
import type { ServiceImportSource } from '../registry';
import { DatabaseEnvironmentStore } from '../store';
import type { StoredOperation } from '../store';
import { NamespaceWatchers } from '../watch';
import { EnvironmentRollout } from '../orchestrate/EnvironmentRollout';
import { OperationRunner } from '../orchestrate/OperationRunner';
import { SecretWriter } from '../orchestrate/SecretWriter';
import { namespaceObject } from '../orchestrate/environmentObjects';
import { ServiceReleaseRenderer } from '../orchestrate/ServiceReleaseRenderer';
import {
  copyEnvironmentInput,
  createEnvironmentInput,
  importServicesInput,
  parseInput,
  updateEnvironmentInput,
} from './validation';
import type { z } from 'zod';

type CreateInput = z.infer<typeof createEnvironmentInput>;
type UpdateInput = z.infer<typeof updateEnvironmentInput>;
type CopyInput = z.infer<typeof copyEnvironmentInput>;

/** Secret values of a request, kept apart from the spec so they never reach the store. */
type SecretValues = Map<string, Record<string, string>>;

/** How long a status read waits for the namespace watches to sync before it asks the cluster if it is up. */
const SYNC_GRACE_MS = 1_000;
/** How long that question may take. */
const PROBE_TIMEOUT_MS = 5_000;

export type { ServiceStatus };

/**
 * The environments engine as the REST API and other plugins see it: validates requests against the
 * registry and the clusters, keeps the desired state in the store, and turns every change into a persisted
 * operation that the runner carries out.
 */
export class EnvironmentsEngine {
  constructor(
    private readonly deps: {
      store: DatabaseEnvironmentStore;
      clusters: ClusterRegistry;
      releases: ServiceReleaseRenderer;
      applier: ReleaseApplier;
      watchers: NamespaceWatchers;
      importer: ServiceImporter;
      rollout: EnvironmentRollout;
      runner: OperationRunner;
      logger: LoggerService;
    },
  ) {}

  // ---- service registry ----

  async importServices(body: unknown) {
    const { source } = parseInput(importServicesInput, body);
    const existing = await this.deps.store.listServices();
    const result = await this.deps.importer.importServices(
      importSource(source),
      {
        existing,
      },
    );
    await persistServiceImport(this.deps.store, result);
    return {
      created: result.created,
      updated: result.updated,
      unchanged: result.unchanged,
      failed: result.failed,
      missing: result.missing,
    };
  }

  listServices() {
    return this.deps.store.listServices();
  }

  // ---- environments ----

  async listEnvironments(): Promise<EnvironmentSummary[]> {
    const [environments, services] = await Promise.all([
      this.deps.store.listEnvironments(),
      this.deps.store.listServices(),
    ]);
    const refs = new Map(services.map(s => [s.name, s.catalogEntityRef]));
    return Promise.all(
      environments.map(async env => {
        const status = await this.#checkReachable(env)
          .then(() => this.#serviceStatuses(env))
          .catch(() => []);
        return {
          name: env.name,
          cluster: env.cluster,
          namespace: env.namespace,
          owner: env.owner,
          ...(env.description ? { description: env.description } : {}),
          componentRefs: env.services.flatMap(s => {
            const ref = refs.get(s.name);
            return ref ? [ref] : [];
          }),
          services: {
            total: env.services.length,
            ready: status.filter(s => s.ready).length,
          },
          sleepState: env.asleepSince ? 'asleep' : 'awake',
          ...(env.asleepSince ? { asleepSince: env.asleepSince } : {}),
        };
      }),
    );
  }

  async getEnvironment(name: string) {
    const env = await this.#environment(name);
    const [lastOperation] = await this.deps.store.listOperations({
      environment: name,
      feature: '',
      limit: 1,
    });
    return {
      ...env,
      lastOperation: lastOperation ? summary(lastOperation) : undefined,
    };
  }

  /** Desired against live per service; 503 naming the cluster when its API server cannot be reached. */
  async getStatus(name: string): Promise<EnvironmentStatus> {
    const env = await this.#environment(name);
    await this.#checkReachable(env);
    const [services, drift] = await Promise.all([
      this.#serviceStatuses(env),
      this.#environmentDrift(env),
    ]);
    return { services, drift };
  }

  async createEnvironment(body: unknown, actor: string) {
    const input = parseInput(createEnvironmentInput, body);
    this.deps.clusters.kubeConfig(input.cluster);
    const { spec, secretValues } = await this.#toSpec(input);
    await this.#startOperation(
      'create',
      spec,
      actor,
      {},
      {
        persist: async store => {
          await store.createEnvironment(spec);
        },
        inCluster: () => this.#writeSecrets(spec, secretValues),
      },
    );
    return this.#latestOperation(spec.name);
  }

  async updateEnvironment(name: string, body: unknown, actor: string) {
    const current = await this.#awakeEnvironment(name, 'updated');
    const { spec, secretValues } = await this.#applyUpdate(current, body);
    await this.#startOperation(
      'update',
      spec,
      actor,
      {},
      {
        persist: async store => {
          await store.updateEnvironment(spec);
        },
        inCluster: () => this.#writeSecrets(spec, secretValues),
      },
    );
    return this.#latestOperation(name);
  }

  /** What an update would change, per service and for the environment's own objects; changes nothing. */
  async diffEnvironment(name: string, body: unknown) {
    const current = await this.#environment(name);
    const { spec, secretValues } = await this.#applyUpdate(current, body);
    const kubeConfig = this.deps.clusters.kubeConfig(spec.cluster);
    const environment = {
      changes: await this.#fromCluster(spec.cluster, () =>
        this.#diffEnvironmentObjects(spec, secretValues),
      ),
    };
    const services: Array<{ name: string; changes: DiffEntry[] }> = [];
    for (const service of spec.services) {
      // Rendering fails on its own (502, helm's message) before any cluster is asked.
      const rendered = await this.deps.releases.render(spec, service);
      const objects = await this.#fromCluster(spec.cluster, () =>
        this.deps.releases.withLiveRoutes(spec, service, rendered, kubeConfig),
      );
      const previous = await this.deps.store.getInventory(
        spec.name,
        service.name,
      );
      const entries = await this.#fromCluster(spec.cluster, () =>
        this.deps.applier.diff({
          kubeConfig,
          namespace: spec.namespace,
          environment: spec.name,
          release: service.name,
          objects,
          previousInventory: previous ?? [],
        }),
      );
      const changes = entries.filter(e => e.action !== 'unchanged');
      if (changes.length) services.push({ name: service.name, changes });
    }
    const removed = current.services
      .filter(s => !spec.services.some(n => n.name === s.name))
      .map(s => s.name);
    return { environment, services, removed };
  }

  /**
   * What an update would change of the environment's own objects: config ConfigMaps, Gateways and
   * Certificates by dry run; Secrets by name and key only (values are never read back or compared).
   */
  async #diffEnvironmentObjects(
    spec: EnvironmentSpec,
    secretValues: SecretValues,
  ): Promise<DiffEntry[]> {
    const kubeConfig = this.deps.clusters.kubeConfig(spec.cluster);
    const previous = await this.deps.store.getInventory(spec.name, '');
    const objects = await this.deps.applier.diff({
      kubeConfig,
      namespace: spec.namespace,
      environment: spec.name,
      release: '',
      objects: this.deps.rollout.environmentObjects(spec),
      // Secrets are SecretWriter's, diffed below.
      previousInventory: (previous ?? []).filter(o => o.kind !== 'Secret'),
    });
    const secrets = await SecretWriter.diff({
      kubeConfig,
      namespace: spec.namespace,
      environment: spec.name,
      declared: spec.config.secrets.map(s => s.name),
      writes: new Map(
        [...secretValues].map(([secret, values]) => [
          secret,
          Object.keys(values),
        ]),
      ),
    });
    return [...objects, ...secrets].filter(e => e.action !== 'unchanged');
  }

  async deleteEnvironment(name: string, actor: string) {
    const spec = await this.#environment(name);
    await this.#startOperation('delete', spec, actor, {});
    return this.#latestOperation(name);
  }

  async copyEnvironment(sourceName: string, body: unknown, actor: string) {
    const source = await this.#environment(sourceName);
    const input: CopyInput = parseInput(copyEnvironmentInput, body);
    const cluster = input.cluster ?? source.cluster;
    this.deps.clusters.kubeConfig(cluster);
    // An override can only adjust a service the source has; one naming another is a mistake, not a no-op.
    (input.services ?? []).forEach((override, i) => {
      if (!source.services.some(s => s.name === override.name)) {
        throw new InputError(
          `services[${i}].name: the environment ${sourceName} has no service ${override.name}`,
        );
      }
    });
    // Same versions: pin every service to the image tag, chart and service defaults its latest revision runs
    // in the source (one query for all services; revisions come newest first).
    const latest = new Map<string, Revision>();
    for (const revision of await this.deps.store.listRevisions(sourceName)) {
      if (!latest.has(revision.service)) latest.set(revision.service, revision);
    }
    const services: EnvironmentServiceSpec[] = source.services.map(service => {
      const revision = latest.get(service.name);
      const override = input.services?.find(s => s.name === service.name);
      const pinned = revision && pinOf(revision);
      return {
        ...service,
        ...(revision?.imageTag ? { imageTag: revision.imageTag } : {}),
        ...(pinned ? { pinned } : {}),
        ...override,
      };
    });
    const spec: EnvironmentSpec = {
      ...source,
      name: input.name,
      cluster,
      namespace: input.namespace ?? input.name,
      owner: input.owner ?? source.owner,
      description: input.description ?? `Copy of ${source.name}`,
      services,
    };
    await this.#checkServices(spec.services);
    await this.#startOperation(
      'copy',
      spec,
      actor,
      {
        from: {
          environment: source.name,
          cluster: source.cluster,
          namespace: source.namespace,
        },
      },
      { persist: store => store.createEnvironment(spec).then(() => undefined) },
    );
    return this.#latestOperation(spec.name);
  }

  async rollbackService(
    name: string,
    service: string,
    revision: number,
    actor: string,
  ) {
    const current = await this.#awakeEnvironment(name, 'rolled back');
    const target = await this.deps.store.getRevision(name, service, revision);
    if (!target) {
      throw new NotFoundError(
        `service '${service}' of environment '${name}' has no revision ${revision}`,
      );
    }
    // The service is pinned to the revision's merged values, image, chart and service defaults; later global
    // changes and re-imports no longer reach it.
    const pinned = pinOf(target);
    const spec: EnvironmentSpec = {
      ...current,
      services: current.services.map(s =>
        s.name === service
          ? {
              name: s.name,
              ...(s.startupGroup !== undefined
                ? { startupGroup: s.startupGroup }
                : {}),
              ...(target.imageTag ? { imageTag: target.imageTag } : {}),
              values: target.values,
              ...(pinned ? { pinned } : {}),
            }
          : s,
      ),
    };
    await this.#startOperation(
      'rollback',
      spec,
      actor,
      { service, revision },
      { persist: store => store.updateEnvironment(spec).then(() => undefined) },
    );
    return this.#latestOperation(name);
  }

  /** Scales every workload to zero (see EnvironmentRollout); 409 when it already sleeps. */
  async sleepEnvironment(name: string, actor: string) {
    const spec = await this.#environment(name);
    if (spec.asleepSince) {
      throw new ConflictError(
        `environment '${name}' is already asleep (since ${spec.asleepSince})`,
      );
    }
    // A feature instance deployed while the sleep runs would stay awake.
    const deploying = (
      await this.deps.store.listOperations({ environment: name })
    ).find(o => o.feature && (o.state === 'pending' || o.state === 'running'));
    if (deploying) {
      throw new ConflictError(
        `environment '${name}' has operation ${deploying.id} (${deploying.type} of feature branch '${deploying.feature}') in progress`,
      );
    }
    await this.#startOperation(
      'sleep',
      spec,
      actor,
      {},
      {
        persist: store => store.setAsleep(name, new Date()),
      },
    );
    return this.#latestOperation(name);
  }

  /** Scales the workloads back, group by group; 409 when it is awake. */
  async wakeEnvironment(name: string, actor: string) {
    const spec = await this.#environment(name);
    if (!spec.asleepSince) {
      throw new ConflictError(`environment '${name}' is awake`);
    }
    await this.#startOperation(
      'wake',
      spec,
      actor,
      {},
      {
        persist: store => store.setAsleep(name),
      },
    );
    return this.#latestOperation(name);
  }

  async writeSecretValues(
    name: string,
    secret: string,
    values: Record<string, string>,
  ) {
    const spec = await this.#environment(name);
    const declared = spec.config.secrets.find(s => s.name === secret);
    if (!declared) {
      throw new NotFoundError(
        `environment '${name}' has no secret '${secret}'`,
      );
    }
    await SecretWriter.write({
      kubeConfig: this.deps.clusters.kubeConfig(spec.cluster),
      namespace: spec.namespace,
      environment: spec.name,
      secret: declared,
      values,
    });
  }

  // ---- services of an environment ----

  async getServiceValues(name: string, service: string): Promise<MergedValues> {
    const env = await this.#environment(name);
    return this.deps.releases.values(env, this.#serviceOf(env, service));
  }

  async getServiceManifest(name: string, service: string): Promise<string> {
    const env = await this.#environment(name);
    const objects = await this.deps.releases.render(
      env,
      this.#serviceOf(env, service),
    );
    return objects
      .map(o => yaml.dump(o, { noRefs: true, sortKeys: false }))
      .join('---\n');
  }

  async listRevisions(name: string, service?: string) {
    await this.#environment(name);
    return this.deps.store.listRevisions(name, service);
  }

  // ---- operations ----

  async getOperation(id: string) {
    const operation = await this.deps.store.getOperation(id);
    if (!operation) throw new NotFoundError(`no operation '${id}'`);
    return summary(operation);
  }

  listOperations(environment?: string) {
    return this.deps.store
      .listOperations({ environment, limit: 50 })
      .then(ops => ops.map(summary));
  }

  async getOperationLogs(id: string, afterSeq?: number) {
    await this.getOperation(id);
    return this.deps.store.listLogs(id, { afterSeq });
  }

  async cancelOperation(id: string) {
    const operation = await this.getOperation(id);
    if (operation.state !== 'pending' && operation.state !== 'running') {
      throw new ConflictError(`operation ${id} is already ${operation.state}`);
    }
    await this.deps.store.requestCancel(id);
    return this.getOperation(id);
  }

  // ---- internals ----

  async #environment(name: string) {
    const env = await this.deps.store.getEnvironment(name);
    if (!env) throw new NotFoundError(`no environment '${name}'`);
    return env;
  }

  /** The environment, or a ConflictError when it sleeps: a change would wake part of it behind the user's back. */
  async #awakeEnvironment(name: string, change: string) {
    const env = await this.#environment(name);
    if (env.asleepSince) {
      throw new ConflictError(
        `environment '${name}' is asleep and cannot be ${change}; wake it first`,
      );
    }
    return env;
  }

  #serviceOf(env: EnvironmentSpec, service: string) {
    const found = env.services.find(s => s.name === service);
    if (!found) {
      throw new NotFoundError(
        `environment '${env.name}' has no service '${service}'`,
      );
    }
    return found;
  }

  async #checkServices(services: EnvironmentServiceSpec[]) {
    const known = new Set(
      (await this.deps.store.listServices()).map(s => s.name),
    );
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

  async #toSpec(input: CreateInput) {
    await this.#checkServices(input.services);
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
    };
    return { spec, secretValues };
  }

  async #applyUpdate(current: EnvironmentSpec, body: unknown) {
    const input: UpdateInput = parseInput(updateEnvironmentInput, body);
    const mode = (spec: Pick<EnvironmentSpec, 'routing'>) =>
      spec.routing?.mode ?? 'subset';
    if (input.routing && mode(input) !== mode(current)) {
      // Routed features would lose their routes (subsets or instance Services) half-way.
      const features = await this.deps.store.features.listFeatures({
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
    };
    const result = await this.#toSpec(merged);
    // Keys of secrets that already exist stay declared even when a request only sends new values.
    for (const secret of result.spec.config.secrets) {
      const before = current.config.secrets.find(s => s.name === secret.name);
      if (before)
        secret.keys = [...new Set([...before.keys, ...secret.keys])].sort();
    }
    return result;
  }

  async #writeSecrets(spec: EnvironmentSpec, values: SecretValues) {
    if (values.size === 0) return;
    const kubeConfig = this.deps.clusters.kubeConfig(spec.cluster);
    try {
      await this.deps.applier.apply({
        kubeConfig,
        namespace: spec.namespace,
        environment: spec.name,
        release: '',
        objects: [namespaceObject(spec)],
        previousInventory: [],
      });
      for (const secret of spec.config.secrets) {
        const secretValues = values.get(secret.name);
        if (!secretValues) continue;
        await SecretWriter.write({
          kubeConfig,
          namespace: spec.namespace,
          environment: spec.name,
          secret,
          values: secretValues,
        });
      }
    } catch (error) {
      if (error instanceof InputError) throw error;
      // Never echo the request: the message names the secret only.
      throw new ServiceUnavailableError(
        `could not write the secrets of '${spec.name}' to cluster '${
          spec.cluster
        }': ${(error as Error).message}`,
      );
    }
  }

  /**
   * Records a new operation and the desired state it converges to (`persist`), then makes the cluster-side
   * changes that cannot wait for the runner (`inCluster`: the request's secret values), all in one
   * transaction: a 409 (another operation runs), a taken name or a failed secret write leave the store
   * unchanged and write nothing to the cluster. The runner sees the operation once it is committed.
   */
  async #startOperation(
    type: OperationType,
    spec: EnvironmentSpec,
    actor: string,
    params: Record<string, unknown>,
    changes: {
      persist?: (store: DatabaseEnvironmentStore) => Promise<void>;
      inCluster?: () => Promise<void>;
    } = {},
  ) {
    // Planned before the transaction: it reads the registry, and SQLite has one connection.
    const steps = await this.deps.rollout.plan(type, spec);
    await this.deps.store.transaction(async store => {
      await store.createOperation({
        environment: spec.name,
        type,
        actor,
        params,
        steps,
      });
      await changes.persist?.(store);
      await changes.inCluster?.();
    });
    this.deps.runner.wake();
  }

  async #latestOperation(environment: string) {
    const [operation] = await this.deps.store.listOperations({
      environment,
      feature: '',
      limit: 1,
    });
    return summary(operation);
  }

  /**
   * Throws a ServiceUnavailableError naming the cluster when the environment's namespace watches have not
   * synced and the cluster's API server does not answer either (one version request, not one per object).
   */
  async #checkReachable(env: EnvironmentSpec) {
    const watcher = this.deps.watchers.forNamespace(env.cluster, env.namespace);
    const synced = await within(
      watcher.start().then(() => true),
      SYNC_GRACE_MS,
      false,
    );
    if (synced) return;
    const status = await within(
      this.deps.clusters.status(env.cluster),
      PROBE_TIMEOUT_MS,
      {
        reachable: false,
        error: `no answer within ${PROBE_TIMEOUT_MS / 1000} s`,
      },
    );
    if (!status.reachable) {
      throw new ServiceUnavailableError(
        `cluster '${env.cluster}' is unreachable: ${status.error}`,
      );
    }
  }

  /** Runs a read of a cluster; what the cluster fails with becomes a ServiceUnavailableError naming it. */
  async #fromCluster<T>(cluster: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof InputError || error instanceof NotFoundError) {
        throw error;
      }
      throw new ServiceUnavailableError(
        `cluster '${cluster}' failed to answer: ${apiErrorMessage(error)}`,
      );
    }
  }

  /** Drift of the environment's own release '' (config, resources, Secrets). */
  async #environmentDrift(env: EnvironmentSpec) {
    if (!(await this.deps.store.getInventory(env.name, ''))) return [];
    const watcher = this.deps.watchers.forNamespace(env.cluster, env.namespace);
    return this.#fromCluster(env.cluster, () => watcher.drift(''));
  }

  async #serviceStatuses(env: EnvironmentSpec): Promise<ServiceStatus[]> {
    const watcher = this.deps.watchers.forNamespace(env.cluster, env.namespace);
    const definitions = new Map(
      (await this.deps.store.listServices()).map(s => [s.name, s]),
    );
    const revisions = await this.deps.store.listRevisions(env.name);
    return Promise.all(
      env.services.map(async service => {
        const inventory = await this.deps.store.getInventory(
          env.name,
          service.name,
        );
        const workloads = (inventory ?? []).filter(r =>
          WORKLOAD_KINDS.has(r.kind),
        );
        const statuses = workloads.length
          ? await this.#fromCluster(env.cluster, () =>
              watcher.status(workloads),
            )
          : [];
        const latest = revisions.find(r => r.service === service.name);
        const definition = definitions.get(service.name);
        return {
          name: service.name,
          group: service.startupGroup ?? definition?.startupGroup ?? 0,
          revision: latest?.revision,
          desiredImage: latest
            ? imageOfValues(latest.values, latest.imageTag)
            : undefined,
          workloads: statuses,
          ready: !!inventory && statuses.every(s => s.ready),
          drift: inventory
            ? await this.#fromCluster(env.cluster, () =>
                watcher.drift(service.name),
              )
            : [],
        };
      }),
    );
  }
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
function pinOf(revision: Revision): ServicePin | undefined {
  return revision.chartDigest
    ? {
        chartDigest: revision.chartDigest,
        defaultValues: revision.defaultValues ?? {},
      }
    : undefined;
}

/** The promise's value, or `fallback` after `timeoutMs` or when it rejects. */
async function within<T>(
  promise: Promise<T>,
  timeoutMs: number,
  fallback: T,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise.catch(() => fallback),
      new Promise<T>(resolve => {
        timer = setTimeout(() => resolve(fallback), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The image a revision deployed, from its merged values as the usual chart conventions read them:
 * `[<image.registry>/]<image.repository>` then `@<image.digest>` or `:<image.tag>` (the revision's tag when the
 * values hold none). Without a repository the tag alone; without a tag or digest the repository alone (the
 * chart's own default tag applies).
 */
export function imageOfValues(
  values: Record<string, unknown> | undefined,
  imageTag?: string,
): string | undefined {
  const image = values?.image;
  const field = (key: string) => {
    const value =
      image && typeof image === 'object' && !Array.isArray(image)
        ? (image as Record<string, unknown>)[key]
        : undefined;
    return typeof value === 'string' || typeof value === 'number'
      ? String(value)
      : undefined;
  };
  const tag = field('tag') || imageTag || undefined;
  const repository = field('repository');
  if (!repository) return tag;
  const registry = field('registry');
  const name = registry ? `${registry}/${repository}` : repository;
  const digest = field('digest');
  if (digest) return `${name}@${digest}`;
  return tag ? `${name}:${tag}` : name;
}

/** An operation as the API shows it: without its worker fields and parameters, with its progress. */
export function summary(operation: StoredOperation) {
  const {
    params: _params,
    claimedBy: _c,
    leaseUntil: _l,
    cancelRequested,
    ...rest
  } = operation;
  const done = operation.steps.filter(
    s => s.state === 'succeeded' || s.state === 'skipped',
  ).length;
  return {
    ...rest,
    cancelRequested,
    progress: { done, total: operation.steps.length },
  };
}

/** The API's `{ type, location, ref? }` as the importer's source. */
function importSource(source: {
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
