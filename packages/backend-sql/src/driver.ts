/**
 * @module driver
 * What the SQL backend needs from a database driver: parameterised statements and transactions.
 */

/** One result row, keyed by column (or alias) name. */
export type SqlRow = Record<string, unknown>;

/** Result of a statement that changes data. */
export interface SqlExecResult {
  readonly affectedRows: number;
  /** Auto-increment id of the last inserted row, if any. */
  readonly insertId?: number;
}

/** Runs parameterised statements; parameters are positional `?` placeholders, never interpolated. */
export interface SqlExecutor {
  /** Runs a statement that returns rows (SELECT). */
  query(sql: string, params?: readonly unknown[]): Promise<SqlRow[]>;
  /** Runs a statement that changes data or schema. */
  execute(sql: string, params?: readonly unknown[]): Promise<SqlExecResult>;
}

/** A connection pool or database handle. */
export interface SqlDriver extends SqlExecutor {
  /**
   * Runs `fn` in one transaction on one connection and commits, or rolls back when it throws.
   * Drivers retry the whole function on transient errors (deadlock, lock-wait timeout, lost
   * connection) a bounded number of times, so `fn` must be safe to re-run.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Closes all connections. */
  close(): Promise<void>;
}
