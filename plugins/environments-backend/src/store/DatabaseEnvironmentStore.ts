import { randomUUID } from 'node:crypto';
import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  ChartSource,
  EnvironmentServiceSpec,
  EnvironmentSpec,
  OperationState,
  OperationStep,
  Revision,
  ServiceDefinition,
} from '@envmesh/plugin-environments-common';
import { Knex } from 'knex';
import { DatabaseFeatureStore } from './DatabaseFeatureStore';
import {
  Inventory,
  InventoryObject,
  NewOperation,
  NewRevision,
  OperationLogLevel,
  OperationLogLine,
  OperationStepPatch,
  StoredChart,
  StoredEnvironment,
  StoredOperation,
} from './types';
import {
  chunks,
  isUniqueViolation,
  optional,
  parseJson,
  toIso,
  toIsoRequired,
} from './util';

const migrationsDir = resolvePackagePath(
  '@envmesh/plugin-environments-backend',
  'migrations',
);

const ACTIVE_STATES: OperationState[] = ['pending', 'running'];
const FINAL_STATES: OperationState[] = ['succeeded', 'failed', 'cancelled'];
const FINAL_STEP_STATES = ['succeeded', 'failed', 'skipped'];

type Row = Record<string, any>;

/**
 * The engine's desired state in the plugin's database (SQLite in dev, PostgreSQL in production): the service
 * registry and its charts, environments, inventories, revisions, and operations with their steps and logs.
 * Every rule that concurrent requests or backend replicas could break (unique environment name and namespace,
 * one active operation per environment, revision numbers, operation claims) is enforced by the database.
 */
export class DatabaseEnvironmentStore {
  /** appendLog calls per operation, chained so that this process never races itself for a sequence number. */
  private readonly logQueues = new Map<string, Promise<unknown>>();

