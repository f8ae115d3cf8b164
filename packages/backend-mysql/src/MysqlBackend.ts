/**
 * @module MysqlBackend
 * `createMysqlBackend`: connect, create or upgrade opsi's schema, return an opsi backend on it.
 */
import { SqlBackend } from "@opsi-ts/backend-sql";
import {
  BackendConfigurationError,
  BackendUnableToConnectError,
  defaultHardwareAuditConfig,
  type HardwareAuditConfig,
} from "@opsi-ts/core";
import { createConnection } from "mysql2/promise";
import { describeServer, type MysqlConnectionOptions, resolveConnectionOptions } from "./connection-config.js";
import { quoteId } from "./internal/mysql-ddl.js";
import { ER, errnoOf } from "./internal/mysql-errors.js";
import { MysqlDialect } from "./MysqlDialect.js";
import { MysqlDriver, type RetryInfo, type RetryPolicy } from "./MysqlDriver.js";
import { type SetupReport, setupDatabase } from "./setup.js";

/** Options of {@link createMysqlBackend}. */
export interface MysqlBackendOptions {
  /** `mysql://user:password@host:port/database?option=value`; its values win over `mysqlConf`. */
  readonly url?: string;
  /** Content of opsi's `/etc/opsi/backends/mysql.conf`. */
  readonly mysqlConf?: string;
  /** Hardware-audit configuration (default: opsi's `opsihwaudit.conf`). */
  readonly hardwareAudit?: HardwareAuditConfig;
  /** Pool settings; override `connectionPool*` of mysql.conf / the URL. */
  readonly pool?: {
    readonly size?: number;
    readonly maxOverflow?: number;
    readonly timeoutMs?: number;
    readonly connectTimeoutMs?: number;
  };
  /** Retry limits of the driver. */
  readonly retry?: Partial<RetryPolicy>;
  /** Called before each transparent retry (deadlock, lock wait timeout, lost connection). */
  readonly onRetry?: (info: RetryInfo) => void;
  /** Run the upgrade steps even if the schema is at version 13 (default false). */
  readonly forceUpgrade?: boolean;
  /** Run opsi's cleanup after setup (default true). */
  readonly cleanup?: boolean;
  /** Create the database if it does not exist, like opsiconfd (default true). */
  readonly createDatabase?: boolean;
  /** Receives what the setup did (created tables, upgrade statements, cleanup counts). */
  readonly onSetup?: (report: SetupReport) => void;
}

/** Oldest servers opsi supports. */
const MINIMUM_VERSION = { mariadb: [10, 1, 0], mysql: [5, 6, 5] } as const;

function withPoolOverrides(options: MysqlConnectionOptions, pool: MysqlBackendOptions["pool"]): MysqlConnectionOptions {
  if (!pool) return options;
  const check = (name: string, value: number | undefined, min: number): number | undefined => {
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || value < min) throw new BackendConfigurationError(`Invalid value for 'pool.${name}': ${value}`);
    return value;
  };
  return {
    ...options,
    poolSize: check("size", pool.size, 1) ?? options.poolSize,
    poolMaxOverflow: check("maxOverflow", pool.maxOverflow, 0) ?? options.poolMaxOverflow,
    poolTimeoutMs: check("timeoutMs", pool.timeoutMs, 1) ?? options.poolTimeoutMs,
    connectTimeoutMs: check("connectTimeoutMs", pool.connectTimeoutMs, 1) ?? options.connectTimeoutMs,
  };
}

/** Creates the database (server default character set) when it does not exist. */
async function createDatabase(options: MysqlConnectionOptions): Promise<void> {
  let conn: Awaited<ReturnType<typeof createConnection>> | undefined;
  try {
    conn = await createConnection({
      host: options.host,
      port: options.port,
      ...(options.socketPath ? { socketPath: options.socketPath } : {}),
      user: options.user,
      password: options.password,
      connectTimeout: options.connectTimeoutMs,
      flags: ["-LOCAL_FILES"],
    });
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${quoteId(options.database)}`);
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new BackendUnableToConnectError(`Cannot create database '${options.database}' on ${describeServer(options)}: ${reason}`, {
      cause: err,
    });
  } finally {
    await conn?.end().catch(() => undefined);
  }
}

/**
 * Connects to MySQL/MariaDB, creates opsi's schema 13 in an empty database or upgrades an older opsi
 * database in place (then runs opsi's cleanup), and returns the backend; its `close()` ends the pool.
 * @example
 * const backend = await createMysqlBackend({ url: "mysql://opsi:secret@127.0.0.1:3306/opsi" });
 * const clients = await backend.host_getObjects([], { type: "OpsiClient" });
 * await backend.close();
 */
export async function createMysqlBackend(options: MysqlBackendOptions = {}): Promise<SqlBackend> {
  const connection = withPoolOverrides(resolveConnectionOptions({ url: options.url, mysqlConf: options.mysqlConf }), options.pool);
  const hardwareAudit = options.hardwareAudit ?? defaultHardwareAuditConfig();
  const driverSettings = { ...(options.retry ? { retry: options.retry } : {}), ...(options.onRetry ? { onRetry: options.onRetry } : {}) };
  let driver = new MysqlDriver(connection, driverSettings);
  try {
    let info: Awaited<ReturnType<MysqlDriver["serverInfo"]>>;
    try {
      info = await driver.serverInfo();
    } catch (err: unknown) {
      if (errnoOf(err) !== ER.BAD_DB || options.createDatabase === false) throw err;
      await driver.close();
      await createDatabase(connection);
      driver = new MysqlDriver(connection, driverSettings);
      info = await driver.serverInfo();
    }
    const minimum = MINIMUM_VERSION[info.flavor];
    const v = info.versionNumbers;
    const tooOld = v[0] < minimum[0] || (v[0] === minimum[0] && (v[1] < minimum[1] || (v[1] === minimum[1] && v[2] < minimum[2])));
    if (tooOld) {
      throw new BackendConfigurationError(
        `${info.flavor} server version '${info.version}' is too old; opsi needs MariaDB >= 10.1 or MySQL >= 5.6.5`,
      );
    }
    const report = await setupDatabase(driver, {
      hardwareAudit,
      ...(options.forceUpgrade === undefined ? {} : { force: options.forceUpgrade }),
      ...(options.cleanup === undefined ? {} : { cleanup: options.cleanup }),
    });
    options.onSetup?.(report);
    return new SqlBackend({ driver, dialect: new MysqlDialect(), hardwareAudit });
  } catch (err: unknown) {
    await driver.close().catch(() => undefined);
    throw err;
  }
}
