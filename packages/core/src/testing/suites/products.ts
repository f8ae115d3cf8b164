/**
 * @module testing/suites/products
 * Product specifics: NetbootProduct attributes, the (productId, clientId) and (productId, depotId)
 * secondary unique keys, ProductProperty value rules and the deliberate update fix, state values.
 */
import { expect, it } from "vitest";
import { type Dict, expectBadValue, type GetBackend } from "../assertions.js";
import {
  boolProductProperty,
  CLIENT_ID,
  DEPOT_ID,
  DEPOT2_ID,
  localbootProduct,
  netbootProduct,
  opsiClient,
  opsiDepotserver,
  PRODUCT_ID,
  productOnClient,
  productOnDepot,
  productPropertyState,
  unicodeProductProperty,
} from "../fixtures.js";
import { createProducts } from "../prefix-cases.js";

async function property(getBackend: GetBackend, propertyId: string): Promise<Dict | undefined> {
  const list = (await getBackend().productProperty_getObjects([], { propertyId })) as Dict[];
  expect(list.length).toBeLessThanOrEqual(1);
  return list[0];
}

/**
 * Registers the product tests.
 * @example describe("products", () => productsSuite(() => backend))
 */
export function productsSuite(getBackend: GetBackend): void {
  it("NetbootProduct never has a userLoginScript and reads an empty pxeConfigTemplate as null", async () => {
    await getBackend().product_insertObject(netbootProduct({ userLoginScript: "login.opsiscript", pxeConfigTemplate: "" }));
    const [p] = (await getBackend().product_getObjects()) as Dict[];
    expect([p?.userLoginScript, p?.pxeConfigTemplate]).toEqual([null, null]);
  });

  it("keeps several versions of one product side by side", async () => {
    const b = getBackend();
    await b.product_createObjects([
      localbootProduct(),
      localbootProduct({ productVersion: "2.0" }),
      localbootProduct({ packageVersion: "2" }),
    ]);
    expect(((await b.product_getIdents("str")) as string[]).sort()).toEqual(["prod-a;1.0;1", "prod-a;1.0;2", "prod-a;2.0;1"]);
  });

  it("an abstract Product without concrete type cannot be stored", async () => {
    await expectBadValue(getBackend().product_insertObject({ id: PRODUCT_ID, productVersion: "1.0", packageVersion: "1" }), "Product");
    expect(await getBackend().product_getObjects()).toEqual([]);
  });

  it("ProductOnClient: a write for the same (productId, clientId) with another productType replaces the row", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_insertObject(productOnClient());
    await b.productOnClient_createObjects([productOnClient({ productType: "NetbootProduct", actionRequest: "once" })]);
    const pocs = (await b.productOnClient_getObjects()) as Dict[];
    expect(pocs.map((p) => [p.productId, p.productType, p.clientId, p.actionRequest])).toEqual([
      [PRODUCT_ID, "NetbootProduct", CLIENT_ID, "once"],
    ]);
  });

  it("ProductOnClient: updateObject with another productType is a no-op (exact ident)", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_insertObject(productOnClient());
    await b.productOnClient_updateObject(productOnClient({ productType: "NetbootProduct", actionRequest: "once" }));
    const pocs = (await b.productOnClient_getObjects()) as Dict[];
    expect(pocs.map((p) => [p.productType, p.actionRequest])).toEqual([["LocalbootProduct", "setup"]]);
  });

  it("ProductOnDepot: a write for the same (productId, depotId) with another version replaces the row", async () => {
    const b = getBackend();
    await b.host_createObjects([opsiDepotserver(), opsiDepotserver({ id: DEPOT2_ID })]);
    await b.product_createObjects([localbootProduct(), localbootProduct({ productVersion: "2.0" })]);
    await b.productOnDepot_createObjects([productOnDepot(), productOnDepot({ depotId: DEPOT2_ID })]);
    await b.productOnDepot_insertObject(productOnDepot({ productVersion: "2.0", locked: false }));
    const pods = (await b.productOnDepot_getObjects()) as Dict[];
    expect(pods.map((p) => [p.depotId, p.productVersion, p.locked]).sort()).toEqual([
      [DEPOT_ID, "2.0", false],
      [DEPOT2_ID, "1.0", true],
    ]);
  });

  it("ProductOnClient actionSequence is not stored and reads back -1", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_insertObject(productOnClient({ actionSequence: 4 }));
    await b.productOnClient_updateObject(productOnClient({ actionSequence: 5 }));
    const [p] = (await b.productOnClient_getObjects()) as Dict[];
    expect(p?.actionSequence).toBe(-1);
  });

  it("ProductOnClient updates without modificationTime set it to now (ON UPDATE CURRENT_TIMESTAMP)", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_insertObject(productOnClient({ modificationTime: "2020-01-01 00:00:00" }));
    const [one] = (await b.productOnClient_getObjects()) as Dict[];
    expect(one?.modificationTime).toBe("2020-01-01 00:00:00");
    await b.productOnClient_updateObject(productOnClient({ modificationTime: null, actionRequest: "setup" }));
    const [two] = (await b.productOnClient_getObjects()) as Dict[];
    expect(String(two?.modificationTime) > "2020-01-01 00:00:00").toBe(true);
    await b.productOnClient_updateObjects([productOnClient({ modificationTime: "2021-02-03 04:05:06", actionRequest: "none" })]);
    const [three] = (await b.productOnClient_getObjects()) as Dict[];
    expect(three?.modificationTime).toBe("2021-02-03 04:05:06");
  });

  it("ProductOnClient actionProgress is truncated to 250 characters", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_insertObject(productOnClient({ actionProgress: "x".repeat(300) }));
    const [p] = (await b.productOnClient_getObjects()) as Dict[];
    expect(p?.actionProgress).toBe("x".repeat(250));
  });

  it("ProductProperty value lists follow the Config rules", async () => {
    const b = getBackend();
    await createProducts(b);
    await b.productProperty_createObjects([
      unicodeProductProperty({ possibleValues: ["fr", "de", "fr"], defaultValues: ["de", "xx"] }),
      unicodeProductProperty({ propertyId: "multi", possibleValues: [], defaultValues: ["b", "a"], multiValue: false }),
    ]);
    const lang = await property(getBackend, "language");
    expect([lang?.possibleValues, lang?.defaultValues]).toEqual([["de", "fr"], ["de"]]);
    const multi = await property(getBackend, "multi");
    expect([multi?.possibleValues, multi?.defaultValues, multi?.multiValue]).toEqual([["a", "b"], ["a", "b"], true]);
  });

  it("BoolProductProperty: editable is always false, possible values [false, true], at most one default", async () => {
    const b = getBackend();
    await createProducts(b);
    await b.productProperty_insertObject(boolProductProperty({ editable: true, possibleValues: ["a"], defaultValues: ["off"] }));
    const p = await property(getBackend, "reboot");
    expect([p?.editable, p?.possibleValues, p?.defaultValues]).toEqual([false, [false, true], [false]]);
    await expectBadValue(b.productProperty_insertObject(boolProductProperty({ propertyId: "two", defaultValues: [true, false] })));
    expect(await property(getBackend, "two")).toBeUndefined();
  });

  it("a base ProductProperty is stored as Bool- or UnicodeProductProperty by its values", async () => {
    const b = getBackend();
    await createProducts(b);
    const base = { productId: PRODUCT_ID, productVersion: "1.0", packageVersion: "1" };
    await b.productProperty_createObjects([
      { ...base, propertyId: "flag", possibleValues: [false, true], defaultValues: [true] },
      { ...base, type: "ProductProperty", propertyId: "text", possibleValues: ["a"] },
    ]);
    expect([(await property(getBackend, "flag"))?.type, (await property(getBackend, "text"))?.type]).toEqual([
      "BoolProductProperty",
      "UnicodeProductProperty",
    ]);
  });

  it("deliberate fix: ProductProperty updates without value lists keep the stored lists", async () => {
    const b = getBackend();
    await createProducts(b);
    await b.productProperty_insertObject(unicodeProductProperty());
    const ident = { productId: PRODUCT_ID, productVersion: "1.0", packageVersion: "1", propertyId: "language" };
    await b.productProperty_updateObject({ type: "UnicodeProductProperty", ...ident, description: "changed" });
    await b.productProperty_updateObjects([{ type: "UnicodeProductProperty", ...ident, editable: true }]);
    const p = await property(getBackend, "language");
    expect([p?.description, p?.editable, p?.possibleValues, p?.defaultValues]).toEqual(["changed", true, ["de", "en", "fr"], ["de"]]);
  });

  it("ProductPropertyState values are sorted and do not require product or host", async () => {
    const b = getBackend();
    await b.productPropertyState_insertObject(productPropertyState({ productId: "ghost", objectId: DEPOT_ID, values: ["b", "a"] }));
    const [s] = (await b.productPropertyState_getObjects()) as Dict[];
    expect([s?.productId, s?.objectId, s?.values]).toEqual(["ghost", DEPOT_ID, ["a", "b"]]);
  });

  it("ProductOnClient does not require the product to exist", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_insertObject(productOnClient({ productId: "no-such-product" }));
    expect(await b.productOnClient_getIdents("str")).toEqual([`no-such-product;LocalbootProduct;${CLIENT_ID}`]);
  });
}
