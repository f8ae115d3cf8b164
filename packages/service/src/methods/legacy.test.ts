/** @module methods/legacy.test The deprecated wrappers opsi-script, opsiclientd and old tools still call. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, IDS, KEYS, seedProducts } from "../rpc/test-harness.js";

type Dict = Record<string, unknown>;

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
  await seedProducts(h.backend);
});
afterEach(() => h.cleanup());

describe("client and server lists", () => {
  it("getClientIDs, getClientIds_list and its mappings", async () => {
    expect(await h.call("admin", "getClientIDs")).toEqual([IDS.clientA, IDS.clientB]);
    expect(await h.call("admin", "getClientIds_list")).toEqual([IDS.clientA, IDS.clientB]);
    expect(await h.call("admin", "getClientIds_list", [null, [IDS.depot]])).toEqual([IDS.clientA]);
    await h.backend.createObjects("productOnClient", [
      {
        productId: "firefox",
        productType: "LocalbootProduct",
        clientId: IDS.clientB,
        installationStatus: "installed",
        actionRequest: "update",
      },
    ]);
    expect(await h.call("admin", "getClientIds_list", { productId: "firefox" })).toEqual([IDS.clientB]);
    expect(await h.call("admin", "getClientIds_list", { actionRequest: "update" })).toEqual([IDS.clientB]);
    expect(await h.call("admin", "getClientsWithProducts", [["firefox"], "not_installed"])).toEqual([]);
    await expect(h.call("admin", "getClientIds_list", { hwFilter: { a: 1 } })).rejects.toThrow("Missing parameters for mapping");
  });

  it("getClients returns legacy hashes with hostId, compact timestamps and depotId", async () => {
    const clients = (await h.call("admin", "getClients")) as Dict[];
    const a = clients.find((c) => c.hostId === IDS.clientA);
    expect(a).toMatchObject({ hostId: IDS.clientA, depotId: IDS.depot, description: "client A", ipAddress: "" });
    expect(a).not.toHaveProperty("id");
    expect(a).not.toHaveProperty("type");
    expect(String(a?.created)).toMatch(/^\d{14}$/);
  });

  it("getDepotIds_list, getServerIds_list, getServerId, getClientIdByMac", async () => {
    expect(((await h.call("admin", "getDepotIds_list")) as string[]).sort()).toEqual([IDS.configServer, IDS.depot, IDS.depot2]);
    expect(await h.call("clientA", "getServerIds_list")).toEqual([IDS.configServer]);
    expect(await h.call("clientA", "getServerId", [IDS.clientA])).toBe(IDS.configServer);
    expect(await h.call("admin", "getClientIdByMac", ["08-00-27-00-00-0B"])).toBe(IDS.clientB);
    expect(await h.call("admin", "getClientIdByMac", ["08:00:27:ff:ff:ff"])).toBe("");
  });
});

describe("hosts", () => {
  it("setHostDescription / setMacAddress / getHost_hash / getOpsiHostKey through the ACL", async () => {
    await h.call("clientA", "setHostDescription", [IDS.clientA, "new description"]);
    await h.call("admin", "setMacAddress", [IDS.clientB, "08:00:27:00:00:bb"]);
    expect(await h.call("admin", "getMacAddress", [IDS.clientB])).toBe("08:00:27:00:00:bb");
    const hash = (await h.call("admin", "getHost_hash", [IDS.clientA])) as Dict;
    expect(hash).toMatchObject({ hostId: IDS.clientA, description: "new description", systemUUID: "", opsiHostKey: KEYS[IDS.clientA] });
    expect(await h.call("clientA", "getOpsiHostKey", [IDS.clientA])).toBe(KEYS[IDS.clientA]);
    expect(await h.call("clientA", "getOpsiHostKey", [IDS.clientB])).toBeNull();
    await expect(h.call("clientA", "setHostNotes", [IDS.clientB, "x"])).rejects.toThrow("No permission");
    await expect(h.call("admin", "getHost_hash", ["missing.opsi.test"])).rejects.toThrow("Host 'missing.opsi.test' not found");
  });

  it("createClient / deleteClient", async () => {
    expect(await h.call("admin", "createClient", ["PC3", "opsi.test", "desc"])).toBe("pc3.opsi.test");
    expect(await h.backend.getIdents("host", "str", { id: "pc3.opsi.test" })).toEqual(["pc3.opsi.test"]);
    await h.call("admin", "deleteClient", ["pc3.opsi.test"]);
    expect(await h.backend.getIdents("host", "str", { id: "pc3.opsi.test" })).toEqual([]);
  });
});

describe("general and network config", () => {
  it("getGeneralConfig_hash: effective values of a client as Python strings, defaults otherwise", async () => {
    const forClient = (await h.call("clientA", "getGeneralConfig_hash", [IDS.clientA])) as Record<string, string>;
    expect(forClient).toEqual({
      "clientconfig.depot.id": IDS.depot,
      "clientconfig.depot.drive": "p:",
      "opsiclientd.event_gui_startup.active": "True",
    });
    expect(await h.call("admin", "getGeneralConfigValue", ["clientconfig.depot.id"])).toBe(IDS.configServer);
    expect(await h.call("admin", "getGeneralConfigValue", ["clientconfig.depot.id", IDS.depot])).toBe(IDS.configServer);
  });

  it("setGeneralConfigValue for a client writes config states", async () => {
    await h.call("admin", "setGeneralConfigValue", ["clientconfig.depot.drive", "q:", IDS.clientB]);
    const [state] = await h.backend.getObjects("configState", null, { configId: "clientconfig.depot.drive", objectId: IDS.clientB });
    expect(state?.values).toEqual(["q:"]);
    expect(await h.call("admin", "getGeneralConfigValue", ["clientconfig.depot.drive", IDS.clientB])).toBe("q:");
  });

  it("getNetworkConfig_hash describes the client's depot", async () => {
    await h.backend.createObjects("config", [
      { type: "UnicodeConfig", id: "clientconfig.configserver.url", defaultValues: ["https://config.opsi.test:4447/rpc"] },
    ]);
    expect(await h.call("clientA", "getNetworkConfig_hash", [IDS.clientA])).toMatchObject({
      opsiServer: IDS.configServer,
      nextBootServiceURL: "https://config.opsi.test:4447/rpc",
      nextBootServerType: "service",
      depotId: IDS.depot,
      depotUrl: "smb://depot1/opsi_depot",
      depotDrive: "p:",
      winDomain: null,
    });
    expect(await h.call("clientA", "getNetworkConfigValue", ["depotId", IDS.clientA])).toBe(IDS.depot);
  });
});

describe("products", () => {
  it("getProduct_hash, getProductIds_list and the installed/installable lists", async () => {
    const hash = (await h.call("clientA", "getProduct_hash", ["firefox", IDS.depot])) as Dict;
    expect(hash).toMatchObject({
      productId: "firefox",
      productType: "localboot",
      productVersion: "120.0",
      setupScript: "setup.opsiscript",
      advice: "",
    });
    expect(hash).not.toHaveProperty("id");
    await h.backend.createObjects("productOnClient", [
      { productId: "firefox", productType: "LocalbootProduct", clientId: IDS.clientA, installationStatus: "installed" },
      { productId: "javavm", productType: "LocalbootProduct", clientId: IDS.clientA, installationStatus: "not_installed" },
    ]);
    expect(((await h.call("admin", "getProductIds_list")) as string[]).sort()).toEqual(["firefox", "javavm", "win10"]);
    expect(((await h.call("admin", "getProductIds_list", ["netboot"])) as string[]).sort()).toEqual(["win10"]);
    expect(await h.call("admin", "getLocalBootProductIds_list", [IDS.clientA, "installed"])).toEqual(["firefox"]);
    expect(await h.call("clientA", "getInstalledProductIds_list", [IDS.clientA])).toEqual(["firefox"]);
    expect(((await h.call("clientA", "getInstallableLocalBootProductIds_list", [IDS.clientA])) as string[]).sort()).toEqual([
      "firefox",
      "javavm",
    ]);
    expect(await h.call("admin", "getPossibleProductActions_list", ["firefox"])).toEqual(["none", "setup", "uninstall"]);
  });

  it("getProductInstallationStatus_listOfHashes and getProductStates_hash", async () => {
    await h.backend.createObjects("productOnClient", [
      {
        productId: "firefox",
        productType: "LocalbootProduct",
        clientId: IDS.clientA,
        installationStatus: "installed",
        actionResult: "failed",
      },
    ]);
    const list = (await h.call("clientA", "getProductInstallationStatus_listOfHashes", [IDS.clientA])) as Dict[];
    expect(list.find((p) => p.productId === "firefox")).toMatchObject({ installationStatus: "failed" });
    expect(list.find((p) => p.productId === "javavm")).toMatchObject({
      installationStatus: "not_installed",
      productVersion: "17.0",
      lastStateChange: "",
    });
    const states = (await h.call("admin", "getLocalBootProductStates_hash", [[IDS.clientA]])) as Record<string, Dict[]>;
    expect(states[IDS.clientA]?.[0]).toMatchObject({ productId: "firefox", installationStatus: "failed", productActionProgress: "" });
  });

  it("getProductProperties_hash and setProductProperty", async () => {
    await h.backend.createObjects("productProperty", [
      {
        type: "UnicodeProductProperty",
        productId: "firefox",
        productVersion: "120.0",
        packageVersion: "1",
        propertyId: "lang",
        possibleValues: ["de", "en"],
        defaultValues: ["en"],
        editable: false,
      },
      {
        type: "BoolProductProperty",
        productId: "firefox",
        productVersion: "120.0",
        packageVersion: "1",
        propertyId: "desktop",
        defaultValues: [false],
      },
    ]);
    expect(await h.call("clientA", "getProductProperties_hash", ["firefox"])).toEqual({ lang: "en", desktop: "False" });
    await h.call("clientA", "setProductProperty", ["firefox", "desktop", "yes", IDS.clientA]);
    await h.call("clientA", "setProductProperties", ["firefox", { lang: "de" }, IDS.clientA]);
    expect(await h.call("clientA", "getProductProperties_hash", ["firefox", IDS.clientA])).toEqual({ lang: "de", desktop: "True" });
    await expect(h.call("clientA", "setProductProperty", ["firefox", "missing", "x", IDS.clientA])).rejects.toThrow(
      "Property with id 'missing' not found for product 'firefox'!",
    );
    await expect(h.call("clientA", "setProductProperties", ["firefox", { lang: ["de", "en"] }, IDS.clientA])).rejects.toThrow(
      "is not multivalue",
    );
    await expect(h.call("clientA", "setProductProperty", ["firefox", "lang", "de", IDS.clientB])).rejects.toThrow("No permission");
    const defs = (await h.call("admin", "getProductPropertyDefinitions_listOfHashes", ["firefox", IDS.depot])) as Dict[];
    expect(defs.find((d) => d.name === "lang")).toEqual({ name: "lang", description: "", values: ["de", "en"], default: "en" });
  });

  it("createProduct creates the product on every depot; lockProduct/unlockProduct/getProductLocks_hash", async () => {
    await h.call("admin", "createLocalBootProduct", ["newprod", "New", "1.0", "1"]);
    expect((await h.backend.getObjects("productOnDepot", null, { productId: "newprod" })).map((p) => p.depotId).sort()).toEqual([
      IDS.configServer,
      IDS.depot,
      IDS.depot2,
    ]);
    await h.call("admin", "lockProduct", ["newprod", [IDS.depot]]);
    expect(await h.call("admin", "getProductLocks_hash")).toEqual({ newprod: [IDS.depot] });
    await h.call("admin", "unlockProduct", ["newprod"]);
    expect(await h.call("admin", "getProductLocks_hash")).toEqual({});
  });
});

describe("licensing helpers", () => {
  it("createLicenseContract generates an id; createSoftwareLicense and getSoftwareLicense_hash", async () => {
    const contractId = (await h.call("admin", "createLicenseContract", ["", "partner"])) as string;
    expect(contractId).toMatch(/^c_\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d_0$/);
    const licenseId = await h.call("admin", "createSoftwareLicense", ["sl1", contractId, "retail", 2, "", "2030-01-01"]);
    expect(licenseId).toBe("sl1");
    await h.call("admin", "createLicensePool", ["pool1", "a pool", ["firefox"]]);
    await h.call("admin", "addSoftwareLicenseToLicensePool", ["sl1", "pool1", "KEY-1"]);
    expect(await h.call("admin", "getSoftwareLicense_hash", ["sl1"])).toMatchObject({
      softwareLicenseId: "sl1",
      licenseType: "RETAIL",
      expirationDate: "2030-01-01",
      boundToHost: "",
      licensePoolIds: ["pool1"],
      licenseKeys: { pool1: "KEY-1" },
    });
    expect(await h.call("admin", "getLicensePool_hash", ["pool1"])).toMatchObject({
      licensePoolId: "pool1",
      productIds: ["firefox"],
      windowsSoftwareIds: [],
    });
    expect(await h.call("admin", "getLicenseContract_hash", [contractId])).toMatchObject({
      licenseContractId: contractId,
      partner: "partner",
    });
  });
});

describe("legacy inventory formats", () => {
  it("setSoftwareInformation / getSoftwareInformation_hash / _listOfHashes round-trip", async () => {
    await h.call("clientA", "setSoftwareInformation", [
      IDS.clientA,
      { "{FF}": { displayName: "Firefox", displayVersion: "120.0", installSize: 100, uninstallString: "uninst.exe" }, SCANPROPERTIES: {} },
    ]);
    const info = (await h.call("clientA", "getSoftwareInformation_hash", [IDS.clientA])) as Record<string, Record<string, unknown>>;
    expect(info["{ff}"]).toMatchObject({
      softwareId: "{ff}",
      displayName: "Firefox",
      displayVersion: "120.0",
      installSize: 100,
      uninstallString: "uninst.exe",
    });
    expect(String(info.SCANPROPERTIES?.scantime)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const list = (await h.call("admin", "getSoftwareInformation_listOfHashes")) as Record<string, unknown>[];
    expect(list).toMatchObject([
      { windowsSoftwareId: "{ff}", displayName: "Firefox", installedOn: [IDS.clientA], installationCount: 1, binaryName: "" },
    ]);
    await h.call("clientA", "setSoftwareInformation", [IDS.clientA, {}]);
    expect(await h.backend.getObjects("auditSoftwareOnClient")).toEqual([]);
    await expect(h.call("clientB", "setSoftwareInformation", [IDS.clientA, { x: {} }])).rejects.toThrow("No permission");
  });

  it("setHardwareInformation replaces the host's rows; getHardwareInformation_hash reads them", async () => {
    await h.call("clientA", "setHardwareInformation", [
      IDS.clientA,
      { COMPUTER_SYSTEM: [{ name: "PC", serialNumber: "S1" }], SCANPROPERTIES: [] },
    ]);
    await h.call("clientA", "setHardwareInformation", [IDS.clientA, { COMPUTER_SYSTEM: [{ name: "PC2" }] }]);
    const info = (await h.call("clientA", "getHardwareInformation_hash", [IDS.clientA])) as Record<string, Record<string, unknown>[]>;
    expect(info.COMPUTER_SYSTEM).toHaveLength(1);
    expect(info.COMPUTER_SYSTEM?.[0]).toMatchObject({ name: "PC2" });
    expect(info.SCANPROPERTIES?.[0]).toHaveProperty("scantime");
  });
});
