/**
 * @module @opsi-ts/backend-sqlite
 * The embedded opsi backend: one SQLite file (better-sqlite3, WAL) with opsi's schema 13.
 */
export { type OpenSqliteBackendOptions, openSqliteBackend } from "./openSqliteBackend.js";
export { SqliteDialect } from "./SqliteDialect.js";
export { SqliteDriver, type SqliteDriverOptions } from "./SqliteDriver.js";
export { ensureSqliteSchema, type SchemaSetupResult } from "./schema-setup.js";