  /** Opens the plugin's database and applies the migrations, unless the backend config skips them. */
  static async create(options: {
    database: DatabaseService;
  }): Promise<DatabaseEnvironmentStore> {
    const knex = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await DatabaseEnvironmentStore.migrate(knex);
    }
    return new DatabaseEnvironmentStore(knex);
  }

  /** For tests: migrates a raw Knex and wraps it. */
  static async fromKnex(knex: Knex): Promise<DatabaseEnvironmentStore> {
    await DatabaseEnvironmentStore.migrate(knex);
    return new DatabaseEnvironmentStore(knex);
  }

  static async migrate(knex: Knex): Promise<void> {
    await knex.migrate.latest({ directory: migrationsDir });
  }

  /** Feature branches and their instances, in the same database. */
  readonly features: DatabaseFeatureStore;

  /** Wraps an already migrated Knex. */
  constructor(private readonly db: Knex) {
    this.features = new DatabaseFeatureStore(db);
  }

  /**
   * Runs `fn` with a store whose reads and writes all belong to one transaction, committed when `fn`
   * resolves and rolled back when it throws. Inside, use only that store (SQLite has one connection).
   */
  async transaction<T>(
    fn: (store: DatabaseEnvironmentStore) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction(tx => fn(new DatabaseEnvironmentStore(tx)));
  }

  // ---- charts and services ----

  /** Stores a chart archive; a digest that is already stored is left as it is. */
  async putChart(chart: StoredChart): Promise<void> {
    await this.db('charts')
      .insert({
        digest: chart.digest,
        name: chart.name,
        version: chart.version,
        archive: chart.archive,
        created_at: new Date(),
      })
      .onConflict('digest')
      .ignore();
  }

  async getChartArchive(digest: string): Promise<Buffer | undefined> {
    const row = await this.db('charts').where({ digest }).first('archive');
    return row ? Buffer.from(row.archive) : undefined;
  }

  /** Inserts or replaces service definitions, all in one transaction. */
  async upsertServices(defs: ServiceDefinition[]): Promise<void> {
    const now = new Date();
    const rows = defs.map(def => ({
      name: def.name,
      source: JSON.stringify(def.source),
      chart_name: def.chart.name,
      chart_version: def.chart.version,
      chart_digest: def.chart.digest,
      default_values: JSON.stringify(def.defaultValues ?? {}),
      image_repository: def.image.repository ?? null,
      image_tag: def.image.tag ?? null,
      startup_group: def.startupGroup ?? 0,
      catalog_entity_ref: def.catalogEntityRef ?? null,
      updated_at: now,
    }));
    await this.db.transaction(async tx => {
      for (const batch of chunks(rows, 100)) {
        await tx('services').insert(batch).onConflict('name').merge();
      }
    });
  }

  async listServices(): Promise<ServiceDefinition[]> {
    const rows = await this.db('services').orderBy('name');
    return rows.map(toService);
  }

  async getService(name: string): Promise<ServiceDefinition | undefined> {
    const row = await this.db('services').where({ name }).first();
    return row ? toService(row) : undefined;
  }

  // ---- environments ----

  /** Throws ConflictError if the name is taken or another environment uses the same cluster and namespace. */
  async createEnvironment(spec: EnvironmentSpec): Promise<StoredEnvironment> {
    const now = new Date();
    try {
      await this.db.transaction(async tx => {
        await this.assertEnvironmentFree(tx, spec, true);
        await tx('environments').insert({
          ...environmentRow(spec),
          created_at: now,
          updated_at: now,
        });
        await this.writeEnvironmentServices(tx, spec);
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A concurrent create won the race: report what it took.
      await this.assertEnvironmentFree(this.db, spec, true);
      throw new ConflictError(
        `environment name '${spec.name}' is already taken`,
      );
    }
    return (await this.getEnvironment(spec.name))!;
  }

  /** Replaces an environment's desired state. Throws NotFoundError, or ConflictError for a taken namespace. */
  async updateEnvironment(spec: EnvironmentSpec): Promise<StoredEnvironment> {
    try {
      await this.db.transaction(async tx => {
        if (!(await tx('environments').where({ name: spec.name }).first())) {
          throw new NotFoundError(`environment '${spec.name}' not found`);
        }
        await this.assertEnvironmentFree(tx, spec, false);
        await tx('environments')
          .where({ name: spec.name })
          .update({ ...environmentRow(spec), updated_at: new Date() });
        await tx('environment_services')
          .where({ environment: spec.name })
          .delete();
        await this.writeEnvironmentServices(tx, spec);
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await this.assertEnvironmentFree(this.db, spec, false);
      throw new ConflictError(
        `namespace '${spec.namespace}' of cluster '${spec.cluster}' is already used`,
      );
    }
    return (await this.getEnvironment(spec.name))!;
  }

  /** Marks an environment asleep since `since`, or awake without it. Throws NotFoundError. */
  async setAsleep(name: string, since?: Date): Promise<void> {
    const updated = await this.db('environments')
      .where({ name })
      .update({ asleep_since: since ?? null });
    if (!updated) throw new NotFoundError(`environment '${name}' not found`);
  }

  async getEnvironment(name: string): Promise<StoredEnvironment | undefined> {
    const row = await this.db('environments').where({ name }).first();
    if (!row) return undefined;
    const services = await this.db('environment_services')
      .where({ environment: name })
      .orderBy('position');
    return toEnvironment(row, services);
  }

  async listEnvironments(): Promise<StoredEnvironment[]> {
    const rows = await this.db('environments').orderBy('name');
    const services = await this.db('environment_services').orderBy([
      'environment',
      'position',
    ]);
    return rows.map(row =>
      toEnvironment(
        row,
        services.filter(s => s.environment === row.name),
      ),
    );
  }

  /**
   * Deletes an environment with its services, inventories and revisions; its operations stay as history.
   * Returns false if there was no such environment.
   */
  async deleteEnvironment(name: string): Promise<boolean> {
    return this.db.transaction(async tx => {
      await tx('feature_instances')
        .whereIn(
          'feature',
          tx('features').select('name').where({ environment: name }),
        )
        .delete();
      await tx('features').where({ environment: name }).delete();
      for (const table of [
        'environment_services',
        'inventories',
        'revisions',
      ]) {
        await tx(table).where({ environment: name }).delete();
      }
      return (await tx('environments').where({ name }).delete()) > 0;
    });
  }

  private async assertEnvironmentFree(
    db: Knex,
    spec: EnvironmentSpec,
    isNew: boolean,
  ): Promise<void> {
    if (
      isNew &&
      (await db('environments').where({ name: spec.name }).first())
    ) {
      throw new ConflictError(
        `environment name '${spec.name}' is already taken`,
      );
    }
    const other = await db('environments')
      .where({ cluster: spec.cluster, namespace: spec.namespace })
      .whereNot({ name: spec.name })
      .first('name');
    if (other) {
      throw new ConflictError(
        `namespace '${spec.namespace}' of cluster '${spec.cluster}' is already used by environment '${other.name}'`,
      );
    }
  }

  private async writeEnvironmentServices(
    tx: Knex.Transaction,
    spec: EnvironmentSpec,
  ): Promise<void> {
    const rows = spec.services.map((service, position) => ({
      environment: spec.name,
      service: service.name,
      position,
      spec: JSON.stringify(service),
    }));
    for (const batch of chunks(rows)) {
      await tx('environment_services').insert(batch);
    }
  }

  // ---- inventories ----

  async getInventory(
    environment: string,
    release: string,
  ): Promise<InventoryObject[] | undefined> {
    const row = await this.db('inventories')
      .where({ environment, release })
      .first('objects');
    return row ? parseJson<InventoryObject[]>(row.objects, []) : undefined;
  }

  async setInventory(
    environment: string,
    release: string,
    objects: InventoryObject[],
  ): Promise<void> {
    await this.db('inventories')
      .insert({
        environment,
        release,
        objects: JSON.stringify(objects),
        updated_at: new Date(),
      })
      .onConflict(['environment', 'release'])
      .merge();
  }

  /** The inventories of the environment deployed to a cluster's namespace (none when there is none). */
  async listNamespaceInventories(
    cluster: string,
    namespace: string,
  ): Promise<Inventory[]> {
    const env = await this.db('environments')
      .where({ cluster, namespace })
      .first('name');
    return env ? this.listInventories(env.name) : [];
  }

  async deleteInventory(environment: string, release: string): Promise<void> {
    await this.db('inventories').where({ environment, release }).delete();
  }

  async listInventories(environment: string): Promise<Inventory[]> {
    const rows = await this.db('inventories')
      .where({ environment })
      .orderBy('release');
    return rows.map(row => ({
      environment: row.environment,
      release: row.release,
      objects: parseJson<InventoryObject[]>(row.objects, []),
      updatedAt: toIsoRequired(row.updated_at),
    }));
  }

  // ---- revisions ----

  /** Records the next revision (1, 2, ...) of a service in an environment. */
  async addRevision(input: NewRevision): Promise<Revision> {
    const { environment, service } = input;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(async tx => {
          if (
            !(await tx('environments').where({ name: environment }).first())
          ) {
            throw new NotFoundError(`environment '${environment}' not found`);
          }
          const last = await tx('revisions')
            .where({ environment, service })
            .max('revision as max')
            .first();
          const row = {
            environment,
            service,
            revision: Number(last?.max ?? 0) + 1,
            image_tag: input.imageTag ?? null,
            values: JSON.stringify(input.values),
            manifest_hash: input.manifestHash,
            chart_digest: input.chartDigest ?? null,
            default_values: input.defaultValues
              ? JSON.stringify(input.defaultValues)
              : null,
            actor: input.actor,
            created_at: new Date(),
          };
          await tx('revisions').insert(row);
          return toRevision(row);
        });
      } catch (error) {
        // Another writer took the same number first (PostgreSQL): count again.
        if (!isUniqueViolation(error) || attempt >= 20) throw error;
      }
    }
  }

  /** Newest first. */
  async listRevisions(
    environment: string,
    service?: string,
  ): Promise<Revision[]> {
    const query = this.db('revisions').where({ environment });
    if (service) query.where({ service });
    const rows = await query.orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'revision', order: 'desc' },
      { column: 'service', order: 'asc' },
    ]);
    return rows.map(toRevision);
  }

  async getRevision(
    environment: string,
    service: string,
    revision: number,
  ): Promise<Revision | undefined> {
    const row = await this.db('revisions')
      .where({ environment, service, revision })
      .first();
    return row ? toRevision(row) : undefined;
  }

  // ---- operations ----

  /**
   * Records a pending operation with its steps. Throws ConflictError if the environment already has a pending
   * or running operation; a partial unique index makes this hold for concurrent callers and replicas too.
   */
  async createOperation(input: NewOperation): Promise<StoredOperation> {
    const id = randomUUID();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.transaction(async tx => {
          await this.assertNoActiveOperation(tx, input);
          await tx('operations').insert({
            id,
            environment: input.environment,
            feature: input.feature ?? '',
            type: input.type,
            state: 'pending',
            actor: input.actor,
            params: JSON.stringify(input.params ?? {}),
            created_at: new Date(),
            cancel_requested: false,
          });
          const steps = input.steps.map((step, index) => ({
            operation_id: id,
            step_index: index,
            name: step.name,
            startup_group: step.group ?? null,
            service: step.service ?? null,
            state: 'pending',
          }));
          for (const batch of chunks(steps)) {
            await tx('operation_steps').insert(batch);
          }
        });
        return (await this.getOperation(id))!;
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= 3) throw error;
        // A concurrent call created one first; name it (or retry if it already ended).
        await this.assertNoActiveOperation(this.db, input);
      }
    }
  }

  private async assertNoActiveOperation(
    db: Knex,
    target: { environment: string; feature?: string },
  ) {
    const { environment, feature = '' } = target;
    const active = await db('operations')
      .where({ environment, feature })
      .whereIn('state', ACTIVE_STATES)
      .first('id', 'type');
    if (active) {
      throw new ConflictError(
        `${
          feature
            ? `feature branch '${feature}'`
            : `environment '${environment}'`
        } has operation ${active.id} (${active.type}) in progress`,
      );
    }
  }

  async getOperation(id: string): Promise<StoredOperation | undefined> {
    const row = await this.db('operations').where({ id }).first();
    if (!row) return undefined;
    const steps = await this.db('operation_steps')
      .where({ operation_id: id })
      .orderBy('step_index');
    return toOperation(row, steps);
  }

  /**
   * Newest first; `limit` defaults to 50. `feature` narrows to one feature branch's operations, '' to the
   * environment's own; without it an environment's list includes its feature branches' operations.
   */
  async listOperations(
    options: { environment?: string; feature?: string; limit?: number } = {},
  ): Promise<StoredOperation[]> {
    const query = this.db('operations')
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit ?? 50);
    if (options.environment) query.where({ environment: options.environment });
    if (options.feature !== undefined)
      query.where({ feature: options.feature });
    const rows = await query;
    const steps = rows.length
      ? await this.db('operation_steps')
          .whereIn(
            'operation_id',
            rows.map(r => r.id),
          )
          .orderBy(['operation_id', 'step_index'])
      : [];
    return rows.map(row =>
      toOperation(
        row,
        steps.filter(s => s.operation_id === row.id),
      ),
    );
  }

  /**
   * Takes the oldest operation that is pending, or running under an expired lease (its worker died), for
   * `workerId` until now + leaseMs. The update re-checks the condition, so of two workers racing for one
   * operation exactly one gets it.
   */
  async claimOperation(
    workerId: string,
    leaseMs: number,
  ): Promise<StoredOperation | undefined> {
    const now = new Date();
    const claimable = (q: Knex.QueryBuilder) =>
      q
        .where('state', 'pending')
        .orWhere(running =>
          running
            .where('state', 'running')
            .andWhere(lease =>
              lease.whereNull('lease_until').orWhere('lease_until', '<', now),
            ),
        );
    const candidates = await this.db('operations')
      .where(claimable)
      .orderBy('created_at')
      .limit(10)
      .select('id');
    for (const { id } of candidates) {
      const claimed = await this.db('operations')
        .where({ id })
        .andWhere(claimable)
        .update({
          state: 'running',
          claimed_by: workerId,
          lease_until: new Date(now.getTime() + leaseMs),
          started_at: this.db.raw('COALESCE(started_at, ?)', [now]),
        });
      if (claimed === 1) return this.getOperation(id);
    }
    return undefined;
  }

  /** Extends the lease; false if the operation is no longer running under `workerId` (it must stop). */
  async renewLease(
    id: string,
    workerId: string,
    leaseMs: number,
  ): Promise<boolean> {
    const updated = await this.db('operations')
      .where({ id, claimed_by: workerId, state: 'running' })
      .update({ lease_until: new Date(Date.now() + leaseMs) });
    return updated === 1;
  }

  async updateStep(
    id: string,
    index: number,
    patch: OperationStepPatch,
  ): Promise<void> {
    const now = new Date();
    const update: Row = {};
    if (patch.state) update.state = patch.state;
    if (patch.message !== undefined) update.message = patch.message;
    if (patch.startedAt) update.started_at = new Date(patch.startedAt);
    else if (patch.state === 'running') update.started_at = now;
    if (patch.finishedAt) update.finished_at = new Date(patch.finishedAt);
    else if (patch.state && FINAL_STEP_STATES.includes(patch.state)) {
      update.finished_at = now;
    }
    if (Object.keys(update).length === 0) return;
    const updated = await this.db('operation_steps')
      .where({ operation_id: id, step_index: index })
      .update(update);
    if (updated === 0) {
      throw new NotFoundError(`operation ${id} has no step ${index}`);
    }
  }

  /** Ends an operation, which frees its environment for the next one. */
  async finishOperation(
    id: string,
    state: 'succeeded' | 'failed' | 'cancelled',
    error?: string,
  ): Promise<void> {
    if (!FINAL_STATES.includes(state)) {
      throw new InputError(`'${state}' is not a final operation state`);
    }
    const updated = await this.db('operations')
      .where({ id })
      .update({
        state,
        error: error ?? null,
        finished_at: new Date(),
        lease_until: null,
      });
    if (updated === 0) throw new NotFoundError(`operation ${id} not found`);
  }

  /** Flags a pending or running operation for cancellation; false if it is not active (or unknown). */
  async requestCancel(id: string): Promise<boolean> {
    const updated = await this.db('operations')
      .where({ id })
      .whereIn('state', ACTIVE_STATES)
      .update({ cancel_requested: true });
    return updated === 1;
  }

  async isCancelRequested(id: string): Promise<boolean> {
    const row = await this.db('operations')
      .where({ id })
      .first('cancel_requested');
    return Boolean(row?.cancel_requested);
  }

  /** Appends a log line numbered after the operation's last one. */
  appendLog(
    id: string,
    level: OperationLogLevel,
    message: string,
  ): Promise<OperationLogLine> {
    const previous = this.logQueues.get(id) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => this.insertLog(id, level, message));
    this.logQueues.set(id, next);
    const forget = () => {
      if (this.logQueues.get(id) === next) this.logQueues.delete(id);
    };
    next.then(forget, forget);
    return next;
  }

  private async insertLog(
    id: string,
    level: OperationLogLevel,
    message: string,
  ): Promise<OperationLogLine> {
    for (let attempt = 1; ; attempt++) {
      const last = await this.db('operation_logs')
        .where({ operation_id: id })
        .max('seq as max')
        .first();
      const line = { seq: Number(last?.max ?? 0) + 1, ts: new Date() };
      try {
        await this.db('operation_logs').insert({
          operation_id: id,
          seq: line.seq,
          ts: line.ts,
          level,
          message,
        });
        return { seq: line.seq, ts: line.ts.toISOString(), level, message };
      } catch (error) {
        // Another process logged for the same operation at the same moment.
        if (!isUniqueViolation(error) || attempt >= 20) throw error;
      }
    }
  }

  /** In order; `afterSeq` returns only the lines after that one (for following a running operation). */
  async listLogs(
    id: string,
    options: { afterSeq?: number; limit?: number } = {},
  ): Promise<OperationLogLine[]> {
    const query = this.db('operation_logs')
      .where({ operation_id: id })
      .where('seq', '>', options.afterSeq ?? 0)
      .orderBy('seq');
    if (options.limit) query.limit(options.limit);
    const rows = await query;
    return rows.map(row => ({
      seq: Number(row.seq),
      ts: toIsoRequired(row.ts),
      level: row.level,
      message: row.message,
    }));
  }
}

