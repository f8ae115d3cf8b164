/**
 * @module SqliteBackend.test
 * SqlBackend behaviour on SQLite beyond the conformance suite: opsi's row layout on disk, rows
 * written by other tools, atomic and serialised concurrent calls, chunked batches, error messages
 * naming the culprit, and the hardware device/config rows.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SqlBackend, SqlDriver } from "@opsi-ts/backend-sql";
import { BackendError, BackendReferentialIntegrityError } from "@opsi-ts/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteBackend } from "./openSqliteBackend.js";

let dir: string;
let b: SqlBackend;
let db: SqlDriver;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "opsi-sqlite-backend-"));
  b = await openSqliteBackend({ path: join(dir, "opsi.sqlite") });
  db = b.driver;
});

afterEach(async () => {
  await b.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = (i: number) => ({ type: "OpsiClient", id: `pc${i}.opsi.test` });

describe("rows on disk use opsi's layout", () => {
  it("hosts, configs, states, pools and hardware", async () => {
    await b.host_createObjects([{ type: "OpsiDepotserver", id: "depot.opsi.test", isMasterDepot: false, hardwareAddress: "" }]);
    await b.config_createObjects([
      { type: "BoolConfig", id: "flag", defaultValues: [true] },
      { type: "UnicodeConfig", id: "list", possibleValues: ["b", "a"], defaultValues: ["a"] },
    ]);
    await b.configState_createObjects([{ configId: "list", objectId: "depot.opsi.test", values: ["depot.opsi.test", true] }]);
    await b.licensePool_createObjects([{ id: "pool", productIds: ["p2", "p1"] }]);
    await b.auditHardwareOnHost_createObjects([
      { type: "AuditHardwareOnHost", hardwareClass: "BIOS", hostId: "pc1.opsi.test", name: "B", serialNumber: "S" },
    ]);

    expect(await db.query('SELECT "hostId", "type", "isMasterDepot", "hardwareAddress", "description" FROM "HOST"')).toEqual([
      { hostId: "depot.opsi.test", type: "OpsiDepotserver", isMasterDepot: 0, hardwareAddress: null, description: "" },
    ]);
    expect(await db.query('SELECT "configId", "value", "isDefault" FROM "CONFIG_VALUE" ORDER BY 1, 2')).toEqual([
      { configId: "flag", value: "0", isDefault: 0 },
      { configId: "flag", value: "1", isDefault: 1 },
      { configId: "list", value: "a", isDefault: 1 },
      { configId: "list", value: "b", isDefault: 0 },
    ]);
    expect(await db.query('SELECT "values" FROM "CONFIG_STATE"')).toEqual([{ values: '[true, "depot.opsi.test"]' }]);
    expect(await db.query('SELECT "licensePoolId", "productId" FROM "PRODUCT_ID_TO_LICENSE_POOL" ORDER BY 2')).toEqual([
      { licensePoolId: "pool", productId: "p1" },
      { licensePoolId: "pool", productId: "p2" },
    ]);
    expect(await db.query('SELECT "hardware_id", "name" FROM "HARDWARE_DEVICE_BIOS"')).toEqual([{ hardware_id: 1, name: "B" }]);
    expect(await db.query('SELECT "hostId", "hardware_id", "serialNumber", "state" FROM "HARDWARE_CONFIG_BIOS"')).toEqual([
      { hostId: "pc1.opsi.test", hardware_id: 1, serialNumber: "S", state: 1 },
    ]);
  });

  it("reads rows written by other tools (opsi itself) into objects of the stored class", async () => {
    await db.execute('INSERT INTO "HOST" ("hostId", "type", "isMasterDepot", "depotLocalUrl", "lastSeen") VALUES (?, ?, ?, ?, ?)', [
      "config.opsi.test",
      "OpsiConfigserver",
      1,
      "file:///var/lib/opsi/depot",
      "0000-00-00 00:00:00",
    ]);
    await db.execute('INSERT INTO "PRODUCT_PROPERTY_STATE" ("productId", "propertyId", "objectId", "values") VALUES (?, ?, ?, ?)', [
      "p",
      "lang",
      "config.opsi.test",
      '["de", "en"]',
    ]);
    const [host] = (await b.host_getObjects()) as Record<string, unknown>[];
    expect([host?.type, host?.isMasterDepot, host?.depotLocalUrl, host?.description]).toEqual([
      "OpsiConfigserver",
      true,
      "file:///var/lib/opsi/depot",
      null,
    ]);
    expect((await b.productPropertyState_getObjects())[0]?.values).toEqual(["de", "en"]);
  });
});

describe("transactions", () => {
  it("serialises concurrent calls: reads never see half of a multi-statement batch, a failing batch writes nothing", async () => {
    await b.host_createObjects([client(1), client(2), client(3), client(4)]);
    // 600 rows take two INSERT statements.
    const batch = (clientId: string) =>
      Array.from({ length: 600 }, (_, i) => ({ productId: `p${i}`, productType: "LocalbootProduct", clientId }));
    const calls: Promise<unknown>[] = [];
    for (let i = 1; i <= 4; i++) calls.push(b.productOnClient_createObjects(batch(`pc${i}.opsi.test`)));
    const failing = b.productOnClient_createObjects([
      ...batch("pc1.opsi.test"),
      { productId: "x", productType: "LocalbootProduct", clientId: "pc9.opsi.test" },
    ]);
    let done = false;
    const finished = Promise.allSettled([...calls, failing]).then(() => {
      done = true;
    });
    const counts: number[] = [];
    while (!done) {
      counts.push((await b.productOnClient_getIdents("str")).length);
      await Promise.resolve();
    }
    await finished;
    await Promise.all(calls);
    await expect(failing).rejects.toBeInstanceOf(BackendReferentialIntegrityError);
    for (const n of counts) expect(n % 600).toBe(0);
    expect(await b.productOnClient_getIdents("str")).toHaveLength(2400);
  });

  it("rolls back everything of a batch when the database refuses a later row", async () => {
    await b.host_insertObject(client(1));
    const pocs = Array.from({ length: 1200 }, (_, i) => ({
      productId: `p${i}`,
      productType: "LocalbootProduct",
      clientId: "pc1.opsi.test",
    }));
    await expect(
      b.productOnClient_createObjects([...pocs, { productId: "x", productType: "LocalbootProduct", clientId: "pc9.opsi.test" }]),
    ).rejects.toThrow(BackendReferentialIntegrityError);
    expect(await b.productOnClient_getIdents("str")).toEqual([]);
  });

  it("writes and merges batches larger than one statement", async () => {
    await b.host_insertObject(client(1));
    const pocs = Array.from({ length: 1200 }, (_, i) => ({
      productId: `p${i}`,
      productType: "LocalbootProduct",
      clientId: "pc1.opsi.test",
    }));
    await b.productOnClient_createObjects(pocs);
    await b.productOnClient_updateObjects(pocs.map((p) => ({ ...p, actionRequest: "setup" })));
    const stored = await b.productOnClient_getObjects(["actionRequest", "installationStatus"], { clientId: "pc1.opsi.test" });
    expect(stored).toHaveLength(1200);
    expect(new Set(stored.map((p) => `${p.actionRequest}/${p.installationStatus}`))).toEqual(new Set(["setup/not_installed"]));
  });
});

describe("error messages name the culprit", () => {
  it("a missing referenced object", async () => {
    await expect(
      b.productOnClient_insertObject({ productId: "p", productType: "LocalbootProduct", clientId: "ghost.opsi.test" }),
    ).rejects.toThrow(/ProductOnClient.*Host 'ghost\.opsi\.test' does not exist/);
  });

  it("an object still referenced through a RESTRICT key", async () => {
    await b.licenseContract_insertObject({ id: "contract" });
    await b.softwareLicense_insertObject({ type: "RetailSoftwareLicense", id: "lic", licenseContractId: "contract" });
    await expect(b.licenseContract_deleteObjects([{ id: "contract" }])).rejects.toThrow(
      /LicenseContract.*still referenced by SoftwareLicense 'lic'/,
    );
  });

  it("a closed backend", async () => {
    await b.close();
    await expect(b.host_getObjects()).rejects.toBeInstanceOf(BackendError);
    await expect(b.host_insertObject(client(1))).rejects.toThrow(/closed/);
  });
});

describe("hardware rows", () => {
  const bios = { type: "AuditHardwareOnHost", hardwareClass: "BIOS", hostId: "pc1.opsi.test", name: "B", vendor: null, serialNumber: "S" };

  it("rewriting an AuditHardwareOnHost updates its config row and reuses the device", async () => {
    await b.auditHardwareOnHost_createObjects([{ ...bios, lastseen: "2024-01-01 00:00:00" }]);
    await b.auditHardwareOnHost_updateObjects([{ ...bios, lastseen: "2024-02-01 00:00:00", state: 0 }]);
    await b.auditHardwareOnHost_createObjects([{ ...bios, hostId: "pc2.opsi.test" }]);
    expect(await db.query('SELECT COUNT(*) AS n FROM "HARDWARE_DEVICE_BIOS"')).toEqual([{ n: 1 }]);
    const rows = await b.auditHardwareOnHost_getObjects([], { hostId: "pc1.opsi.test" });
    expect(rows.map((r) => [r.lastseen, r.state])).toEqual([["2024-02-01 00:00:00", 0]]);
  });

  it("updateObject of a missing AuditHardwareOnHost creates neither config row nor device", async () => {
    await b.auditHardwareOnHost_updateObject(bios);
    expect(await db.query('SELECT COUNT(*) AS n FROM "HARDWARE_DEVICE_BIOS"')).toEqual([{ n: 0 }]);
    expect(await b.auditHardwareOnHost_getObjects()).toEqual([]);
  });

  it("deleting a host removes its hardware rows of every class but keeps the devices", async () => {
    await b.host_insertObject(client(1));
    await b.auditHardwareOnHost_createObjects([
      bios,
      { type: "AuditHardwareOnHost", hardwareClass: "TPM", hostId: "pc1.opsi.test", name: "T" },
    ]);
    await b.host_deleteObjects([{ id: "pc1.opsi.test" }]);
    expect(await b.auditHardwareOnHost_getObjects()).toEqual([]);
    expect(await b.auditHardware_getObjects()).toHaveLength(2);
  });
});
