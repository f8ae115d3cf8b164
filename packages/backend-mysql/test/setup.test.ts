/**
 * @module test/setup.test
 * Schema management on MariaDB: creation of schema 13, versioning rules, hardware tables following
 * the hwaudit configuration, idempotence, concurrent setups.
 */
import { hardwareTables, OPSI_TABLES } from "@opsi-ts/backend-sql";
import { defaultHardwareAuditConfig, HardwareAuditConfig, type HardwareClassConfig } from "@opsi-ts/core";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MysqlDriver } from "../src/MysqlDriver.js";
import { setupDatabase } from "../src/setup.js";
import { adminConnection, mariadbAvailable, useTestDatabase } from "./mariadb.js";

const ok = await mariadbAvailable();
const hardwareAudit = defaultHardwareAuditConfig();

/** The resolved default classes as raw config (inherited values included, so without `Super`). */
function rawDefaultClasses(): HardwareClassConfig[] {
  return hardwareAudit.classes().map((c) => {
    const { Super: _super, ...cls } = structuredClone(c.config.Class);
    return { Class: cls, Values: structuredClone(c.config.Values) };
  });
}

/** The default hwaudit config with COMPUTER_SYSTEM changed: `model` widened, `extraValue` added, `sku` removed. */
function changedHardwareConfig(): HardwareAuditConfig {
  const raw = rawDefaultClasses();
  const cs = raw.find((c) => c.Class.Opsi === "COMPUTER_SYSTEM");
  if (!cs) throw new Error("no COMPUTER_SYSTEM");
  cs.Values = cs.Values.filter((v) => v.Opsi !== "sku").map((v) => (v.Opsi === "model" ? { ...v, Type: "varchar(200)" } : v));
  cs.Values.push({ Opsi: "extraValue", Type: "varchar(30)", Scope: "i" });
  return new HardwareAuditConfig(raw);
}