function toService(row: Row): ServiceDefinition {
  return {
    name: row.name,
    source: parseJson<ChartSource>(row.source, {
      type: 'directory',
      location: '',
    }),
    chart: {
      name: row.chart_name,
      version: row.chart_version,
      digest: row.chart_digest,
    },
    defaultValues: parseJson(row.default_values, {}),
    image: {
      ...(row.image_repository && { repository: row.image_repository }),
      ...(row.image_tag && { tag: row.image_tag }),
    },
    startupGroup: Number(row.startup_group),
    ...(row.catalog_entity_ref && { catalogEntityRef: row.catalog_entity_ref }),
    updatedAt: toIsoRequired(row.updated_at),
  };
}

function environmentRow(spec: EnvironmentSpec) {
  return {
    name: spec.name,
    cluster: spec.cluster,
    namespace: spec.namespace,
    owner: spec.owner,
    description: spec.description ?? null,
    preview_domain: spec.previewDomain ?? null,
    spec: JSON.stringify({
      previewService: spec.previewService,
      routing: spec.routing,
      globalValues: spec.globalValues ?? {},
      config: spec.config ?? { configMaps: [], secrets: [] },
      resources: spec.resources ?? { gateways: [], certificates: [] },
    }),
  };
}

function toEnvironment(row: Row, services: Row[]): StoredEnvironment {
  const spec = parseJson<
    Pick<
      EnvironmentSpec,
      'globalValues' | 'config' | 'resources' | 'previewService' | 'routing'
    >
  >(row.spec, {
    globalValues: {},
    config: { configMaps: [], secrets: [] },
    resources: { gateways: [], certificates: [] },
  });
  return {
    name: row.name,
    cluster: row.cluster,
    namespace: row.namespace,
    owner: row.owner,
    ...(row.description !== null && { description: row.description }),
    ...(row.preview_domain !== null && { previewDomain: row.preview_domain }),
    ...(spec.previewService && { previewService: spec.previewService }),
    ...(spec.routing && { routing: spec.routing }),
    globalValues: spec.globalValues,
    config: spec.config,
    resources: spec.resources,
    services: services.map(s =>
      parseJson<EnvironmentServiceSpec>(s.spec, { name: s.service }),
    ),
    createdAt: toIsoRequired(row.created_at),
    updatedAt: toIsoRequired(row.updated_at),
    ...(row.asleep_since && { asleepSince: toIso(row.asleep_since) }),
  };
}

