/**
 * @module testing/suites/licensing
 * Licensing specifics: license variants, the SoftwareLicense key (id alone), LicensePool product
 * ids (normalisation, the filter quirk, the deliberate update fix).
 */
import { expect, it } from "vitest";
import { type Dict, expectBadValue, type GetBackend } from "../assertions.js";
import { CONTRACT_ID, LICENSE_ID, licenseContract, licensePool, POOL_ID, softwareLicense } from "../fixtures.js";

async function pools(getBackend: GetBackend, filter: Dict = {}): Promise<[unknown, unknown][]> {
  const list = (await getBackend().licensePool_getObjects([], filter)) as Dict[];
  return list.map((p): [unknown, unknown] => [p.id, p.productIds]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

/**
 * Registers the licensing tests.
 * @example describe("licensing", () => licensingSuite(() => backend))
 */
export function licensingSuite(getBackend: GetBackend): void {
  it("OEMSoftwareLicense always has maxInstallations 1", async () => {
    const b = getBackend();
    await b.licenseContract_insertObject(licenseContract());
    await b.softwareLicense_insertObject(softwareLicense({ type: "OEMSoftwareLicense", maxInstallations: 5, boundToHost: null }));
    await b.softwareLicense_updateObject({
      type: "OEMSoftwareLicense",
      id: LICENSE_ID,
      licenseContractId: CONTRACT_ID,
      maxInstallations: 9,
    });
    const [l] = (await b.softwareLicense_getObjects()) as Dict[];
    expect(l?.maxInstallations).toBe(1);
  });

  it("maxInstallations is unsigned: a negative value is stored as its absolute value", async () => {
    const b = getBackend();
    await b.licenseContract_insertObject(licenseContract());
    await b.softwareLicense_insertObject(softwareLicense({ type: "VolumeSoftwareLicense", maxInstallations: -3, boundToHost: null }));
    const [l] = (await b.softwareLicense_getObjects()) as Dict[];
    expect(l?.maxInstallations).toBe(3);
  });

  it("an abstract SoftwareLicense without concrete type cannot be stored", async () => {
    const b = getBackend();
    await b.licenseContract_insertObject(licenseContract());
    await expectBadValue(b.softwareLicense_insertObject({ id: LICENSE_ID, licenseContractId: CONTRACT_ID }), "SoftwareLicense");
    expect(await b.softwareLicense_getObjects()).toEqual([]);
  });

  it("a SoftwareLicense with an existing id but another contract replaces the stored license", async () => {
    const b = getBackend();
    await b.licenseContract_createObjects([licenseContract(), licenseContract({ id: "contract-2" })]);
    await b.softwareLicense_insertObject(softwareLicense({ boundToHost: null }));
    await b.softwareLicense_createObjects([softwareLicense({ licenseContractId: "contract-2", boundToHost: null, maxInstallations: 2 })]);
    const list = (await b.softwareLicense_getObjects()) as Dict[];
    expect(list.map((l) => [l.id, l.licenseContractId, l.maxInstallations])).toEqual([[LICENSE_ID, "contract-2", 2]]);
  });

  it("LicensePool productIds are lowercased, validated and sorted", async () => {
    const b = getBackend();
    await b.licensePool_insertObject(licensePool({ productIds: ["Prod-C", "prod-a"] }));
    expect(await pools(getBackend)).toEqual([[POOL_ID, ["prod-a", "prod-c"]]]);
    await expectBadValue(b.licensePool_insertObject(licensePool({ id: "pool-2", productIds: ["bad product!"] })), "productIds");
    expect(await pools(getBackend)).toHaveLength(1);
  });

  it("LicensePool quirk: a productIds filter restricts pools and the returned productIds to the matching ids", async () => {
    const b = getBackend();
    await b.licensePool_createObjects([
      licensePool({ id: "pool-1", productIds: ["a", "b"] }),
      licensePool({ id: "pool-2", productIds: ["b", "c"] }),
      licensePool({ id: "pool-3", productIds: [] }),
    ]);
    expect(await pools(getBackend, { productIds: "a" })).toEqual([["pool-1", ["a"]]]);
    expect(await pools(getBackend, { productIds: ["a", "c"] })).toEqual([
      ["pool-1", ["a"]],
      ["pool-2", ["c"]],
    ]);
    expect(await pools(getBackend, { productIds: "b" })).toEqual([
      ["pool-1", ["b"]],
      ["pool-2", ["b"]],
    ]);
    expect(await pools(getBackend, { productIds: "*" })).toEqual([
      ["pool-1", ["a", "b"]],
      ["pool-2", ["b", "c"]],
    ]);
    expect(await pools(getBackend)).toEqual([
      ["pool-1", ["a", "b"]],
      ["pool-2", ["b", "c"]],
      ["pool-3", []],
    ]);
  });

  it("deliberate fix: LicensePool updates without productIds keep the stored list", async () => {
    const b = getBackend();
    await b.licensePool_insertObject(licensePool());
    await b.licensePool_updateObject({ id: POOL_ID, description: "changed" });
    await b.licensePool_updateObjects([{ id: POOL_ID, description: "changed again", productIds: null }]);
    const [p] = (await b.licensePool_getObjects()) as Dict[];
    expect([p?.description, p?.productIds]).toEqual(["changed again", ["prod-a", "prod-b"]]);
  });

  it("LicensePool updates with productIds replace the stored list", async () => {
    const b = getBackend();
    await b.licensePool_insertObject(licensePool());
    await b.licensePool_updateObject({ id: POOL_ID, productIds: ["prod-z"] });
    expect(await pools(getBackend)).toEqual([[POOL_ID, ["prod-z"]]]);
  });
}
