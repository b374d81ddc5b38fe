import { NotFoundError } from '@backstage/errors';
import type { Revision } from '@envmesh/plugin-environments-common';
import { Knex } from 'knex';
import { RevisionStore } from './RevisionStore';
import { NewRevision } from './types';
import { isUniqueViolation, parseJson, toIsoRequired } from './util';

type Row = Record<string, any>;

/**
 * Revisions in the plugin's database; a unique key numbers them without gaps across backend replicas.
 *
 * @internal
 */
export class DatabaseRevisionStore implements RevisionStore {
  /** Wraps an already migrated Knex, or a transaction. */
  constructor(private readonly db: Knex) {}

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

  /** The latest revision number of each service of an environment that has one. */
  async latestRevisions(environment: string): Promise<Map<string, number>> {
    const rows = await this.db('revisions')
      .where({ environment })
      .groupBy('service')
      .select('service')
      .max('revision as revision');
    return new Map(rows.map(r => [r.service as string, Number(r.revision)]));
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