function toRevision(row: Row): Revision {
  return {
    environment: row.environment,
    service: row.service,
    revision: Number(row.revision),
    ...(row.image_tag !== null && { imageTag: row.image_tag }),
    values: parseJson(row.values, {}),
    manifestHash: row.manifest_hash,
    ...(row.chart_digest && { chartDigest: row.chart_digest }),
    ...(row.default_values && {
      defaultValues: parseJson(row.default_values, {}),
    }),
    actor: row.actor,
    createdAt: toIsoRequired(row.created_at),
  };
}

function toStep(row: Row): OperationStep {
  return {
    index: Number(row.step_index),
    name: row.name,
    ...(row.startup_group !== null && { group: Number(row.startup_group) }),
    ...(row.service !== null && { service: row.service }),
    state: row.state,
    ...(row.started_at !== null && { startedAt: toIso(row.started_at) }),
    ...(row.finished_at !== null && { finishedAt: toIso(row.finished_at) }),
    ...(row.message !== null && { message: row.message }),
  };
}

function toOperation(row: Row, steps: Row[]): StoredOperation {
  return {
    id: row.id,
    environment: row.environment,
    ...(row.feature && { feature: row.feature }),
    type: row.type,
    state: row.state,
    actor: row.actor,
    params: parseJson(row.params, {}),
    createdAt: toIsoRequired(row.created_at),
    startedAt: toIso(row.started_at),
    finishedAt: toIso(row.finished_at),
    error: optional(row.error),
    steps: steps.map(toStep),
    cancelRequested: Boolean(row.cancel_requested),
    claimedBy: optional(row.claimed_by),
    leaseUntil: toIso(row.lease_until),
  };
}
