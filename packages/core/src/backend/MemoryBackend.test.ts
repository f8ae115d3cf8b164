import { describe, expect, it } from "vitest";
import { BackendBadValueError, BackendError, BackendReferentialIntegrityError } from "../errors.js";
import { HardwareAuditConfig } from "../model/hwaudit-config.js";
import { MemoryBackend } from "./MemoryBackend.js";

const client = (id: string, extra: Record<string, unknown> = {}) => ({ type: "OpsiClient", id, ...extra });
const depot = (id: string, extra: Record<string, unknown> = {}) => ({ type: "OpsiDepotserver", id, ...extra });
const product = (id: string, productVersion = "1.0", packageVersion = "1") => ({
  type: "LocalbootProduct",
  id,
  productVersion,
  packageVersion,
});
const poc = (productId: string, clientId: string, extra: Record<string, unknown> = {}) => ({
  type: "ProductOnClient",
  productId,
  productType: "LocalbootProduct",
  clientId,
  ...extra,
});
const pod = (productId: string, depotId: string, productVersion = "1.0", packageVersion = "1") => ({
  productId,
  productType: "LocalbootProduct",
  productVersion,
  packageVersion,
  depotId,
});
const sorted = <T>(list: T[], key: (x: T) => string) => [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
const ids = (objs: { id: string }[]) => objs.map((o) => o.id).sort();

/** Captures everything a backend holds, for "unchanged after a failed write" checks. */
async function snapshot(b: MemoryBackend): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const prefix of [
    "host",
    "product",
    "productOnClient",
    "productOnDepot",
    "productPropertyState",
    "configState",
    "objectToGroup",
    "group",
    "licenseContract",
    "softwareLicense",
    "licensePool",
    "softwareLicenseToLicensePool",
    "auditSoftwareToLicensePool",
    "auditHardware",
    "auditHardwareOnHost",
  ] as const) {
    out[prefix] = (await b.getObjects(prefix)).map((o) => JSON.stringify(o)).sort();
  }
  return out;
}

async function rejects(p: Promise<unknown>, cls: new (...args: never[]) => Error, message?: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(cls);
  if (message) expect((err as Error).message).toMatch(message);
}

