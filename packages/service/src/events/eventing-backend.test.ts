/** @module events/eventing-backend.test Events emitted by CRUD writes through the dispatcher, with their exact data shapes. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, IDS } from "../rpc/test-harness.js";

let h: Harness;

beforeEach(async () => {
  h = await createHarness();
  await h.backend.createObjects("product", [{ type: "LocalbootProduct", id: "prod", productVersion: "1.0", packageVersion: "1" }]);
});

afterEach(() => h.cleanup());

describe("change events of CRUD writes", () => {
  it("host_created / host_updated carry {type, id}, host_deleted {id}", async () => {
    await h.call("admin", "host_createOpsiClient", ["new.opsi.test"]);
    await h.call("admin", "host_updateObject", [{ type: "OpsiClient", id: "new.opsi.test", description: "d" }]);
    await h.call("admin", "host_updateObjects", [[{ id: IDS.clientA, notes: "n" }]]);
    await h.call("admin", "host_delete", ["new.opsi.test"]);
    expect(h.emitted).toEqual([
      { name: "host_created", data: { type: "OpsiClient", id: "new.opsi.test" } },
      { name: "host_updated", data: { type: "OpsiClient", id: "new.opsi.test" } },
      { name: "host_updated", data: { type: "Host", id: IDS.clientA } },
      { name: "host_deleted", data: { id: "new.opsi.test" } },
    ]);
  });

  it("config_* and configState_* carry the ident dict", async () => {
    await h.call("admin", "config_createBool", ["cfg.flag", "a flag", [true]]);
    await h.call("admin", "config_updateObjects", [[{ type: "BoolConfig", id: "cfg.flag", description: "x" }]]);
    await h.call("admin", "configState_insertObject", [{ configId: "cfg.flag", objectId: IDS.clientA, values: [false] }]);
    await h.call("clientA", "configState_updateObject", [{ configId: "cfg.flag", objectId: IDS.clientA, values: [true] }]);
    await h.call("admin", "configState_delete", ["cfg.flag", IDS.clientA]);
    await h.call("admin", "config_delete", ["cfg.flag"]);
    expect(h.emitted).toEqual([
      { name: "config_created", data: { id: "cfg.flag" } },
      { name: "config_updated", data: { id: "cfg.flag" } },
      { name: "configState_created", data: { configId: "cfg.flag", objectId: IDS.clientA } },
      { name: "configState_updated", data: { configId: "cfg.flag", objectId: IDS.clientA } },
      { name: "configState_deleted", data: { configId: "cfg.flag", objectId: IDS.clientA } },
      { name: "config_deleted", data: { id: "cfg.flag" } },
    ]);
  });

  it("productOnClient_* carry productId, productType, clientId, installationStatus, actionRequest", async () => {
    await h.call("admin", "productOnClient_create", ["prod", "LocalbootProduct", IDS.clientA, "installed", "setup"]);
    await h.call("clientA", "productOnClient_updateObjects", [
      [{ productId: "prod", productType: "LocalbootProduct", clientId: IDS.clientA, actionProgress: "50%" }],
    ]);
    await h.call("admin", "productOnClient_deleteObjects", [
      [{ productId: "prod", productType: "LocalbootProduct", clientId: IDS.clientA }],
    ]);
    expect(h.emitted).toEqual([
      {
        name: "productOnClient_created",
        data: {
          productId: "prod",
          productType: "LocalbootProduct",
          clientId: IDS.clientA,
          installationStatus: "installed",
          actionRequest: "setup",
        },
      },
      {
        name: "productOnClient_updated",
        data: { productId: "prod", productType: "LocalbootProduct", clientId: IDS.clientA, installationStatus: null, actionRequest: null },
      },
      {
        name: "productOnClient_deleted",
        data: { productId: "prod", productType: "LocalbootProduct", clientId: IDS.clientA, installationStatus: null, actionRequest: null },
      },
    ]);
  });

  it("emits nothing for failed or refused writes and for other object types", async () => {
    await expect(h.call("clientB", "configState_create", ["x.y", IDS.clientA, []])).rejects.toThrow();
    await expect(h.call("admin", "host_createObjects", [[{ type: "OpsiClient", id: "not a host id" }]])).rejects.toThrow();
    await h.call("admin", "group_createHostGroup", ["grp"]);
    await h.call("admin", "product_updateObject", [
      { type: "LocalbootProduct", id: "prod", productVersion: "1.0", packageVersion: "1", name: "P" },
    ]);
    expect(h.emitted).toEqual([]);
  });
});
