/**
 * @module host-uniqueness
 * Host columns that must be unique across hosts, checked in code inside the write transaction:
 * `hardwareAddress` (opsi's `unique_hardware_addresses`; MACs starting with `00:00:00` and empty
 * ones are exempt) and `systemUUID` (a UNIQUE index the upsert must never run into). The hosts of
 * a batch are checked in order against the stored hosts and the earlier hosts of the batch.
 */
import { BackendBadValueError } from "@opsi-ts/core";
import type { SqlExecutor } from "./driver.js";
import { keyPart, type Row } from "./row-codec.js";
import { chunked, MAX_KEYS_PER_STATEMENT, type SqlContext } from "./statements.js";

type Attribute = "hardwareAddress" | "systemUUID";

function checkedValue(attribute: Attribute, host: Row): string | undefined {
  const v = host[attribute];
  if (typeof v !== "string" || v === "") return undefined;
  if (attribute === "hardwareAddress" && v.startsWith("00:00:00")) return undefined;
  return keyPart(v);
}

/** Which hosts hold a value, kept current while the batch is walked. */
class Holders {
  private readonly byValue = new Map<string, Map<string, string>>();
  private readonly byHost = new Map<string, string>();

  set(hostKey: string, hostId: string, value: string | undefined): void {
    const previous = this.byHost.get(hostKey);
    if (previous !== undefined) this.byValue.get(previous)?.delete(hostKey);
    if (value === undefined) {
      this.byHost.delete(hostKey);
      return;
    }
    this.byHost.set(hostKey, value);
    let holders = this.byValue.get(value);
    if (!holders) {
      holders = new Map();
      this.byValue.set(value, holders);
    }
    holders.set(hostKey, hostId);
  }

  /** Another host holding `value`, if any. */
  other(value: string, hostKey: string): string | undefined {
    for (const [key, id] of this.byValue.get(value) ?? []) if (key !== hostKey) return id;
    return undefined;
  }
}

const MESSAGES: Readonly<Record<Attribute, string>> = {
  hardwareAddress: "Hardware address",
  systemUUID: "System UUID",
};

/**
 * Throws {@link BackendBadValueError} if a host of the batch (in order) would share its MAC or
 * system UUID with another host.
 * @example await checkHostUniqueness(tx, sql, hosts)
 */
export async function checkHostUniqueness(exec: SqlExecutor, sql: SqlContext, hosts: readonly Row[]): Promise<void> {
  const attributes: Attribute[] = ["hardwareAddress", "systemUUID"];
  const holders = new Map<Attribute, Holders>(attributes.map((a) => [a, new Holders()]));
  const q = (name: string) => sql.dialect.quoteIdentifier(name);
  for (const attribute of attributes) {
    const values = [...new Set(hosts.map((h) => checkedValue(attribute, h)).filter((v): v is string => v !== undefined))];
    const state = holders.get(attribute) as Holders;
    for (const part of chunked(values, MAX_KEYS_PER_STATEMENT)) {
      const rows = await exec.query(
        `SELECT ${q("hostId")}, ${q(attribute)} FROM ${q("HOST")} WHERE ${q(attribute)} IN (${part.map(() => "?").join(", ")})`,
        part,
      );
      for (const r of rows) {
        const id = String(r.hostId);
        state.set(keyPart(id), id, checkedValue(attribute, { [attribute]: r[attribute] }));
      }
    }
  }
  for (const host of hosts) {
    const id = String(host.id);
    const hostKey = keyPart(id);
    for (const attribute of attributes) {
      const state = holders.get(attribute) as Holders;
      const value = checkedValue(attribute, host);
      if (value !== undefined) {
        const other = state.other(value, hostKey);
        if (other !== undefined) {
          throw new BackendBadValueError(`${MESSAGES[attribute]} '${String(host[attribute])}' is already used by host '${other}'`);
        }
      }
      state.set(hostKey, id, value);
    }
  }
}