describe("MemoryBackend basics", () => {
  it("exposes the opsi-named methods and the default hardware config", async () => {
    const b = new MemoryBackend();
    expect(typeof b.host_getObjects).toBe("function");
    expect(typeof b.auditHardwareOnHost_deleteObjects).toBe("function");
    expect(b.hardwareAudit.get("NETWORK_CONTROLLER")).toBeDefined();
    await b.host_createObjects(client("pc1.dom.tld"));
    expect(ids(await b.host_getObjects())).toEqual(["pc1.dom.tld"]);
  });

  it("stores the stored form: defaults on create, '' MAC as null, unpersisted product lists as null", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects([client("pc1.dom.tld", { hardwareAddress: "", systemUUID: "" })]);
    const [pc] = await b.host_getObjects();
    expect(pc).toMatchObject({ description: "", notes: "", inventoryNumber: "", hardwareAddress: null, systemUUID: null });
    expect((pc as { opsiHostKey: string }).opsiHostKey).toMatch(/^[0-9a-f]{32}$/);
    await b.product_createObjects([{ ...product("firefox"), productClassIds: ["a"] }]);
    expect((await b.product_getObjects())[0]).toMatchObject({ name: "", priority: 0, productClassIds: null, windowsSoftwareIds: null });
  });

  it("returns copies: neither results nor inputs share state with the store", async () => {
    const b = new MemoryBackend();
    const input = { id: "cfg.list", possibleValues: ["a", "b"], defaultValues: ["a"] };
    await b.config_createObjects([input]);
    input.possibleValues.push("mutated-input");
    const first = (await b.config_getObjects())[0] as { possibleValues: unknown[]; description: unknown };
    first.possibleValues.push("mutated-result");
    first.description = "changed";
    const [second] = await b.config_getObjects();
    expect(second?.possibleValues).toEqual(["a", "b"]);
    expect(second?.description).toBe("");
    expect(second).not.toBe(first);

    await b.host_createObjects(client("pc1.dom.tld"));
    const stateValues = [{ nested: ["x"] }];
    await b.configState_createObjects([{ configId: "cfg.list", objectId: "pc1.dom.tld", values: stateValues }]);
    stateValues[0]?.nested.push("y");
    const state = (await b.configState_getObjects())[0] as { values: { nested: string[] }[] };
    state.values[0]?.nested.push("z");
    expect((await b.configState_getObjects())[0]?.values).toEqual([{ nested: ["x"] }]);
  });

  it("refuses every call after close()", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects(client("pc1.dom.tld"));
    await b.close();
    await b.close();
    await rejects(b.host_getObjects(), BackendError, /closed/);
    await rejects(b.host_createObjects(client("pc2.dom.tld")), BackendError, /closed/);
  });

  it("uses a given hardware-audit configuration", async () => {
    const hardwareAudit = new HardwareAuditConfig([
      {
        Class: { Type: "STRUCTURAL", Opsi: "GADGET" },
        Values: [
          { Type: "varchar(10)", Scope: "g", Opsi: "vendor" },
          { Type: "varchar(20)", Scope: "i", Opsi: "serial" },
        ],
      },
    ]);
    const b = new MemoryBackend({ hardwareAudit });
    expect(b.hardwareAudit).toBe(hardwareAudit);
    await b.auditHardwareOnHost_createObjects({ hostId: "pc1.dom.tld", hardwareClass: "GADGET", vendor: "acme", serial: "1" });
    expect(await b.auditHardware_getObjects()).toEqual([{ type: "AuditHardware", hardwareClass: "GADGET", vendor: "acme" }]);
    await rejects(b.auditHardwareOnHost_createObjects({ hostId: "pc1.dom.tld", hardwareClass: "TPM" }), BackendBadValueError, /TPM/);
  });
});

describe("MemoryBackend indexes", () => {
  async function loaded(): Promise<MemoryBackend> {
    const b = new MemoryBackend();
    await b.host_createObjects(Array.from({ length: 30 }, (_, i) => client(`pc${i}.dom.tld`)));
    const pocs = [];
    for (let c = 0; c < 30; c++) for (let p = 0; p < 10; p++) pocs.push(poc(`product${p}`, `pc${c}.dom.tld`));
    await b.productOnClient_createObjects(pocs);
    return b;
  }

  it("answers exact filters on indexed attributes like a scan would (case-insensitive, IN lists)", async () => {
    const b = await loaded();
    const one = await b.productOnClient_getObjects(null, { clientId: "PC7.Dom.TLD" });
    expect(one.map((p) => p.productId).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `product${i}`).sort());
    expect(one.every((p) => p.clientId === "pc7.dom.tld")).toBe(true);
    const many = Array.from({ length: 12 }, (_, i) => `pc${i}.dom.tld`);
    expect(await b.productOnClient_getObjects([], { clientId: many, productId: "product3" })).toHaveLength(12);
    const wildcard = await b.productOnClient_getObjects([], { clientId: "pc1*", productId: ["product1", "product2"] });
    expect(wildcard).toHaveLength(11 * 2);
    expect(await b.productOnClient_getObjects([], { clientId: 7 })).toEqual([]);
  });

  it("keeps indexes right when rows are replaced, merged and deleted", async () => {
    const b = await loaded();
    // Replacing a ProductOnClient through its (productId, clientId) unique key.
    await b.productOnClient_createObjects(poc("product1", "pc1.dom.tld", { productType: "NetbootProduct" }));
    const pc1 = await b.productOnClient_getObjects([], { clientId: "pc1.dom.tld", productId: "product1" });
    expect(pc1.map((p) => p.productType)).toEqual(["NetbootProduct"]);
    await b.host_deleteObjects([{ id: "pc1.dom.tld" }]);
    expect(await b.productOnClient_getObjects([], { clientId: "pc1.dom.tld" })).toEqual([]);
    expect(await b.productOnClient_getObjects([], { productId: "product1" })).toHaveLength(29);

    await b.host_createObjects(client("mac.dom.tld", { hardwareAddress: "08:00:27:00:00:01" }));
    await b.host_updateObjects({ id: "mac.dom.tld", hardwareAddress: "08:00:27:00:00:02" });
    expect(ids(await b.host_getObjects([], { hardwareAddress: "08:00:27:00:00:02" }))).toEqual(["mac.dom.tld"]);
    expect(await b.host_getObjects([], { hardwareAddress: "08:00:27:00:00:01" })).toEqual([]);
    // The freed MAC may be reused; the new one may not.
    await b.host_createObjects(client("other.dom.tld", { hardwareAddress: "08:00:27:00:00:01" }));
    await rejects(b.host_createObjects(client("third.dom.tld", { hardwareAddress: "08:00:27:00:00:02" })), BackendBadValueError);
  });
});

