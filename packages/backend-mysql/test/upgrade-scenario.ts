/**
 * @module test/upgrade-scenario
 * The in-place upgrade scenario shared by the opsi 4.1 and 4.2 fixtures: load the old layout with
 * regular rows, duplicates and orphans, upgrade through `createMysqlBackend`, read everything back,
 * compare the layout with a fresh schema 13, and upgrade again to prove it changes nothing.
 */
import { readFileSync } from "node:fs";
import type { SqlBackend } from "@opsi-ts/backend-sql";
import { defaultHardwareAuditConfig } from "@opsi-ts/core";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectSchema } from "../src/internal/schema-inspect.js";
import { createMysqlBackend } from "../src/MysqlBackend.js";
import { MysqlDriver } from "../src/MysqlDriver.js";
import { type SetupReport, setupDatabase } from "../src/setup.js";
import { adminConnection, type TestDatabase, useTestDatabase } from "./mariadb.js";

const hardwareAudit = defaultHardwareAuditConfig();
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

/** What differs between the two fixtures. */
export interface UpgradeScenario {
  readonly version: "4.1" | "4.2";
  /** Schema version found after removing unfinished markers. */
  readonly expectedPreviousVersion: number;
  /** Statements run after the shared rows (layout-specific values). */
  readonly extraSql: string;
  /** Expected `licenseRequired` of product1 1.0-1 after the upgrade. */
  readonly licenseRequired: boolean;
  /** Expected systemUUIDs after the upgrade, by host. */
  readonly systemUUIDs: Readonly<Record<string, string | null>>;
  /** Tables that exist before and must be gone afterwards. */
  readonly droppedTables: readonly string[];
}

const sortById = <T extends Record<string, unknown>>(objs: T[], ...keys: string[]): T[] =>
  [...objs].sort((a, b) =>
    keys
      .map((k) => String(a[k]))
      .join("|")
      .localeCompare(keys.map((k) => String(b[k])).join("|")),
  );

/** Layout of a database without names of foreign keys (the server generated some of the old ones). */
async function layout(db: TestDatabase): Promise<Record<string, unknown>> {
  const driver = new MysqlDriver(db.options());
  try {
    const schema = await driver.withSession((s) => inspectSchema(s));
    const out: Record<string, unknown> = {};
    for (const [name, t] of [...schema].sort(([a], [b]) => a.localeCompare(b))) {
      out[name] = {
        engine: t.engine,
        collation: t.collation,
        columns: t.columns,
        indexes: [...t.indexes].sort((a, b) => a.name.localeCompare(b.name)),
        foreignKeys: t.foreignKeys
          .map(({ name: _name, ...fk }) => fk)
          .sort((a, b) => `${a.refTable}${a.columns.join()}`.localeCompare(`${b.refTable}${b.columns.join()}`)),
      };
    }
    return out;
  } finally {
    await driver.close();
  }
}

/** SHOW CREATE TABLE and all rows of every table. */
async function snapshot(conn: Connection): Promise<Record<string, { create: string; rows: string[] }>> {
  const [tables] = await conn.query("SHOW TABLES");
  const out: Record<string, { create: string; rows: string[] }> = {};
  for (const row of tables as Array<Record<string, unknown>>) {
    const name = String(Object.values(row)[0]);
    const [create] = await conn.query(`SHOW CREATE TABLE \`${name}\``);
    const [rows] = await conn.query(`SELECT * FROM \`${name}\``);
    out[name] = {
      create: String((create as Array<Record<string, unknown>>)[0]?.["Create Table"]),
      rows: (rows as unknown[]).map((r) => JSON.stringify(r)).sort(),
    };
  }
  return out;
}

/**
 * Registers the upgrade tests for one fixture.
 * @example describeUpgrade({ version: "4.1", expectedPreviousVersion: 7, ... })
 */
