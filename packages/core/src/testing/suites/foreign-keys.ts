/**
 * @module testing/suites/foreign-keys
 * Foreign keys checked on write (BackendReferentialIntegrityError, nothing written) and the
 * references opsi deliberately does not check.
 */
import { expect, it } from "vitest";
import type { Backend } from "../../backend/methods.js";
import type { ObjectPrefix } from "../../model/registry.js";
import { expectIntegrityError, type GetBackend } from "../assertions.js";
import {
  auditHardwareOnHost,
  auditSoftware,
  auditSoftwareOnClient,
  auditSoftwareToLicensePool,
  CLIENT_ID,
  CLIENT2_ID,
  configState,
  hostGroup,
  licenseContract,
  licenseOnClient,
  licensePool,
  localbootProduct,
  objectToGroup,
  opsiClient,
  opsiDepotserver,
  PRODUCT2_ID,
  productDependency,
  productGroup,
  productOnClient,
  productOnDepot,
  productPropertyState,
  softwareLicense,
  softwareLicenseToLicensePool,
  unicodeProductProperty,
} from "../fixtures.js";
import { methodsOf } from "../prefix-methods.js";

async function count(b: Backend, prefix: ObjectPrefix): Promise<number> {
  return (await methodsOf(b, prefix).getIdents("str")).length;
}

/**
 * Registers the foreign key tests.
 * @example describe("foreign-keys", () => foreignKeysSuite(() => backend))
 */
