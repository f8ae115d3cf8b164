/**
 * @module foreign-keys
 * Explains foreign-key failures with the schema's FK definitions: which referenced object is
 * missing after a failed write, and which object still references a row a delete would remove
 * (RESTRICT). The database enforces the keys; these queries only run to name the culprit.
 */
import { PREFIXES } from "@opsi-ts/core";
import type { SqlExecutor } from "./driver.js";
import { prefixOfTable } from "./mapping.js";
import { keyPart } from "./row-codec.js";
import { type ForeignKeyDef, OPSI_TABLES, type TableDef } from "./schema.js";
import { type SqlContext, selectByKeys } from "./statements.js";

/** A row keyed by column name. */
export type ColumnRow = Readonly<Record<string, unknown>>;

function tupleKey(values: readonly unknown[]): string {
  return values.map(keyPart).join("\u001f");
}

/**
 * The opsi class name stored in a table (`SOFTWARE_LICENSE` → `SoftwareLicense`), else the table name.
 * @example tableObjectName("HOST") // "Host"
 */
export function tableObjectName(table: string): string {
  const prefix = prefixOfTable(table);
  return prefix ? PREFIXES[prefix].baseClass : table;
}

function distinctTuples(rows: readonly ColumnRow[], columns: readonly string[]): unknown[][] {
  const seen = new Map<string, unknown[]>();
  for (const row of rows) {
    const tuple = columns.map((c) => row[c]);
    // MATCH SIMPLE: a reference with a NULL column is not checked.
    if (tuple.some((v) => v === null || v === undefined)) continue;
    const k = tupleKey(tuple);
    if (!seen.has(k)) seen.set(k, tuple);
  }
  return [...seen.values()];
}

/**
 * The first referenced object the rows point to that does not exist, as "Host 'x' does not exist".
 * @example await describeMissingReference(tx, sql, table, [{ clientId: "pc9.dom.tld", ... }])
 */
export async function describeMissingReference(
  exec: SqlExecutor,
  sql: SqlContext,
  table: TableDef,
  rows: readonly ColumnRow[],
): Promise<string | undefined> {
  const q = (name: string) => sql.dialect.quoteIdentifier(name);
  for (const fk of table.foreignKeys) {
    const tuples = distinctTuples(rows, fk.columns);
    if (tuples.length === 0) continue;
    const found = await selectByKeys(
      exec,
      `SELECT ${fk.refColumns.map(q).join(", ")} FROM ${q(fk.refTable)}`,
      fk.refColumns.map(q),
      tuples,
    );
    const existing = new Set(found.map((r) => tupleKey(fk.refColumns.map((c) => r[c]))));
    const missing = tuples.find((t) => !existing.has(tupleKey(t)));
    if (missing) return `${tableObjectName(fk.refTable)} '${missing.map(String).join(";")}' does not exist`;
  }
  return undefined;
}

/** FKs of the base schema referencing `table` whose delete rule is RESTRICT. */
function restrictingKeys(table: string): { readonly referencing: TableDef; readonly fk: ForeignKeyDef }[] {
  const out: { referencing: TableDef; fk: ForeignKeyDef }[] = [];
  for (const t of OPSI_TABLES)
    for (const fk of t.foreignKeys) if (fk.refTable === table && fk.onDelete === "RESTRICT") out.push({ referencing: t, fk });
  return out;
}

/**
 * An object that still references one of the rows through a RESTRICT foreign key, as
 * "SoftwareLicense 'l1;c1'", or undefined.
 * @example await findRestrictingReference(tx, sql, "LICENSE_CONTRACT", [{ licenseContractId: "c1" }])
 */
export async function findRestrictingReference(
  exec: SqlExecutor,
  sql: SqlContext,
  table: string,
  rows: readonly ColumnRow[],
): Promise<string | undefined> {
  const q = (name: string) => sql.dialect.quoteIdentifier(name);
  for (const { referencing, fk } of restrictingKeys(table)) {
    const tuples = distinctTuples(rows, fk.refColumns);
    if (tuples.length === 0) continue;
    const show = referencing.primaryKey;
    const found = await selectByKeys(exec, `SELECT ${show.map(q).join(", ")} FROM ${q(referencing.name)}`, fk.columns.map(q), tuples);
    const first = found[0];
    if (first) return `${tableObjectName(referencing.name)} '${show.map((c) => String(first[c])).join(";")}'`;
  }
  return undefined;
}

/**
 * Whether a table is the target of a RESTRICT foreign key (deletes must check references first).
 * @example isRestricted("LICENSE_CONTRACT") // true
 */
export function isRestricted(table: string): boolean {
  return restrictingKeys(table).length > 0;
}
