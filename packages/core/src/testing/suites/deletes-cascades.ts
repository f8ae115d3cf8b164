/**
 * @module testing/suites/deletes-cascades
 * `deleteObjects`: ident validation, atomicity, the cascades opsi performs for hosts, configs,
 * products, product properties, groups, audit software/hardware and license pools, and the
 * RESTRICT rules of the licensing tables.
 */
import { expect, it } from "vitest";
import type { Backend } from "../../backend/methods.js";
import type { ObjectPrefix } from "../../model/registry.js";
import { type Dict, expectBadValue, expectIntegrityError, type GetBackend } from "../assertions.js";
import {
  auditHardware,
  auditHardwareOnHost,
  auditSoftware,
  auditSoftwareOnClient,
  auditSoftwareToLicensePool,
  CLIENT_ID,
  CLIENT2_ID,
  CONTRACT_ID,
  configState,
  DEPOT_ID,
  DEPOT2_ID,
  hostGroup,
  LICENSE_ID,
  licenseContract,
  licenseOnClient,
  licensePool,
  localbootProduct,
  objectToGroup,
  opsiClient,
  opsiDepotserver,
  POOL_ID,
  PRODUCT_ID,
  PRODUCT2_ID,
  productDependency,
  productGroup,
  productOnClient,
  productOnDepot,
  productPropertyState,
  softwareLicense,
  softwareLicenseToLicensePool,
  unicodeConfig,
  unicodeProductProperty,
} from "../fixtures.js";
import { methodsOf } from "../prefix-methods.js";

async function idents(backend: Backend, prefix: ObjectPrefix): Promise<string[]> {
  return ((await methodsOf(backend, prefix).getIdents("str")) as string[]).sort();
}

async function createHostGraph(b: Backend): Promise<void> {
  await b.host_createObjects([opsiClient(), opsiClient({ id: CLIENT2_ID }), opsiDepotserver()]);
  await b.group_createObjects([hostGroup(), productGroup()]);
  await b.objectToGroup_createObjects([
    objectToGroup(),
    objectToGroup({ objectId: CLIENT2_ID }),
    // A product id may look like a host id: ProductGroup memberships are not host memberships.
    objectToGroup({ groupType: "ProductGroup", groupId: "pgroup-a", objectId: CLIENT_ID }),
  ]);
  await b.configState_createObjects([configState(), configState({ objectId: CLIENT2_ID })]);
  await b.productPropertyState_createObjects([productPropertyState(), productPropertyState({ objectId: CLIENT2_ID })]);
  await b.auditHardwareOnHost_createObjects([auditHardwareOnHost(), auditHardwareOnHost({ hostId: CLIENT2_ID })]);
  await b.product_createObjects([localbootProduct()]);
  await b.productOnClient_createObjects([productOnClient(), productOnClient({ clientId: CLIENT2_ID })]);
  await b.productOnDepot_createObjects([productOnDepot()]);
  await b.auditSoftware_createObjects([auditSoftware()]);
  await b.auditSoftwareOnClient_createObjects([auditSoftwareOnClient(), auditSoftwareOnClient({ clientId: CLIENT2_ID })]);
  await b.licenseContract_createObjects([licenseContract()]);
  await b.softwareLicense_createObjects([softwareLicense(), softwareLicense({ id: "license-2", boundToHost: CLIENT2_ID })]);
  await b.licensePool_createObjects([licensePool()]);
  await b.softwareLicenseToLicensePool_createObjects([softwareLicenseToLicensePool()]);
  await b.licenseOnClient_createObjects([licenseOnClient(), licenseOnClient({ clientId: CLIENT2_ID })]);
}

async function createLicenseChain(b: Backend): Promise<void> {
  await b.host_insertObject(opsiClient());
  await b.licenseContract_createObjects([licenseContract(), licenseContract({ id: "contract-2" })]);
  await b.softwareLicense_createObjects([softwareLicense({ boundToHost: null }), softwareLicense({ id: "license-2", boundToHost: null })]);
  await b.licensePool_createObjects([licensePool(), licensePool({ id: "pool-2" })]);
  await b.softwareLicenseToLicensePool_createObjects([softwareLicenseToLicensePool()]);
  await b.licenseOnClient_createObjects([licenseOnClient()]);
}

