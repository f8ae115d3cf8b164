/**
 * @module migrations
 * The opsi 4.1 / 4.2 / 4.3 upgrade steps of `update_database` (spec §3.4 step 4), written as an
 * idempotent reconciliation of every opsi table with its schema-13 definition.
 */
import type { SqlExecutor, TableDef } from "@opsi-ts/backend-sql";
import { quoteId } from "./mysql-ddl.js";
import { type ActualSchema, type ActualTable, findColumn, inspectSchema } from "./schema-inspect.js";
import {
  addForeignKeySql,
  foreignKeyMatches,
  keepTimestamps,
  orphanCleanupSql,
  planTable,
  type ServerTraits,
  sameTarget,
} from "./schema-reconcile.js";

/** Tables of opsi 4.0/4.1 that opsi 4.3 drops. */
export const LEGACY_TABLES = ["BOOT_CONFIGURATION", "LOG_CONFIG_VALUE", "LOG_CONFIG", "CONFIG_STATE_LOG"] as const;

/** The surrogate id columns opsi 4.1/4.2 had, with the natural key they are replaced by. */
export const LEGACY_ID_COLUMNS: Readonly<Record<string, { readonly column: string; readonly key: readonly string[] }>> = {
  CONFIG_STATE: { column: "config_state_id", key: ["configId", "objectId"] },
  LICENSE_ON_CLIENT: { column: "license_on_client_id", key: ["softwareLicenseId", "licensePoolId", "clientId"] },
  OBJECT_TO_GROUP: { column: "object_to_group_id", key: ["groupType", "groupId", "objectId"] },
  PRODUCT_PROPERTY_STATE: { column: "product_property_state_id", key: ["productId", "propertyId", "objectId"] },
  SOFTWARE_CONFIG: { column: "config_id", key: ["clientId", "name", "version", "subVersion", "language", "architecture"] },
};

const ACCEPTED_COLLATIONS = new Set(["utf8_general_ci", "utf8mb3_general_ci", "utf8mb4_general_ci"]);

/** What a migration run did. */
export interface MigrationReport {
  /** Every statement that changed schema or data, in order. */
  readonly statements: string[];
  /** Rows affected by data statements (de-duplication, orphan removal, fixes), by statement. */
  readonly rowsAffected: number;
}

/** Runs statements and records them. */
class Recorder {
  readonly statements: string[] = [];
  rowsAffected = 0;
  constructor(private readonly db: SqlExecutor) {}

  async ddl(sql: string): Promise<void> {
    this.statements.push(sql);
    await this.db.execute(sql);
  }

  /** A data statement; only recorded when it changed rows. */
  async dml(sql: string): Promise<number> {
    const { affectedRows } = await this.db.execute(sql);
    if (affectedRows > 0) {
      this.statements.push(sql);
      this.rowsAffected += affectedRows;
    }
    return affectedRows;
  }
}

/**
 * Brings an opsi database of schema 7 or later to schema 13 in place. Every step checks the current
 * layout first, so running it on an up-to-date database changes nothing. Must run on a session with
 * FOREIGN_KEY_CHECKS=0 (orphans are removed explicitly before each foreign key is created).
 * @example await session.execute("SET FOREIGN_KEY_CHECKS = 0"); await runMigrations(session, tables, traits);
 */
export async function runMigrations(db: SqlExecutor, tables: readonly TableDef[], traits: ServerTraits): Promise<MigrationReport> {
  const rec = new Recorder(db);
  let schema = await inspectSchema(db);

  // opsi 4.1: obsolete tables
  for (const name of LEGACY_TABLES) if (schema.has(name)) await rec.ddl(`DROP TABLE IF EXISTS ${quoteId(name)}`);

  // opsi 4.3: InnoDB everywhere (foreign keys need it) and a utf8 general collation
  for (const table of schema.values()) {
    if (LEGACY_TABLES.some((n) => n === table.name.toUpperCase())) continue;
    if (table.engine.toLowerCase() !== "innodb") await rec.ddl(`ALTER TABLE ${quoteId(table.name)} ENGINE = InnoDB`);
    if (!ACCEPTED_COLLATIONS.has(table.collation.toLowerCase()))
      await rec.ddl(`ALTER TABLE ${quoteId(table.name)} DEFAULT COLLATE utf8_general_ci`);
  }
  schema = await inspectSchema(db);

  // data that the new keys would reject
  await fixDataForKeys(rec, schema);
  schema = await inspectSchema(db);

  // HARDWARE_CONFIG_*: only current entries are kept (state 1)
  for (const def of tables) {
    if (!def.name.toUpperCase().startsWith("HARDWARE_CONFIG_") || !schema.has(def.name.toUpperCase())) continue;
    await rec.dml(`DELETE FROM ${quoteId(def.name)} WHERE \`state\` <> 1`);
  }

  // Columns and keys, then foreign keys (orphans out first). Creating a foreign key can make MariaDB
  // rename or drop an index it once generated for an older key, so the table pass repeats until stable.
  for (let round = 1; ; round++) {
    const changed = await reconcileTables(rec, db, tables, traits);
    if (!changed && round > 1) break;
    if (round > 3) throw new Error(`Schema upgrade did not converge; last statements: ${rec.statements.slice(-3).join("; ")}`);
    await reconcileForeignKeys(rec, tables, await inspectSchema(db));
  }

  return { statements: rec.statements, rowsAffected: rec.rowsAffected };
}

