/**
 * @module setup
 * Schema management (spec §3.4): create schema 13, sync the hardware tables with the hwaudit config,
 * upgrade older opsi databases in place, then run opsi's cleanup.
 */
import { hardwareTables, OPSI_TABLES, SCHEMA_VERSION, type TableDef } from "@opsi-ts/backend-sql";
import { BackendTemporaryError, type HardwareAuditConfig } from "@opsi-ts/core";
import { type CleanupReport, cleanupDatabase } from "./cleanup.js";
import { runMigrations } from "./internal/migrations.js";
import { createTableStatement } from "./internal/mysql-ddl.js";
import { type ActualSchema, inspectSchema } from "./internal/schema-inspect.js";
import { planTable, type ServerTraits } from "./internal/schema-reconcile.js";
import type { MysqlDriver, MysqlServerInfo, MysqlSession } from "./MysqlDriver.js";

/** Options of {@link setupDatabase}. */
export interface SetupOptions {
  /** The hardware-audit configuration the HARDWARE_* tables follow. */
  readonly hardwareAudit: HardwareAuditConfig;
  /** Run the upgrade steps even if the schema is already at version 13 (restore, migrations). Default false. */
  readonly force?: boolean;
  /** Run opsi's cleanup afterwards (default true, like opsiconfd on every start). */
  readonly cleanup?: boolean;
  /** Seconds to wait for another process's setup to finish (default 300). */
  readonly lockTimeoutSeconds?: number;
}

/** What {@link setupDatabase} did. */
export interface SetupReport {
  /** Schema version found (after removing unfinished upgrade markers); null for a new database. */
  readonly previousVersion: number | null;
  /** True if the upgrade steps ran. */
  readonly migrated: boolean;
  /** Tables created (base and hardware). */
  readonly createdTables: readonly string[];
  /** Schema and data statements of the hardware sync and the upgrade that changed something. */
  readonly statements: readonly string[];
  /** Rows changed by the cleanup, per step. */
  readonly cleanup: CleanupReport;
}

/**
 * Server capabilities relevant to DDL.
 * @example serverTraits(await driver.serverInfo()).renameIndex // true on MariaDB 10.5.2+
 */
export function serverTraits(info: MysqlServerInfo): ServerTraits {
  const [major, minor, patch] = info.versionNumbers;
  const atLeast = (a: number, b: number, c: number): boolean => major > a || (major === a && (minor > b || (minor === b && patch >= c)));
  return { flavor: info.flavor, renameIndex: info.flavor === "mariadb" ? atLeast(10, 5, 2) : atLeast(5, 7, 0) };
}

/**
 * Creates or upgrades the opsi schema (spec §3.4): `CREATE TABLE IF NOT EXISTS` for the base tables;
 * HARDWARE_* tables created / extended / re-typed from the hwaudit config (columns are never dropped);
 * OPSI_SCHEMA versioning (unfinished markers removed; below 13 → upgrade, at 13+ only when forced);
 * the idempotent 4.1/4.2/4.3 upgrade steps; finally opsi's cleanup. Serialised across processes with
 * a named lock.
 * @example await setupDatabase(driver, { hardwareAudit: defaultHardwareAuditConfig() });
 */
export async function setupDatabase(driver: MysqlDriver, options: SetupOptions): Promise<SetupReport> {
  const traits = serverTraits(await driver.serverInfo());
  return driver.withSession(async (session) => {
    const lockName = `opsi-ts-setup:${driver.options.database}`;
    const lockRows = await session.query("SELECT GET_LOCK(?, ?) AS locked", [lockName, options.lockTimeoutSeconds ?? 300]);
    if (Number(lockRows[0]?.locked) !== 1) {
      throw new BackendTemporaryError(`Timed out waiting for another process to finish setting up database '${driver.options.database}'`);
    }
    try {
      return await setupLocked(session, options, traits);
    } finally {
      await session.query("SELECT RELEASE_LOCK(?) AS released", [lockName]);
    }
  });
}