/**
 * Registers the delete and cascade tests.
 * @example describe("deletes-cascades", () => deletesCascadesSuite(() => backend))
 */
export function deletesCascadesSuite(getBackend: GetBackend): void {
  it("a null or missing ident attribute is a bad value", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_insertObject(productOnClient());
    await expectBadValue(b.host_deleteObjects({ id: null }), "id");
    await expectBadValue(b.host_deleteObjects([{}]), "id");
    await expectBadValue(b.productOnClient_deleteObjects({ productId: PRODUCT_ID, productType: "LocalbootProduct" }), "clientId");
    expect(await idents(b, "host")).toEqual([CLIENT_ID]);
    expect(await idents(b, "productOnClient")).toHaveLength(1);
  });

  it("a failing delete batch deletes nothing", async () => {
    const b = getBackend();
    await b.host_createObjects([opsiClient(), opsiClient({ id: CLIENT2_ID })]);
    await expectBadValue(b.host_deleteObjects([{ id: CLIENT_ID }, { id: null }]));
    expect(await idents(b, "host")).toEqual([CLIENT_ID, CLIENT2_ID]);
  });

  it('empty-string ident values are allowed ("" is not null)', async () => {
    const b = getBackend();
    const ident = { name: "Tool", version: "", subVersion: "", language: "", architecture: "" };
    await b.auditSoftware_createObjects([auditSoftware(ident), auditSoftware()]);
    await b.auditSoftware_deleteObjects([ident]);
    expect(await idents(b, "auditSoftware")).toEqual(["Firefox;120.0;;de-DE;x64"]);
  });

  it("deletes by ident only; other attributes of the given object are ignored", async () => {
    const b = getBackend();
    await b.host_createObjects([opsiClient(), opsiClient({ id: CLIENT2_ID })]);
    await b.host_deleteObjects({ type: "OpsiClient", id: CLIENT_ID, description: "does not match", hardwareAddress: "00:00:00:00:00:00" });
    expect(await idents(b, "host")).toEqual([CLIENT2_ID]);
  });

  it("deleting a client removes its dependent objects and unbinds its licenses", async () => {
    const b = getBackend();
    await createHostGraph(b);
    await b.host_deleteObjects([{ id: CLIENT_ID }]);
    expect(await idents(b, "host")).toEqual([CLIENT2_ID, DEPOT_ID]);
    expect(await idents(b, "objectToGroup")).toEqual([`HostGroup;group-a;${CLIENT2_ID}`, `ProductGroup;pgroup-a;${CLIENT_ID}`]);
    expect(await idents(b, "configState")).toEqual([`test.config.unicode;${CLIENT2_ID}`]);
    expect(await idents(b, "productPropertyState")).toEqual([`${PRODUCT_ID};language;${CLIENT2_ID}`]);
    expect((await b.auditHardwareOnHost_getObjects()).map((o) => o.hostId)).toEqual([CLIENT2_ID]);
    expect(await b.auditHardware_getObjects()).toHaveLength(1);
    expect(await idents(b, "productOnClient")).toEqual([`${PRODUCT_ID};LocalbootProduct;${CLIENT2_ID}`]);
    expect(await idents(b, "productOnDepot")).toHaveLength(1);
    expect(await idents(b, "auditSoftwareOnClient")).toEqual([`Firefox;120.0;;de-DE;x64;${CLIENT2_ID}`]);
    expect(await idents(b, "licenseOnClient")).toEqual([`${LICENSE_ID};${POOL_ID};${CLIENT2_ID}`]);
    const licenses = (await b.softwareLicense_getObjects()) as Dict[];
    expect(licenses.map((l) => [l.id, l.boundToHost]).sort()).toEqual([
      [LICENSE_ID, null],
      ["license-2", CLIENT2_ID],
    ]);
    expect(await idents(b, "softwareLicenseToLicensePool")).toHaveLength(1);
    expect(await idents(b, "auditSoftware")).toHaveLength(1);
  });

  it("deleting a depot removes its ProductOnDepots and states", async () => {
    const b = getBackend();
    await createHostGraph(b);
    await b.configState_insertObject(configState({ objectId: DEPOT_ID }));
    await b.productPropertyState_insertObject(productPropertyState({ objectId: DEPOT_ID }));
    await b.host_deleteObjects(opsiDepotserver());
    expect(await idents(b, "productOnDepot")).toEqual([]);
    expect(await idents(b, "configState")).toEqual([`test.config.unicode;${CLIENT_ID}`, `test.config.unicode;${CLIENT2_ID}`]);
    expect(await idents(b, "productPropertyState")).toHaveLength(2);
    expect(await idents(b, "product")).toEqual([`${PRODUCT_ID};1.0;1`]);
  });

  it("deleting a config removes its ConfigStates", async () => {
    const b = getBackend();
    await b.config_createObjects([unicodeConfig(), unicodeConfig({ id: "other.config" })]);
    await b.configState_createObjects([configState(), configState({ objectId: CLIENT2_ID }), configState({ configId: "other.config" })]);
    await b.config_deleteObjects([{ id: "test.config.unicode" }]);
    expect(await idents(b, "config")).toEqual(["other.config"]);
    expect(await idents(b, "configState")).toEqual([`other.config;${CLIENT_ID}`]);
  });

  it("deleting a product version removes its dependencies, properties and depot entries; the last version takes the rest", async () => {
    const b = getBackend();
    await b.host_createObjects([opsiClient(), opsiDepotserver(), opsiDepotserver({ id: DEPOT2_ID })]);
    const v1 = { productVersion: "1.0", packageVersion: "1" };
    const v2 = { productVersion: "2.0", packageVersion: "1" };
    await b.product_createObjects([localbootProduct(v1), localbootProduct(v2), localbootProduct({ id: PRODUCT2_ID })]);
    await b.productDependency_createObjects([productDependency(v1), productDependency(v2), productDependency({ productId: PRODUCT2_ID })]);
    await b.productProperty_createObjects([
      unicodeProductProperty(v1),
      unicodeProductProperty(v2),
      unicodeProductProperty({ productId: PRODUCT2_ID }),
    ]);
    await b.productOnDepot_createObjects([
      productOnDepot(v1),
      productOnDepot({ ...v2, depotId: DEPOT2_ID }),
      productOnDepot({ productId: PRODUCT2_ID }),
    ]);
    await b.productOnClient_createObjects([productOnClient(), productOnClient({ productId: PRODUCT2_ID })]);
    await b.productPropertyState_createObjects([productPropertyState(), productPropertyState({ productId: PRODUCT2_ID })]);
    await b.group_createObjects([productGroup(), hostGroup()]);
    await b.objectToGroup_createObjects([
      objectToGroup({ groupType: "ProductGroup", groupId: "pgroup-a", objectId: PRODUCT_ID }),
      objectToGroup({ groupType: "ProductGroup", groupId: "pgroup-a", objectId: PRODUCT2_ID }),
      objectToGroup({ groupType: "HostGroup", groupId: "group-a", objectId: PRODUCT_ID }),
    ]);

    await b.product_deleteObjects([{ id: PRODUCT_ID, ...v1 }]);
    expect(await idents(b, "product")).toEqual([`${PRODUCT_ID};2.0;1`, `${PRODUCT2_ID};1.0;1`]);
    expect(await idents(b, "productDependency")).toEqual([
      `${PRODUCT_ID};2.0;1;setup;${PRODUCT2_ID}`,
      `${PRODUCT2_ID};1.0;1;setup;${PRODUCT2_ID}`,
    ]);
    expect(await idents(b, "productProperty")).toEqual([`${PRODUCT_ID};2.0;1;language`, `${PRODUCT2_ID};1.0;1;language`]);
    expect(await idents(b, "productOnDepot")).toEqual([
      `${PRODUCT_ID};LocalbootProduct;2.0;1;${DEPOT2_ID}`,
      `${PRODUCT2_ID};LocalbootProduct;1.0;1;${DEPOT_ID}`,
    ]);
    expect(await idents(b, "productOnClient")).toHaveLength(2);
    expect(await idents(b, "productPropertyState")).toHaveLength(2);
    expect(await idents(b, "objectToGroup")).toHaveLength(3);

    await b.product_deleteObjects([localbootProduct(v2)]);
    expect(await idents(b, "product")).toEqual([`${PRODUCT2_ID};1.0;1`]);
    expect(await idents(b, "productDependency")).toEqual([`${PRODUCT2_ID};1.0;1;setup;${PRODUCT2_ID}`]);
    expect(await idents(b, "productProperty")).toEqual([`${PRODUCT2_ID};1.0;1;language`]);
    expect(await idents(b, "productOnDepot")).toEqual([`${PRODUCT2_ID};LocalbootProduct;1.0;1;${DEPOT_ID}`]);
    expect(await idents(b, "productOnClient")).toEqual([`${PRODUCT2_ID};LocalbootProduct;${CLIENT_ID}`]);
    expect(await idents(b, "productPropertyState")).toEqual([`${PRODUCT2_ID};language;${CLIENT_ID}`]);
    expect(await idents(b, "objectToGroup")).toEqual([`HostGroup;group-a;${PRODUCT_ID}`, `ProductGroup;pgroup-a;${PRODUCT2_ID}`]);
  });

  it("deleting a product property only removes states whose product or host is gone (opsi quirk)", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.product_insertObject(localbootProduct());
    await b.productProperty_createObjects([unicodeProductProperty(), unicodeProductProperty({ propertyId: "other" })]);
    await b.productPropertyState_createObjects([
      productPropertyState(),
      productPropertyState({ objectId: "gone.opsi.test" }),
      productPropertyState({ productId: "gone-product" }),
    ]);
    await b.productProperty_deleteObjects([unicodeProductProperty()]);
    expect(await idents(b, "productProperty")).toEqual([`${PRODUCT_ID};1.0;1;other`]);
    expect(await idents(b, "productPropertyState")).toEqual([`${PRODUCT_ID};language;${CLIENT_ID}`]);
  });

  it("deleting a group id deletes the HostGroup and the ProductGroup of that id with their members", async () => {
    const b = getBackend();
    await b.group_createObjects([hostGroup({ id: "shared" }), productGroup({ id: "shared" }), hostGroup({ id: "other" })]);
    await b.objectToGroup_createObjects([
      objectToGroup({ groupId: "shared" }),
      objectToGroup({ groupType: "ProductGroup", groupId: "shared", objectId: PRODUCT_ID }),
      objectToGroup({ groupId: "other" }),
    ]);
    await b.group_deleteObjects(hostGroup({ id: "shared" }));
    expect(((await b.group_getObjects()) as Dict[]).map((g) => [g.type, g.id])).toEqual([["HostGroup", "other"]]);
    expect(await idents(b, "objectToGroup")).toEqual([`HostGroup;other;${CLIENT_ID}`]);
  });

  it("deleting an AuditSoftware removes the AuditSoftwareOnClients with the same ident", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.auditSoftware_createObjects([auditSoftware(), auditSoftware({ name: "Other" }), auditSoftware({ architecture: "x86" })]);
    await b.auditSoftwareOnClient_createObjects([
      auditSoftwareOnClient(),
      auditSoftwareOnClient({ name: "Other" }),
      auditSoftwareOnClient({ architecture: "x86" }),
    ]);
    await b.auditSoftware_deleteObjects([auditSoftware()]);
    expect(await idents(b, "auditSoftwareOnClient")).toEqual([
      `Firefox;120.0;;de-DE;x86;${CLIENT_ID}`,
      `Other;120.0;;de-DE;x64;${CLIENT_ID}`,
    ]);
  });

  it("deleting an AuditHardware removes the AuditHardwareOnHosts of that device", async () => {
    const b = getBackend();
    await b.auditHardwareOnHost_createObjects([
      auditHardwareOnHost(),
      auditHardwareOnHost({ hostId: CLIENT2_ID }),
      auditHardwareOnHost({ vendor: "Other" }),
    ]);
    await b.auditHardware_deleteObjects([auditHardware()]);
    const rest = (await b.auditHardwareOnHost_getObjects()) as Dict[];
    expect(rest.map((o) => [o.hostId, o.vendor])).toEqual([[CLIENT_ID, "Other"]]);
    expect(((await b.auditHardware_getObjects()) as Dict[]).map((d) => d.vendor)).toEqual(["Other"]);
  });

  it("deleting a license pool removes its AuditSoftwareToLicensePools", async () => {
    const b = getBackend();
    await b.licensePool_createObjects([licensePool(), licensePool({ id: "pool-2" })]);
    await b.auditSoftwareToLicensePool_createObjects([
      auditSoftwareToLicensePool(),
      auditSoftwareToLicensePool({ licensePoolId: "pool-2" }),
    ]);
    await b.licensePool_deleteObjects([{ id: POOL_ID }]);
    expect(await idents(b, "licensePool")).toEqual(["pool-2"]);
    expect(await idents(b, "auditSoftwareToLicensePool")).toEqual(["Firefox;120.0;;de-DE;x64;pool-2"]);
  });

  it("RESTRICT: a license contract referenced by a software license is not deleted", async () => {
    const b = getBackend();
    await createLicenseChain(b);
    await expectIntegrityError(b.licenseContract_deleteObjects([{ id: "contract-2" }, { id: CONTRACT_ID }]));
    expect(await idents(b, "licenseContract")).toEqual([CONTRACT_ID, "contract-2"]);
    await b.licenseContract_deleteObjects([{ id: "contract-2" }]);
    expect(await idents(b, "licenseContract")).toEqual([CONTRACT_ID]);
  });

  it("RESTRICT: a software license or license pool referenced by a SoftwareLicenseToLicensePool is not deleted", async () => {
    const b = getBackend();
    await createLicenseChain(b);
    await expectIntegrityError(b.softwareLicense_deleteObjects([{ id: LICENSE_ID, licenseContractId: CONTRACT_ID }]));
    await expectIntegrityError(b.licensePool_deleteObjects([{ id: "pool-2" }, { id: POOL_ID }]));
    expect(await idents(b, "softwareLicense")).toEqual([`${LICENSE_ID};${CONTRACT_ID}`, `license-2;${CONTRACT_ID}`]);
    expect(await idents(b, "licensePool")).toEqual([POOL_ID, "pool-2"]);
    await b.softwareLicense_deleteObjects([{ id: "license-2", licenseContractId: CONTRACT_ID }]);
    await b.licensePool_deleteObjects([{ id: "pool-2" }]);
    expect(await idents(b, "softwareLicense")).toEqual([`${LICENSE_ID};${CONTRACT_ID}`]);
    expect(await idents(b, "licensePool")).toEqual([POOL_ID]);
  });

  it("RESTRICT: a SoftwareLicenseToLicensePool referenced by a LicenseOnClient is not deleted", async () => {
    const b = getBackend();
    await createLicenseChain(b);
    await expectIntegrityError(b.softwareLicenseToLicensePool_deleteObjects([softwareLicenseToLicensePool()]));
    expect(await idents(b, "softwareLicenseToLicensePool")).toEqual([`${LICENSE_ID};${POOL_ID}`]);
    await b.licenseOnClient_deleteObjects([licenseOnClient()]);
    await b.softwareLicenseToLicensePool_deleteObjects([softwareLicenseToLicensePool()]);
    await b.softwareLicense_deleteObjects([softwareLicense(), softwareLicense({ id: "license-2" })]);
    await b.licenseContract_deleteObjects([licenseContract()]);
    expect(await idents(b, "softwareLicenseToLicensePool")).toEqual([]);
    expect(await idents(b, "licenseContract")).toEqual(["contract-2"]);
  });
}
