import type { Knex } from 'knex';

/** A child table: its rows whose `column` holds a parent row's `parentKey`, in `orderBy` order. */
export interface ChildTable {
  table: string;
  column: string;
  parentKey: string;
  orderBy: string;
}

/**
 * Parent rows, each made into a value with its child rows by `toValue`: one query for the children of all
 * of them, none for no rows.
 */
export async function withChildRows<T>(
  db: Knex,
  rows: any[],
  child: ChildTable,
  toValue: (row: any, children: any[]) => T,
): Promise<T[]> {
  const keys: string[] = rows.map(row => row[child.parentKey]);
  const byKey = new Map<string, any[]>(keys.map(k => [k, []]));
  if (keys.length) {
    for (const row of await db(child.table)
      .whereIn(child.column, keys)
      .orderBy([child.column, child.orderBy])) {
      byKey.get(row[child.column])?.push(row);
    }
  }
  return rows.map(row => toValue(row, byKey.get(row[child.parentKey])!));
}

/** The first row of `query` with its child rows (see withChildRows); undefined when there is none. */
export async function firstWithChildRows<T>(
  db: Knex,
  query: Knex.QueryBuilder,
  child: ChildTable,
  toValue: (row: any, children: any[]) => T,
): Promise<T | undefined> {
  const row = await query.first();
  if (!row) return undefined;
  const [value] = await withChildRows(db, [row], child, toValue);
  return value;
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
