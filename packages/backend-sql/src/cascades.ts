/**
 * @module cascades
 * The delete cascades opsi runs in code (spec §2.6); the schema's foreign keys do the rest
 * (CASCADE / SET NULL). Host: HostGroup memberships, property and config states, hardware rows.
 * Config: its states. Product: when no version of the product id is left, its ProductGroup
 * memberships, ProductOnClients, property states and Windows software ids. ProductProperty: the
 * orphan cleanup of property states (product or host gone).
 */
import type { SqlExecutor, SqlRow } from "./driver.js";
import type { TablePrefix } from "./mapping.js";
import { keyPart } from "./row-codec.js";
import { deleteByKeys, type SqlContext, selectByKeys } from "./statements.js";

/** Deletes the hardware rows of hosts (all configured classes). */
export type HostHardwareCleanup = (exec: SqlExecutor, hostIds: readonly string[]) => Promise<void>;

function distinct(rows: readonly SqlRow[], column: string): string[] {
  const seen = new Map<string, string>();
  for (const r of rows) {
    const v = String(r[column]);
    const k = keyPart(v);
    if (!seen.has(k)) seen.set(k, v);
  }
  return [...seen.values()];
}

const single = (values: readonly string[]): string[][] => values.map((v) => [v]);

async function cascadeHosts(exec: SqlExecutor, sql: SqlContext, rows: readonly SqlRow[], hardware: HostHardwareCleanup): Promise<void> {
  const ids = distinct(rows, "hostId");
  const q = (name: string) => sql.dialect.quoteIdentifier(name);
  await deleteByKeys(exec, sql, "OBJECT_TO_GROUP", ["objectId"], single(ids), { sql: `${q("groupType")} = ?`, params: ["HostGroup"] });
  await deleteByKeys(exec, sql, "PRODUCT_PROPERTY_STATE", ["objectId"], single(ids));
  await deleteByKeys(exec, sql, "CONFIG_STATE", ["objectId"], single(ids));
  await hardware(exec, ids);
}

async function cascadeProducts(exec: SqlExecutor, sql: SqlContext, rows: readonly SqlRow[]): Promise<void> {
  const ids = distinct(rows, "productId");
  const q = (name: string) => sql.dialect.quoteIdentifier(name);
  const left = await selectByKeys(exec, `SELECT DISTINCT ${q("productId")} FROM ${q("PRODUCT")}`, [q("productId")], single(ids));
  const remaining = new Set(left.map((r) => keyPart(r.productId)));
  const orphans = single(ids.filter((id) => !remaining.has(keyPart(id))));
  if (orphans.length === 0) return;
  await deleteByKeys(exec, sql, "OBJECT_TO_GROUP", ["objectId"], orphans, { sql: `${q("groupType")} = ?`, params: ["ProductGroup"] });
  await deleteByKeys(exec, sql, "PRODUCT_ON_CLIENT", ["productId"], orphans);
  await deleteByKeys(exec, sql, "PRODUCT_PROPERTY_STATE", ["productId"], orphans);
  await deleteByKeys(exec, sql, "WINDOWS_SOFTWARE_ID_TO_PRODUCT", ["productId"], orphans);
}

/** opsi's ProductPropertyState orphan cleanup: states whose product (any version) or host is gone. */
async function cleanupPropertyStates(exec: SqlExecutor, sql: SqlContext): Promise<void> {
  const q = (name: string) => sql.dialect.quoteIdentifier(name);
  const state = q("PRODUCT_PROPERTY_STATE");
  await exec.execute(
    `DELETE FROM ${state} WHERE NOT EXISTS (SELECT 1 FROM ${q("PRODUCT")} p WHERE p.${q("productId")} = ${state}.${q("productId")})` +
      ` OR NOT EXISTS (SELECT 1 FROM ${q("HOST")} h WHERE h.${q("hostId")} = ${state}.${q("objectId")})`,
  );
}

/**
 * Runs the code cascades after rows of a table prefix were deleted (`rows`: the deleted rows'
 * key columns).
 * @example await cascadeDelete(tx, sql, "host", [{ hostId: "pc1.dom.tld" }], hardwareCleanup)
 */
export async function cascadeDelete(
  exec: SqlExecutor,
  sql: SqlContext,
  prefix: TablePrefix,
  rows: readonly SqlRow[],
  hardware: HostHardwareCleanup,
): Promise<void> {
  if (rows.length === 0) return;
  switch (prefix) {
    case "host":
      return cascadeHosts(exec, sql, rows, hardware);
    case "config":
      await deleteByKeys(exec, sql, "CONFIG_STATE", ["configId"], single(distinct(rows, "configId")));
      return;
    case "product":
      return cascadeProducts(exec, sql, rows);
    case "productProperty":
      return cleanupPropertyStates(exec, sql);
    default:
      return;
  }
}