describe("MemoryBackend atomic writes", () => {
  it("createObjects writes nothing when a foreign key fails midway", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects([client("pc1.dom.tld")]);
    await b.productOnClient_createObjects(poc("firefox", "pc1.dom.tld", { actionRequest: "setup" }));
    const before = await snapshot(b);
    await rejects(
      b.productOnClient_createObjects([
        poc("firefox", "pc1.dom.tld", { actionRequest: "uninstall" }),
        poc("7zip", "pc1.dom.tld"),
        poc("7zip", "missing.dom.tld"),
      ]),
      BackendReferentialIntegrityError,
      /missing\.dom\.tld/,
    );
    expect(await snapshot(b)).toEqual(before);
    expect((await b.productOnClient_getObjects())[0]?.actionRequest).toBe("setup");
  });

  it("createObjects validates every object before writing any", async () => {
    const b = new MemoryBackend();
    await rejects(b.host_createObjects([client("pc1.dom.tld"), client("not a host id")]), BackendBadValueError, /id/);
    expect(await b.host_getObjects()).toEqual([]);
  });

  it("rolls back uniqueness failures inside one call and creates no device for an invalid batch", async () => {
    const b = new MemoryBackend();
    await rejects(
      b.host_createObjects([
        client("a.dom.tld", { hardwareAddress: "08:00:27:00:00:01" }),
        client("b.dom.tld", { hardwareAddress: "08:00:27:00:00:01" }),
      ]),
      BackendBadValueError,
      /Hardware address '08:00:27:00:00:01' is already used by host 'a\.dom\.tld'/,
    );
    expect(await b.host_getObjects()).toEqual([]);

    await rejects(
      b.auditHardwareOnHost_createObjects([
        { hostId: "a.dom.tld", hardwareClass: "BIOS", vendor: "acme" },
        { hostId: "a.dom.tld", hardwareClass: "NETWORK_CONTROLLER", vendorId: "zzzz" },
      ]),
      BackendBadValueError,
    );
    expect(await b.auditHardware_getObjects()).toEqual([]);
  });

  it("updateObjects rolls back merges and creations", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects([
      client("pc1.dom.tld", { description: "old" }),
      client("pc2.dom.tld", { hardwareAddress: "08:00:27:00:00:02" }),
    ]);
    const before = await snapshot(b);
    await rejects(
      b.host_updateObjects([
        { id: "pc1.dom.tld", description: "new" },
        client("pc3.dom.tld"),
        { id: "pc1.dom.tld", hardwareAddress: "08:00:27:00:00:02" },
      ]),
      BackendBadValueError,
    );
    expect(await snapshot(b)).toEqual(before);
  });

  it("deleteObjects restores everything, cascades included, when a RESTRICT key refuses a later delete", async () => {
    const b = new MemoryBackend();
    await b.licenseContract_createObjects({ id: "c1" });
    await b.softwareLicense_createObjects({ type: "RetailSoftwareLicense", id: "sl1", licenseContractId: "c1" });
    await b.licensePool_createObjects([{ id: "free" }, { id: "used" }]);
    await b.auditSoftwareToLicensePool_createObjects({ name: "Firefox", licensePoolId: "free" });
    await b.softwareLicenseToLicensePool_createObjects({ softwareLicenseId: "sl1", licensePoolId: "used" });
    const before = await snapshot(b);
    await rejects(b.licensePool_deleteObjects([{ id: "free" }, { id: "used" }]), BackendReferentialIntegrityError, /used/);
    expect(await snapshot(b)).toEqual(before);
    await b.licensePool_deleteObjects([{ id: "free" }]);
    expect(ids(await b.licensePool_getObjects())).toEqual(["used"]);
    expect(await b.auditSoftwareToLicensePool_getObjects()).toEqual([]);
  });
});

