import type { Knex } from 'knex';

/**
 * The rows of a child table whose `column` is one of `keys`, grouped by it (one query for all parents, in
 * `orderBy` order); no query for no keys.
 */
export async function childRows(
  db: Knex,
  table: string,
  column: string,
  keys: string[],
  orderBy: string,
): Promise<Map<string, any[]>> {
  const byKey = new Map<string, any[]>(keys.map(k => [k, []]));
  if (!keys.length) return byKey;
  for (const row of await db(table)
    .whereIn(column, keys)
    .orderBy([column, orderBy])) {
    byKey.get(row[column])?.push(row);
  }
  return byKey;
}

/** A timestamp column as an ISO string: PostgreSQL gives Dates, SQLite the epoch milliseconds we wrote. */
export function toIso(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  const numeric = typeof value === 'number' || /^\d+$/.test(String(value));
  return new Date(numeric ? Number(value) : String(value)).toISOString();
}

/** Like toIso, for NOT NULL columns. */
export function toIsoRequired(value: unknown): string {
  return toIso(value) ?? new Date(0).toISOString();
}

/** A JSON text column, parsed. */
export function parseJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** `undefined` for SQL NULL, so optional fields stay absent instead of being null. */
export function optional<T>(value: T | null | undefined): T | undefined {
  return value === null || value === undefined ? undefined : value;
}

/** A unique or primary key violation on PostgreSQL, SQLite or MySQL. */
export function isUniqueViolation(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? '');
  return (
    code === '23505' ||
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/** Splits rows into batches that stay well below every driver's bind-parameter limit. */
export function chunks<T>(items: T[], size = 200): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    result.push(items.slice(i, i + size));
  }
  return result;
}
