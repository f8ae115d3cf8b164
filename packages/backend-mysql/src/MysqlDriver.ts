/**
 * @module MysqlDriver
 * `SqlDriver` over a mysql2 promise pool with opsi's session settings and transparent retries.
 */
import { readFileSync } from "node:fs";
import type { SqlDriver, SqlExecResult, SqlExecutor, SqlRow } from "@opsi-ts/backend-sql";
import { BackendBadValueError, BackendConfigurationError, BackendTemporaryError, BackendUnableToConnectError } from "@opsi-ts/core";
import { createPool, type Pool, type PoolConnection } from "mysql2/promise";
import { describeServer, type MysqlConnectionOptions } from "./connection-config.js";
import { BAD_VALUE_CODES, classifyMysqlError, isConnectFailure, isConnectionLost } from "./internal/mysql-errors.js";
import { SESSION_INIT_SQL } from "./internal/session-settings.js";
import { formatSql } from "./internal/sql-format.js";

/** Transient failures the driver retries. */
export type RetryKind = "deadlock" | "lock-timeout" | "connection-lost";

/** Attempt limits and backoff of the retry loop. */
export interface RetryPolicy {
  /** Total attempts (first try included) when InnoDB reports a deadlock (1213). Default 6. */
  readonly deadlockAttempts: number;
  /** Total attempts after a lock-wait timeout (1205). Default 3. */
  readonly lockTimeoutAttempts: number;
  /** Total attempts after a lost connection (gone away, killed, reset). Default 3. */
  readonly connectionAttempts: number;
  /** First backoff in milliseconds; doubles per attempt, with ±50 % jitter. Default 20. */
  readonly baseDelayMs: number;
  /** Upper bound of one backoff in milliseconds. Default 1000. */
  readonly maxDelayMs: number;
}

/** What {@link MysqlDriverSettings.onRetry} receives. */
export interface RetryInfo {
  readonly kind: RetryKind;
  /** The attempt that failed (1 = first try). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly inTransaction: boolean;
  readonly error: unknown;
}

/** Optional behaviour of {@link MysqlDriver}. */
export interface MysqlDriverSettings {
  readonly retry?: Partial<RetryPolicy>;
  /** Called before each retry (logging, metrics). */
  readonly onRetry?: (info: RetryInfo) => void;
}

/** Counters since the driver was created. */
export interface MysqlDriverStats {
  readonly retries: Readonly<Record<RetryKind, number>>;
  /** Connections opened (session settings applied). */
  readonly connectionsOpened: number;
}

/** Server flavour and version, from `SELECT VERSION()`. */
export interface MysqlServerInfo {
  readonly flavor: "mariadb" | "mysql";
  readonly version: string;
  /** [major, minor, patch] */
  readonly versionNumbers: readonly [number, number, number];
}

/** An executor pinned to one connection outside a transaction (schema setup). */
export interface MysqlSession extends SqlExecutor {
  /** The server's id of this connection (`CONNECTION_ID()`). */
  readonly connectionId: number;
}

const DEFAULT_RETRY: RetryPolicy = {
  deadlockAttempts: 6,
  lockTimeoutAttempts: 3,
  connectionAttempts: 3,
  baseDelayMs: 20,
  maxDelayMs: 1000,
};

const WRITE_STATEMENT = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The result header mysql2 returns for statements without a result set. */
interface ResultHeader {
  readonly affectedRows: number;
  readonly insertId: number;
  readonly warningStatus: number;
}

function isResultHeader(value: unknown): value is ResultHeader {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "affectedRows" in value;
}

/**
 * `SqlDriver` for MySQL/MariaDB: a mysql2 pool (utf8mb4, date strings, safe numbers), opsi's session
 * settings on every new connection, retries of deadlocks / lock-wait timeouts / lost connections,
 * and `BackendUnableToConnectError` (naming host:port, never the password) when the server is unreachable.
 * @example
 * const driver = new MysqlDriver(resolveConnectionOptions({ url: "mysql://opsi:pw@127.0.0.1:3306/opsi" }));
 * const rows = await driver.query("SELECT `hostId` FROM `HOST` WHERE `type` = ?", ["OpsiClient"]);
 */
export class MysqlDriver implements SqlDriver {
  /** `host:port` (or socket path) of the server, for messages. */
  readonly server: string;
  readonly options: MysqlConnectionOptions;
  private readonly pool: Pool;
  private readonly retryPolicy: RetryPolicy;
  private readonly onRetry: ((info: RetryInfo) => void) | undefined;
  private readonly initialised = new WeakSet<object>();
  private readonly retryCounts: Record<RetryKind, number> = { deadlock: 0, "lock-timeout": 0, "connection-lost": 0 };
  private opened = 0;
  private closed = false;
  private serverInfoCache: MysqlServerInfo | undefined;