describe("MemoryBackend keys that differ from the opsi ident", () => {
  it("ProductOnClient: (productId, clientId) is unique; updateObject needs the exact ident, updateObjects does not", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects(client("pc1.dom.tld"));
    await b.productOnClient_createObjects(poc("firefox", "pc1.dom.tld", { actionRequest: "setup", lastAction: "once" }));
    await b.productOnClient_updateObject(poc("firefox", "pc1.dom.tld", { productType: "NetbootProduct", actionRequest: "none" }));
    expect(await b.productOnClient_getObjects()).toMatchObject([{ productType: "LocalbootProduct", actionRequest: "setup" }]);
    await b.productOnClient_updateObjects(poc("firefox", "pc1.dom.tld", { productType: "NetbootProduct", actionRequest: "none" }));
    expect(await b.productOnClient_getObjects()).toMatchObject([
      { productType: "NetbootProduct", actionRequest: "none", lastAction: "once" },
    ]);
    await b.productOnClient_insertObject(poc("firefox", "pc1.dom.tld"));
    const all = await b.productOnClient_getObjects();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ productType: "LocalbootProduct", actionRequest: "none", lastAction: null });
  });

  it("ProductOnDepot: (productId, depotId) is unique, a new version replaces the old one", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects(depot("depot.dom.tld"));
    await b.product_createObjects([product("firefox", "1.0", "1"), product("firefox", "2.0", "1")]);
    await b.productOnDepot_createObjects(pod("firefox", "depot.dom.tld", "1.0", "1"));
    await b.productOnDepot_createObjects(pod("firefox", "depot.dom.tld", "2.0", "1"));
    expect((await b.productOnDepot_getObjects()).map((p) => p.productVersion)).toEqual(["2.0"]);
    await rejects(
      b.productOnDepot_createObjects(pod("firefox", "depot.dom.tld", "3.0", "1")),
      BackendReferentialIntegrityError,
      /firefox;3\.0;1/,
    );
  });

  it("SoftwareLicense: id alone is the primary key", async () => {
    const b = new MemoryBackend();
    await b.licenseContract_createObjects([{ id: "c1" }, { id: "c2" }]);
    await b.softwareLicense_createObjects({ type: "RetailSoftwareLicense", id: "sl1", licenseContractId: "c1" });
    await b.softwareLicense_createObjects({ type: "VolumeSoftwareLicense", id: "sl1", licenseContractId: "c2", maxInstallations: 5 });
    expect(await b.softwareLicense_getIdents("str")).toEqual(["sl1;c2"]);
    // updateObject needs the exact ident: (sl1, c1) no longer exists.
    await b.softwareLicense_updateObject({ type: "VolumeSoftwareLicense", id: "sl1", licenseContractId: "c1", maxInstallations: 9 });
    expect((await b.softwareLicense_getObjects())[0]?.maxInstallations).toBe(5);
    await b.softwareLicense_deleteObjects({ id: "sl1", licenseContractId: "c1" });
    expect(await b.softwareLicense_getObjects()).toHaveLength(1);
  });

  it("Group: a HostGroup and a ProductGroup share an id; deleting the id removes both and their members", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects(client("pc1.dom.tld"));
    await b.group_createObjects([
      { type: "HostGroup", id: "office", description: "hosts" },
      { type: "ProductGroup", id: "office", description: "products" },
    ]);
    await b.objectToGroup_createObjects([
      { groupType: "HostGroup", groupId: "office", objectId: "pc1.dom.tld" },
      { groupType: "ProductGroup", groupId: "office", objectId: "libreoffice" },
    ]);
    expect(sorted(await b.group_getObjects(), (g) => g.type).map((g) => g.description)).toEqual(["hosts", "products"]);
    await b.group_updateObject({ type: "ProductGroup", id: "office", notes: "n" });
    expect((await b.group_getObjects([], { type: "ProductGroup" }))[0]?.notes).toBe("n");
    expect((await b.group_getObjects([], { type: "HostGroup" }))[0]?.notes).toBe("");
    await b.group_deleteObjects({ id: "office", type: "HostGroup" });
    expect(await b.group_getObjects()).toEqual([]);
    expect(await b.objectToGroup_getObjects()).toEqual([]);
    await rejects(
      b.objectToGroup_createObjects({ groupType: "HostGroup", groupId: "office", objectId: "pc1.dom.tld" }),
      BackendReferentialIntegrityError,
    );
  });

  it("Host: MACs and system UUIDs are unique, 00:00:00 MACs are exempt", async () => {
    const b = new MemoryBackend();
    const uuid = "4c4c4544-0042-3510-8052-b4c04f4e4e32";
    await b.host_createObjects([
      client("a.dom.tld", { hardwareAddress: "00:00:00:00:00:01", systemUUID: uuid }),
      client("b.dom.tld", { hardwareAddress: "00:00:00:00:00:01" }),
    ]);
    await b.host_createObjects(client("a.dom.tld", { hardwareAddress: "00:00:00:00:00:01", systemUUID: uuid }));
    await rejects(
      b.host_createObjects(client("c.dom.tld", { systemUUID: uuid.toUpperCase() })),
      BackendBadValueError,
      /already used by host 'a\.dom\.tld'/,
    );
    await rejects(b.host_updateObject({ id: "b.dom.tld", systemUUID: uuid }), BackendBadValueError, /System UUID/);
  });
});

