/**
 * @module testing/suites/attributes
 * Attribute selection of `getObjects(attributes, filter)`: non-selected attributes read back null,
 * except ident attributes, `type`, aggregated value lists and POC actionSequence.
 */
import { expect, it } from "vitest";
import { type Dict, expectBadValue, expected, expectObjects, type GetBackend } from "../assertions.js";
import {
  CLIENT_ID,
  DEPOT_ID,
  licensePool,
  localbootProduct,
  opsiClient,
  opsiDepotserver,
  POOL_ID,
  PRODUCT_ID,
  productOnClient,
  unicodeConfig,
  unicodeProductProperty,
} from "../fixtures.js";
import { createProducts } from "../prefix-cases.js";

/**
 * Registers the attribute selection tests.
 * @example describe("attributes", () => attributesSuite(() => backend))
 */
export function attributesSuite(getBackend: GetBackend): void {
  it("non-selected attributes are null; ident and type are always present", async () => {
    const b = getBackend();
    await b.host_createObjects([opsiClient(), opsiDepotserver()]);
    expectObjects(b, await b.host_getObjects(["description", "depotLocalUrl"]), [
      expected(b, { type: "OpsiClient", id: CLIENT_ID, description: opsiClient().description }),
      expected(b, {
        type: "OpsiDepotserver",
        id: DEPOT_ID,
        description: opsiDepotserver().description,
        depotLocalUrl: opsiDepotserver().depotLocalUrl,
      }),
    ]);
  });

  it("null and [] select all attributes", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    expectObjects(b, await b.host_getObjects(null), [expected(b, opsiClient())]);
    expectObjects(b, await b.host_getObjects([]), [expected(b, opsiClient())]);
  });

  it("selecting only ident attributes returns the ident and type", async () => {
    const b = getBackend();
    await b.product_insertObject(localbootProduct());
    expectObjects(b, await b.product_getObjects(["id"]), [
      expected(b, { type: "LocalbootProduct", id: PRODUCT_ID, productVersion: "1.0", packageVersion: "1" }),
    ]);
    expectObjects(b, await b.product_getObjects(["name", "priority"]), [
      expected(b, {
        type: "LocalbootProduct",
        id: PRODUCT_ID,
        productVersion: "1.0",
        packageVersion: "1",
        name: "Product A",
        priority: 10,
      }),
    ]);
  });

  it("Config and ProductProperty value lists are always filled", async () => {
    const b = getBackend();
    await b.config_insertObject(unicodeConfig());
    await createProducts(b);
    await b.productProperty_insertObject(unicodeProductProperty());
    expectObjects(b, await b.config_getObjects(["description"]), [
      expected(b, {
        type: "UnicodeConfig",
        id: "test.config.unicode",
        description: "A unicode config",
        possibleValues: ["a", "b", "c"],
        defaultValues: ["b"],
      }),
    ]);
    const [p] = (await b.productProperty_getObjects(["editable"])) as Dict[];
    expect([p?.editable, p?.description, p?.multiValue, p?.possibleValues, p?.defaultValues]).toEqual([
      false,
      null,
      null,
      ["de", "en", "fr"],
      ["de"],
    ]);
  });

  it("LicensePool productIds are always filled", async () => {
    const b = getBackend();
    await b.licensePool_insertObject(licensePool());
    expectObjects(b, await b.licensePool_getObjects(["id"]), [
      expected(b, { type: "LicensePool", id: POOL_ID, productIds: ["prod-a", "prod-b"] }),
    ]);
  });

  it("ProductOnClient actionSequence is always -1", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_insertObject(productOnClient());
    expectObjects(b, await b.productOnClient_getObjects(["actionRequest"]), [
      expected(b, {
        type: "ProductOnClient",
        productId: PRODUCT_ID,
        productType: "LocalbootProduct",
        clientId: CLIENT_ID,
        actionRequest: "setup",
        actionSequence: -1,
      }),
    ]);
  });

  it("filters work on attributes that are not selected", async () => {
    const b = getBackend();
    await b.host_createObjects([opsiClient({ description: "x" }), opsiDepotserver({ description: "y" })]);
    const hosts = (await b.host_getObjects(["id"], { description: "y" })) as Dict[];
    expect(hosts.map((h) => [h.id, h.description])).toEqual([[DEPOT_ID, null]]);
  });

  it("unknown attribute names are rejected", async () => {
    const b = getBackend();
    await expectBadValue(b.host_getObjects(["noSuchAttribute"]), "noSuchAttribute");
    await expectBadValue(b.productOnClient_getObjects(["productId", "hostId"]), "hostId");
  });
}
