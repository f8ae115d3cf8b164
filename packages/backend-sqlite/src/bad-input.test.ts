/**
 * @module bad-input.test
 * Hostile input through the SQLite backend: SQL metacharacters and NUL in every kind of value
 * (plain columns, text, ids, value lists, JSON states, hardware values, filters) round-trip
 * unchanged; over-long values, unknown filter keys and unknown attributes are BackendBadValueErrors.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SqlBackend } from "@opsi-ts/backend-sql";
import { BackendBadValueError } from "@opsi-ts/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteBackend } from "./openSqliteBackend.js";

const NASTY = `x'y"z; DROP TABLE "HOST"; -- \\ % _ \u0000 ␞ end`;
const NASTY_ID = `c'f"g;h--i\\j%k_l\u0000m`;

let dir: string;
let b: SqlBackend;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "opsi-sqlite-input-"));
  b = await openSqliteBackend({ path: join(dir, "opsi.sqlite") });
});

afterEach(async () => {
  await b.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("SQL metacharacters and NUL", () => {
  it("round-trip unchanged in varchar and text columns and match in equality filters", async () => {
    await b.host_createObjects([
      { type: "OpsiClient", id: "pc1.opsi.test", description: NASTY, notes: NASTY },
      { type: "OpsiClient", id: "pc2.opsi.test", description: "plain" },
    ]);
    await b.product_createObjects([
      { type: "LocalbootProduct", id: "p", productVersion: "1", packageVersion: "1", changelog: NASTY, advice: NASTY },
    ]);
    const [host] = await b.host_getObjects([], { description: NASTY });
    expect([host?.id, host?.description, host?.notes]).toEqual(["pc1.opsi.test", NASTY, NASTY]);
    const [product] = await b.product_getObjects();
    expect([product?.changelog, product?.advice]).toEqual([NASTY, NASTY]);
    expect(await b.host_getIdents("str")).toHaveLength(2);
  });

  it("treat % and _ literally in equality filters and only * as a wildcard", async () => {
    await b.config_createObjects([
      { type: "UnicodeConfig", id: "a%b", description: "100%_done" },
      { type: "UnicodeConfig", id: "axxb", description: "100xxdone" },
    ]);
    expect((await b.config_getObjects([], { description: "100%_done" })).map((c) => c.id)).toEqual(["a%b"]);
    expect((await b.config_getObjects([], { id: "a%b" })).map((c) => c.id)).toEqual(["a%b"]);
    expect((await b.config_getObjects([], { description: "100*done" })).map((c) => c.id).sort()).toEqual(["a%b", "axxb"]);
    expect((await b.config_getObjects([], { description: "*'*" })).map((c) => c.id)).toEqual([]);
  });

  it("round-trip unchanged in ids, value lists and JSON states", async () => {
    await b.config_createObjects([{ type: "UnicodeConfig", id: NASTY_ID, possibleValues: [NASTY, "a", "a␞b"], defaultValues: [NASTY] }]);
    await b.configState_createObjects([{ configId: NASTY_ID, objectId: "pc1.opsi.test", values: [NASTY, { nested: NASTY }, 1, true] }]);
    const [config] = await b.config_getObjects([], { id: NASTY_ID });
    expect([config?.id, config?.possibleValues, config?.defaultValues]).toEqual([NASTY_ID, [NASTY, "a", "a␞b"].sort(), [NASTY]]);
    const [state] = await b.configState_getObjects([], { configId: NASTY_ID });
    // Sorted like opsi: booleans, numbers, strings, other values.
    expect(state?.values).toEqual([true, 1, NASTY, { nested: NASTY }]);
    await b.config_deleteObjects([{ id: NASTY_ID }]);
    expect(await b.config_getObjects()).toEqual([]);
    expect(await b.configState_getObjects()).toEqual([]);
  });

  it("round-trip unchanged in audit software keys and hardware values", async () => {
    const software = { type: "AuditSoftware", name: NASTY, version: "1", subVersion: "", language: "", architecture: "x64" };
    await b.auditSoftware_createObjects([software]);
    expect((await b.auditSoftware_getObjects([], { name: NASTY })).map((s) => s.name)).toEqual([NASTY]);
    const vendor = `V'en"dor;--\\%_\u0000`;
    await b.auditHardwareOnHost_createObjects([
      { type: "AuditHardwareOnHost", hardwareClass: "BIOS", hostId: "pc1.opsi.test", name: NASTY, vendor, serialNumber: NASTY },
    ]);
    const [hw] = await b.auditHardwareOnHost_getObjects([], { hardwareClass: "BIOS", vendor });
    expect([hw?.name, hw?.vendor, hw?.serialNumber]).toEqual([NASTY, vendor, NASTY]);
    if (!hw) throw new Error("hardware object not found");
    await b.auditHardwareOnHost_deleteObjects([hw]);
    expect(await b.auditHardwareOnHost_getObjects()).toEqual([]);
    expect(await b.auditHardware_getObjects([], { vendor })).toHaveLength(1);
  });

  it("cannot break out of identifiers through attribute names or filter keys", async () => {
    await b.host_createObjects([{ type: "OpsiClient", id: "pc1.opsi.test" }]);
    await expect(b.host_getObjects(['id" FROM "HOST"; --'])).rejects.toBeInstanceOf(BackendBadValueError);
    await expect(b.host_getObjects([], { 'id" = "x" OR 1=1 --': "x" })).rejects.toBeInstanceOf(BackendBadValueError);
    expect(await b.host_getIdents("str")).toEqual(["pc1.opsi.test"]);
  });
});

describe("values the columns cannot hold", () => {
  it("over-long ids and strings are BackendBadValueErrors naming attribute and length, and nothing is written", async () => {
    const longConfigId = "c".repeat(201);
    await expect(b.config_insertObject({ type: "UnicodeConfig", id: longConfigId })).rejects.toThrow(
      /'id' of UnicodeConfig .*201 characters.*at most 200/,
    );
    await expect(b.config_updateObjects([{ type: "UnicodeConfig", id: longConfigId }])).rejects.toBeInstanceOf(BackendBadValueError);
    await expect(
      b.group_createObjects([
        { type: "HostGroup", id: "ok" },
        { type: "HostGroup", id: "g".repeat(256) },
      ]),
    ).rejects.toThrow(/'id' of HostGroup .*256 characters.*at most 255/);
    await expect(b.host_insertObject({ type: "OpsiClient", id: "pc1.opsi.test", description: "d".repeat(101) })).rejects.toThrow(
      /'description'.*at most 100/,
    );
    await expect(
      b.auditSoftware_insertObject({
        type: "AuditSoftware",
        name: "n".repeat(101),
        version: "",
        subVersion: "",
        language: "",
        architecture: "",
      }),
    ).rejects.toThrow(/'name'.*at most 100/);
    expect(await b.config_getObjects()).toEqual([]);
    expect(await b.group_getObjects()).toEqual([]);
    expect(await b.host_getObjects()).toEqual([]);
  });

  it("accepts strings of exactly the column length, counted in characters", async () => {
    await b.host_insertObject({ type: "OpsiClient", id: "pc1.opsi.test", description: "ä😀".repeat(50) });
    expect((await b.host_getObjects())[0]?.description).toBe("ä😀".repeat(50));
  });

  it("unknown filter keys and attribute names are BackendBadValueErrors", async () => {
    await expect(b.productOnClient_getObjects([], { hostId: "pc1.opsi.test" })).rejects.toThrow(/hostId/);
    await expect(b.productOnClient_getIdents("str", { nope: null })).rejects.toThrow(/nope/);
    await expect(b.productOnClient_getObjects(["nope"])).rejects.toThrow(/nope/);
    await expect(b.config_getObjects([], { possibleValues: "a" })).rejects.toBeInstanceOf(BackendBadValueError);
  });
});