describe("MemoryBackend write semantics", () => {
  it("updateObjects creates missing objects with only the MySQL column defaults", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects(client("pc1.dom.tld"));
    await b.productOnClient_updateObjects(poc("firefox", "pc1.dom.tld"));
    const [created] = await b.productOnClient_getObjects();
    expect(created).toMatchObject({ installationStatus: "not_installed", actionRequest: "none", targetConfiguration: null });
    expect(created?.modificationTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    await b.product_updateObjects(product("firefox"));
    expect((await b.product_getObjects())[0]).toMatchObject({
      name: "",
      licenseRequired: false,
      priority: 0,
      setupScript: null,
      description: null,
    });
    await b.config_updateObjects({ id: "x.y" });
    expect((await b.config_getObjects())[0]).toMatchObject({
      type: "UnicodeConfig",
      editable: true,
      multiValue: false,
      possibleValues: [],
    });
    await rejects(b.host_updateObjects({ id: "new.dom.tld" }), BackendBadValueError, /abstract/);
  });

  it("updateObject merges non-null attributes and ignores missing objects", async () => {
    const b = new MemoryBackend();
    await b.config_createObjects({ type: "UnicodeConfig", id: "c", possibleValues: ["a", "b"], defaultValues: ["a"], description: "d" });
    await b.config_updateObject({ id: "c", description: "new" });
    expect((await b.config_getObjects())[0]).toMatchObject({ description: "new", possibleValues: ["a", "b"], defaultValues: ["a"] });
    await b.config_updateObject({ id: "missing", description: "x" });
    expect(ids(await b.config_getObjects())).toEqual(["c"]);
  });

  it("create/updateObjects drop ConfigStates whose values are exactly [null]", async () => {
    const b = new MemoryBackend();
    await b.configState_createObjects([
      { configId: "a", objectId: "pc1.dom.tld", values: [null] },
      { configId: "b", objectId: "pc1.dom.tld", values: [null, "x"] },
    ]);
    await b.configState_updateObjects({ configId: "c", objectId: "pc1.dom.tld", values: [null] });
    expect((await b.configState_getObjects()).map((s) => s.configId)).toEqual(["b"]);
  });

  it("AuditHardwareOnHost writes create the device once; deleting the host relation keeps it", async () => {
    const b = new MemoryBackend();
    const nic = { hardwareClass: "NETWORK_CONTROLLER", vendor: "Intel", model: "e1000", vendorId: "8086" };
    await b.auditHardwareOnHost_createObjects([
      { ...nic, hostId: "pc1.dom.tld", macAddress: "08:00:27:00:00:01" },
      { ...nic, hostId: "pc2.dom.tld", macAddress: "08:00:27:00:00:02" },
    ]);
    const devices = await b.auditHardware_getObjects();
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ vendor: "Intel", vendorId: "8086", name: null });
    expect(devices[0]).not.toHaveProperty("macAddress");
    await b.auditHardwareOnHost_deleteObjects(await b.auditHardwareOnHost_getObjects([], { hostId: "pc1.dom.tld" }));
    expect(await b.auditHardwareOnHost_getObjects()).toHaveLength(1);
    expect(await b.auditHardware_getObjects()).toHaveLength(1);
    await b.auditHardware_deleteObjects(devices);
    expect(await b.auditHardwareOnHost_getObjects()).toEqual([]);
  });

  it("AuditHardwareOnHost updateObject only changes an existing row and creates nothing", async () => {
    const b = new MemoryBackend();
    await b.auditHardwareOnHost_updateObject({ hardwareClass: "BIOS", hostId: "pc1.dom.tld", vendor: "x", state: 0 });
    expect(await b.auditHardware_getObjects()).toEqual([]);
    await b.auditHardwareOnHost_createObjects({
      hardwareClass: "BIOS",
      hostId: "pc1.dom.tld",
      vendor: "x",
      lastseen: "2024-01-01 00:00:00",
    });
    await b.auditHardwareOnHost_updateObject({
      hardwareClass: "BIOS",
      hostId: "pc1.dom.tld",
      vendor: "x",
      lastseen: "2024-02-02 00:00:00",
    });
    expect(await b.auditHardwareOnHost_getObjects()).toMatchObject([{ lastseen: "2024-02-02 00:00:00", state: 1 }]);
  });
});