describe.runIf(ok)("setupDatabase (MariaDB)", () => {
  const db = useTestDatabase("setup");
  let admin: Connection | undefined;
  let driver: MysqlDriver | undefined;
  const sql = async (text: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> => {
    if (!admin) throw new Error("no admin connection");
    const [rows] = await admin.query(text, params);
    return rows as Array<Record<string, unknown>>;
  };
  const d = (): MysqlDriver => {
    if (!driver) throw new Error("no driver");
    return driver;
  };
  const columns = async (table: string): Promise<Record<string, string>> =>
    Object.fromEntries(
      (
        await sql(
          "SELECT `COLUMN_NAME` AS c, `COLUMN_TYPE` AS t FROM `information_schema`.`COLUMNS` WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = ?",
          [table],
        )
      ).map((r) => [String(r.c), String(r.t)]),
    );

  beforeAll(async () => {
    admin = await adminConnection(db.name);
    driver = new MysqlDriver(db.options());
  });
  afterAll(async () => {
    await driver?.close();
    await admin?.end();
  });

  it("creates schema 13 in an empty database, with a finished version row", async () => {
    const report = await setupDatabase(d(), { hardwareAudit });
    expect(report.previousVersion).toBeNull();
    expect(report.migrated).toBe(true);
    expect(report.statements).toEqual([]);
    expect([...report.createdTables].sort()).toEqual([...OPSI_TABLES, ...hardwareTables(hardwareAudit)].map((t) => t.name).sort());
    expect(await sql("SELECT `version`, `updateEnded` IS NOT NULL AS ended FROM `OPSI_SCHEMA`")).toEqual([{ version: 13, ended: 1 }]);
    const engines = await sql(
      "SELECT DISTINCT `ENGINE` AS e, `TABLE_COLLATION` AS c FROM `information_schema`.`TABLES` WHERE `TABLE_SCHEMA` = DATABASE()",
    );
    expect(engines).toHaveLength(1);
    expect(engines[0]?.e).toBe("InnoDB");
    expect(String(engines[0]?.c)).toMatch(/^utf8(mb3)?_general_ci$/);
  });

  it("is a no-op on an up-to-date database (also when forced)", async () => {
    const again = await setupDatabase(d(), { hardwareAudit });
    expect(again).toEqual({ previousVersion: 13, migrated: false, createdTables: [], statements: [], cleanup: {} });
    const forced = await setupDatabase(d(), { hardwareAudit, force: true });
    expect(forced).toEqual({ previousVersion: 13, migrated: true, createdTables: [], statements: [], cleanup: {} });
  });

  it("drops unfinished upgrade markers and leaves newer schemas alone", async () => {
    await sql("INSERT INTO `OPSI_SCHEMA` (`version`, `updateEnded`) VALUES (14, NULL), (15, '0000-00-00 00:00:00')");
    const report = await setupDatabase(d(), { hardwareAudit });
    expect(report.previousVersion).toBe(13);
    expect(await sql("SELECT `version` FROM `OPSI_SCHEMA` ORDER BY `version`")).toEqual([{ version: 13 }]);
    await sql("INSERT INTO `OPSI_SCHEMA` (`version`, `updateEnded`) VALUES (14, NOW())");
    const newer = await setupDatabase(d(), { hardwareAudit });
    expect(newer).toMatchObject({ previousVersion: 14, migrated: false, statements: [] });
    await sql("DELETE FROM `OPSI_SCHEMA` WHERE `version` = 14");
  });

  it("re-creates a missing table and runs the upgrade when the version row is missing", async () => {
    await sql("DROP TABLE `USER`; DELETE FROM `OPSI_SCHEMA`");
    const report = await setupDatabase(d(), { hardwareAudit });
    expect(report.createdTables).toEqual(["USER"]);
    expect(report).toMatchObject({ previousVersion: null, migrated: true, statements: [] });
    expect(await sql("SELECT `version` FROM `OPSI_SCHEMA`")).toEqual([{ version: 13 }]);
  });

  it("follows the hwaudit config: adds and re-types columns, never drops one, keeps the data", async () => {
    await sql("INSERT INTO `HARDWARE_DEVICE_COMPUTER_SYSTEM` (`hardware_id`, `description`, `vendor`, `model`) VALUES (1, 'd', 'v', 'm')");
    await sql("INSERT INTO `HOST` (`hostId`, `type`) VALUES ('pc.setup.test', 'OpsiClient')");
    await sql("INSERT INTO `HARDWARE_CONFIG_COMPUTER_SYSTEM` (`hostId`, `hardware_id`, `sku`) VALUES ('pc.setup.test', 1, 'SKU-1')");
    const report = await setupDatabase(d(), { hardwareAudit: changedHardwareConfig() });
    expect(report.statements).toEqual([
      "ALTER TABLE `HARDWARE_DEVICE_COMPUTER_SYSTEM` MODIFY COLUMN `model` varchar(200) DEFAULT NULL",
      "ALTER TABLE `HARDWARE_CONFIG_COMPUTER_SYSTEM` ADD COLUMN `extraValue` varchar(30) DEFAULT NULL AFTER `dellexpresscode`",
    ]);
    expect(await columns("HARDWARE_DEVICE_COMPUTER_SYSTEM")).toMatchObject({ model: "varchar(200)" });
    expect(await columns("HARDWARE_CONFIG_COMPUTER_SYSTEM")).toMatchObject({ extraValue: "varchar(30)", sku: "varchar(255)" });
    expect(await sql("SELECT `sku` FROM `HARDWARE_CONFIG_COMPUTER_SYSTEM`")).toEqual([{ sku: "SKU-1" }]);
    const again = await setupDatabase(d(), { hardwareAudit: changedHardwareConfig() });
    expect(again.statements).toEqual([]);
  });

  it("creates the tables of a new hardware class", async () => {
    const raw = rawDefaultClasses();
    raw.push({
      Class: { Opsi: "SMART_THING", Type: "STRUCTURAL" },
      Values: [
        { Opsi: "name", Type: "varchar(50)", Scope: "g" },
        { Opsi: "slot", Type: "int", Scope: "i" },
      ],
    });
    const report = await setupDatabase(d(), { hardwareAudit: new HardwareAuditConfig(raw) });
    expect(report.createdTables).toEqual(["HARDWARE_DEVICE_SMART_THING", "HARDWARE_CONFIG_SMART_THING"]);
    expect(await columns("HARDWARE_CONFIG_SMART_THING")).toMatchObject({ slot: "int(11)", state: "tinyint(4)" });
    const fk = await sql(
      "SELECT `REFERENCED_TABLE_NAME` AS r, `DELETE_RULE` AS d FROM `information_schema`.`REFERENTIAL_CONSTRAINTS` WHERE `CONSTRAINT_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'HARDWARE_CONFIG_SMART_THING'",
    );
    expect(fk).toEqual([{ r: "HARDWARE_DEVICE_SMART_THING", d: "CASCADE" }]);
  });

  it("serialises concurrent setups of the same database", async () => {
    await sql("DELETE FROM `OPSI_SCHEMA`");
    const drivers = [0, 1, 2].map(() => new MysqlDriver(db.options()));
    try {
      const reports = await Promise.all(drivers.map((x) => setupDatabase(x, { hardwareAudit })));
      expect(reports.filter((r) => r.previousVersion === null)).toHaveLength(1);
      expect(reports.filter((r) => r.previousVersion === 13)).toHaveLength(2);
      expect(await sql("SELECT `version` FROM `OPSI_SCHEMA`")).toEqual([{ version: 13 }]);
    } finally {
      for (const x of drivers) await x.close();
    }
  });

  it("runs opsi's cleanup afterwards unless told not to", async () => {
    await sql("INSERT INTO `USER` (`userId`) VALUES ('never.logged.in')");
    await sql("INSERT INTO `GROUP` (`type`, `groupId`, `parentGroupId`) VALUES ('HostGroup', 'g', '')");
    const skipped = await setupDatabase(d(), { hardwareAudit, cleanup: false });
    expect(skipped.cleanup).toEqual({});
    expect(await sql("SELECT COUNT(*) AS n FROM `USER`")).toEqual([{ n: 1 }]);
    const report = await setupDatabase(d(), { hardwareAudit });
    expect(report.cleanup).toMatchObject({ "user-never-logged-in": 1, "group-empty-parent": 1 });
    expect(await sql("SELECT `parentGroupId` FROM `GROUP`")).toEqual([{ parentGroupId: null }]);
  });
});
