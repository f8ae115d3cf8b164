/**
 * @module backend/memory/cascades
 * Deleting a row the way opsi does: RESTRICT foreign keys refuse the delete, then the code and FK
 * cascades remove (or null) dependent rows. Every dependent lookup goes through an index.
 */
import { BackendReferentialIntegrityError } from "../../errors.js";
import type { ObjectPrefix } from "../../model/registry.js";
import { sameKeyValue } from "./keys.js";
import { DEVICE_KEY_INDEX, SOFTWARE_KEY_INDEX, type Tables } from "./schema.js";
import { rowsByIndex } from "./select.js";
import type { Row, Table } from "./table.js";
import type { UndoLog } from "./undo-log.js";

function deleteAll(table: Table, rows: Iterable<Row>, log: UndoLog): void {
  for (const row of [...rows]) table.delete(table.keyOf(row), log);
}

function deleteByIndex(table: Table, index: string, value: unknown, log: UndoLog, where?: (row: Row) => boolean): void {
  const rows = rowsByIndex(table, index, value);
  deleteAll(table, where ? rows.filter(where) : rows, log);
}

function restrict(referencing: readonly Row[], what: string, by: string): void {
  if (referencing.length === 0) return;
  throw new BackendReferentialIntegrityError(`Cannot delete ${what}: still referenced by ${referencing.length} ${by} object(s)`);
}

/**
 * Throws {@link BackendReferentialIntegrityError} if a RESTRICT foreign key references the row.
 * @example checkRestrict(tables, "licenseContract", contract, "LicenseContract 'c1'")
 */
export function checkRestrict(tables: Tables, prefix: ObjectPrefix, row: Row, what: string): void {
  switch (prefix) {
    case "licenseContract":
      restrict(rowsByIndex(tables.softwareLicense, "licenseContractId", row.id), what, "SoftwareLicense");
      break;
    case "softwareLicense":
      restrict(rowsByIndex(tables.softwareLicenseToLicensePool, "softwareLicenseId", row.id), what, "SoftwareLicenseToLicensePool");
      break;
    case "licensePool":
      restrict(rowsByIndex(tables.softwareLicenseToLicensePool, "licensePoolId", row.id), what, "SoftwareLicenseToLicensePool");
      break;
    case "softwareLicenseToLicensePool": {
      const clients = rowsByIndex(tables.licenseOnClient, "softwareLicenseId", row.softwareLicenseId);
      restrict(
        clients.filter((l) => sameKeyValue(l.licensePoolId, row.licensePoolId)),
        what,
        "LicenseOnClient",
      );
      break;
    }
    default:
      break;
  }
}

const isGroupType = (type: string) => (row: Row) => sameKeyValue(row.groupType, type);
const sameVersion = (product: Row) => (row: Row) =>
  sameKeyValue(row.productVersion, product.productVersion) && sameKeyValue(row.packageVersion, product.packageVersion);

function cascadeHost(tables: Tables, host: Row, log: UndoLog): void {
  const id = host.id;
  deleteByIndex(tables.objectToGroup, "objectId", id, log, isGroupType("HostGroup"));
  deleteByIndex(tables.productPropertyState, "objectId", id, log);
  deleteByIndex(tables.configState, "objectId", id, log);
  deleteByIndex(tables.auditHardwareOnHost, "hostId", id, log);
  deleteByIndex(tables.productOnClient, "clientId", id, log);
  deleteByIndex(tables.productOnDepot, "depotId", id, log);
  deleteByIndex(tables.auditSoftwareOnClient, "clientId", id, log);
  deleteByIndex(tables.licenseOnClient, "clientId", id, log);
  for (const license of rowsByIndex(tables.softwareLicense, "boundToHost", id)) {
    tables.softwareLicense.put({ ...license, boundToHost: null }, log);
  }
}

function cascadeProduct(tables: Tables, product: Row, log: UndoLog): void {
  const id = product.id;
  deleteByIndex(tables.productDependency, "productId", id, log, sameVersion(product));
  deleteByIndex(tables.productOnDepot, "productId", id, log, sameVersion(product));
  deleteByIndex(tables.productProperty, "productId", id, log, sameVersion(product));
  if (rowsByIndex(tables.product, "id", id).length > 0) return;
  // No version of the product is left: its product-id-level rows are orphans now.
  deleteByIndex(tables.objectToGroup, "objectId", id, log, isGroupType("ProductGroup"));
  deleteByIndex(tables.productOnClient, "productId", id, log);
  deleteByIndex(tables.productPropertyState, "productId", id, log);
}

/**
 * opsi's ProductPropertyState orphan cleanup: removes states whose product (in any version) or
 * object (host) no longer exists. Walks the index keys, not the rows.
 */
function cleanupPropertyStates(tables: Tables, log: UndoLog): void {
  const states = tables.productPropertyState;
  for (const key of states.indexKeys("productId")) {
    if (tables.product.lookup("id", key) === undefined) deleteAll(states, states.lookup("productId", key)?.values() ?? [], log);
  }
  for (const key of states.indexKeys("objectId")) {
    if (tables.host.get(key) === undefined) deleteAll(states, states.lookup("objectId", key)?.values() ?? [], log);
  }
}

/**
 * Removes the rows that depend on a deleted row (call after deleting it).
 * @example table.delete(key, log); cascadeDelete(tables, "host", host, log)
 */
export function cascadeDelete(tables: Tables, prefix: ObjectPrefix, row: Row, log: UndoLog): void {
  switch (prefix) {
    case "host":
      cascadeHost(tables, row, log);
      break;
    case "config":
      deleteByIndex(tables.configState, "configId", row.id, log);
      break;
    case "product":
      cascadeProduct(tables, row, log);
      break;
    case "productProperty":
      cleanupPropertyStates(tables, log);
      break;
    case "group":
      deleteByIndex(tables.objectToGroup, "groupId", row.id, log, isGroupType(String(row.type)));
      break;
    case "auditSoftware": {
      const bucket = tables.auditSoftwareOnClient.lookup(SOFTWARE_KEY_INDEX, tables.auditSoftware.keyOf(row));
      deleteAll(tables.auditSoftwareOnClient, bucket?.values() ?? [], log);
      break;
    }
    case "auditHardware": {
      const bucket = tables.auditHardwareOnHost.lookup(DEVICE_KEY_INDEX, tables.auditHardware.keyOf(row));
      deleteAll(tables.auditHardwareOnHost, bucket?.values() ?? [], log);
      break;
    }
    case "licensePool":
      deleteByIndex(tables.auditSoftwareToLicensePool, "licensePoolId", row.id, log);
      break;
    default:
      break;
  }
}
