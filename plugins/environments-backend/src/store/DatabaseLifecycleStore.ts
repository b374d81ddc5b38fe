import { NotFoundError } from '@backstage/errors';
import type { LifecycleSettings } from '@envmesh/plugin-environments-common';
import { Knex } from 'knex';
import { LifecycleNoticeKey, LifecycleStore } from './LifecycleStore';
import { isUniqueViolation, toIso, toIsoRequired } from './util';

/**
 * The lifecycle's columns of the environments and features tables, and its notices, in the plugin's
 * database.
 *
 * @internal
 */
export class DatabaseLifecycleStore implements LifecycleStore {
  /** Wraps an already migrated Knex, or a transaction. */
  constructor(private readonly db: Knex) {}

  async updateLifecycle(
    environment: string,
    patch: { settings?: LifecycleSettings; wakeUntil?: Date | null },
  ): Promise<void> {
    const columns: Record<string, unknown> = {};
    if (patch.settings) columns.lifecycle = JSON.stringify(patch.settings);
    if (patch.wakeUntil !== undefined) columns.wake_until = patch.wakeUntil;
    const found = Object.keys(columns).length
      ? await this.db('environments')
          .where({ name: environment })
          .update(columns)
      : await this.db('environments')
          .where({ name: environment })
          .first('name');
    if (!found) {
      throw new NotFoundError(`environment '${environment}' not found`);
    }
  }

  async recordActivity(
    target: { environment?: string; feature?: string },
    at: Date,
  ): Promise<void> {
    let environment = target.environment;
    if (target.feature) {
      await this.db('features')
        .where({ name: target.feature })
        .update({ last_activity_at: at });
      environment ??= (
        await this.db('features')
          .where({ name: target.feature })
          .first('environment')
      )?.environment;
    }
    if (environment) {
      await this.db('environments')
        .where({ name: environment })
        .update({ last_activity_at: at });
    }
  }

  async listFeatureActivity(): Promise<Map<string, Date>> {
    const rows = await this.db('features').select(
      'name',
      'created_at',
      'last_activity_at',
    );
    return new Map(
      rows.map(row => [
        row.name,
        new Date(toIsoRequired(row.last_activity_at ?? row.created_at)),
      ]),
    );
  }

  async noticeSentAt(notice: LifecycleNoticeKey): Promise<Date | undefined> {
    const row = await this.db('lifecycle_notices')
      .where({
        target: notice.target,
        action: notice.action,
        due_at: notice.dueAt,
      })
      .first('sent_at');
    const sentAt = toIso(row?.sent_at);
    return sentAt ? new Date(sentAt) : undefined;
  }

  async recordNotice(notice: LifecycleNoticeKey, sentAt: Date): Promise<void> {
    try {
      await this.db('lifecycle_notices').insert({
        target: notice.target,
        action: notice.action,
        due_at: notice.dueAt,
        sent_at: sentAt,
      });
    } catch (error) {
      // Another replica's run recorded it first.
      if (!isUniqueViolation(error)) throw error;
    }
  }

  async pruneNotices(before: Date): Promise<number> {
    return this.db('lifecycle_notices').where('due_at', '<', before).delete();
  }
}
