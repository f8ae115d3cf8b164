/**
 * @module testing/suites/filters
 * opsi filter semantics (`MySQLConnection.get_where`): AND across keys, OR within lists, ignored
 * null/[] values, IS NULL inside lists, `*` wildcards, `<`/`>` comparisons, plain IN for long lists,
 * booleans, case-insensitive equality, the OpsiDepotserver type rule and invalid keys.
 */
import { expect, it } from "vitest";
import type { Filter } from "../../filter/filter.js";
import type { ObjectPrefix } from "../../model/registry.js";
import { type Dict, expectBadValue, type GetBackend } from "../assertions.js";
import {
  CLIENT_ID,
  CLIENT2_ID,
  CONFIGSERVER_ID,
  configState,
  DEPOT_ID,
  localbootProduct,
  opsiClient,
  opsiConfigserver,
  opsiDepotserver,
  productOnClient,
  productPropertyState,
  unicodeConfig,
} from "../fixtures.js";
import { methodsOf } from "../prefix-methods.js";

const CLIENT3_ID = "client3.opsi.test";

async function ids(getBackend: GetBackend, prefix: ObjectPrefix, filter: Filter, attr = "id"): Promise<unknown[]> {
  const objs = await methodsOf(getBackend(), prefix).getObjects([], filter);
  return objs
    .map((o) => o[attr])
    .sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

async function createHosts(getBackend: GetBackend): Promise<void> {
  await getBackend().host_createObjects([
    opsiClient({ description: "alpha", ipAddress: "10.0.0.1", lastSeen: "2024-01-15 10:00:00" }),
    opsiClient({ id: CLIENT2_ID, description: "beta", ipAddress: null, lastSeen: "2024-02-15 10:00:00" }),
    opsiClient({ id: CLIENT3_ID, description: "Alpha", ipAddress: "10.0.0.3", lastSeen: "2024-03-15 10:00:00" }),
    opsiDepotserver({ description: "alpha", maxBandwidth: 100 }),
    opsiConfigserver({ description: "gamma", maxBandwidth: 90 }),
  ]);
}

async function createPriorities(getBackend: GetBackend): Promise<void> {
  await getBackend().product_createObjects(
    [-5, 0, 3, 9, 10].map((priority) => localbootProduct({ id: `prio${priority < 0 ? "m" : ""}${Math.abs(priority)}`, priority })),
  );
}

/**
 * Registers the filter tests.
 * @example describe("filters", () => filtersSuite(() => backend))
 */
export function filtersSuite(getBackend: GetBackend): void {
  it("ANDs filter keys and ORs the values of a list", async () => {
    await createHosts(getBackend);
    expect(await ids(getBackend, "host", { description: "gamma", type: "OpsiConfigserver" })).toEqual([CONFIGSERVER_ID]);
    expect(await ids(getBackend, "host", { description: "gamma", type: "OpsiClient" })).toEqual([]);
    expect(await ids(getBackend, "host", { description: ["beta", "gamma"] })).toEqual([CLIENT2_ID, CONFIGSERVER_ID]);
    expect(await ids(getBackend, "host", { id: [CLIENT_ID, CLIENT2_ID, DEPOT_ID], description: "alpha" })).toEqual([CLIENT_ID, DEPOT_ID]);
    expect(await ids(getBackend, "host", { id: CLIENT_ID, description: "beta" })).toEqual([]);
  });

  it("ignores null and empty-list values", async () => {
    await createHosts(getBackend);
    expect(await ids(getBackend, "host", { description: null })).toHaveLength(5);
    expect(await ids(getBackend, "host", { description: [] })).toHaveLength(5);
    expect(await ids(getBackend, "host", { id: null, ipAddress: [], description: "beta" })).toEqual([CLIENT2_ID]);
    expect(await ids(getBackend, "host", {})).toHaveLength(5);
  });

  it("null inside a list matches NULL", async () => {
    await createHosts(getBackend);
    expect(await ids(getBackend, "host", { ipAddress: [null] })).toEqual([CLIENT2_ID]);
    expect(await ids(getBackend, "host", { ipAddress: [null, "10.0.0.1"] })).toEqual([CLIENT_ID, CLIENT2_ID]);
  });

  it("* is a wildcard; _ is literal; * does not match NULL", async () => {
    await createHosts(getBackend);
    expect(await ids(getBackend, "host", { id: "client*" })).toEqual([CLIENT_ID, CLIENT2_ID, CLIENT3_ID]);
    expect(await ids(getBackend, "host", { id: "*2.opsi.*" })).toEqual([CLIENT2_ID]);
    expect(await ids(getBackend, "host", { id: ["client1*", "depot*"] })).toEqual([CLIENT_ID, DEPOT_ID]);
    expect(await ids(getBackend, "host", { ipAddress: "*", type: "OpsiClient" })).toEqual([CLIENT_ID, CLIENT3_ID]);
    await getBackend().config_createObjects([
      unicodeConfig({ id: "a_b", description: "a_b" }),
      unicodeConfig({ id: "axb", description: "axb" }),
      unicodeConfig({ id: "a%c", description: "a%c" }),
      unicodeConfig({ id: "abc", description: "abc" }),
    ]);
    expect(await ids(getBackend, "config", { id: "a_*" })).toEqual(["a_b"]);
    expect(await ids(getBackend, "config", { description: "A_B" })).toEqual(["a_b"]);
  });

  it("% is literal without * and a wildcard together with * (LIKE quirk)", async () => {
    await getBackend().config_createObjects([
      unicodeConfig({ id: "a%c", description: "a%c" }),
      unicodeConfig({ id: "abc", description: "abc" }),
      unicodeConfig({ id: "abcd", description: "abcd" }),
    ]);
    expect(await ids(getBackend, "config", { description: "a%c" })).toEqual(["a%c"]);
    expect(await ids(getBackend, "config", { description: "a%c*" })).toEqual(["a%c", "abc", "abcd"]);
  });

  it("wildcards and equality compare strings case-insensitively", async () => {
    await createHosts(getBackend);
    expect(await ids(getBackend, "host", { description: "ALPHA", type: "OpsiClient" })).toEqual([CLIENT_ID, CLIENT3_ID]);
    expect(await ids(getBackend, "host", { id: CLIENT_ID.toUpperCase() })).toEqual([CLIENT_ID]);
    expect(await ids(getBackend, "host", { id: "CLIENT*" })).toEqual([CLIENT_ID, CLIENT2_ID, CLIENT3_ID]);
  });

  it("< and > compare strings and timestamps", async () => {
    await createHosts(getBackend);
    expect(await ids(getBackend, "host", { lastSeen: ">2024-02-01 00:00:00" })).toEqual([CLIENT2_ID, CLIENT3_ID]);
    expect(await ids(getBackend, "host", { lastSeen: "<2024-02-15 10:00:00" })).toEqual([CLIENT_ID]);
    expect(await ids(getBackend, "host", { lastSeen: [">2024-03-01 00:00:00", "<2024-02-01 00:00:00"] })).toEqual([CLIENT_ID, CLIENT3_ID]);
    expect(await ids(getBackend, "host", { id: "<client2" })).toEqual([CLIENT_ID]);
    expect(await ids(getBackend, "host", { id: ">config", type: ["OpsiClient", "OpsiDepotserver"] })).toEqual([CONFIGSERVER_ID, DEPOT_ID]);
  });

  it("< and > compare numbers numerically", async () => {
    await createPriorities(getBackend);
    expect(await ids(getBackend, "product", { priority: ">3" }, "priority")).toEqual([9, 10]);
    expect(await ids(getBackend, "product", { priority: "<0" }, "priority")).toEqual([-5]);
    expect(await ids(getBackend, "product", { priority: "<3" }, "priority")).toEqual([-5, 0]);
    await createHosts(getBackend);
    expect(await ids(getBackend, "host", { maxBandwidth: ">95" })).toEqual([DEPOT_ID]);
  });

  it(">= and <= are not supported: the operand starts with '='", async () => {
    await createPriorities(getBackend);
    // ">=5" is `priority > '=5'`, and '=5' is 0 as a number.
    expect(await ids(getBackend, "product", { priority: ">=5" }, "priority")).toEqual([3, 9, 10]);
    await getBackend().config_createObjects(["a", "b", "c"].map((d) => unicodeConfig({ id: `cfg.${d}`, description: d })));
    // '=' sorts before letters: ">=b" matches every letter, "<=b" none.
    expect(await ids(getBackend, "config", { description: ">=b" })).toEqual(["cfg.a", "cfg.b", "cfg.c"]);
    expect(await ids(getBackend, "config", { description: "<=b" })).toEqual([]);
  });

  it("numbers and numeric strings match numeric attributes", async () => {
    await createPriorities(getBackend);
    expect(await ids(getBackend, "product", { priority: 10 }, "priority")).toEqual([10]);
    expect(await ids(getBackend, "product", { priority: "10" }, "priority")).toEqual([10]);
    expect(await ids(getBackend, "product", { priority: [-5, "9"] }, "priority")).toEqual([-5, 9]);
  });

  it("more than 10 values form a plain IN: no wildcards, no comparisons, null matches nothing", async () => {
    await createHosts(getBackend);
    const filler = Array.from({ length: 9 }, (_, i) => `none${i}.opsi.test`);
    expect(await ids(getBackend, "host", { id: [...filler, CLIENT_ID.toUpperCase(), "depot*"] })).toEqual([CLIENT_ID]);
    expect(await ids(getBackend, "host", { id: [...filler, "client*", ">a"] })).toEqual([]);
    expect(await ids(getBackend, "host", { ipAddress: [...filler, null, "10.0.0.3"] })).toEqual([CLIENT3_ID]);
    // Up to 10 values, wildcards still work.
    expect(await ids(getBackend, "host", { id: [...filler.slice(0, 8), "client1*", "depot*"] })).toEqual([CLIENT_ID, DEPOT_ID]);
  });

  it("booleans compare as 0/1", async () => {
    await getBackend().config_createObjects([
      unicodeConfig({ id: "cfg.editable", editable: true }),
      unicodeConfig({ id: "cfg.fixed", editable: false }),
    ]);
    expect(await ids(getBackend, "config", { editable: true })).toEqual(["cfg.editable"]);
    expect(await ids(getBackend, "config", { editable: false })).toEqual(["cfg.fixed"]);
    expect(await ids(getBackend, "config", { editable: 1 })).toEqual(["cfg.editable"]);
    expect(await ids(getBackend, "config", { editable: [true, false] })).toEqual(["cfg.editable", "cfg.fixed"]);
    await createHosts(getBackend);
    expect(await ids(getBackend, "host", { isMasterDepot: false })).toEqual([DEPOT_ID]);
  });

  it("type OpsiDepotserver also matches OpsiConfigserver; no other subclass expansion", async () => {
    await createHosts(getBackend);
    await getBackend().product_insertObject(localbootProduct());
    expect(await ids(getBackend, "host", { type: "OpsiDepotserver" })).toEqual([CONFIGSERVER_ID, DEPOT_ID]);
    expect(await ids(getBackend, "host", { type: ["OpsiDepotserver", "OpsiConfigserver"] })).toEqual([CONFIGSERVER_ID, DEPOT_ID]);
    expect(await ids(getBackend, "host", { type: "OpsiConfigserver" })).toEqual([CONFIGSERVER_ID]);
    expect(await ids(getBackend, "host", { type: "OpsiClient" })).toEqual([CLIENT_ID, CLIENT2_ID, CLIENT3_ID]);
    expect(await ids(getBackend, "host", { type: ["OpsiClient", "OpsiDepotserver"] })).toHaveLength(5);
    expect(await ids(getBackend, "host", { type: "Host" })).toEqual([]);
    expect(await ids(getBackend, "product", { type: "Product" })).toEqual([]);
    expect(await ids(getBackend, "product", { type: "LocalbootProduct" })).toEqual(["prod-a"]);
  });

  it("type is ignored on relationship prefixes", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_insertObject(productOnClient());
    await b.configState_insertObject(configState());
    expect(await b.productOnClient_getObjects([], { type: "SomethingElse" })).toHaveLength(1);
    expect(await b.productOnClient_getIdents("str", { type: "ProductOnClient" })).toHaveLength(1);
    expect(await b.configState_getObjects([], { type: "Nothing" })).toHaveLength(1);
  });

  it("unknown filter keys are rejected, even with a null value", async () => {
    const b = getBackend();
    await expectBadValue(b.host_getObjects([], { noSuchKey: null }), "noSuchKey");
    await expectBadValue(b.host_getObjects([], { noSuchKey: "x" }), "noSuchKey");
    await expectBadValue(b.host_getIdents("str", { noSuchKey: "x" }), "noSuchKey");
    await expectBadValue(b.productOnClient_getObjects([], { hostId: CLIENT_ID }), "hostId");
    await expectBadValue(b.licenseContract_getObjects([], { productId: null }), "productId");
  });

  it("aggregated and not persisted attributes are invalid filter keys", async () => {
    const b = getBackend();
    await expectBadValue(b.config_getObjects([], { possibleValues: null }), "possibleValues");
    await expectBadValue(b.config_getObjects([], { defaultValues: ["a"] }), "defaultValues");
    await expectBadValue(b.productProperty_getObjects([], { possibleValues: "x" }), "possibleValues");
    await expectBadValue(b.product_getObjects([], { productClassIds: null }), "productClassIds");
    await expectBadValue(b.product_getObjects([], { windowsSoftwareIds: "x" }), "windowsSoftwareIds");
    await expectBadValue(b.productOnClient_getObjects([], { actionSequence: -1 }), "actionSequence");
  });

  it("attributes of any class of the prefix are valid filter keys", async () => {
    await createHosts(getBackend);
    expect(await ids(getBackend, "host", { depotLocalUrl: "file://*" })).toEqual([CONFIGSERVER_ID, DEPOT_ID]);
    expect(await ids(getBackend, "host", { opsiHostKey: null, lastSeen: null })).toHaveLength(5);
    expect(await ids(getBackend, "host", { depotLocalUrl: [null], type: "OpsiClient" })).toHaveLength(3);
  });

  it("state values compare as their stored JSON text", async () => {
    const b = getBackend();
    await b.configState_createObjects([configState({ values: ["a", "b"] }), configState({ objectId: CLIENT2_ID, values: [true] })]);
    await b.productPropertyState_createObjects([productPropertyState({ values: ["de"] })]);
    expect(await ids(getBackend, "configState", { values: '["a", "b"]' }, "objectId")).toEqual([CLIENT_ID]);
    expect(await ids(getBackend, "configState", { values: '["a","b"]' }, "objectId")).toEqual([]);
    expect(await ids(getBackend, "configState", { values: "[true]" }, "objectId")).toEqual([CLIENT2_ID]);
    expect(await ids(getBackend, "configState", { values: '*"b"*' }, "objectId")).toEqual([CLIENT_ID]);
    expect(await ids(getBackend, "productPropertyState", { values: '["de"]' }, "objectId")).toEqual([CLIENT_ID]);
  });

  it("filters apply to getIdents like to getObjects", async () => {
    await createHosts(getBackend);
    expect(((await getBackend().host_getIdents("str", { type: "OpsiDepotserver", description: "alpha" })) as string[]).sort()).toEqual([
      DEPOT_ID,
    ]);
  });

  it("a filter value that is neither scalar nor list is a bad value", async () => {
    await expectBadValue(getBackend().host_getObjects([], { id: { nested: "x" } }));
  });

  it("filters relationship prefixes by ident and non-ident attributes", async () => {
    const b = getBackend();
    await b.host_createObjects([opsiClient(), opsiClient({ id: CLIENT2_ID })]);
    await b.productOnClient_createObjects([
      productOnClient({ actionRequest: "setup" }),
      productOnClient({ productId: "prod-b", actionRequest: "none" }),
      productOnClient({ clientId: CLIENT2_ID, actionRequest: "setup" }),
    ]);
    const rows = (await b.productOnClient_getObjects([], { clientId: CLIENT_ID, actionRequest: ["setup", "uninstall"] })) as Dict[];
    expect(rows.map((r) => r.productId)).toEqual(["prod-a"]);
  });
}
