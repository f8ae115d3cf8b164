/**
 * @module openSqliteBackend
 * Opens (or creates) an opsi SQLite database file and returns a ready {@link SqlBackend}.
 */
import { SqlBackend, toBackendError } from "@opsi-ts/backend-sql";
import { BackendUnableToConnectError, defaultHardwareAuditConfig, type HardwareAuditConfig } from "@opsi-ts/core";
import { SqliteDialect } from "./SqliteDialect.js";
import { SqliteDriver, type SqliteDriverOptions } from "./SqliteDriver.js";
import { ensureSqliteSchema } from "./schema-setup.js";

/** Options of {@link openSqliteBackend}. */
export interface OpenSqliteBackendOptions extends SqliteDriverOptions {
  /** The database file; created with the schema if missing (`:memory:` for a private in-memory database). */
  readonly path: string;
  /** Hardware-audit configuration; defaults to opsi's `opsihwaudit.conf`. */
  readonly hardwareAudit?: HardwareAuditConfig;
}

/**
 * Opens the database at `path`, creates or extends the schema, and returns the backend.
 * @example
 * const backend = await openSqliteBackend({ path: "/var/lib/opsi/opsi.sqlite" });
 * await backend.host_getObjects([], { type: "OpsiClient" });
 */
export async function openSqliteBackend(options: OpenSqliteBackendOptions): Promise<SqlBackend> {
  const hardwareAudit = options.hardwareAudit ?? defaultHardwareAuditConfig();
  const dialect = new SqliteDialect();
  let driver: SqliteDriver;
  try {
    driver = new SqliteDriver(options.path, options);
  } catch (err: unknown) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new BackendUnableToConnectError(`Cannot open the SQLite database '${options.path}': ${detail}`, { cause: err });
  }
  try {
    await ensureSqliteSchema(driver, dialect, hardwareAudit);
  } catch (err: unknown) {
    await driver.close();
    throw toBackendError(err, dialect, `Cannot set up the SQLite database '${options.path}'`);
  }
  return new SqlBackend({ driver, dialect, hardwareAudit });
}