describe("MemoryBackend reads", () => {
  it("loads only the requested attributes plus ident, type and value lists", async () => {
    const b = new MemoryBackend();
    await b.config_createObjects({ type: "UnicodeConfig", id: "c", possibleValues: ["a"], defaultValues: ["a"], description: "d" });
    expect(await b.config_getObjects(["editable"])).toEqual([
      { type: "UnicodeConfig", id: "c", description: null, possibleValues: ["a"], defaultValues: ["a"], editable: true, multiValue: null },
    ]);
    await b.host_createObjects(client("pc1.dom.tld"));
    await b.productOnClient_createObjects(poc("firefox", "pc1.dom.tld", { actionRequest: "setup" }));
    expect((await b.productOnClient_getObjects(["actionRequest"]))[0]).toMatchObject({
      productId: "firefox",
      clientId: "pc1.dom.tld",
      actionRequest: "setup",
      installationStatus: null,
      actionSequence: -1,
    });
    await rejects(b.host_getObjects(["nope"]), BackendBadValueError, /nope/);
  });

  it("LicensePool productIds filter keeps matching pools and lists only matching ids", async () => {
    const b = new MemoryBackend();
    await b.licensePool_createObjects([
      { id: "p1", productIds: ["firefox", "thunderbird"] },
      { id: "p2", productIds: ["office"] },
      { id: "empty" },
    ]);
    expect(await b.licensePool_getObjects([], { productIds: "fire*" })).toMatchObject([{ id: "p1", productIds: ["firefox"] }]);
    expect(ids(await b.licensePool_getObjects([], { productIds: [null, "office"] }))).toEqual(["empty", "p2"]);
    expect((await b.licensePool_getObjects([], { id: "p1" }))[0]?.productIds).toEqual(["firefox", "thunderbird"]);
  });

  it("hardware filters: '' or null match empty and NULL, wildcards select classes", async () => {
    const b = new MemoryBackend();
    await b.auditHardwareOnHost_createObjects([
      { hardwareClass: "BIOS", hostId: "pc1.dom.tld", vendor: "" },
      { hardwareClass: "BIOS", hostId: "pc2.dom.tld" },
      { hardwareClass: "BIOS", hostId: "pc3.dom.tld", vendor: "acme" },
      { hardwareClass: "TPM", hostId: "pc1.dom.tld" },
    ]);
    const hosts = (objs: { hostId: string }[]) => objs.map((o) => o.hostId).sort();
    expect(hosts(await b.auditHardwareOnHost_getObjects([], { hardwareClass: "BIOS", vendor: "" }))).toEqual([
      "pc1.dom.tld",
      "pc2.dom.tld",
    ]);
    expect(hosts(await b.auditHardwareOnHost_getObjects([], { hardwareClass: "B*", vendor: null }))).toEqual([
      "pc1.dom.tld",
      "pc2.dom.tld",
    ]);
    expect(await b.auditHardwareOnHost_getObjects([], { hardwareClass: "NOPE" })).toEqual([]);
    expect(hosts(await b.auditHardwareOnHost_getObjects([], { hostId: "pc1.dom.tld" }))).toEqual(["pc1.dom.tld", "pc1.dom.tld"]);
    expect(await b.auditHardware_getIdents("dict", { hardwareClass: "TPM" })).toHaveLength(1);
  });

  it("getIdents validates the return type", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects(client("pc1.dom.tld"));
    expect(await b.host_getIdents("list")).toEqual([["pc1.dom.tld"]]);
    await rejects(b.host_getIdents("yaml" as never), BackendBadValueError, /yaml/);
  });
});

