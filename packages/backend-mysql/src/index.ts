/**
 * @module @opsi-ts/backend-mysql
 * MySQL/MariaDB backend on opsi's own schema 13: driver, dialect, schema creation and in-place upgrade.
 */
export { type CleanupReport, cleanupDatabase } from "./cleanup.js";
export {
  describeServer,
  type MysqlConfigInput,
  type MysqlConnectionOptions,
  type MysqlSslOptions,
  parseMysqlConf,
  parseMysqlUrl,
  resolveConnectionOptions,
  resolveMysqlConfig,
} from "./connection-config.js";
export { createMysqlBackend, type MysqlBackendOptions } from "./MysqlBackend.js";
export { MysqlDialect } from "./MysqlDialect.js";
export {
  MysqlDriver,
  type MysqlDriverSettings,
  type MysqlDriverStats,
  type MysqlServerInfo,
  type MysqlSession,
  type RetryInfo,
  type RetryKind,
  type RetryPolicy,
} from "./MysqlDriver.js";
export { type SetupOptions, type SetupReport, serverTraits, setupDatabase } from "./setup.js";
