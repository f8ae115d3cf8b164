/** @module methods/bulk-actions.test ext_admin_tasks, ext_group_actions and the legacy licence/property helpers. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, IDS, seedProducts } from "../rpc/test-harness.js";

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
  await seedProducts(h.backend);
});
afterEach(() => h.cleanup());

const actionOf = async (clientId: string, productId: string) =>
  (await h.backend.getObjects("productOnClient", null, { clientId, productId }))[0]?.actionRequest ?? null;

describe("ext_admin_tasks", () => {
  it("setupWhereNotInstalled sets setup where the product is not installed", async () => {
    await h.backend.createObjects("productOnClient", [
      { productId: "javavm", productType: "LocalbootProduct", clientId: IDS.clientA, installationStatus: "installed" },
    ]);
    expect(await h.call("admin", "setupWhereNotInstalled", ["javavm"])).toEqual([IDS.clientB]);
    expect(await actionOf(IDS.clientB, "javavm")).toBe("setup");
    expect(await actionOf(IDS.clientA, "javavm")).toBe("none");
    await expect(h.call("admin", "setupWhereNotInstalled", ["nothing"])).rejects.toThrow("No product with id 'nothing'");
  });

  it("updateWhereInstalled needs an update script; uninstallWhereInstalled an uninstall script", async () => {
    await h.backend.createObjects("productOnClient", [
      { productId: "firefox", productType: "LocalbootProduct", clientId: IDS.clientA, installationStatus: "installed" },
    ]);
    expect(await h.call("admin", "updateWhereInstalled", ["firefox"])).toEqual([]);
    expect(await h.call("admin", "uninstallWhereInstalled", ["firefox"])).toEqual([IDS.clientA]);
    expect(await actionOf(IDS.clientA, "firefox")).toBe("uninstall");
  });

  it("setupWhereFailed and setupWhereInstalled", async () => {
    await h.backend.createObjects("productOnClient", [
      {
        productId: "firefox",
        productType: "LocalbootProduct",
        clientId: IDS.clientB,
        installationStatus: "installed",
        actionResult: "failed",
      },
    ]);
    expect(await h.call("admin", "setupWhereFailed", ["firefox"])).toEqual([IDS.clientB]);
    expect(await actionOf(IDS.clientB, "firefox")).toBe("setup");
    expect(await h.call("admin", "setupWhereInstalled", ["javavm"])).toEqual([]);
  });

  it("getClientsWithOutdatedProduct and setActionRequestWhereOutdated(WithDependencies)", async () => {
    await h.backend.createObjects("productOnClient", [
      {
        productId: "firefox",
        productType: "LocalbootProduct",
        clientId: IDS.clientA,
        installationStatus: "installed",
        productVersion: "119.0",
        packageVersion: "1",
      },
      {
        productId: "firefox",
        productType: "LocalbootProduct",
        clientId: IDS.clientB,
        installationStatus: "installed",
        productVersion: "120.0",
        packageVersion: "1",
      },
    ]);
    expect(await h.call("admin", "getClientsWithOutdatedProduct", ["firefox"])).toEqual([IDS.clientA]);
    expect(await h.call("admin", "setActionRequestWhereOutdatedWithDependencies", ["setup", "firefox"])).toEqual([IDS.clientA]);
    expect(await actionOf(IDS.clientA, "firefox")).toBe("setup");
    expect(await actionOf(IDS.clientA, "javavm")).toBe("setup");
    expect(await actionOf(IDS.clientB, "firefox")).toBe("none");
  });
});

describe("ext_group_actions", () => {
  beforeEach(async () => {
    await h.backend.createObjects("group", [
      { type: "HostGroup", id: "office" },
      { type: "HostGroup", id: "sub", parentGroupId: "office" },
      { type: "ProductGroup", id: "browsers" },
    ]);
    await h.backend.createObjects("objectToGroup", [
      { groupType: "HostGroup", groupId: "office", objectId: IDS.clientA },
      { groupType: "HostGroup", groupId: "office", objectId: IDS.clientB },
      { groupType: "ProductGroup", groupId: "browsers", objectId: "firefox" },
    ]);
  });

  it("setProductActionRequestForHostGroup / ForProductGroup create or update the POCs", async () => {
    await h.backend.createObjects("productOnClient", [
      { productId: "firefox", productType: "LocalbootProduct", clientId: IDS.clientA, installationStatus: "installed" },
    ]);
    await h.call("admin", "setProductActionRequestForHostGroup", ["office", "firefox", "update"]);
    expect([await actionOf(IDS.clientA, "firefox"), await actionOf(IDS.clientB, "firefox")]).toEqual(["update", "update"]);
    await h.call("admin", "setProductActionRequestForProductGroup", ["office", "browsers", "setup"]);
    expect([await actionOf(IDS.clientA, "firefox"), await actionOf(IDS.clientB, "firefox")]).toEqual(["setup", "setup"]);
  });

  it("setProductPropertyForHostGroup writes a state per member", async () => {
    await h.backend.createObjects("productProperty", [
      {
        type: "UnicodeProductProperty",
        productId: "firefox",
        productVersion: "120.0",
        packageVersion: "1",
        propertyId: "lang",
        possibleValues: ["de", "en"],
      },
    ]);
    await h.call("admin", "setProductPropertyForHostGroup", ["firefox", "lang", "de", "office"]);
    expect((await h.backend.getObjects("productPropertyState")).map((s) => [s.objectId, s.values])).toEqual([
      [IDS.clientA, ["de"]],
      [IDS.clientB, ["de"]],
    ]);
  });

  it("group_rename moves members and children; groupname_exists", async () => {
    await h.call("admin", "group_rename", ["office", "bureau"]);
    expect(await h.call("admin", "groupname_exists", ["office"])).toBe(false);
    expect(await h.call("admin", "groupname_exists", ["bureau"])).toBe(true);
    expect((await h.backend.getObjects("group", null, { id: "sub" }))[0]?.parentGroupId).toBe("bureau");
    expect((await h.backend.getIdents("objectToGroup", "str", { groupId: "bureau" })).sort()).toEqual([
      `HostGroup;bureau;${IDS.clientA}`,
      `HostGroup;bureau;${IDS.clientB}`,
    ]);
    await expect(h.call("admin", "group_rename", ["bureau", "sub"])).rejects.toThrow("Group 'sub' already exists");
  });

  it("getPossibleImagefileValuesForHostGroup lists images every member has", async () => {
    await h.backend.createObjects("product", [
      { type: "NetbootProduct", id: "opsi-local-image-restore", productVersion: "1", packageVersion: "1" },
    ]);
    await h.backend.createObjects("productPropertyState", [
      { productId: "opsi-local-image-restore", propertyId: "imagefiles_list", objectId: IDS.clientA, values: ["win10,win11"] },
      { productId: "opsi-local-image-restore", propertyId: "imagefiles_list", objectId: IDS.clientB, values: ["win11"] },
    ]);
    expect(await h.call("admin", "getPossibleImagefileValuesForHostGroup", ["office"])).toEqual(["win11"]);
  });
});

describe("legacy product properties and licences", () => {
  it("createProductPropertyDefinition / deleteProductPropertyDefinition", async () => {
    await h.call("admin", "createProductPropertyDefinition", ["firefox", "lang", "language", "de", ["de", "en"], [IDS.depot]]);
    expect(await h.backend.getObjects("productProperty", null, { propertyId: "lang" })).toMatchObject([
      { type: "UnicodeProductProperty", editable: false, possibleValues: ["de", "en"], defaultValues: ["de"] },
    ]);
    expect(await h.backend.getIdents("productPropertyState", "str")).toEqual([`firefox;lang;${IDS.depot}`]);
    await h.call("admin", "deleteProductPropertyDefinition", ["firefox", "lang"]);
    expect(await h.backend.getObjects("productProperty")).toEqual([]);
  });

  it("setWindowsSoftwareIdsToLicensePool, getLicensePoolId and getLicenseStatistics_hash", async () => {
    await h.backend.createObjects("auditSoftware", [
      { name: "office", version: "16", subVersion: "", language: "", architecture: "x64", windowsSoftwareId: "{OFFICE}" },
    ]);
    await h.call("admin", "createLicensePool", ["pool1", "", ["firefox"]]);
    await h.call("admin", "setWindowsSoftwareIdsToLicensePool", [["{office}"], "pool1"]);
    expect(await h.call("admin", "getLicensePoolId", ["", "{office}"])).toBe("pool1");
    expect(await h.call("admin", "getLicensePoolId", ["firefox"])).toBe("pool1");
    await expect(h.call("admin", "getLicensePoolId", ["javavm"])).rejects.toThrow("No license pool for product id 'javavm'");
    await h.call("admin", "createLicenseContract", ["lc"]);
    await h.call("admin", "createSoftwareLicense", ["sl1", "lc", "volume", 3]);
    await h.call("admin", "addSoftwareLicenseToLicensePool", ["sl1", "pool1"]);
    await h.call("admin", "setSoftwareLicenseUsage", [IDS.clientA, "pool1", "sl1"]);
    expect(await h.call("admin", "getLicenseStatistics_hash")).toEqual({
      pool1: { licenses: 1, used_by: [IDS.clientA], usageCount: 1, maxInstallations: 3, remainingInstallations: 2 },
    });
    expect(await h.call("admin", "getLicensePools_listOfHashes")).toMatchObject([
      { licensePoolId: "pool1", windowsSoftwareIds: ["{office}"] },
    ]);
  });

  it("areDepotsSynchronous compares the product sets", async () => {
    expect(await h.call("admin", "areDepotsSynchronous", [[IDS.depot, IDS.configServer]])).toBe(true);
    expect(await h.call("admin", "areDepotsSynchronous", [[IDS.depot, IDS.depot2]])).toBe(false);
  });

  it("changeWANConfig sets the four opsiclientd event states", async () => {
    await h.backend.createObjects("config", [
      { type: "BoolConfig", id: "opsiclientd.event_gui_startup{user_logged_in}.active", defaultValues: [true] },
      { type: "BoolConfig", id: "opsiclientd.event_net_connection.active", defaultValues: [false] },
      { type: "BoolConfig", id: "opsiclientd.event_timer.active", defaultValues: [false] },
    ]);
    await h.call("admin", "changeWANConfig", [true, [IDS.clientA]]);
    const states = Object.fromEntries(
      (await h.backend.getObjects("configState", null, { objectId: IDS.clientA, configId: "opsiclientd.*" })).map((s) => [
        s.configId,
        s.values,
      ]),
    );
    expect(states).toEqual({
      "opsiclientd.event_gui_startup.active": [false],
      "opsiclientd.event_gui_startup{user_logged_in}.active": [false],
      "opsiclientd.event_net_connection.active": [true],
      "opsiclientd.event_timer.active": [true],
    });
  });

  it("userIsAdmin raises for non-admins", async () => {
    expect(await h.call("admin", "userIsAdmin")).toBe(true);
    await expect(h.call("clientA", "userIsAdmin")).rejects.toThrow("User is not an admin");
  });
});