describe("MemoryBackend deletes", () => {
  it("refuses null ident attributes, accepts ident strings, ignores missing objects", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects(client("pc1.dom.tld"));
    await b.productOnClient_createObjects(poc("firefox", "pc1.dom.tld"));
    await rejects(
      b.productOnClient_deleteObjects({ productId: "firefox", clientId: "pc1.dom.tld" }),
      BackendBadValueError,
      /'productType'/,
    );
    await b.productOnClient_deleteObjects([]);
    await b.productOnClient_deleteObjects({ productId: "nope", productType: "LocalbootProduct", clientId: "pc1.dom.tld" });
    await b.productOnClient_deleteObjects({ ident: "firefox;LocalbootProduct;pc1.dom.tld" });
    expect(await b.productOnClient_getObjects()).toEqual([]);
  });

  it("host delete cascades through the host's relations and unbinds licenses", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects([client("pc1.dom.tld"), client("pc2.dom.tld"), depot("depot.dom.tld")]);
    await b.group_createObjects([{ type: "HostGroup", id: "g" }]);
    await b.objectToGroup_createObjects([
      { groupType: "HostGroup", groupId: "g", objectId: "pc1.dom.tld" },
      { groupType: "HostGroup", groupId: "g", objectId: "pc2.dom.tld" },
    ]);
    await b.configState_createObjects([
      { configId: "x", objectId: "pc1.dom.tld", values: [1] },
      { configId: "x", objectId: "pc2.dom.tld", values: [2] },
    ]);
    await b.productOnClient_createObjects([poc("firefox", "pc1.dom.tld"), poc("firefox", "pc2.dom.tld")]);
    await b.auditHardwareOnHost_createObjects({ hardwareClass: "BIOS", hostId: "pc1.dom.tld", vendor: "acme" });
    await b.licenseContract_createObjects({ id: "c" });
    await b.softwareLicense_createObjects({ type: "OEMSoftwareLicense", id: "oem", licenseContractId: "c", boundToHost: "pc1.dom.tld" });
    await b.host_deleteObjects({ id: "pc1.dom.tld" });
    expect((await b.objectToGroup_getObjects()).map((o) => o.objectId)).toEqual(["pc2.dom.tld"]);
    expect((await b.configState_getObjects()).map((o) => o.objectId)).toEqual(["pc2.dom.tld"]);
    expect((await b.productOnClient_getObjects()).map((o) => o.clientId)).toEqual(["pc2.dom.tld"]);
    expect(await b.auditHardwareOnHost_getObjects()).toEqual([]);
    expect(await b.auditHardware_getObjects()).toHaveLength(1);
    expect((await b.softwareLicense_getObjects())[0]?.boundToHost).toBeNull();
  });

  it("product delete cascades per version, product-id rows only when the last version goes", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects([client("pc1.dom.tld"), depot("depot.dom.tld")]);
    await b.product_createObjects([product("firefox", "1.0", "1"), product("firefox", "2.0", "1")]);
    await b.productProperty_createObjects([
      { type: "UnicodeProductProperty", productId: "firefox", productVersion: "1.0", packageVersion: "1", propertyId: "lang" },
      { type: "UnicodeProductProperty", productId: "firefox", productVersion: "2.0", packageVersion: "1", propertyId: "lang" },
    ]);
    await b.productOnDepot_createObjects(pod("firefox", "depot.dom.tld", "1.0", "1"));
    await b.productOnClient_createObjects(poc("firefox", "pc1.dom.tld"));
    await b.productPropertyState_createObjects({ productId: "firefox", propertyId: "lang", objectId: "pc1.dom.tld", values: ["de"] });
    await b.product_deleteObjects(product("firefox", "1.0", "1"));
    expect((await b.productProperty_getObjects()).map((p) => p.productVersion)).toEqual(["2.0"]);
    expect(await b.productOnDepot_getObjects()).toEqual([]);
    expect(await b.productOnClient_getObjects()).toHaveLength(1);
    expect(await b.productPropertyState_getObjects()).toHaveLength(1);
    await b.product_deleteObjects(product("firefox", "2.0", "1"));
    expect(await b.productOnClient_getObjects()).toEqual([]);
    expect(await b.productPropertyState_getObjects()).toEqual([]);
  });

  it("productProperty delete only removes orphaned ProductPropertyStates (opsi quirk)", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects(client("pc1.dom.tld"));
    await b.product_createObjects(product("firefox"));
    const prop = { type: "UnicodeProductProperty", productId: "firefox", productVersion: "1.0", packageVersion: "1", propertyId: "lang" };
    await b.productProperty_createObjects(prop);
    await b.productPropertyState_createObjects([
      { productId: "firefox", propertyId: "lang", objectId: "pc1.dom.tld", values: ["de"] },
      { productId: "gone", propertyId: "lang", objectId: "pc1.dom.tld", values: ["de"] },
      { productId: "firefox", propertyId: "lang", objectId: "gone.dom.tld", values: ["de"] },
    ]);
    await b.productProperty_deleteObjects(prop);
    expect(await b.productPropertyState_getIdents("str")).toEqual(["firefox;lang;pc1.dom.tld"]);
  });

  it("auditSoftware delete removes its AuditSoftwareOnClients only", async () => {
    const b = new MemoryBackend();
    await b.host_createObjects(client("pc1.dom.tld"));
    await b.auditSoftware_createObjects([
      { name: "Firefox", version: "1.0" },
      { name: "Firefox", version: "2.0" },
    ]);
    await b.auditSoftwareOnClient_createObjects([
      { name: "Firefox", version: "1.0", clientId: "pc1.dom.tld" },
      { name: "Firefox", version: "2.0", clientId: "pc1.dom.tld" },
    ]);
    await b.auditSoftware_deleteObjects({ name: "firefox", version: "1.0", subVersion: "", language: "", architecture: "" });
    expect((await b.auditSoftwareOnClient_getObjects()).map((a) => a.version)).toEqual(["2.0"]);
  });
});