  constructor(options: MysqlConnectionOptions, settings: MysqlDriverSettings = {}) {
    this.options = options;
    this.server = describeServer(options);
    this.retryPolicy = { ...DEFAULT_RETRY, ...settings.retry };
    this.onRetry = settings.onRetry;
    const ssl = options.ssl
      ? {
          ca: readPem("sslCa", options.ssl.caFile),
          key: readPem("sslKey", options.ssl.keyFile),
          cert: readPem("sslCert", options.ssl.certFile),
          rejectUnauthorized: Boolean(options.ssl.caFile),
          ...(options.ssl.checkHostname ? {} : { checkServerIdentity: () => undefined }),
        }
      : undefined;
    this.pool = createPool({
      host: options.host,
      port: options.port,
      ...(options.socketPath ? { socketPath: options.socketPath } : {}),
      user: options.user,
      password: options.password,
      database: options.database,
      charset: "UTF8MB4_GENERAL_CI",
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: true,
      connectTimeout: options.connectTimeoutMs,
      connectionLimit: options.poolSize + options.poolMaxOverflow,
      maxIdle: options.poolSize,
      idleTimeout: options.poolRecyclingMs > 0 ? options.poolRecyclingMs : 600_000,
      waitForConnections: true,
      queueLimit: 0,
      enableKeepAlive: true,
      keepAliveInitialDelay: 30_000,
      multipleStatements: false,
      // never let a server read client files (LOAD DATA LOCAL INFILE)
      flags: ["-LOCAL_FILES"],
      ...(ssl ? { ssl } : {}),
    });
  }

  /** Retry counters (deadlocks etc.) and connections opened since creation. */
  get stats(): MysqlDriverStats {
    return { retries: { ...this.retryCounts }, connectionsOpened: this.opened };
  }

  /** Runs a SELECT; retried on lost connections, deadlocks and lock-wait timeouts. */
  async query(sql: string, params?: readonly unknown[]): Promise<SqlRow[]> {
    const text = formatSql(sql, params);
    return this.withRetry(false, async () => {
      const conn = await this.acquire();
      return this.useConnection(conn, () => runQuery(conn, text));
    });
  }

  /**
   * Runs a statement that changes data or schema. Data changes run in their own transaction, so a
   * value the column cannot hold (truncation, bad string) raises `BackendBadValueError` and nothing is written.
   */
  async execute(sql: string, params?: readonly unknown[]): Promise<SqlExecResult> {
    const text = formatSql(sql, params);
    if (WRITE_STATEMENT.test(text)) return this.transactionText(text);
    return this.withRetry(false, async () => {
      const conn = await this.acquire();
      return this.useConnection(conn, () => runExecute(conn, text, false));
    });
  }

  private transactionText(text: string): Promise<SqlExecResult> {
    return this.transaction((tx) => (tx as TransactionExecutor).executeFormatted(text));
  }

  /**
   * Runs `fn` in one transaction; on deadlock, lock-wait timeout or lost connection the transaction is
   * rolled back and `fn` runs again (bounded attempts, jittered exponential backoff).
   */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withRetry(true, async () => {
      const conn = await this.acquire();
      const tx = new TransactionExecutor(conn);
      let lost = false;
      try {
        await conn.query("START TRANSACTION");
        const result = await fn(tx);
        tx.finish();
        await conn.query("COMMIT");
        return result;
      } catch (err: unknown) {
        tx.finish();
        lost = isConnectionLost(err);
        if (!lost) {
          try {
            await conn.query("ROLLBACK");
          } catch (rollbackErr: unknown) {
            lost = true;
            void rollbackErr;
          }
        }
        throw err;
      } finally {
        if (lost) conn.destroy();
        else conn.release();
      }
    });
  }

