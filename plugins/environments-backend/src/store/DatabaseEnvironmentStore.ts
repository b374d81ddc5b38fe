import { ConflictError, NotFoundError } from '@backstage/errors';
import type {
  EnvironmentServiceSpec,
  EnvironmentSpec,
  LifecycleSettings,
  SleepReason,
} from '@envmesh/plugin-environments-common';
import { Knex } from 'knex';
import { EnvironmentStore } from './EnvironmentStore';
import { StoredEnvironment } from './types';
import {
  chunks,
  isUniqueViolation,
  parseJson,
  toIso,
  toIsoRequired,
} from './util';

type Row = Record<string, any>;

/**
 * Environments in the plugin's database (SQLite in dev, PostgreSQL in production). A unique name, and a
 * unique cluster and namespace, are enforced by the database, so they hold across backend replicas.
 *
 * @internal
 */
export class DatabaseEnvironmentStore implements EnvironmentStore {
  /** Wraps an already migrated Knex, or a transaction. */
  constructor(private readonly db: Knex) {}

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

  /**
   * Marks an environment asleep since `since` for a reason (`manual` by default), or awake from now without
   * it (with no wake-until override). Throws NotFoundError.
   */
  async setAsleep(
    name: string,
    since?: Date,
    reason: SleepReason = 'manual',
  ): Promise<void> {
    const updated = await this.db('environments')
      .where({ name })
      .update(
        since
          ? { asleep_since: since, sleep_reason: reason }
          : {
              asleep_since: null,
              sleep_reason: null,
              awake_since: new Date(),
              // A wake ends an earlier wake-until override; a wake with `until` sets its own after.
              wake_until: null,
            },
      );
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
   * Deletes the rows of the other aggregates that belong to the environment too, as the foreign keys'
   * cascades would on PostgreSQL (SQLite does not enforce them), all in one transaction.
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
}

function environmentRow(spec: EnvironmentSpec) {
  return {
    name: spec.name,
    cluster: spec.cluster,
    namespace: spec.namespace,
    owner: spec.owner,
    description: spec.description ?? null,
    preview_domain: spec.previewDomain ?? null,
    lifecycle: spec.lifecycle ? JSON.stringify(spec.lifecycle) : null,
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
    ...(row.lifecycle && {
      lifecycle: parseJson<LifecycleSettings>(row.lifecycle, {}),
    }),
    createdAt: toIsoRequired(row.created_at),
    updatedAt: toIsoRequired(row.updated_at),
    ...(row.asleep_since && {
      asleepSince: toIso(row.asleep_since),
      sleepReason: row.sleep_reason ?? 'manual',
    }),
    ...(row.awake_since && { awakeSince: toIso(row.awake_since) }),
    ...(row.wake_until && { wakeUntil: toIso(row.wake_until) }),
    lastActivityAt: toIsoRequired(row.last_activity_at ?? row.created_at),
  };
}
