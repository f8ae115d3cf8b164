/** @module methods/state-values.test `configState_getValues` resolution (default → depot → client) and `productPropertyState_getValues`. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, IDS, seedProducts } from "../rpc/test-harness.js";

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
  await seedProducts(h.backend);
});
afterEach(() => h.cleanup());

describe("configState_getValues", () => {
  beforeEach(async () => {
    // client A is on depot1 (seed); client B has no depot state: the config server's states apply.
    await h.backend.createObjects("configState", [
      { configId: "clientconfig.depot.drive", objectId: IDS.depot, values: ["q:"] },
      { configId: "clientconfig.depot.drive", objectId: IDS.configServer, values: ["p:"] },
      { configId: "opsiclientd.event_gui_startup.active", objectId: IDS.configServer, values: [false] },
    ]);
  });

  it("resolves Config default → the client's depot state → the client's own state", async () => {
    const values = (await h.call("admin", "configState_getValues", [
      ["clientconfig.depot.drive", "opsiclientd.event_gui_startup.active"],
      [IDS.clientA, IDS.clientB],
    ])) as Record<string, Record<string, unknown[]>>;
    // client A: depot1's drive state; the gui flag only has a config-server state → Config default.
    expect(values[IDS.clientA]).toEqual({ "clientconfig.depot.drive": ["q:"], "opsiclientd.event_gui_startup.active": [true] });
    // client B has no clientconfig.depot.id state: the config server's states apply.
    expect(values[IDS.clientB]).toEqual({ "clientconfig.depot.drive": ["p:"], "opsiclientd.event_gui_startup.active": [false] });
  });

  it("the client's own state wins over the depot's", async () => {
    await h.backend.createObjects("configState", [{ configId: "clientconfig.depot.drive", objectId: IDS.clientA, values: ["z:"] }]);
    const values = (await h.call("admin", "configState_getValues", [["clientconfig.depot.drive"], [IDS.clientA]])) as Record<
      string,
      Record<string, unknown[]>
    >;
    expect(values).toEqual({ [IDS.clientA]: { "clientconfig.depot.drive": ["z:"] } });
  });

  it("without defaults returns only stored states", async () => {
    const values = await h.call("admin", "configState_getValues", [[], [IDS.clientA, IDS.clientB], false]);
    expect(values).toEqual({ [IDS.clientA]: { "clientconfig.depot.id": [IDS.depot] } });
  });

  it("with empty config ids covers every config", async () => {
    const values = (await h.call("admin", "configState_getValues", { object_ids: [IDS.clientA] })) as Record<
      string,
      Record<string, unknown[]>
    >;
    expect(Object.keys(values[IDS.clientA] ?? {}).sort()).toEqual([
      "clientconfig.depot.drive",
      "clientconfig.depot.id",
      "opsiclientd.event_gui_startup.active",
    ]);
    expect(values[IDS.clientA]?.["clientconfig.depot.id"]).toEqual([IDS.depot]);
  });

  it("forces a client caller to its own id, while still resolving its depot", async () => {
    const values = await h.call("clientA", "configState_getValues", [["clientconfig.depot.drive"], [IDS.clientB]]);
    expect(values).toEqual({ [IDS.clientA]: { "clientconfig.depot.drive": ["q:"] } });
    const mine = await h.call("clientB", "configState_getValues", [["clientconfig.depot.drive"]]);
    expect(mine).toEqual({ [IDS.clientB]: { "clientconfig.depot.drive": ["p:"] } });
  });

  it("does not share value lists between hosts", async () => {
    const values = (await h.call("admin", "configState_getValues", [["clientconfig.depot.drive"]])) as Record<
      string,
      Record<string, unknown[]>
    >;
    const a = values[IDS.clientA]?.["clientconfig.depot.drive"];
    const b = values[IDS.clientB]?.["clientconfig.depot.drive"];
    expect(a).not.toBe(b);
  });
});

describe("productPropertyState_getValues", () => {
  beforeEach(async () => {
    await h.backend.createObjects("productProperty", [
      {
        type: "UnicodeProductProperty",
        productId: "firefox",
        productVersion: "120.0",
        packageVersion: "1",
        propertyId: "lang",
        possibleValues: ["de", "en", "fr"],
        defaultValues: ["en"],
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
    await h.backend.createObjects("productPropertyState", [
      { productId: "firefox", propertyId: "lang", objectId: IDS.depot, values: ["de"] },
      { productId: "firefox", propertyId: "desktop", objectId: IDS.depot, values: [true] },
      { productId: "firefox", propertyId: "lang", objectId: IDS.configServer, values: ["fr"] },
      { productId: "firefox", propertyId: "lang", objectId: IDS.clientA, values: ["en"] },
    ]);
  });

  it("puts the depot's states beneath the client's own", async () => {
    const values = await h.call("admin", "productPropertyState_getValues", [["firefox"], [], [IDS.clientA, IDS.clientB]]);
    expect(values).toEqual({
      [IDS.clientA]: { firefox: { lang: ["en"], desktop: [true] } },
      // client B's depot is the config server (the clientconfig.depot.id default).
      [IDS.clientB]: { firefox: { lang: ["fr"] } },
    });
  });

  it("filters by property id and can skip the depot values", async () => {
    expect(await h.call("admin", "productPropertyState_getValues", [["firefox"], ["desktop"], [IDS.clientA]])).toEqual({
      [IDS.clientA]: { firefox: { desktop: [true] } },
    });
    expect(await h.call("admin", "productPropertyState_getValues", [["firefox"], [], [IDS.clientA], false])).toEqual({
      [IDS.clientA]: { firefox: { lang: ["en"] } },
    });
  });

  it("gives every client its own copy of the depot values (no leak between clients)", async () => {
    await h.backend.createObjects("configState", [{ configId: "clientconfig.depot.id", objectId: IDS.clientB, values: [IDS.depot] }]);
    await h.backend.createObjects("productPropertyState", [
      { productId: "firefox", propertyId: "desktop", objectId: IDS.clientB, values: [false] },
    ]);
    const values = (await h.call("admin", "productPropertyState_getValues", [["firefox"], [], [IDS.clientA, IDS.clientB]])) as Record<
      string,
      Record<string, Record<string, unknown[]>>
    >;
    expect(values[IDS.clientA]?.firefox).toEqual({ lang: ["en"], desktop: [true] });
    expect(values[IDS.clientB]?.firefox).toEqual({ lang: ["de"], desktop: [false] });
  });

  it("works for a client caller (reads fall under .*_get.*)", async () => {
    expect(await h.call("clientA", "productPropertyState_getValues", [["firefox"], ["lang"], [IDS.clientA]])).toEqual({
      [IDS.clientA]: { firefox: { lang: ["en"] } },
    });
  });
});

describe("configState_getClientToDepotserver", () => {
  it("maps clients to their depot with the config default as fallback", async () => {
    const rows = await h.call("admin", "configState_getClientToDepotserver", []);
    expect(rows).toEqual([
      { depotId: IDS.depot, clientId: IDS.clientA, alternativeDepotIds: [] },
      { depotId: IDS.configServer, clientId: IDS.clientB, alternativeDepotIds: [] },
    ]);
    const alt = (await h.call("admin", "configState_getClientToDepotserver", [null, [IDS.clientA], false])) as {
      alternativeDepotIds: string[];
    }[];
    expect(alt[0]?.alternativeDepotIds).toEqual([IDS.configServer]);
  });
});