export function describeUpgrade(scenario: UpgradeScenario): void {
  describe(`upgrade of an opsi ${scenario.version} database`, () => {
    const db = useTestDatabase(`upgrade${scenario.version.replace(".", "")}`);
    const fresh = useTestDatabase(`fresh${scenario.version.replace(".", "")}`);
    let admin: Connection | undefined;
    let backend: SqlBackend | undefined;
    let report: SetupReport | undefined;

    beforeAll(async () => {
      admin = await adminConnection(db.name);
      await admin.query(fixture(`opsi-${scenario.version}-schema.sql`));
      await admin.query(fixture("opsi-legacy-data.sql"));
      await admin.query(scenario.extraSql);
      backend = await createMysqlBackend({
        url: db.url,
        hardwareAudit,
        onSetup: (r) => {
          report = r;
        },
      });
    });
    afterAll(async () => {
      await backend?.close();
      await admin?.end();
    });

    const b = (): SqlBackend => {
      if (!backend) throw new Error("backend not created");
      return backend;
    };
    const sql = async (text: string): Promise<Array<Record<string, unknown>>> => {
      if (!admin) throw new Error("no admin connection");
      const [rows] = await admin.query(text);
      return rows as Array<Record<string, unknown>>;
    };

    it("reports the old version and marks schema 13 as finished", async () => {
      expect(report?.previousVersion).toBe(scenario.expectedPreviousVersion);
      expect(report?.migrated).toBe(true);
      expect(report?.createdTables).toContain("USER");
      const versions = await sql("SELECT `version`, `updateEnded` IS NOT NULL AS ended FROM `OPSI_SCHEMA` ORDER BY `version`");
      expect(versions.at(-1)).toEqual({ version: 13, ended: 1 });
      expect(versions.every((v) => Number(v.ended) === 1)).toBe(true);
    });

    it("reads back hosts with all attributes, old values kept, new columns empty", async () => {
      const hosts = sortById(await b().host_getObjects(), "id") as unknown as Array<Record<string, unknown>>;
      expect(hosts.map((h) => [h.id, h.type])).toEqual([
        ["client1.test.local", "OpsiClient"],
        ["client2.test.local", "OpsiClient"],
        ["client3.test.local", "OpsiClient"],
        ["config.test.local", "OpsiConfigserver"],
        ["depot1.test.local", "OpsiDepotserver"],
      ]);
      expect(hosts[0]).toMatchObject({
        description: "Client 1",
        notes: "Ümlaut notes",
        hardwareAddress: "00:11:22:33:44:01",
        ipAddress: "192.168.1.101",
        inventoryNumber: "INV-1",
        created: "2019-01-01 10:00:00",
        lastSeen: "2023-02-01 11:00:00",
        opsiHostKey: "11111111111111111111111111111111",
      });
      expect(hosts[1]).toMatchObject({ description: null, created: "2019-01-02 10:00:00", lastSeen: "0000-00-00 00:00:00" });
      expect(hosts[3]).toMatchObject({
        notes: 'it\'s the "main" server; 100% \\ ok',
        depotWebdavUrl: "webdavs://config.test.local:4447/depot",
        networkAddress: "192.168.1.0/24",
        maxBandwidth: 0,
        isMasterDepot: true,
        workbenchLocalUrl: null,
        workbenchRemoteUrl: null,
      });
      expect(Object.fromEntries(hosts.map((h) => [h.id, h.systemUUID]))).toEqual(scenario.systemUUIDs);
    });

    it("converts legacy config types and keeps values; states are de-duplicated (oldest wins) and orphans are gone", async () => {
      const configs = sortById(await b().config_getObjects(), "id") as unknown as Array<Record<string, unknown>>;
      expect(configs.map((c) => [c.id, c.type, c.possibleValues, c.defaultValues, c.editable, c.multiValue])).toEqual([
        ["clientconfig.depot.id", "UnicodeConfig", ["config.test.local", "depot1.test.local"], ["config.test.local"], true, false],
        ["legacy.bool", "BoolConfig", [false, true], [true], false, false],
        ["legacy.text", "UnicodeConfig", ["a", "b"], ["a"], true, true],
        ["opsiclientd.event_timer.active", "BoolConfig", [false, true], [false], false, false],
      ]);
      const states = sortById(await b().configState_getObjects(), "configId", "objectId") as unknown as Array<Record<string, unknown>>;
      expect(states.map((s) => [s.configId, s.objectId, s.values])).toEqual([
        ["clientconfig.depot.id", "client1.test.local", ["depot1.test.local"]],
        ["legacy.text", "client1.test.local", ["b"]],
      ]);
      expect(await sql("SELECT COUNT(*) AS n FROM `CONFIG_VALUE` WHERE `configId` = 'deleted.config'")).toEqual([{ n: 0 }]);
    });

    it("reads back products, properties, states, dependencies and depot/client assignments", async () => {
      const products = sortById(await b().product_getObjects(), "id", "packageVersion") as unknown as Array<Record<string, unknown>>;
      expect(products.map((p) => [p.id, p.productVersion, p.packageVersion, p.type, p.licenseRequired, p.priority])).toEqual([
        ["netboot1", "2.0", "3", "NetbootProduct", false, -20],
        ["product1", "1.0", "1", "LocalbootProduct", scenario.licenseRequired, null],
        ["product1", "1.0", "2", "LocalbootProduct", false, 10],
      ]);
      expect(products[0]).toMatchObject({ pxeConfigTemplate: "install-tpl", setupScript: "setup.py" });
      expect(products[1]).toMatchObject({
        description: "The first product",
        advice: "none",
        changelog: "changes",
        uninstallScript: "uninstall.opsiscript",
      });

      const properties = sortById(await b().productProperty_getObjects(), "propertyId") as unknown as Array<Record<string, unknown>>;
      expect(properties.map((p) => [p.propertyId, p.type, p.possibleValues, p.defaultValues])).toEqual([
        ["legacybool", "BoolProductProperty", [false, true], [false]],
        ["text", "UnicodeProductProperty", ["x", "y", "z"], ["x"]],
      ]);
      const pps = await b().productPropertyState_getObjects();
      expect(pps.map((s) => [s.productId, s.propertyId, s.objectId, s.values])).toEqual([
        ["product1", "text", "client1.test.local", ["y"]],
      ]);

      const deps = await b().productDependency_getObjects();
      expect(deps.map((d) => [d.productId, d.requiredProductId, d.requiredInstallationStatus, d.requirementType])).toEqual([
        ["product1", "netboot1", "installed", "before"],
      ]);

      const pods = sortById(await b().productOnDepot_getObjects(), "productId", "depotId") as unknown as Array<Record<string, unknown>>;
      expect(pods.map((p) => [p.productId, p.depotId, `${p.productVersion}-${p.packageVersion}`, p.locked])).toEqual([
        ["netboot1", "depot1.test.local", "2.0-3", false],
        ["product1", "config.test.local", "1.0-2", true],
        ["product1", "depot1.test.local", "1.0-1", false],
      ]);

      const pocs = sortById(await b().productOnClient_getObjects(), "productId", "clientId") as unknown as Array<Record<string, unknown>>;
      expect(pocs.map((p) => [p.productId, p.clientId, p.installationStatus, p.actionRequest, p.productVersion, p.packageVersion])).toEqual(
        [
          ["netboot1", "client1.test.local", "not_installed", "none", "2.0", "3"],
          // version taken from the client's depot (clientconfig.depot.id)
          ["product1", "client1.test.local", "installed", "none", "1.0", "1"],
          // NULL status and action request became the column defaults
          ["product1", "client2.test.local", "not_installed", "none", null, null],
          // no depot assigned: the config server's version
          ["product1", "client3.test.local", "installed", "setup", "1.0", "2"],
        ],
      );
      expect(pocs[1]).toMatchObject({ targetConfiguration: "installed", actionResult: "successful", lastAction: "setup" });
      // fixing rows (defaults, versions) does not count as a modification
      expect(pocs.map((p) => p.modificationTime)).toEqual([
        "2023-01-08 10:00:00",
        "2023-01-05 10:00:00",
        "2023-01-06 10:00:00",
        "2023-01-07 10:00:00",
      ]);
    });

    it("reads back groups and memberships without duplicates and orphans", async () => {
      const groups = sortById(await b().group_getObjects(), "id") as unknown as Array<Record<string, unknown>>;
      expect(groups.map((g) => [g.id, g.type, g.parentGroupId, g.description])).toEqual([
        ["clients", "HostGroup", null, "All clients"],
        ["pgroup", "ProductGroup", null, "Products"],
        ["sub", "HostGroup", "clients", "Sub group"],
      ]);
      const members = sortById(await b().objectToGroup_getObjects(), "groupId") as unknown as Array<Record<string, unknown>>;
      expect(members.map((m) => [m.groupType, m.groupId, m.objectId])).toEqual([
        ["HostGroup", "clients", "client1.test.local"],
        ["ProductGroup", "pgroup", "product1"],
      ]);
    });

    it("reads back licensing objects; dangling references are nulled or removed", async () => {
      const contracts = await b().licenseContract_getObjects();
      expect(contracts).toEqual([
        {
          type: "LicenseContract",
          id: "contract1",
          description: "Contract 1",
          notes: "contract notes",
          partner: "ACME",
          conclusionDate: "2020-01-01 00:00:00",
          notificationDate: "0000-00-00 00:00:00",
          expirationDate: "2030-01-01 00:00:00",
        },
      ]);
      const licenses = sortById(await b().softwareLicense_getObjects(), "id") as unknown as Array<Record<string, unknown>>;
      expect(licenses.map((l) => [l.id, l.type, l.boundToHost, l.maxInstallations, l.expirationDate])).toEqual([
        ["lic1", "RetailSoftwareLicense", null, 1, "0000-00-00 00:00:00"],
        ["lic2", "VolumeSoftwareLicense", "client1.test.local", 10, "2030-01-01 00:00:00"],
      ]);
      const pools = await b().licensePool_getObjects();
      expect(pools.map((p) => [p.id, p.productIds])).toEqual([["pool1", ["product1"]]]);
      expect((await b().softwareLicenseToLicensePool_getObjects()).length).toBe(2);
      const loc = await b().licenseOnClient_getObjects();
      expect(loc.map((l) => [l.softwareLicenseId, l.clientId, l.licenseKey, l.notes])).toEqual([
        ["lic1", "client1.test.local", "KEY-1", "first"],
      ]);
      expect((await b().auditSoftwareToLicensePool_getObjects()).map((a) => [a.name, a.licensePoolId])).toEqual([["Firefox", "pool1"]]);
    });

    it("reads back software and hardware inventory; stale and orphaned rows are gone", async () => {
      expect((await b().auditSoftware_getObjects()).map((s) => [s.name, s.installSize])).toEqual([["Firefox", 123456789012]]);
      const asoc = await b().auditSoftwareOnClient_getObjects();
      expect(asoc.map((s) => [s.name, s.clientId, s.uninstallString, s.usageFrequency, s.lastUsed])).toEqual([
        ["Firefox", "client1.test.local", "uninstall.exe", -1, "0000-00-00 00:00:00"],
      ]);
      const devices = sortById(await b().auditHardware_getObjects(), "hardwareClass") as unknown as Array<Record<string, unknown>>;
      expect(devices.map((d) => [d.hardwareClass, d.model])).toEqual([
        ["COMPUTER_SYSTEM", "OptiPlex 7090"],
        ["NETWORK_CONTROLLER", "I219-LM"],
      ]);
      const onHost = sortById(await b().auditHardwareOnHost_getObjects(), "hardwareClass") as unknown as Array<Record<string, unknown>>;
      expect(onHost.map((h) => [h.hardwareClass, h.hostId, h.state])).toEqual([
        ["COMPUTER_SYSTEM", "client1.test.local", 1],
        ["NETWORK_CONTROLLER", "client1.test.local", 1],
      ]);
      expect(onHost[0]).toMatchObject({
        name: "CLIENT1",
        serialNumber: "SN-1",
        totalPhysicalMemory: 17179869184,
        sku: null,
        vendor: "Dell Inc.",
      });
      expect(onHost[1]).toMatchObject({ macAddress: "00:11:22:33:44:01", ipAddress: "192.168.1.101", maxSpeed: 1000000000 });
    });

    it("dropped legacy tables and surrogate ids, converted every table to InnoDB", async () => {
      const tables = (await sql("SHOW TABLES")).map((r) => String(Object.values(r)[0]));
      for (const t of scenario.droppedTables) expect(tables).not.toContain(t);
      const legacyColumns = await sql(
        "SELECT `TABLE_NAME`, `COLUMN_NAME` FROM `information_schema`.`COLUMNS` WHERE `TABLE_SCHEMA` = DATABASE()" +
          " AND `COLUMN_NAME` IN ('config_state_id', 'license_on_client_id', 'object_to_group_id', 'product_property_state_id')" +
          " OR (`TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'SOFTWARE_CONFIG' AND `COLUMN_NAME` = 'config_id')",
      );
      expect(legacyColumns).toEqual([]);
      expect(
        await sql("SELECT `TABLE_NAME` FROM `information_schema`.`TABLES` WHERE `TABLE_SCHEMA` = DATABASE() AND `ENGINE` <> 'InnoDB'"),
      ).toEqual([]);
    });

    it("ends with the same layout as a freshly created schema 13", async () => {
      const driver = new MysqlDriver(fresh.options());
      await setupDatabase(driver, { hardwareAudit });
      await driver.close();
      expect(await layout(db)).toEqual(await layout(fresh));
    });

    it("accepts writes after the upgrade (new keys and foreign keys in force)", async () => {
      await b().host_createObjects([{ type: "OpsiClient", id: "client4.test.local", systemUUID: "a1b2c3d4-0000-4000-8000-000000000004" }]);
      await b().productOnClient_updateObjects([
        { productId: "product1", productType: "LocalbootProduct", clientId: "client4.test.local", actionRequest: "setup" },
      ]);
      await b().configState_updateObjects([{ configId: "legacy.text", objectId: "client4.test.local", values: ["a"] }]);
      const poc = await b().productOnClient_getObjects([], { clientId: "client4.test.local" });
      expect(poc.map((p) => [p.productId, p.installationStatus, p.actionRequest])).toEqual([["product1", "not_installed", "setup"]]);
      await b().host_deleteObjects([{ type: "OpsiClient", id: "client4.test.local" }]);
      expect(await b().productOnClient_getObjects([], { clientId: "client4.test.local" })).toEqual([]);
      expect(await b().configState_getObjects([], { objectId: "client4.test.local" })).toEqual([]);
    });

    it("upgrading again (forced) changes nothing: same DDL, same rows", async () => {
      if (!admin) throw new Error("no admin connection");
      const before = await snapshot(admin);
      const driver = new MysqlDriver(db.options());
      const again = await setupDatabase(driver, { hardwareAudit, force: true });
      await driver.close();
      expect(again.previousVersion).toBe(13);
      expect(again.migrated).toBe(true);
      expect(again.statements).toEqual([]);
      expect(again.createdTables).toEqual([]);
      expect(again.cleanup).toEqual({});
      expect(await snapshot(admin)).toEqual(before);
    });
  });
}
