import { ConflictError, NotFoundError } from '@backstage/errors';
import type {
  FeatureBranch,
  FeatureInstance,
  FeatureInstanceSpec,
  FeatureInstanceState,
  FeatureSource,
} from '@envmesh/plugin-environments-common';
import { Knex } from 'knex';
import { FeaturePatch, FeatureStore, NewFeature } from './FeatureStore';
import {
  isUniqueViolation,
  optional,
  ChildTable,
  firstWithChildRows,
  withChildRows,
  parseJson,
  toIso,
  toIsoRequired,
} from './util';

type Row = Record<string, any>;

const INSTANCES: ChildTable = {
  table: 'feature_instances',
  column: 'feature',
  parentKey: 'name',
  orderBy: 'service',
};

/**
 * Feature branches, their instances and webhook deliveries in the plugin's database.
 *
 * @internal
 */
export class DatabaseFeatureStore implements FeatureStore {
  /** Wraps an already migrated Knex, or a transaction. */
  constructor(private readonly db: Knex) {}

  /** Throws ConflictError if a feature branch of that name exists (in any environment). */
  async createFeature(feature: NewFeature): Promise<FeatureBranch> {
    const now = new Date();
    try {
      await this.db.transaction(async tx => {
        await tx('features').insert({
          name: feature.name,
          environment: feature.environment,
          owner: feature.owner,
          description: feature.description ?? null,
          source: feature.source ? JSON.stringify(feature.source) : null,
          expires_at: feature.expiresAt ? new Date(feature.expiresAt) : null,
          created_at: now,
          updated_at: now,
        });
        await this.#upsertInstances(tx, feature.name, feature.instances, now);
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.getFeature(feature.name);
      throw new ConflictError(
        `feature branch '${feature.name}' already exists${
          existing ? ` in environment '${existing.environment}'` : ''
        }`,
      );
    }
    return (await this.getFeature(feature.name))!;
  }

  /** Adds or replaces instances (they become `pending`) and the fields given; others stay as they are. */
  async updateFeature(
    name: string,
    patch: FeaturePatch,
  ): Promise<FeatureBranch> {
    const now = new Date();
    await this.db.transaction(async tx => {
      const updated = await tx('features')
        .where({ name })
        .update({
          updated_at: now,
          ...(patch.source && { source: JSON.stringify(patch.source) }),
          ...(patch.expiresAt && { expires_at: new Date(patch.expiresAt) }),
          ...(patch.description !== undefined && {
            description: patch.description,
          }),
        });
      if (!updated) throw new NotFoundError(`no feature branch '${name}'`);
      if (patch.instances) {
        await this.#upsertInstances(tx, name, patch.instances, now);
      }
    });
    return (await this.getFeature(name))!;
  }

  async getFeature(name: string): Promise<FeatureBranch | undefined> {
    const query = this.db('features').where({ name });
    return firstWithChildRows(this.db, query, INSTANCES, toFeature);
  }

  async listFeatures(
    options: { environment?: string; expiredBefore?: Date } = {},
  ): Promise<FeatureBranch[]> {
    const query = this.db('features').orderBy('name');
    if (options.environment) query.where({ environment: options.environment });
    if (options.expiredBefore) {
      query.where('expires_at', '<=', options.expiredBefore);
    }
    return withChildRows(this.db, await query, INSTANCES, toFeature);
  }

  /** Sets an instance's state, with why (a failure) and, once deployed, the base revision it was deployed onto. */
  async setInstanceState(
    feature: string,
    service: string,
    state: FeatureInstanceState,
    details: { message?: string; baseRevision?: number } = {},
  ): Promise<void> {
    await this.db('feature_instances')
      .where({ feature, service })
      .update({
        state,
        message: details.message ?? null,
        updated_at: new Date(),
        // Kept otherwise: a failed redeploy leaves the instance on the base it was deployed onto.
        ...(details.baseRevision !== undefined && {
          base_revision: details.baseRevision,
        }),
      });
  }

  async deleteInstances(feature: string, services: string[]): Promise<void> {
    await this.db('feature_instances')
      .where({ feature })
      .whereIn('service', services)
      .delete();
  }

  /** Returns false if there was no such feature branch. */
  async deleteFeature(name: string): Promise<boolean> {
    return this.db.transaction(async tx => {
      await tx('feature_instances').where({ feature: name }).delete();
      return (await tx('features').where({ name }).delete()) > 0;
    });
  }

  /** Records a webhook delivery; false if it was recorded before (a redelivery). */
  async recordDelivery(provider: string, deliveryId: string): Promise<boolean> {
    try {
      await this.db('webhook_deliveries').insert({
        provider,
        delivery_id: deliveryId,
        received_at: new Date(),
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Forgets one delivery, so that the provider's retry of a delivery that failed is acted on. */
  async forgetDelivery(provider: string, deliveryId: string): Promise<void> {
    await this.db('webhook_deliveries')
      .where({ provider, delivery_id: deliveryId })
      .delete();
  }

  /** Forgets deliveries older than the given time; providers do not redeliver that late. */
  async pruneDeliveries(before: Date): Promise<number> {
    return this.db('webhook_deliveries')
      .where('received_at', '<', before)
      .delete();
  }

  async #upsertInstances(
    tx: Knex.Transaction,
    feature: string,
    instances: FeatureInstanceSpec[],
    now: Date,
  ) {
    for (const instance of instances) {
      await tx('feature_instances')
        .insert({
          feature,
          service: instance.service,
          spec: JSON.stringify(instance),
          state: 'pending',
          message: null,
          updated_at: now,
        })
        .onConflict(['feature', 'service'])
        .merge();
    }
  }
}

function toInstance(row: Row): FeatureInstance {
  return {
    ...parseJson<FeatureInstanceSpec>(row.spec, { service: row.service }),
    state: row.state,
    ...(row.message !== null && { message: row.message }),
    ...(optional(row.base_revision) !== undefined && {
      baseRevision: Number(row.base_revision),
    }),
    updatedAt: toIsoRequired(row.updated_at),
  };
}

function toFeature(row: Row, instances: Row[]): FeatureBranch {
  return {
    name: row.name,
    environment: row.environment,
    owner: row.owner,
    ...(row.description !== null && { description: row.description }),
    ...(row.source !== null && {
      source: parseJson<FeatureSource>(row.source, {}),
    }),
    ...(optional(row.expires_at) !== undefined && {
      expiresAt: toIso(row.expires_at),
    }),
    instances: instances.map(toInstance),
    createdAt: toIsoRequired(row.created_at),
    updatedAt: toIsoRequired(row.updated_at),
  };
}