  /**
   * Runs `fn` with one pinned connection outside any transaction and without retries (schema setup,
   * session-level settings such as FOREIGN_KEY_CHECKS). The connection is discarded afterwards.
   */
  async withSession<T>(fn: (session: MysqlSession) => Promise<T>): Promise<T> {
    const conn = await this.acquire();
    const idRows = await runQuery(conn, "SELECT CONNECTION_ID() AS id");
    const session: MysqlSession = {
      connectionId: Number(idRows[0]?.id ?? 0),
      query: (sql, params) => runQuery(conn, formatSql(sql, params)),
      execute: (sql, params) => runExecute(conn, formatSql(sql, params), false),
    };
    try {
      return await fn(session);
    } finally {
      // session variables may have been changed: never hand this connection to someone else
      conn.destroy();
    }
  }

  /** Flavour and version of the server (cached). */
  async serverInfo(): Promise<MysqlServerInfo> {
    if (this.serverInfoCache) return this.serverInfoCache;
    const rows = await this.query("SELECT VERSION() AS v");
    const version = String(rows[0]?.v ?? "");
    const nums = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
    this.serverInfoCache = {
      flavor: /mariadb/i.test(version) ? "mariadb" : "mysql",
      version,
      versionNumbers: [Number(nums?.[1] ?? 0), Number(nums?.[2] ?? 0), Number(nums?.[3] ?? 0)],
    };
    return this.serverInfoCache;
  }

  /** Ends all connections; later calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // ---------------------------------------------------------------- internals

  private async useConnection<T>(conn: PoolConnection, fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      conn.release();
      return result;
    } catch (err: unknown) {
      if (isConnectionLost(err)) conn.destroy();
      else conn.release();
      throw err;
    }
  }

  /** A pooled connection with opsi's session settings applied; connect failures become BackendUnableToConnectError. */
  private async acquire(): Promise<PoolConnection> {
    if (this.closed) throw new BackendUnableToConnectError(`MySQL driver for ${this.server} is closed`);
    let conn: PoolConnection;
    try {
      conn = await this.getPooledConnection();
    } catch (err: unknown) {
      if (err instanceof BackendTemporaryError) throw err;
      if (isConnectionLost(err)) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new BackendUnableToConnectError(
        `Failed to connect to MySQL server at ${this.server} (user '${this.options.user}', database '${this.options.database}'): ${reason}`,
        { cause: err },
      );
    }
    if (!this.initialised.has(conn.connection)) {
      try {
        await conn.query(SESSION_INIT_SQL);
      } catch (err: unknown) {
        conn.destroy();
        throw err;
      }
      this.initialised.add(conn.connection);
      this.opened++;
    }
    return conn;
  }

  /** `pool.getConnection()` bounded by the pool timeout (a late connection is released, not leaked). */
  private getPooledConnection(): Promise<PoolConnection> {
    const pending = this.pool.getConnection();
    return new Promise<PoolConnection>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(
          new BackendTemporaryError(
            `Timed out after ${this.options.poolTimeoutMs} ms waiting for a free MySQL connection (${this.server})`,
          ),
        );
      }, this.options.poolTimeoutMs);
      pending.then(
        (conn) => {
          clearTimeout(timer);
          if (timedOut) conn.release();
          else resolve(conn);
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (!timedOut) reject(err);
        },
      );
    });
  }

  private async withRetry<T>(inTransaction: boolean, attemptFn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptFn();
      } catch (err: unknown) {
        if (err instanceof BackendUnableToConnectError && isConnectFailure(err.cause)) throw err;
        const kind = retryKind(err);
        const limit =
          kind === "deadlock"
            ? this.retryPolicy.deadlockAttempts
            : kind === "lock-timeout"
              ? this.retryPolicy.lockTimeoutAttempts
              : kind === "connection-lost"
                ? this.retryPolicy.connectionAttempts
                : 0;
        if (kind === undefined || attempt >= limit || this.closed) throw finalError(err, kind, this.server);
        const base = Math.min(this.retryPolicy.maxDelayMs, this.retryPolicy.baseDelayMs * 2 ** (attempt - 1));
        const delayMs = Math.round(base * (0.5 + Math.random()));
        this.retryCounts[kind]++;
        this.onRetry?.({ kind, attempt, delayMs, inTransaction, error: err });
        await sleep(delayMs);
      }
    }
  }
}

