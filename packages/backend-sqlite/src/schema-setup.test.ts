/**
 * @module schema-setup.test
 * Schema creation on a fresh file, reopening an existing file, hardware columns and classes added
 * by a changed hardware-audit configuration (never dropped), and the OPSI_SCHEMA version row.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hardwareTables, OPSI_TABLES } from "@opsi-ts/backend-sql";
import { BackendUnableToConnectError, defaultHardwareAuditConfig, HardwareAuditConfig, type HardwareClassConfig } from "@opsi-ts/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteBackend } from "./openSqliteBackend.js";
import { SqliteDialect } from "./SqliteDialect.js";
import { SqliteDriver } from "./SqliteDriver.js";
import { ensureSqliteSchema } from "./schema-setup.js";

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opsi-sqlite-schema-"));
  path = join(dir, "opsi.sqlite");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const gadget = (extra: HardwareClassConfig["Values"] = []): HardwareClassConfig => ({
  Class: { Opsi: "GADGET", Type: "STRUCTURAL" },
  Values: [{ Opsi: "name", Type: "varchar(100)", Scope: "g" }, { Opsi: "serialNumber", Type: "varchar(50)", Scope: "i" }, ...extra],
});

describe("ensureSqliteSchema", () => {
  it("creates every base and hardware table once, with the version row for schema 13", async () => {
    const driver = new SqliteDriver(path);
    const dialect = new SqliteDialect();
    const config = defaultHardwareAuditConfig();
    try {
      const first = await ensureSqliteSchema(driver, dialect, config);
      expect(first.createdTables).toHaveLength(OPSI_TABLES.length + hardwareTables(config).length);
      expect(first.createdTables).toHaveLength(25 + 64);
      const second = await ensureSqliteSchema(driver, dialect, config);
      expect(second).toEqual({ createdTables: [], addedColumns: [] });
      const versions = await driver.query('SELECT "version", "updateStarted", "updateEnded" FROM "OPSI_SCHEMA"');
      expect(versions).toHaveLength(1);
      expect(versions[0]?.version).toBe(13);
      expect(String(versions[0]?.updateEnded)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      const fks = await driver.query("SELECT * FROM pragma_foreign_key_list('SOFTWARE_LICENSE')");
      expect(fks.map((f) => [f.table, f.on_delete]).sort()).toEqual([
        ["HOST", "SET NULL"],
        ["LICENSE_CONTRACT", "RESTRICT"],
      ]);
    } finally {
      await driver.close();
    }
  });

  it("replaces unfinished version rows and keeps a newer version", async () => {
    const driver = new SqliteDriver(path);
    try {
      await ensureSqliteSchema(driver, new SqliteDialect(), defaultHardwareAuditConfig());
      await driver.execute('DELETE FROM "OPSI_SCHEMA"');
      await driver.execute('INSERT INTO "OPSI_SCHEMA" ("version", "updateStarted", "updateEnded") VALUES (?, ?, ?), (?, ?, ?)', [
        12,
        "2020-01-01 00:00:00",
        null,
        14,
        "2021-01-01 00:00:00",
        "2021-01-01 00:00:01",
      ]);
      await ensureSqliteSchema(driver, new SqliteDialect(), defaultHardwareAuditConfig());
      expect((await driver.query('SELECT "version" FROM "OPSI_SCHEMA" ORDER BY 1')).map((r) => r.version)).toEqual([14]);
    } finally {
      await driver.close();
    }
  });
});

describe("openSqliteBackend", () => {
  it("reopens an existing file with its data", async () => {
    const first = await openSqliteBackend({ path });
    await first.host_createObjects([{ type: "OpsiClient", id: "pc1.opsi.test", description: "kept" }]);
    await first.config_createObjects([{ type: "UnicodeConfig", id: "c1", possibleValues: ["a", "b"], defaultValues: ["b"] }]);
    await first.close();
    const second = await openSqliteBackend({ path });
    try {
      expect((await second.host_getObjects()).map((h) => [h.id, h.description])).toEqual([["pc1.opsi.test", "kept"]]);
      expect((await second.config_getObjects()).map((c) => [c.id, c.possibleValues, c.defaultValues])).toEqual([["c1", ["a", "b"], ["b"]]]);
    } finally {
      await second.close();
    }
  });

  it("adds the columns and tables a changed hardware configuration needs and never drops any", async () => {
    const before = new HardwareAuditConfig([gadget()]);
    const first = await openSqliteBackend({ path, hardwareAudit: before });
    await first.auditHardwareOnHost_createObjects([
      { type: "AuditHardwareOnHost", hardwareClass: "GADGET", hostId: "pc1.opsi.test", name: "g1", serialNumber: "s1" },
    ]);
    await first.close();

    const after = new HardwareAuditConfig([
      gadget([
        { Opsi: "speed", Type: "int", Scope: "g" },
        { Opsi: "slot", Type: "varchar(10)", Scope: "i" },
      ]),
      { Class: { Opsi: "WIDGET", Type: "STRUCTURAL" }, Values: [{ Opsi: "model", Type: "varchar(20)", Scope: "g" }] },
    ]);
    const driver = new SqliteDriver(path);
    try {
      const result = await ensureSqliteSchema(driver, new SqliteDialect(), after);
      expect(result.createdTables).toEqual(["HARDWARE_DEVICE_WIDGET", "HARDWARE_CONFIG_WIDGET"]);
      expect(result.addedColumns).toEqual(["HARDWARE_DEVICE_GADGET.speed", "HARDWARE_CONFIG_GADGET.slot"]);
      // Back to the old configuration: the new columns stay.
      expect(await ensureSqliteSchema(driver, new SqliteDialect(), before)).toEqual({ createdTables: [], addedColumns: [] });
      const columns = await driver.query("SELECT name FROM pragma_table_info('HARDWARE_DEVICE_GADGET')");
      expect(columns.map((c) => c.name)).toEqual(["hardware_id", "name", "speed"]);
    } finally {
      await driver.close();
    }

    const second = await openSqliteBackend({ path, hardwareAudit: after });
    try {
      await second.auditHardwareOnHost_createObjects([
        {
          type: "AuditHardwareOnHost",
          hardwareClass: "GADGET",
          hostId: "pc1.opsi.test",
          name: "g2",
          serialNumber: "s2",
          speed: "100",
          slot: "A",
        },
      ]);
      const rows = await second.auditHardwareOnHost_getObjects([], { hardwareClass: "GADGET" });
      expect(rows.map((r) => [r.name, r.serialNumber, r.speed, r.slot]).sort()).toEqual([
        ["g1", "s1", null, null],
        ["g2", "s2", 100, "A"],
      ]);
    } finally {
      await second.close();
    }
  });

  it("reports a file that cannot be opened as BackendUnableToConnectError", async () => {
    await expect(openSqliteBackend({ path: join(dir, "missing-dir", "x.sqlite") })).rejects.toBeInstanceOf(BackendUnableToConnectError);
  });
});