async function setupLocked(session: MysqlSession, options: SetupOptions, traits: ServerTraits): Promise<SetupReport> {
  const createdTables: string[] = [];
  const statements: string[] = [];
  const hwTables = hardwareTables(options.hardwareAudit);

  // 1. base tables
  let schema = await inspectSchema(session);
  await createMissingTables(session, OPSI_TABLES, schema, createdTables);

  // 2. hardware tables follow the hwaudit configuration on every start
  schema = await inspectSchema(session);
  await createMissingTables(session, hwTables, schema, createdTables);
  schema = await inspectSchema(session);
  for (const def of hwTables) {
    const actual = schema.get(def.name.toUpperCase());
    if (!actual || createdTables.includes(def.name)) continue;
    const valueColumns = hardwareValueColumns(options.hardwareAudit, def.name);
    const plan = planTable(def, actual, schema, traits, { columnsOnly: true, columnFilter: valueColumns });
    for (const sql of plan.alters) {
      statements.push(sql);
      await session.execute(sql);
    }
  }

  // 3. schema version
  await session.execute("DELETE FROM `OPSI_SCHEMA` WHERE `updateEnded` IS NULL OR `updateEnded` = '0000-00-00 00:00:00'");
  const versionRows = await session.query("SELECT MAX(`version`) AS v FROM `OPSI_SCHEMA`");
  const raw = versionRows[0]?.v;
  const previousVersion = raw === null || raw === undefined ? null : Number(raw);
  const upgrade = previousVersion === null || previousVersion < SCHEMA_VERSION;
  let migrated = false;
  if (upgrade || options.force) {
    if (upgrade) await session.execute("INSERT INTO `OPSI_SCHEMA` (`version`) VALUES (?)", [SCHEMA_VERSION]);
    // 4. upgrade steps; orphans are removed explicitly, so keys can be added without a table copy
    await session.execute("SET FOREIGN_KEY_CHECKS = 0");
    try {
      const report = await runMigrations(session, [...OPSI_TABLES, ...hwTables], traits);
      statements.push(...report.statements);
    } finally {
      await session.execute("SET FOREIGN_KEY_CHECKS = 1");
    }
    // 5. done
    if (upgrade) await session.execute("UPDATE `OPSI_SCHEMA` SET `updateEnded` = CURRENT_TIMESTAMP WHERE `version` = ?", [SCHEMA_VERSION]);
    migrated = true;
  }

  const cleanup = options.cleanup === false ? {} : await cleanupDatabase(session);
  return { previousVersion, migrated, createdTables, statements, cleanup };
}

/** The hwaudit value columns of a HARDWARE_DEVICE_* (g scope) or HARDWARE_CONFIG_* (i scope) table. */
function hardwareValueColumns(config: HardwareAuditConfig, table: string): ReadonlySet<string> {
  const device = table.startsWith("HARDWARE_DEVICE_");
  const cls = config.get(table.slice(device ? "HARDWARE_DEVICE_".length : "HARDWARE_CONFIG_".length));
  return new Set(cls ? (device ? cls.deviceAttributes : cls.instanceAttributes).keys() : []);
}

/**
 * `CREATE TABLE IF NOT EXISTS` for the missing tables. A foreign key is left out when its parent is
 * not an InnoDB table yet (old MyISAM tables); the upgrade step adds it after converting the parent.
 */
async function createMissingTables(
  session: MysqlSession,
  tables: readonly TableDef[],
  schema: ActualSchema,
  created: string[],
): Promise<void> {
  const createdNow = new Set<string>();
  for (const def of tables) {
    if (schema.has(def.name.toUpperCase())) continue;
    const parentsReady = def.foreignKeys.every((fk) => {
      const parent = fk.refTable.toUpperCase();
      if (createdNow.has(parent)) return true;
      return schema.get(parent)?.engine.toLowerCase() === "innodb";
    });
    await session.execute(createTableStatement(def, { withForeignKeys: parentsReady }));
    createdNow.add(def.name.toUpperCase());
    created.push(def.name);
  }
}
