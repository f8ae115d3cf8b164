/**
 * @module schema-setup
 * Creates opsi's schema 13 in an SQLite database when it is missing: the base tables, the
 * hardware-audit tables of the configuration, columns a changed configuration adds
 * (`ALTER TABLE … ADD COLUMN`; columns are never dropped) and the `OPSI_SCHEMA` version row.
 */
import { hardwareTables, OPSI_TABLES, SCHEMA_VERSION, type SqlDriver, type TableDef } from "@opsi-ts/backend-sql";
import { BackendConfigurationError, type HardwareAuditConfig, timestamp } from "@opsi-ts/core";
import type { SqliteDialect } from "./SqliteDialect.js";

/** What {@link ensureSqliteSchema} changed. */
export interface SchemaSetupResult {
  /** Tables created. */
  readonly createdTables: readonly string[];
  /** Columns added, as `TABLE.column`. */
  readonly addedColumns: readonly string[];
}

/**
 * Brings the database to schema 13 for a hardware-audit configuration, in one transaction.
 * @example await ensureSqliteSchema(driver, new SqliteDialect(), defaultHardwareAuditConfig())
 */
export async function ensureSqliteSchema(
  driver: SqlDriver,
  dialect: SqliteDialect,
  hardwareAudit: HardwareAuditConfig,
): Promise<SchemaSetupResult> {
  return driver.transaction(async (tx) => {
    const createdTables: string[] = [];
    const addedColumns: string[] = [];
    const existing = new Set(
      (await tx.query("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => String(r.name).toUpperCase()),
    );
    const tables: TableDef[] = [...OPSI_TABLES, ...hardwareTables(hardwareAudit)];
    for (const table of tables) {
      if (!existing.has(table.name.toUpperCase())) {
        for (const statement of dialect.createTableSql(table)) await tx.execute(statement);
        createdTables.push(table.name);
        continue;
      }
      const columns = new Set(
        (await tx.query("SELECT name FROM pragma_table_info(?)", [table.name])).map((r) => String(r.name).toLowerCase()),
      );
      for (const col of table.columns) {
        if (columns.has(col.name.toLowerCase())) continue;
        if (col.notNull && col.default === undefined) {
          throw new BackendConfigurationError(`Cannot add the NOT NULL column '${col.name}' without default to table ${table.name}`);
        }
        await tx.execute(dialect.addColumnSql(table, col));
        addedColumns.push(`${table.name}.${col.name}`);
      }
    }
    await tx.execute('DELETE FROM "OPSI_SCHEMA" WHERE "updateEnded" IS NULL OR "updateEnded" = \'0000-00-00 00:00:00\'');
    const [row] = await tx.query('SELECT MAX("version") AS "version" FROM "OPSI_SCHEMA"');
    const version = row?.version;
    if (typeof version !== "number" || version < SCHEMA_VERSION) {
      const now = timestamp();
      await tx.execute('INSERT INTO "OPSI_SCHEMA" ("version", "updateStarted", "updateEnded") VALUES (?, ?, ?)', [
        SCHEMA_VERSION,
        now,
        now,
      ]);
    }
    return { createdTables, addedColumns };
  });
}
