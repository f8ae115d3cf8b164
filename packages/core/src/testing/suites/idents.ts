/**
 * @module testing/suites/idents
 * Idents: expansion of an `ident` given on input (string, list, dict), field-count checks and the
 * `getIdents` return types.
 */
import { expect, it } from "vitest";
import { type Dict, expectBadValue, type GetBackend } from "../assertions.js";
import { CLIENT_ID, localbootProduct, opsiClient, PRODUCT_ID, productOnClient } from "../fixtures.js";

/**
 * Registers the ident tests.
 * @example describe("idents", () => identsSuite(() => backend))
 */
export function identsSuite(getBackend: GetBackend): void {
  it("expands a string ident onto the ident attributes", async () => {
    const b = getBackend();
    await b.host_insertObject({ type: "OpsiClient", ident: "Client7.opsi.test" });
    await b.product_insertObject({ type: "LocalbootProduct", ident: "prod-x;2.0;3" });
    expect(await b.host_getIdents("str")).toEqual(["client7.opsi.test"]);
    expect(await b.product_getIdents("dict")).toEqual([{ id: "prod-x", productVersion: "2.0", packageVersion: "3" }]);
  });

  it("expands list and dict idents", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_createObjects([
      { type: "ProductOnClient", ident: ["prod-l", "LocalbootProduct", CLIENT_ID], actionRequest: "setup" },
      { ident: { productId: "prod-d", productType: "NetbootProduct", clientId: CLIENT_ID }, actionRequest: "once" },
    ]);
    const pocs = (await b.productOnClient_getObjects()) as Dict[];
    expect(pocs.map((p) => [p.productId, p.productType, p.clientId, p.actionRequest]).sort()).toEqual([
      ["prod-d", "NetbootProduct", CLIENT_ID, "once"],
      ["prod-l", "LocalbootProduct", CLIENT_ID, "setup"],
    ]);
  });

  it("rejects an ident with the wrong number of fields", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await expectBadValue(b.productOnClient_insertObject({ type: "ProductOnClient", ident: `${PRODUCT_ID};${CLIENT_ID}` }), "ident");
    await expectBadValue(b.productOnClient_insertObject({ ident: [PRODUCT_ID, "LocalbootProduct", CLIENT_ID, "extra"] }), "ident");
    await expectBadValue(b.product_insertObject({ type: "LocalbootProduct", ident: "prod-x;1.0" }), "ident");
    expect(await b.productOnClient_getObjects()).toEqual([]);
    expect(await b.product_getObjects()).toEqual([]);
  });

  it("accepts an ident for updateObject and deleteObjects", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_insertObject(productOnClient());
    await b.productOnClient_updateObject({ ident: `${PRODUCT_ID};LocalbootProduct;${CLIENT_ID}`, actionRequest: "uninstall" });
    expect(((await b.productOnClient_getObjects()) as Dict[]).map((p) => p.actionRequest)).toEqual(["uninstall"]);
    await b.productOnClient_deleteObjects([{ ident: `${PRODUCT_ID};LocalbootProduct;${CLIENT_ID}` }]);
    expect(await b.productOnClient_getObjects()).toEqual([]);
  });

  it("getIdents defaults to str and accepts null", async () => {
    const b = getBackend();
    await b.product_insertObject(localbootProduct());
    expect(await b.product_getIdents()).toEqual(["prod-a;1.0;1"]);
    expect(await b.product_getIdents(null)).toEqual(["prod-a;1.0;1"]);
    expect(await b.product_getIdents("tuple")).toEqual([["prod-a", "1.0", "1"]]);
  });

  it("an invalid returnType is a bad value", async () => {
    const b = getBackend();
    await b.product_insertObject(localbootProduct());
    await expectBadValue(b.product_getIdents("xml" as never), "xml");
  });

  it("getIdents on an empty store returns []", async () => {
    const b = getBackend();
    for (const rt of ["str", "dict", "list"] as const) {
      expect(await b.host_getIdents(rt)).toEqual([]);
      expect(await b.auditHardwareOnHost_getIdents(rt)).toEqual([]);
    }
  });
}
