/**
 * @module SqliteDriver
 * {@link SqlDriver} over better-sqlite3: one database file in WAL mode with foreign keys on and a
 * busy timeout, a prepared-statement cache, and transactions as explicit `BEGIN IMMEDIATE` /
 * `COMMIT` / `ROLLBACK`. better-sqlite3 is synchronous, so an async mutex makes concurrent
 * transactions queue, and statements outside a transaction wait until the running one ends.
 */
import type { SqlDriver, SqlExecResult, SqlExecutor, SqlRow } from "@opsi-ts/backend-sql";
import Database from "better-sqlite3";
import { AsyncMutex } from "./mutex.js";

/** Options of {@link SqliteDriver}. */
export interface SqliteDriverOptions {
  /** How long a statement waits for a lock held by another process (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** How often a transaction is retried (after a growing pause) when the database stays locked (default 3). */
  readonly busyRetries?: number;
  /** Prepared statements kept (default 1000). */
  readonly statementCacheSize?: number;
  /** SQLite page cache in KiB (default 65536, i.e. 64 MiB). */
  readonly cacheSizeKiB?: number;
}

type Statement = Database.Statement<unknown[], SqlRow>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isBusy(err: unknown): boolean {
  const code = typeof err === "object" && err !== null && "code" in err ? (err as { code: unknown }).code : undefined;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/**
 * A better-sqlite3 database as {@link SqlDriver}.
 * @example
 * const driver = new SqliteDriver("/var/lib/opsi/opsi.sqlite");
 * await driver.transaction(async (tx) => tx.execute("DELETE FROM CONFIG_STATE WHERE objectId = ?", [id]));
 */
export class SqliteDriver implements SqlDriver {
  /** The underlying better-sqlite3 handle. */
  readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  private readonly mutex = new AsyncMutex();
  private readonly busyRetries: number;
  private readonly cacheSize: number;
  private closed = false;

  constructor(path: string, options: SqliteDriverOptions = {}) {
    this.db = new Database(path);
    this.busyRetries = options.busyRetries ?? 3;
    this.cacheSize = options.statementCacheSize ?? 1000;
    try {
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("foreign_keys = ON");
      this.db.pragma(`cache_size = -${Math.max(1, Math.floor(options.cacheSizeKiB ?? 65_536))}`);
    } catch (err: unknown) {
      this.db.close();
      throw err;
    }
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<SqlRow[]> {
    if (!this.mutex.busy) return this.runQuery(sql, params);
    return this.exclusively(() => this.runQuery(sql, params));
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<SqlExecResult> {
    if (!this.mutex.busy) return this.runExecute(sql, params);
    return this.exclusively(() => this.runExecute(sql, params));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const release = await this.mutex.acquire();
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.runTransaction(fn);
        } catch (err: unknown) {
          if (!isBusy(err) || attempt >= this.busyRetries) throw err;
        }
        // busy_timeout already waited synchronously; yield so other work can release the lock.
        await sleep(Math.min(1000, 25 * 2 ** attempt));
      }
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const release = await this.mutex.acquire();
    try {
      this.closed = true;
      this.statements.clear();
      this.db.close();
    } finally {
      release();
    }
  }

  private async exclusively<T>(fn: () => T): Promise<T> {
    const release = await this.mutex.acquire();
    try {
      return fn();
    } finally {
      release();
    }
  }

  private async runTransaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.assertOpen();
    this.db.exec("BEGIN IMMEDIATE");
    let active = true;
    const check = () => {
      if (!active) throw new Error("transaction executor used after its transaction ended");
    };
    const tx: SqlExecutor = {
      query: async (sql, params = []) => {
        check();
        return this.runQuery(sql, params);
      },
      execute: async (sql, params = []) => {
        check();
        return this.runExecute(sql, params);
      },
    };
    try {
      const result = await fn(tx);
      this.db.exec("COMMIT");
      return result;
    } catch (err: unknown) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      throw err;
    } finally {
      active = false;
    }
  }

  private statement(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      this.assertOpen();
      stmt = this.db.prepare<unknown[], SqlRow>(sql);
      if (this.statements.size >= this.cacheSize) {
        const oldest = this.statements.keys().next();
        if (!oldest.done) this.statements.delete(oldest.value);
      }
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private runQuery(sql: string, params: readonly unknown[]): SqlRow[] {
    this.assertOpen();
    return this.statement(sql).all(params);
  }

  private runExecute(sql: string, params: readonly unknown[]): SqlExecResult {
    this.assertOpen();
    const stmt = this.statement(sql);
    if (stmt.reader) {
      stmt.all(params);
      return { affectedRows: 0 };
    }
    const info = stmt.run(params);
    return { affectedRows: info.changes, insertId: Number(info.lastInsertRowid) };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("the SQLite database is closed");
  }
}
