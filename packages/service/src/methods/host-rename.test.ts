/** @module methods/host-rename.test Renaming clients and depots moves every reference. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, IDS, KEYS, seedProducts } from "../rpc/test-harness.js";

type Dict = Record<string, unknown>;

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
  await seedProducts(h.backend);
});
afterEach(() => h.cleanup());

const NEW_CLIENT = "renamed.opsi.test";
const NEW_DEPOT = "newdepot.opsi.test";

async function seedReferences(hostId: string): Promise<void> {
  const b = h.backend;
  await b.createObjects("group", [{ type: "HostGroup", id: "grp" }]);
  await b.createObjects("objectToGroup", [{ groupType: "HostGroup", groupId: "grp", objectId: hostId }]);
  await b.createObjects("productOnClient", [
    { productId: "firefox", productType: "LocalbootProduct", clientId: hostId, installationStatus: "installed" },
  ]);
  await b.createObjects("productProperty", [
    {
      type: "UnicodeProductProperty",
      productId: "firefox",
      productVersion: "120.0",
      packageVersion: "1",
      propertyId: "lang",
      possibleValues: ["de", "en"],
    },
  ]);
  await b.createObjects("productPropertyState", [{ productId: "firefox", propertyId: "lang", objectId: hostId, values: ["de"] }]);
  await b.createObjects("configState", [{ configId: "clientconfig.depot.drive", objectId: hostId, values: ["q:"] }]);
  await b.createObjects("auditSoftware", [{ name: "app", version: "1", subVersion: "", language: "", architecture: "x64" }]);
  await b.createObjects("auditSoftwareOnClient", [
    { name: "app", version: "1", subVersion: "", language: "", architecture: "x64", clientId: hostId },
  ]);
  await b.createObjects("auditHardwareOnHost", [{ hostId, hardwareClass: "COMPUTER_SYSTEM", name: "PC" }]);
  await b.createObjects("licenseContract", [{ id: "lc" }]);
  await b.createObjects("softwareLicense", [{ type: "RetailSoftwareLicense", id: "sl", licenseContractId: "lc", boundToHost: hostId }]);
  await b.createObjects("licensePool", [{ id: "pool" }]);
  await b.createObjects("softwareLicenseToLicensePool", [{ softwareLicenseId: "sl", licensePoolId: "pool" }]);
  await b.createObjects("licenseOnClient", [{ softwareLicenseId: "sl", licensePoolId: "pool", clientId: hostId }]);
}

describe("host_renameOpsiClient", () => {
  it("moves the host and every reference to the new id", async () => {
    await seedReferences(IDS.clientA);
    mkdirSync(join(h.logDir, "instlog"), { recursive: true });
    writeFileSync(join(h.logDir, "instlog", `${IDS.clientA}.log`), "log of A\n");
    await h.call("admin", "host_renameOpsiClient", [IDS.clientA, NEW_CLIENT]);
    const b = h.backend;
    expect(await b.getIdents("host", "str", { id: IDS.clientA })).toEqual([]);
    const [host] = await b.getObjects("host", null, { id: NEW_CLIENT });
    expect(host).toMatchObject({
      type: "OpsiClient",
      opsiHostKey: KEYS[IDS.clientA],
      description: "client A",
      hardwareAddress: "08:00:27:00:00:0a",
    });
    expect(await b.getIdents("objectToGroup", "str")).toEqual([`HostGroup;grp;${NEW_CLIENT}`]);
    expect(await b.getObjects("productOnClient")).toMatchObject([{ clientId: NEW_CLIENT, installationStatus: "installed" }]);
    expect(await b.getIdents("productPropertyState", "str")).toEqual([`firefox;lang;${NEW_CLIENT}`]);
    expect((await b.getIdents("configState", "str")).sort()).toEqual([
      `clientconfig.depot.drive;${NEW_CLIENT}`,
      `clientconfig.depot.id;${NEW_CLIENT}`,
    ]);
    expect((await b.getObjects("auditSoftwareOnClient")).map((r) => r.clientId)).toEqual([NEW_CLIENT]);
    expect((await b.getObjects("auditHardwareOnHost")).map((r) => r.hostId)).toEqual([NEW_CLIENT]);
    expect((await b.getObjects("softwareLicense"))[0]?.boundToHost).toBe(NEW_CLIENT);
    expect((await b.getObjects("licenseOnClient")).map((r) => r.clientId)).toEqual([NEW_CLIENT]);
    expect(readFileSync(join(h.logDir, "instlog", `${NEW_CLIENT}.log`), "utf8")).toBe("log of A\n");
  });

  it("refuses unknown clients and existing target ids", async () => {
    await expect(h.call("admin", "host_renameOpsiClient", ["nope.opsi.test", NEW_CLIENT])).rejects.toThrow(
      "Cannot rename: client 'nope.opsi.test' not found",
    );
    await expect(h.call("admin", "host_renameOpsiClient", [IDS.clientA, IDS.clientB])).rejects.toThrow(
      `Cannot rename: host '${IDS.clientB}' already exists`,
    );
    await expect(h.call("admin", "host_renameOpsiClient", [IDS.depot, NEW_CLIENT])).rejects.toThrow("not found");
  });

  it("is refused to clients (they may not delete hosts)", async () => {
    await expect(h.call("clientA", "host_renameOpsiClient", [IDS.clientA, NEW_CLIENT])).rejects.toThrow("No permission for method");
    expect(await h.backend.getIdents("host", "str", { id: IDS.clientA })).toEqual([IDS.clientA]);
  });
});

describe("host_renameOpsiDepotserver", () => {
  it("moves depot data and rewrites every value naming the depot", async () => {
    const b = h.backend;
    await b.updateObject("host", {
      type: "OpsiDepotserver",
      id: IDS.depot,
      hardwareAddress: "08:00:27:00:00:d1",
      depotWebdavUrl: `webdavs://${IDS.depot}:4447/depot`,
    });
    await b.updateObject("host", { type: "OpsiDepotserver", id: IDS.depot2, masterDepotId: IDS.depot, isMasterDepot: false });
    await b.createObjects("productProperty", [
      {
        type: "UnicodeProductProperty",
        productId: "firefox",
        productVersion: "120.0",
        packageVersion: "1",
        propertyId: "server",
        possibleValues: [IDS.depot, "other"],
        defaultValues: [IDS.depot],
      },
    ]);
    await b.createObjects("productPropertyState", [
      { productId: "firefox", propertyId: "server", objectId: IDS.depot, values: [IDS.depot] },
    ]);
    await b.updateObject("config", {
      type: "UnicodeConfig",
      id: "clientconfig.depot.id",
      possibleValues: [IDS.configServer, IDS.depot],
      defaultValues: [IDS.depot],
    });
    await b.createObjects("configState", [{ configId: "clientconfig.depot.drive", objectId: IDS.depot, values: ["q:"] }]);
    await b.createObjects("group", [{ type: "HostGroup", id: "depots" }]);
    await b.createObjects("objectToGroup", [{ groupType: "HostGroup", groupId: "depots", objectId: IDS.depot }]);

    await h.call("admin", "host_renameOpsiDepotserver", [IDS.depot, NEW_DEPOT]);

    expect(await b.getIdents("host", "str", { id: IDS.depot })).toEqual([]);
    const [depot] = (await b.getObjects("host", null, { id: NEW_DEPOT })) as unknown as Dict[];
    expect(depot).toMatchObject({
      type: "OpsiDepotserver",
      opsiHostKey: KEYS[IDS.depot],
      hardwareAddress: "08:00:27:00:00:d1",
      depotRemoteUrl: "smb://newdepot/opsi_depot",
      depotWebdavUrl: `webdavs://${NEW_DEPOT}:4447/depot`,
    });
    expect((await b.getObjects("productOnDepot", null, { depotId: NEW_DEPOT })).map((p) => p.productId).sort()).toEqual([
      "firefox",
      "javavm",
      "win10",
    ]);
    expect(await b.getObjects("productOnDepot", null, { depotId: IDS.depot })).toEqual([]);
    const [prop] = await b.getObjects("productProperty", null, { propertyId: "server" });
    expect(prop).toMatchObject({ possibleValues: [NEW_DEPOT, "other"].sort(), defaultValues: [NEW_DEPOT] });
    expect(await b.getObjects("productPropertyState", null, { propertyId: "server" })).toMatchObject([
      { objectId: NEW_DEPOT, values: [NEW_DEPOT] },
    ]);
    const [config] = await b.getObjects("config", null, { id: "clientconfig.depot.id" });
    expect(config?.defaultValues).toEqual([NEW_DEPOT]);
    expect(config?.possibleValues).toContain(NEW_DEPOT);
    expect(config?.possibleValues).not.toContain(IDS.depot);
    // client A was assigned to the depot: its clientconfig.depot.id state follows.
    expect((await b.getObjects("configState", null, { configId: "clientconfig.depot.id", objectId: IDS.clientA }))[0]?.values).toEqual([
      NEW_DEPOT,
    ]);
    expect(await b.getIdents("configState", "str", { objectId: NEW_DEPOT })).toEqual([`clientconfig.depot.drive;${NEW_DEPOT}`]);
    expect(await b.getIdents("objectToGroup", "str")).toEqual([`HostGroup;depots;${NEW_DEPOT}`]);
    expect((await b.getObjects("host", null, { id: IDS.depot2 }))[0]).toMatchObject({ masterDepotId: NEW_DEPOT });
    expect(await h.call("admin", "getDepotId", [IDS.clientA])).toBe(NEW_DEPOT);
  });

  it("refuses a host that is not a depot", async () => {
    await expect(h.call("admin", "host_renameOpsiDepotserver", [IDS.clientA, NEW_DEPOT])).rejects.toThrow(
      `Cannot rename: depot '${IDS.clientA}' not found`,
    );
  });
});