/** A PEM file named in the configuration; a missing or unreadable file is a configuration error. */
function readPem(field: string, path: string | undefined): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new BackendConfigurationError(`MySQL configuration: invalid value for '${field}': cannot read ${path} (${reason})`, {
      cause: err,
    });
  }
}

/** The retryable kind of an error, or undefined. */
function retryKind(err: unknown): RetryKind | undefined {
  const kind = classifyMysqlError(err);
  return kind === "deadlock" || kind === "lock-timeout" || kind === "connection-lost" ? kind : undefined;
}

/** The error to give up with: lost connections become BackendUnableToConnectError; others stay as they are. */
function finalError(err: unknown, kind: RetryKind | undefined, server: string): unknown {
  if (kind === "connection-lost" && !(err instanceof BackendUnableToConnectError)) {
    const reason = err instanceof Error ? err.message : String(err);
    return new BackendUnableToConnectError(`Lost connection to MySQL server at ${server}: ${reason}`, { cause: err });
  }
  return err;
}

async function runQuery(conn: PoolConnection, text: string): Promise<SqlRow[]> {
  const [rows] = await conn.query(text);
  return Array.isArray(rows) ? (rows as SqlRow[]) : [];
}

/** Runs a statement; with `checkWarnings`, truncation/conversion warnings raise BackendBadValueError. */
async function runExecute(conn: PoolConnection, text: string, checkWarnings: boolean): Promise<SqlExecResult> {
  let header: unknown;
  try {
    [header] = await conn.query(text);
  } catch (err: unknown) {
    throw badValueFromError(err) ?? err;
  }
  if (!isResultHeader(header)) return { affectedRows: 0 };
  if (checkWarnings && header.warningStatus > 0) await throwOnBadValueWarnings(conn);
  return header.insertId ? { affectedRows: header.affectedRows, insertId: header.insertId } : { affectedRows: header.affectedRows };
}

/** Strict-mode errors (1406 data too long, 1366 incorrect string value, ...) as BackendBadValueError. */
function badValueFromError(err: unknown): BackendBadValueError | undefined {
  const e = err as { errno?: unknown; sqlMessage?: unknown; message?: unknown };
  if (typeof e?.errno !== "number" || !BAD_VALUE_CODES.has(e.errno)) return undefined;
  const message = String(e.sqlMessage ?? e.message ?? "");
  return new BackendBadValueError(describeBadValue(message), { cause: err });
}

function describeBadValue(serverMessage: string): string {
  const column = /column '([^']+)'/i.exec(serverMessage)?.[1] ?? /column `[^`]*`\.`[^`]*`\.`([^`]+)`/i.exec(serverMessage)?.[1];
  return column ? `Invalid value for '${column}': ${serverMessage}` : serverMessage;
}

async function throwOnBadValueWarnings(conn: PoolConnection): Promise<void> {
  const [rows] = await conn.query("SHOW WARNINGS");
  if (!Array.isArray(rows)) return;
  for (const row of rows as SqlRow[]) {
    const code = Number(row.Code);
    if (BAD_VALUE_CODES.has(code)) {
      const message = String(row.Message ?? "");
      throw new BackendBadValueError(describeBadValue(message), { cause: { errno: code, message } });
    }
  }
}

/** The executor handed to transaction functions; refuses use after the transaction ended. */
class TransactionExecutor implements SqlExecutor {
  private done = false;
  constructor(private readonly conn: PoolConnection) {}

  finish(): void {
    this.done = true;
  }

  private check(): void {
    if (this.done) throw new Error("Transaction executor used after the transaction ended");
  }

  async query(sql: string, params?: readonly unknown[]): Promise<SqlRow[]> {
    this.check();
    return runQuery(this.conn, formatSql(sql, params));
  }

  async execute(sql: string, params?: readonly unknown[]): Promise<SqlExecResult> {
    this.check();
    return runExecute(this.conn, formatSql(sql, params), true);
  }

  async executeFormatted(text: string): Promise<SqlExecResult> {
    this.check();
    return runExecute(this.conn, text, true);
  }
}
