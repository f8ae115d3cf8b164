/**
 * @module dialect
 * The SQL differences between MySQL/MariaDB and SQLite that the backend needs to know.
 */
import type { TableDef } from "./schema.js";

/** Driver error categories the backend reacts to. */
export type SqlErrorKind =
  | "foreign-key" // a referenced row is missing, or a RESTRICT reference blocks a delete
  | "duplicate-key" // a PRIMARY/UNIQUE key collision that the statement did not handle
  | "deadlock"
  | "lock-timeout"
  | "connection-lost"
  | "other";

/** Dialect-specific SQL generation. Identifiers always come from the schema, values are always bound. */
export interface SqlDialect {
  readonly name: "mysql" | "sqlite";
  /** Quotes a table or column name (`` `x` `` / `"x"`). */
  quoteIdentifier(name: string): string;
  /**
   * `INSERT` of `rowCount` rows of `columns` that, on a collision with ANY primary or unique key of
   * the table, updates `updateColumns` of the existing row with the new values (MySQL's
   * `ON DUPLICATE KEY UPDATE` semantics). With no `updateColumns` a collision leaves the row as is.
   */
  upsertSql(table: TableDef, columns: readonly string[], rowCount: number, updateColumns: readonly string[]): string;
  /** Text appended after a `LIKE ?` so that `\` escapes `_` and `%` (empty for MySQL, where it is the default). */
  readonly likeEscape: string;
  /** `CREATE TABLE` (and index) statements for a table; string comparisons must be case-insensitive. */
  createTableSql(table: TableDef): string[];
  /** Classifies a driver error. */
  classifyError(err: unknown): SqlErrorKind;
  /**
   * Appended to a SELECT (inside a transaction) whose rows the transaction merges and writes
   * back, so a concurrent transaction cannot change them in between (a lost update): MySQL
   * `" FOR UPDATE"`; SQLite `""`, because `BEGIN IMMEDIATE` already serialises writers.
   */
  readonly lockingReadSuffix: string;
}
