/**
 * @module backend/memory/foreign-keys
 * The foreign keys of opsi's MySQL schema, checked on every write: a row may only reference
 * objects that exist. ConfigState, ProductPropertyState, ObjectToGroup.objectId,
 * ProductOnClient.productId, AuditHardwareOnHost.hostId and Host.masterDepotId have no FK in opsi.
 */
import { BackendReferentialIntegrityError } from "../../errors.js";
import type { ObjectPrefix } from "../../model/registry.js";
import { compositeKey } from "./keys.js";
import { SOFTWARE_IDENT, type Tables } from "./schema.js";
import type { Row } from "./table.js";

interface Reference {
  /** Referenced table. */
  readonly target: ObjectPrefix;
  /** Attributes of the referencing row, in the order of the target's storage key. */
  readonly attributes: readonly string[];
  /** Human name of the referenced object. */
  readonly what: string;
  /** Skip the check when the (single) attribute is null (nullable FK). */
  readonly nullable?: boolean;
}

const PRODUCT_REF: Reference = { target: "product", attributes: ["productId", "productVersion", "packageVersion"], what: "Product" };
const hostRef = (attribute: string, nullable = false): Reference => ({ target: "host", attributes: [attribute], what: "Host", nullable });

/** The references each prefix's rows hold. */
export const FOREIGN_KEYS: { readonly [P in ObjectPrefix]?: readonly Reference[] } = {
  objectToGroup: [{ target: "group", attributes: ["groupType", "groupId"], what: "Group" }],
  productDependency: [PRODUCT_REF],
  productProperty: [PRODUCT_REF],
  productOnDepot: [PRODUCT_REF, hostRef("depotId")],
  productOnClient: [hostRef("clientId")],
  auditSoftwareOnClient: [{ target: "auditSoftware", attributes: SOFTWARE_IDENT, what: "AuditSoftware" }, hostRef("clientId")],
  licenseOnClient: [
    {
      target: "softwareLicenseToLicensePool",
      attributes: ["softwareLicenseId", "licensePoolId"],
      what: "SoftwareLicenseToLicensePool",
    },
    hostRef("clientId"),
  ],
  softwareLicense: [
    { target: "licenseContract", attributes: ["licenseContractId"], what: "LicenseContract" },
    hostRef("boundToHost", true),
  ],
  softwareLicenseToLicensePool: [
    { target: "softwareLicense", attributes: ["softwareLicenseId"], what: "SoftwareLicense" },
    { target: "licensePool", attributes: ["licensePoolId"], what: "LicensePool" },
  ],
  auditSoftwareToLicensePool: [{ target: "licensePool", attributes: ["licensePoolId"], what: "LicensePool" }],
};

/**
 * Throws {@link BackendReferentialIntegrityError} if the row references a missing object.
 * @example checkForeignKeys(tables, "productOnClient", poc, "ProductOnClient 'x;LocalbootProduct;pc1.dom.tld'")
 */
export function checkForeignKeys(tables: Tables, prefix: ObjectPrefix, row: Row, describe: () => string): void {
  for (const ref of FOREIGN_KEYS[prefix] ?? []) {
    const values = ref.attributes.map((a) => row[a]);
    if (ref.nullable && (values[0] === null || values[0] === undefined)) continue;
    if (tables[ref.target].get(compositeKey(values)) !== undefined) continue;
    const shown = values.map((v) => (v === null || v === undefined ? "" : String(v))).join(";");
    throw new BackendReferentialIntegrityError(`Cannot store ${describe()}: ${ref.what} '${shown}' does not exist`);
  }
}