export function foreignKeysSuite(getBackend: GetBackend): void {
  it("ObjectToGroup requires the group of that type", async () => {
    const b = getBackend();
    await b.group_insertObject(productGroup({ id: "g" }));
    await expectIntegrityError(b.objectToGroup_insertObject(objectToGroup({ groupType: "HostGroup", groupId: "g" })));
    await expectIntegrityError(b.objectToGroup_createObjects([objectToGroup({ groupId: "missing" })]));
    expect(await count(b, "objectToGroup")).toBe(0);
    await b.group_insertObject(hostGroup({ id: "g" }));
    await b.objectToGroup_insertObject(objectToGroup({ groupType: "HostGroup", groupId: "g" }));
    expect(await count(b, "objectToGroup")).toBe(1);
  });

  it("ProductDependency and ProductProperty require the exact product version", async () => {
    const b = getBackend();
    await b.product_insertObject(localbootProduct());
    await expectIntegrityError(b.productDependency_insertObject(productDependency({ productVersion: "2.0" })));
    await expectIntegrityError(b.productProperty_createObjects([unicodeProductProperty({ packageVersion: "9" })]));
    await expectIntegrityError(b.productProperty_updateObjects([unicodeProductProperty({ productId: PRODUCT2_ID })]));
    expect(await count(b, "productDependency")).toBe(0);
    expect(await count(b, "productProperty")).toBe(0);
    await b.productDependency_insertObject(productDependency());
    await b.productProperty_insertObject(unicodeProductProperty());
    expect(await count(b, "productDependency")).toBe(1);
    expect(await count(b, "productProperty")).toBe(1);
  });

  it("ProductOnDepot requires the product version and the depot host", async () => {
    const b = getBackend();
    await b.product_insertObject(localbootProduct());
    await expectIntegrityError(b.productOnDepot_insertObject(productOnDepot()));
    await b.host_insertObject(opsiDepotserver());
    await expectIntegrityError(b.productOnDepot_insertObject(productOnDepot({ productVersion: "3.0" })));
    expect(await count(b, "productOnDepot")).toBe(0);
    await b.productOnDepot_insertObject(productOnDepot());
    expect(await count(b, "productOnDepot")).toBe(1);
  });

  it("ProductOnClient requires the client host, through every write method", async () => {
    const b = getBackend();
    await expectIntegrityError(b.productOnClient_insertObject(productOnClient()));
    await expectIntegrityError(b.productOnClient_createObjects([productOnClient()]));
    await expectIntegrityError(b.productOnClient_updateObjects([productOnClient()]));
    expect(await count(b, "productOnClient")).toBe(0);
    await b.host_insertObject(opsiClient());
    await b.productOnClient_updateObjects([productOnClient()]);
    expect(await count(b, "productOnClient")).toBe(1);
  });

  it("a batch with one broken reference writes nothing", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await expectIntegrityError(b.productOnClient_createObjects([productOnClient(), productOnClient({ clientId: CLIENT2_ID })]));
    await expectIntegrityError(b.productOnClient_updateObjects([productOnClient(), productOnClient({ clientId: CLIENT2_ID })]));
    expect(await count(b, "productOnClient")).toBe(0);
  });

  it("AuditSoftwareOnClient requires the client and the AuditSoftware", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await expectIntegrityError(b.auditSoftwareOnClient_insertObject(auditSoftwareOnClient()));
    await b.auditSoftware_insertObject(auditSoftware());
    await expectIntegrityError(b.auditSoftwareOnClient_insertObject(auditSoftwareOnClient({ clientId: CLIENT2_ID })));
    await expectIntegrityError(b.auditSoftwareOnClient_insertObject(auditSoftwareOnClient({ version: "121.0" })));
    expect(await count(b, "auditSoftwareOnClient")).toBe(0);
    await b.auditSoftwareOnClient_insertObject(auditSoftwareOnClient());
    expect(await count(b, "auditSoftwareOnClient")).toBe(1);
  });

  it("SoftwareLicense requires its license contract and, when bound, the host", async () => {
    const b = getBackend();
    await expectIntegrityError(b.softwareLicense_insertObject(softwareLicense({ boundToHost: null })));
    await b.licenseContract_insertObject(licenseContract());
    await expectIntegrityError(b.softwareLicense_insertObject(softwareLicense({ boundToHost: CLIENT_ID })));
    expect(await count(b, "softwareLicense")).toBe(0);
    await b.softwareLicense_insertObject(softwareLicense({ boundToHost: null }));
    await b.host_insertObject(opsiClient());
    await b.softwareLicense_insertObject(softwareLicense({ id: "license-2", boundToHost: CLIENT_ID }));
    expect(await count(b, "softwareLicense")).toBe(2);
  });

  it("SoftwareLicenseToLicensePool requires the software license and the license pool", async () => {
    const b = getBackend();
    await b.licenseContract_insertObject(licenseContract());
    await b.licensePool_insertObject(licensePool());
    await expectIntegrityError(b.softwareLicenseToLicensePool_insertObject(softwareLicenseToLicensePool()));
    await b.softwareLicense_insertObject(softwareLicense({ boundToHost: null }));
    await expectIntegrityError(b.softwareLicenseToLicensePool_insertObject(softwareLicenseToLicensePool({ licensePoolId: "pool-x" })));
    expect(await count(b, "softwareLicenseToLicensePool")).toBe(0);
    await b.softwareLicenseToLicensePool_insertObject(softwareLicenseToLicensePool());
    expect(await count(b, "softwareLicenseToLicensePool")).toBe(1);
  });

  it("LicenseOnClient requires the SoftwareLicenseToLicensePool and the client", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.licenseContract_insertObject(licenseContract());
    await b.licensePool_insertObject(licensePool());
    await b.softwareLicense_insertObject(softwareLicense({ boundToHost: null }));
    await expectIntegrityError(b.licenseOnClient_insertObject(licenseOnClient()));
    await b.softwareLicenseToLicensePool_insertObject(softwareLicenseToLicensePool());
    await expectIntegrityError(b.licenseOnClient_insertObject(licenseOnClient({ clientId: CLIENT2_ID })));
    expect(await count(b, "licenseOnClient")).toBe(0);
    await b.licenseOnClient_insertObject(licenseOnClient());
    expect(await count(b, "licenseOnClient")).toBe(1);
  });

  it("AuditSoftwareToLicensePool requires the license pool but not the AuditSoftware", async () => {
    const b = getBackend();
    await expectIntegrityError(b.auditSoftwareToLicensePool_insertObject(auditSoftwareToLicensePool()));
    await b.licensePool_insertObject(licensePool());
    await b.auditSoftwareToLicensePool_insertObject(auditSoftwareToLicensePool());
    expect(await count(b, "auditSoftwareToLicensePool")).toBe(1);
  });

  it("references opsi does not check: states, group members, POC product, hardware host, master depot", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.group_insertObject(hostGroup());
    await b.configState_insertObject(configState({ configId: "missing.config", objectId: "missing.opsi.test" }));
    await b.productPropertyState_insertObject(productPropertyState({ productId: "missing", objectId: "missing.opsi.test" }));
    await b.objectToGroup_insertObject(objectToGroup({ objectId: "missing.opsi.test" }));
    await b.productOnClient_insertObject(productOnClient({ productId: "missing" }));
    await b.auditHardwareOnHost_insertObject(auditHardwareOnHost({ hostId: "missing.opsi.test" }));
    await b.host_insertObject(opsiDepotserver({ masterDepotId: "missing.opsi.test" }));
    for (const prefix of ["configState", "productPropertyState", "objectToGroup", "productOnClient", "auditHardwareOnHost"] as const) {
      expect(await count(b, prefix)).toBe(1);
    }
    expect(await count(b, "host")).toBe(2);
  });
}
