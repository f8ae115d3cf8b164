/**
 * @module backend/memory/schema
 * The in-memory table layout: one {@link Table} per prefix, keyed like opsi's MySQL primary /
 * unique keys, with the secondary indexes that filters and cascades use.
 */

import type { HardwareAuditConfig } from "../../model/hwaudit-config.js";
import { OBJECT_PREFIXES, type ObjectPrefix } from "../../model/registry.js";
import { STORAGE_KEYS } from "../write-rules.js";
import { compositeKey, rowKey } from "./keys.js";
import { attributeIndex, type IndexSpec, type Row, Table } from "./table.js";

/** One table per prefix. */
export type Tables = { readonly [P in ObjectPrefix]: Table };

/** The AuditSoftware ident attributes (shared by AuditSoftwareOnClient and AuditSoftwareToLicensePool). */
export const SOFTWARE_IDENT = ["name", "version", "subVersion", "language", "architecture"] as const;

/** Secondary attribute indexes per prefix (exact-match filters and cascades use them). */
export const INDEXED_ATTRIBUTES: { readonly [P in ObjectPrefix]: readonly string[] } = {
  host: ["id", "type", "hardwareAddress", "systemUUID"],
  user: ["id"],
  config: ["id"],
  configState: ["configId", "objectId"],
  group: ["id"],
  objectToGroup: ["groupId", "objectId"],
  product: ["id"],
  productDependency: ["productId", "requiredProductId"],
  productProperty: ["productId", "propertyId"],
  productPropertyState: ["productId", "propertyId", "objectId"],
  productOnDepot: ["productId", "depotId"],
  productOnClient: ["productId", "clientId"],
  licenseContract: ["id"],
  softwareLicense: ["id", "licenseContractId", "boundToHost"],
  licensePool: ["id"],
  softwareLicenseToLicensePool: ["softwareLicenseId", "licensePoolId"],
  licenseOnClient: ["softwareLicenseId", "licensePoolId", "clientId"],
  auditSoftware: ["name"],
  auditSoftwareOnClient: ["name", "clientId"],
  auditSoftwareToLicensePool: ["name", "licensePoolId"],
  auditHardware: ["hardwareClass"],
  auditHardwareOnHost: ["hardwareClass", "hostId"],
};

/** Computed index on AuditSoftwareOnClient: the key of its AuditSoftware. */
export const SOFTWARE_KEY_INDEX = "#software";
/** Computed index on AuditHardwareOnHost: the key of its AuditHardware device. */
export const DEVICE_KEY_INDEX = "#device";

function sortedOtherKeys(row: Row, skip: ReadonlySet<string>): string[] {
  return Object.keys(row)
    .filter((k) => !skip.has(k))
    .sort();
}

const DEVICE_SKIP = new Set(["type", "hardwareClass"]);
const HOST_HW_SKIP = new Set(["type", "hardwareClass", "hostId", "firstseen", "lastseen", "state"]);

/**
 * The key of a hardware device (class + its g-scope values); works on AuditHardware and
 * AuditHardwareOnHost rows alike.
 * @example deviceKey(config, { hardwareClass: "TPM", ... })
 */
export function deviceKey(config: HardwareAuditConfig, row: Row): string {
  const hardwareClass = String(row.hardwareClass);
  const cls = config.get(hardwareClass);
  const attrs = cls ? cls.deviceIdent : sortedOtherKeys(row, DEVICE_SKIP);
  return compositeKey([hardwareClass, ...attrs.map((a) => row[a])]);
}

/**
 * The key of a hardware-on-host row (class, host and all class values).
 * @example hardwareOnHostKey(config, ahoh)
 */
export function hardwareOnHostKey(config: HardwareAuditConfig, row: Row): string {
  const hardwareClass = String(row.hardwareClass);
  const cls = config.get(hardwareClass);
  const attrs = cls ? cls.hostIdent : sortedOtherKeys(row, HOST_HW_SKIP);
  return compositeKey([hardwareClass, row.hostId, ...attrs.map((a) => row[a])]);
}

/**
 * The storage-key function of a prefix.
 * @example storageKeyOf("productOnClient", config)(poc)
 */
export function storageKeyOf(prefix: ObjectPrefix, config: HardwareAuditConfig): (row: Row) => string {
  if (prefix === "auditHardware") return (row) => deviceKey(config, row);
  if (prefix === "auditHardwareOnHost") return (row) => hardwareOnHostKey(config, row);
  const attrs = STORAGE_KEYS[prefix];
  return (row) => rowKey(row, attrs);
}

/**
 * Creates the empty tables of a backend.
 * @example const tables = createTables(defaultHardwareAuditConfig())
 */
export function createTables(config: HardwareAuditConfig): Tables {
  const entries = OBJECT_PREFIXES.map((prefix) => {
    const indexes: IndexSpec[] = INDEXED_ATTRIBUTES[prefix].map(attributeIndex);
    if (prefix === "auditSoftwareOnClient") indexes.push({ name: SOFTWARE_KEY_INDEX, key: (row) => rowKey(row, SOFTWARE_IDENT) });
    if (prefix === "auditHardwareOnHost") indexes.push({ name: DEVICE_KEY_INDEX, key: (row) => deviceKey(config, row) });
    return [prefix, new Table(storageKeyOf(prefix, config), indexes)] as const;
  });
  return Object.fromEntries(entries) as unknown as Tables;
}
