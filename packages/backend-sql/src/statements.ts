/**
 * @module statements
 * Statement building blocks shared by reads, writes and deletes: quoting, a cache of generated
 * SQL text, chunked multi-row upserts and chunked key lookups/deletes. Identifiers only ever come
 * from the schema; every value is a bound parameter.
 */
import type { SqlDialect } from "./dialect.js";
import type { SqlExecutor, SqlRow } from "./driver.js";
import type { TableDef } from "./schema.js";
import { keyMatchSql, type SqlFragment } from "./where.js";

/** Upper bound of bound parameters per statement (SQLite allows 32766, MySQL 65535). */
export const MAX_PARAMS = 16_000;
/** Rows per multi-row INSERT. */
export const MAX_ROWS_PER_INSERT = 500;
/** Key tuples per lookup/delete statement. */
export const MAX_KEYS_PER_STATEMENT = 250;

/** What statement helpers need: the dialect and a cache for generated SQL text. */
export interface SqlContext {
  readonly dialect: SqlDialect;
  readonly cache: SqlTextCache;
}

/**
 * Generated SQL text by key (the driver caches prepared statements by text).
 * @example cache.get(`select|host`, () => buildSelect())
 */
export class SqlTextCache {
  private readonly texts = new Map<string, string>();

  /** The cached text for `key`, built once. */
  get(key: string, build: () => string): string {
    let text = this.texts.get(key);
    if (text === undefined) {
      text = build();
      if (this.texts.size > 2_000) this.texts.clear();
      this.texts.set(key, text);
    }
    return text;
  }
}

/**
 * Splits a list into chunks of at most `size` elements.
 * @example for (const part of chunked(rows, 500)) await insert(part)
 */
export function* chunked<T>(items: readonly T[], size: number): Generator<readonly T[]> {
  if (items.length <= size) {
    if (items.length > 0) yield items;
    return;
  }
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * Rows per multi-row statement for a column count, within {@link MAX_PARAMS}.
 * @example rowsPerStatement(12) // 500
 */
export function rowsPerStatement(columns: number, maxRows = MAX_ROWS_PER_INSERT): number {
  return Math.max(1, Math.min(maxRows, Math.floor(MAX_PARAMS / Math.max(1, columns))));
}

/**
 * Quotes a list of column names, optionally qualified with a table alias.
 * @example columnList(dialect, ["a", "b"], "t") // t."a", t."b"
 */
export function columnList(dialect: SqlDialect, columns: readonly string[], alias?: string): string {
  const prefix = alias ? `${alias}.` : "";
  return columns.map((c) => `${prefix}${dialect.quoteIdentifier(c)}`).join(", ");
}

/**
 * Upserts objects in chunks with multi-row statements; `writeRow` appends one object's column
 * values (in `columns` order) to the parameter list. A collision on any PRIMARY/UNIQUE key
 * updates `updateColumns` of the stored row (MySQL's ON DUPLICATE KEY UPDATE semantics).
 * @example await upsertObjects(tx, sql, table, columns, columns, objs, (o, out) => objectToRow(mapping, o, out))
 */
export async function upsertObjects<T>(
  exec: SqlExecutor,
  sql: SqlContext,
  table: TableDef,
  columns: readonly string[],
  updateColumns: readonly string[],
  objs: readonly T[],
  writeRow: (obj: T, out: unknown[]) => void,
): Promise<void> {
  const perStatement = rowsPerStatement(columns.length);
  const baseKey = `upsert|${table.name}|${columns.join(",")}|${updateColumns.join(",")}|`;
  for (const part of chunked(objs, perStatement)) {
    const text = sql.cache.get(baseKey + part.length, () => sql.dialect.upsertSql(table, columns, part.length, updateColumns));
    const params: unknown[] = [];
    for (const obj of part) writeRow(obj, params);
    await exec.execute(text, params);
  }
}

/**
 * Selects rows whose `keyColumns` equal one of the tuples (and `extra`, if given), in chunks.
 * @example await selectByKeys(tx, sql, 'SELECT t."hostId" FROM "HOST" t', ['t."hostId"'], [["pc1.dom.tld"]])
 */
export async function selectByKeys(
  exec: SqlExecutor,
  selectFrom: string,
  keyColumns: readonly string[],
  tuples: readonly (readonly unknown[])[],
  extra?: SqlFragment,
): Promise<SqlRow[]> {
  const out: SqlRow[] = [];
  for (const part of chunked(tuples, MAX_KEYS_PER_STATEMENT)) {
    const match = keyMatchSql(keyColumns, part);
    const where = extra ? `${match.sql} AND ${extra.sql}` : match.sql;
    const rows = await exec.query(`${selectFrom} WHERE ${where}`, extra ? [...match.params, ...extra.params] : match.params);
    for (const r of rows) out.push(r);
  }
  return out;
}

/**
 * Deletes the rows of a table whose `keyColumns` equal one of the tuples (and `extra`), in chunks; returns the
 * number of deleted rows.
 * @example await deleteByKeys(tx, sql, "CONFIG_STATE", ["objectId"], [["pc1.dom.tld"]])
 */
export async function deleteByKeys(
  exec: SqlExecutor,
  sql: SqlContext,
  table: string,
  keyColumns: readonly string[],
  tuples: readonly (readonly unknown[])[],
  extra?: SqlFragment,
): Promise<number> {
  const quoted = keyColumns.map((c) => sql.dialect.quoteIdentifier(c));
  let deleted = 0;
  for (const part of chunked(tuples, MAX_KEYS_PER_STATEMENT)) {
    const match = keyMatchSql(quoted, part);
    const where = extra ? `${match.sql} AND ${extra.sql}` : match.sql;
    const result = await exec.execute(
      `DELETE FROM ${sql.dialect.quoteIdentifier(table)} WHERE ${where}`,
      extra ? [...match.params, ...extra.params] : match.params,
    );
    deleted += result.affectedRows;
  }
  return deleted;
}
