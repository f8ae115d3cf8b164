/**
 * @module @opsi-ts/backend-sql
 * Dialect-neutral SQL backend: opsi's schema 13 table layout, object/row mapping, filters to SQL.
 */
export * from "./dialect.js";
export * from "./driver.js";
export { SqlBackend, type SqlBackendOptions } from "./SqlBackend.js";
export * from "./schema.js";
export { toBackendError } from "./sql-errors.js";
