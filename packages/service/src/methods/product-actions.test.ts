/** @module methods/product-actions.test Action requests, installation states and the sequencing methods through the dispatcher. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, IDS, seedProducts } from "../rpc/test-harness.js";

type Dict = Record<string, unknown>;

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
  await seedProducts(h.backend);
});
afterEach(() => h.cleanup());

const poc = async (clientId: string, productId: string) =>
  (await h.backend.getObjects("productOnClient", null, { clientId, productId }))[0] as Dict | undefined;

describe("getDepotId", () => {
  it("returns the assigned depot, falling back to the config default", async () => {
    expect(await h.call("clientA", "getDepotId", [IDS.clientA])).toBe(IDS.depot);
    expect(await h.call("admin", "getDepotId", [IDS.clientB])).toBe(IDS.configServer);
    await expect(h.call("admin", "getDepotId", ["unknown.opsi.test"])).rejects.toThrow(
      "Failed to get depot server for client 'unknown.opsi.test'",
    );
  });
});

describe("setProductActionRequest", () => {
  it("creates the POC with the depot's versions, actionResult none and empty progress", async () => {
    await h.call("clientA", "setProductActionRequest", ["firefox", IDS.clientA, "setup"]);
    expect(await poc(IDS.clientA, "firefox")).toMatchObject({
      productType: "LocalbootProduct",
      actionRequest: "setup",
      actionProgress: "",
      actionResult: "none",
      productVersion: "120.0",
      packageVersion: "1",
    });
    expect(h.emitted.map((e) => e.name)).toEqual(["productOnClient_updated"]);
  });

  it("keeps the other attributes of an existing POC and sets none without versions", async () => {
    await h.backend.createObjects("productOnClient", [
      {
        productId: "firefox",
        productType: "LocalbootProduct",
        clientId: IDS.clientA,
        installationStatus: "installed",
        actionResult: "successful",
        productVersion: "119.0",
        packageVersion: "3",
      },
    ]);
    await h.call("admin", "setProductActionRequest", ["firefox", IDS.clientA, "none"]);
    expect(await poc(IDS.clientA, "firefox")).toMatchObject({
      installationStatus: "installed",
      actionRequest: "none",
      actionResult: "successful",
      productVersion: "119.0",
    });
    await h.call("admin", "unsetProductActionRequest", ["firefox", IDS.clientA]);
    expect((await poc(IDS.clientA, "firefox"))?.actionRequest).toBe("none");
  });

  it("requires the product on the client's depot and own POCs for clients", async () => {
    await h.backend.deleteObjects("productOnDepot", [
      { productId: "javavm", productType: "LocalbootProduct", productVersion: "17.0", packageVersion: "2", depotId: IDS.depot },
    ]);
    await expect(h.call("admin", "setProductActionRequest", ["javavm", IDS.clientA, "setup"])).rejects.toThrow(
      `Product 'javavm' not found on depot '${IDS.depot}'`,
    );
    await expect(h.call("clientB", "setProductActionRequest", ["firefox", IDS.clientA, "setup"])).rejects.toThrow("No permission");
  });
});

describe("setProductInstallationStatus / setProductActionProgress", () => {
  it("maps the legacy states onto installationStatus and actionResult", async () => {
    await h.call("clientA", "setProductInstallationStatus", ["firefox", IDS.clientA, "installed"]);
    expect(await poc(IDS.clientA, "firefox")).toMatchObject({
      installationStatus: "installed",
      actionResult: "successful",
      actionProgress: "",
    });
    await h.call("clientA", "setProductInstallationStatus", ["firefox", IDS.clientA, "failed"]);
    expect(await poc(IDS.clientA, "firefox")).toMatchObject({ installationStatus: "installed", actionResult: "failed" });
    await h.call("clientA", "setProductInstallationStatus", ["firefox", IDS.clientA, "installing"]);
    expect(await poc(IDS.clientA, "firefox")).toMatchObject({
      installationStatus: "unknown",
      actionResult: "none",
      actionProgress: "installing",
    });
    await h.call("clientA", "setProductActionProgress", ["firefox", IDS.clientA, "copying files"]);
    expect(await poc(IDS.clientA, "firefox")).toMatchObject({ installationStatus: "unknown", actionProgress: "copying files" });
  });
});

describe("setProductActionRequestWithDependencies", () => {
  it("adds the required products' actions", async () => {
    await h.call("clientA", "setProductActionRequestWithDependencies", ["firefox", IDS.clientA, "setup"]);
    expect((await poc(IDS.clientA, "firefox"))?.actionRequest).toBe("setup");
    expect((await poc(IDS.clientA, "javavm"))?.actionRequest).toBe("setup");
  });

  it("sets netboot products and none requests without dependency handling", async () => {
    await h.call("admin", "setProductActionRequestWithDependencies", ["win10", IDS.clientA, "setup"]);
    expect(await poc(IDS.clientA, "win10")).toMatchObject({ productType: "NetbootProduct", actionRequest: "setup" });
    await h.call("admin", "setProductActionRequestWithDependencies", ["firefox", IDS.clientA, "none"]);
    expect((await poc(IDS.clientA, "firefox"))?.actionRequest).toBe("none");
    expect(await poc(IDS.clientA, "javavm")).toBeUndefined();
  });
});

describe("sequencing", () => {
  it("productOnClient_getObjectsWithSequence orders the required product first", async () => {
    await h.backend.createObjects("productOnClient", [
      { productId: "firefox", productType: "LocalbootProduct", clientId: IDS.clientA, actionRequest: "setup" },
      { productId: "javavm", productType: "LocalbootProduct", clientId: IDS.clientA, actionRequest: "setup" },
    ]);
    const rows = (await h.call("clientA", "productOnClient_getObjectsWithSequence", [[], { clientId: IDS.clientA }])) as Dict[];
    expect(rows.map((r) => [r.productId, r.actionSequence])).toEqual([
      ["javavm", 0],
      ["firefox", 1],
    ]);
    expect(rows[0]).toHaveProperty("ident", `javavm;LocalbootProduct;${IDS.clientA}`);
  });

  it("addDependencies, generateSequence and updateObjectsWithDependencies", async () => {
    const input = [{ productId: "firefox", productType: "LocalbootProduct", clientId: IDS.clientA, actionRequest: "setup" }];
    const added = (await h.call("admin", "productOnClient_addDependencies", [input])) as Dict[];
    expect(added.map((p) => p.productId)).toEqual(["javavm", "firefox"]);
    expect(await h.backend.getObjects("productOnClient")).toEqual([]);
    const sequenced = (await h.call("admin", "productOnClient_generateSequence", [input])) as Dict[];
    expect(sequenced.map((p) => p.productId)).toEqual(["firefox"]);
    const written = (await h.call("admin", "productOnClient_updateObjectsWithDependencies", [input])) as Dict[];
    expect(written.map((p) => p.productId)).toEqual(["javavm", "firefox"]);
    expect((await h.backend.getIdents("productOnClient", "str")).length).toBe(2);
  });

  it("productOnClient_getActionGroups and getProductOrdering", async () => {
    await h.backend.createObjects("productOnClient", [
      { productId: "firefox", productType: "LocalbootProduct", clientId: IDS.clientA, actionRequest: "setup" },
    ]);
    const groups = (await h.call("admin", "productOnClient_getActionGroups", [IDS.clientA])) as { product_on_clients: Dict[] }[];
    expect(groups).toHaveLength(1);
    expect(groups[0]?.product_on_clients.map((p) => p.ident)).toEqual([
      `javavm;LocalbootProduct;${IDS.clientA}`,
      `firefox;LocalbootProduct;${IDS.clientA}`,
    ]);
    expect(await h.call("admin", "getProductOrdering", [IDS.depot])).toEqual({
      not_sorted: ["firefox", "javavm"],
      sorted: ["javavm", "firefox"],
    });
  });
});
