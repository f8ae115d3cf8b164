/**
 * @module @opsi-ts/backend-sql
 * Dialect-neutral SQL backend: opsi's schema 13 table layout, object/row mapping, filters to SQL.
 */
export * from "./schema.js";
export * from "./driver.js";
export * from "./dialect.js";