/** Columns, primary keys and indexes of every table; true if anything was executed. */
async function reconcileTables(rec: Recorder, db: SqlExecutor, tables: readonly TableDef[], traits: ServerTraits): Promise<boolean> {
  let schema = await inspectSchema(db);
  let changed = false;
  for (const def of tables) {
    const actual = schema.get(def.name.toUpperCase());
    if (!actual) continue;
    const legacy = LEGACY_ID_COLUMNS[def.name.toUpperCase()];
    const plan = planTable(def, actual, schema, traits, { legacyIdColumn: legacy?.column });
    if (plan.dataFixes.length === 0 && plan.alters.length === 0) continue;
    changed = true;
    for (const fk of plan.dropForeignKeys) await dropForeignKey(rec, schema, fk.table, fk.name);
    for (const sql of plan.dataFixes) await rec.dml(sql);
    for (const sql of plan.alters) await rec.ddl(sql);
    schema = await inspectSchema(db);
  }
  return changed;
}

/** Dropping a foreign key that an earlier step already removed is fine. */
async function dropForeignKey(rec: Recorder, schema: ActualSchema, table: string, name: string): Promise<void> {
  const actual = schema.get(table.toUpperCase());
  if (!actual?.foreignKeys.some((fk) => fk.name === name)) return;
  await rec.ddl(`ALTER TABLE ${quoteId(actual.name)} DROP FOREIGN KEY ${quoteId(name)}`);
}

/**
 * Row fixes needed before keys change: duplicates that only the surrogate id told apart (the oldest row
 * wins), rows with NULL in a future key column, duplicate or empty system UUIDs.
 */
async function fixDataForKeys(rec: Recorder, schema: ActualSchema): Promise<void> {
  for (const [tableName, legacy] of Object.entries(LEGACY_ID_COLUMNS)) {
    const table = schema.get(tableName);
    if (!table || !findColumn(table, legacy.column)) continue;
    const t = quoteId(table.name);
    for (const col of legacy.key) {
      const actual = findColumn(table, col);
      if (actual?.nullable) await rec.dml(`DELETE FROM ${t} WHERE ${quoteId(actual.name)} IS NULL`);
    }
    const same = legacy.key.map((c) => `a.${quoteId(c)} = b.${quoteId(c)}`).join(" AND ");
    const id = quoteId(legacy.column);
    await rec.dml(`DELETE a FROM ${t} AS a JOIN ${t} AS b ON ${same} AND a.${id} > b.${id}`);
  }
  const host = schema.get("HOST");
  if (host && findColumn(host, "systemUUID") && !hasUniqueIndexOn(host, ["systemUUID"])) {
    await rec.dml(`UPDATE \`HOST\` SET \`systemUUID\` = NULL${keepTimestamps(host)} WHERE \`systemUUID\` = ''`);
    await rec.dml(
      "UPDATE `HOST` AS h JOIN (SELECT `systemUUID` FROM `HOST` WHERE `systemUUID` IS NOT NULL GROUP BY `systemUUID` HAVING COUNT(*) > 1) AS d" +
        ` ON d.\`systemUUID\` = h.\`systemUUID\` SET h.\`systemUUID\` = NULL${keepTimestamps(host, "h")}`,
    );
  }
}

function hasUniqueIndexOn(table: ActualTable, columns: readonly string[]): boolean {
  return table.indexes.some(
    (i) => i.unique && i.columns.length === columns.length && i.columns.every((c, n) => c.toLowerCase() === columns[n]?.toLowerCase()),
  );
}

/**
 * For every wanted foreign key (tables in creation order, so parents are cleaned before children):
 * remove orphans, drop a differing key on the same columns, create the key. Foreign keys on opsi
 * tables that opsi does not define are dropped.
 */
async function reconcileForeignKeys(rec: Recorder, tables: readonly TableDef[], schema: ActualSchema): Promise<void> {
  const usedNames = new Set<string>();
  for (const t of schema.values()) for (const fk of t.foreignKeys) usedNames.add(fk.name.toLowerCase());
  for (const def of tables) {
    const actual = schema.get(def.name.toUpperCase());
    if (!actual) continue;
    const existing = [...actual.foreignKeys];
    const handled = new Set<string>();
    for (const fk of def.foreignKeys) {
      if (!schema.has(fk.refTable.toUpperCase())) continue;
      const good = existing.find((a) => !handled.has(a.name) && foreignKeyMatches(fk, a));
      // orphans are removed even when the key exists: rows written while checks were off must go too
      await rec.dml(orphanCleanupSql(actual.name, fk, actual));
      if (good) {
        handled.add(good.name);
        continue;
      }
      for (const wrong of existing.filter((a) => !handled.has(a.name) && sameTarget(fk, a))) {
        await rec.ddl(`ALTER TABLE ${quoteId(actual.name)} DROP FOREIGN KEY ${quoteId(wrong.name)}`);
        usedNames.delete(wrong.name.toLowerCase());
        handled.add(wrong.name);
      }
      let name = fk.name;
      for (let n = 2; usedNames.has(name.toLowerCase()); n++) name = `${fk.name}_${n}`;
      usedNames.add(name.toLowerCase());
      await rec.ddl(addForeignKeySql(actual.name, fk, name));
    }
    for (const unknown of existing.filter((a) => !handled.has(a.name))) {
      await rec.ddl(`ALTER TABLE ${quoteId(actual.name)} DROP FOREIGN KEY ${quoteId(unknown.name)}`);
    }
  }
}
