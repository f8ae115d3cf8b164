/**
 * @module backend/memory/host-uniqueness
 * Host columns that must be unique across hosts: `hardwareAddress` (opsi's
 * `unique_hardware_addresses`, MACs starting with `00:00:00` exempt) and `systemUUID` (UNIQUE index).
 */
import { BackendBadValueError } from "../../errors.js";
import { sameKeyValue } from "./keys.js";
import type { Tables } from "./schema.js";
import { rowsByIndex } from "./select.js";
import type { Row } from "./table.js";

function otherHost(tables: Tables, attribute: string, value: unknown, id: unknown): Row | undefined {
  return rowsByIndex(tables.host, attribute, value).find((h) => !sameKeyValue(h.id, id));
}

/**
 * Throws {@link BackendBadValueError} if another host already uses the row's MAC or system UUID.
 * @example checkHostUniqueness(tables, { type: "OpsiClient", id: "pc2.dom.tld", hardwareAddress: "08:00:27:00:00:01", ... })
 */
export function checkHostUniqueness(tables: Tables, host: Row): void {
  const mac = host.hardwareAddress;
  if (typeof mac === "string" && mac !== "" && !mac.startsWith("00:00:00")) {
    const other = otherHost(tables, "hardwareAddress", mac, host.id);
    if (other) throw new BackendBadValueError(`Hardware address '${mac}' is already used by host '${String(other.id)}'`);
  }
  const uuid = host.systemUUID;
  if (typeof uuid === "string" && uuid !== "") {
    const other = otherHost(tables, "systemUUID", uuid, host.id);
    if (other) throw new BackendBadValueError(`System UUID '${uuid}' is already used by host '${String(other.id)}'`);
  }
}
