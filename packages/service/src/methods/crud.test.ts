/** @module methods/crud.test The CRUD family through the dispatcher: wire form, `_getHashes`, `_getIdents`, `_create`, `_delete`, special creators. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, IDS } from "../rpc/test-harness.js";
import { crudHandlers } from "./crud.js";

type Dict = Record<string, unknown>;

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(() => h.cleanup());

describe("generated handlers", () => {
  it("cover every CRUD method of the interface and nothing else", () => {
    const names = [...crudHandlers().keys()];
    expect(names).toContain("host_getObjects");
    expect(names).toContain("auditHardwareOnHost_delete");
    expect(names).toContain("softwareLicense_createOEM");
    expect(names).not.toContain("user_getHashes");
    expect(names).not.toContain("user_create");
    expect(names).not.toContain("host_create");
    expect(names).not.toContain("product_create");
    expect(names).not.toContain("auditSoftwareOnClient_delete");
    // 22 prefixes × 7 operations + 21 _getHashes + 18 _create/_delete pairs etc.: 213 generic + 12 special creators.
    expect(names.length).toBe(225);
  });
});

describe("reads", () => {
  it("_getObjects returns wire objects with ident; _getHashes the same without ident", async () => {
    const [obj] = (await h.call("admin", "host_getObjects", [[], { id: IDS.clientA }])) as Dict[];
    expect(obj).toMatchObject({ type: "OpsiClient", id: IDS.clientA, ident: IDS.clientA, description: "client A" });
    const [hash] = (await h.call("admin", "host_getHashes", [[], { id: IDS.clientA }])) as Dict[];
    expect(hash).not.toHaveProperty("ident");
    const { ident: _ident, ...withoutIdent } = obj as Dict;
    expect(hash).toEqual(withoutIdent);
  });

  it("_getObjects honours attributes: ident and type always, the rest null", async () => {
    const [obj] = (await h.call("admin", "host_getObjects", [["description"], { id: IDS.clientA }])) as Dict[];
    expect(obj).toMatchObject({ id: IDS.clientA, type: "OpsiClient", description: "client A", notes: null, opsiHostKey: null });
  });

  it("_getIdents supports str, dict, list and tuple", async () => {
    await h.backend.createObjects("config", [{ type: "UnicodeConfig", id: "c1" }]);
    await h.backend.createObjects("configState", [{ configId: "c1", objectId: IDS.clientA, values: ["v"] }]);
    expect(await h.call("admin", "configState_getIdents", [])).toEqual([`c1;${IDS.clientA}`]);
    expect(await h.call("admin", "configState_getIdents", ["dict"])).toEqual([{ configId: "c1", objectId: IDS.clientA }]);
    expect(await h.call("admin", "configState_getIdents", { returnType: "list" })).toEqual([["c1", IDS.clientA]]);
    expect(await h.call("admin", "configState_getIdents", ["tuple", { objectId: IDS.clientB }])).toEqual([]);
    await expect(h.call("admin", "configState_getIdents", ["set"])).rejects.toThrow("Invalid ident return type");
  });
});

describe("_create and special creators", () => {
  it("host_createOpsiClient / _createOpsiDepotserver create the right classes with defaults", async () => {
    await h.call("admin", "host_createOpsiClient", ["pc9.opsi.test", null, "desc"]);
    await h.call("admin", "host_createOpsiDepotserver", { id: "depot9.opsi.test", depotRemoteUrl: "smb://depot9/opsi_depot" });
    const [client] = await h.backend.getObjects("host", null, { id: "pc9.opsi.test" });
    expect(client).toMatchObject({ type: "OpsiClient", description: "desc", notes: "" });
    expect((client as Dict).opsiHostKey).toMatch(/^[0-9a-f]{32}$/);
    const [depot] = await h.backend.getObjects("host", null, { id: "depot9.opsi.test" });
    expect(depot).toMatchObject({ type: "OpsiDepotserver", isMasterDepot: true, depotRemoteUrl: "smb://depot9/opsi_depot" });
  });

  it("config_create / _createUnicode / _createBool and productProperty_create(type=…)", async () => {
    await h.call("admin", "config_create", ["c.plain", "plain", ["a", "b"], ["a"], true, false]);
    await h.call("admin", "config_createBool", ["c.bool", "bool", [true]]);
    await h.call("admin", "config_createUnicode", { id: "c.uni", defaultValues: ["x", "y"] });
    const configs = new Map((await h.backend.getObjects("config")).map((c) => [c.id, c as Dict]));
    expect(configs.get("c.plain")).toMatchObject({ type: "UnicodeConfig", possibleValues: ["a", "b"], defaultValues: ["a"] });
    expect(configs.get("c.bool")).toMatchObject({ type: "BoolConfig", possibleValues: [false, true], defaultValues: [true] });
    expect(configs.get("c.uni")).toMatchObject({ type: "UnicodeConfig", multiValue: true, possibleValues: ["x", "y"] });

    await h.backend.createObjects("product", [{ type: "LocalbootProduct", id: "prod", productVersion: "1.0", packageVersion: "1" }]);
    await h.call("admin", "productProperty_create", ["prod", "1.0", "1", "flag", "BoolProductProperty", "a flag", null, [true]]);
    await h.call("admin", "productProperty_createUnicode", ["prod", "1.0", "1", "lang", "language", ["de", "en"], ["de"]]);
    const props = new Map((await h.backend.getObjects("productProperty")).map((p) => [p.propertyId, p as Dict]));
    expect(props.get("flag")).toMatchObject({ type: "BoolProductProperty", defaultValues: [true] });
    expect(props.get("lang")).toMatchObject({ type: "UnicodeProductProperty", possibleValues: ["de", "en"], defaultValues: ["de"] });
  });

  it("group_createHostGroup and softwareLicense_createRetail/OEM", async () => {
    await h.call("admin", "group_createHostGroup", ["clients", "all clients"]);
    await h.call("admin", "licenseContract_create", ["lc1"]);
    await h.call("admin", "softwareLicense_createRetail", ["sl1", "lc1", 5]);
    await h.call("admin", "softwareLicense_createOEM", ["sl2", "lc1", 3, IDS.clientA]);
    expect((await h.backend.getObjects("group"))[0]).toMatchObject({ type: "HostGroup", id: "clients", description: "all clients" });
    const licenses = new Map((await h.backend.getObjects("softwareLicense")).map((l) => [l.id, l as Dict]));
    expect(licenses.get("sl1")).toMatchObject({ type: "RetailSoftwareLicense", maxInstallations: 5 });
    expect(licenses.get("sl2")).toMatchObject({ type: "OEMSoftwareLicense", maxInstallations: 1, boundToHost: IDS.clientA });
  });

  it("auditHardwareOnHost_create takes the class attributes as kwargs", async () => {
    await h.call("admin", "auditHardwareOnHost_create", [
      IDS.clientA,
      "COMPUTER_SYSTEM",
      null,
      null,
      null,
      { name: "PC", serialNumber: "S1" },
    ]);
    const [row] = await h.backend.getObjects("auditHardwareOnHost", null, { hostId: IDS.clientA });
    expect(row).toMatchObject({ hostId: IDS.clientA, hardwareClass: "COMPUTER_SYSTEM", name: "PC", serialNumber: "S1", state: 1 });
  });
});

describe("_delete", () => {
  beforeEach(async () => {
    await h.backend.createObjects("config", [
      { type: "UnicodeConfig", id: "a.one" },
      { type: "UnicodeConfig", id: "a.two" },
      { type: "UnicodeConfig", id: "b.one" },
    ]);
  });

  it("deletes by ident values, lists and wildcards", async () => {
    await h.call("admin", "config_delete", ["a.*"]);
    expect(await h.backend.getIdents("config", "str")).toEqual(["b.one"]);
    await h.call("admin", "config_delete", [["b.one", "missing"]]);
    expect(await h.backend.getIdents("config", "str")).toEqual([]);
  });

  it("relationship _delete with several ident params", async () => {
    await h.backend.createObjects("configState", [
      { configId: "a.one", objectId: IDS.clientA, values: [] },
      { configId: "a.one", objectId: IDS.clientB, values: [] },
      { configId: "a.two", objectId: IDS.clientB, values: [] },
    ]);
    await h.call("admin", "configState_delete", ["a.*", IDS.clientB]);
    expect(await h.backend.getIdents("configState", "str")).toEqual([`a.one;${IDS.clientA}`]);
  });

  it("auditHardwareOnHost_delete treats None as 'any value'", async () => {
    await h.backend.createObjects("auditHardwareOnHost", [
      { hostId: IDS.clientA, hardwareClass: "COMPUTER_SYSTEM", name: "A" },
      { hostId: IDS.clientA, hardwareClass: "BIOS", name: "bios" },
      { hostId: IDS.clientB, hardwareClass: "BIOS", name: "bios" },
    ]);
    await h.call("admin", "auditHardwareOnHost_delete", [IDS.clientA, null]);
    const left = await h.backend.getObjects("auditHardwareOnHost");
    expect(left.map((r) => r.hostId)).toEqual([IDS.clientB]);
  });
});

describe("writes", () => {
  it("insertObject overwrites, updateObject changes only given attributes, updateObjects upserts", async () => {
    await h.call("admin", "host_updateObject", [{ type: "OpsiClient", id: IDS.clientA, notes: "changed" }]);
    expect((await h.backend.getObjects("host", null, { id: IDS.clientA }))[0]).toMatchObject({ notes: "changed", description: "client A" });
    await h.call("admin", "host_insertObject", [{ type: "OpsiClient", id: IDS.clientA }]);
    expect((await h.backend.getObjects("host", null, { id: IDS.clientA }))[0]).toMatchObject({ notes: "", description: "" });
    await h.call("admin", "host_updateObject", [{ type: "OpsiClient", id: "missing.opsi.test", notes: "x" }]);
    expect(await h.backend.getIdents("host", "str", { id: "missing.opsi.test" })).toEqual([]);
    await h.call("admin", "host_updateObjects", [{ type: "OpsiClient", id: "missing.opsi.test", notes: "x" }]);
    expect(await h.backend.getIdents("host", "str", { id: "missing.opsi.test" })).toEqual(["missing.opsi.test"]);
  });

  it("createObjects accepts one object or a list, deleteObjects ident dicts", async () => {
    await h.call("admin", "group_createObjects", [{ type: "ProductGroup", id: "g1" }]);
    await h.call("admin", "group_createObjects", [[{ type: "HostGroup", id: "g2" }]]);
    expect((await h.backend.getIdents("group", "str")).sort()).toEqual(["g1", "g2"]);
    await h.call("admin", "group_deleteObjects", [[{ id: "g1" }, { ident: "g2" }]]);
    expect(await h.backend.getIdents("group", "str")).toEqual([]);
    expect(await h.call("admin", "group_deleteObjects", [[]])).toBeNull();
  });
});
