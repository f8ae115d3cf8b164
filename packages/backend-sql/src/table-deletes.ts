/**
 * @module table-deletes
 * Deletes of the table prefixes by ident (Group: by id, both types): the stored rows are looked
 * up first, RESTRICT references refuse the whole call with a BackendReferentialIntegrityError
 * naming the referencing object, then the rows go and the cascades run.
 */
import { BackendReferentialIntegrityError, PREFIXES } from "@opsi-ts/core";
import { cascadeDelete, type HostHardwareCleanup } from "./cascades.js";
import type { SqlExecutor } from "./driver.js";
import { findRestrictingReference, isRestricted } from "./foreign-keys.js";
import type { TableMapping } from "./mapping.js";
import { keyOf, type Row } from "./row-codec.js";
import { deleteByKeys, type SqlContext, selectByKeys } from "./statements.js";

/**
 * Deletes the rows with the idents of `idents` (decoded ident objects) and runs the cascades.
 * Missing objects are ignored.
 * @example await deleteTableObjects(tx, sql, tableMapping("host"), [{ type: "Host", id: "pc1.dom.tld" }], cleanup)
 */
export async function deleteTableObjects(
  exec: SqlExecutor,
  sql: SqlContext,
  mapping: TableMapping,
  idents: readonly Row[],
  hardware: HostHardwareCleanup,
): Promise<void> {
  const q = (name: string) => sql.dialect.quoteIdentifier(name);
  // The Group ident is the id only: deleting it removes the HostGroup and the ProductGroup.
  const columns = mapping.ident;
  const keyColumns = columns.map((c) => c.column);
  const seen = new Set<string>();
  const tuples: unknown[][] = [];
  for (const ident of idents) {
    const k = keyOf(ident, columns);
    if (seen.has(k)) continue;
    seen.add(k);
    tuples.push(columns.map((c) => ident[c.attribute]));
  }
  const selected = [...new Set([...keyColumns, ...mapping.table.primaryKey])];
  const found = await selectByKeys(exec, `SELECT ${selected.map(q).join(", ")} FROM ${q(mapping.table.name)}`, keyColumns.map(q), tuples);
  if (found.length === 0) return;
  if (isRestricted(mapping.table.name)) {
    const referencing = await findRestrictingReference(exec, sql, mapping.table.name, found);
    if (referencing) {
      throw new BackendReferentialIntegrityError(
        `Cannot delete ${PREFIXES[mapping.prefix].baseClass} objects: still referenced by ${referencing}`,
      );
    }
  }
  await deleteByKeys(
    exec,
    sql,
    mapping.table.name,
    keyColumns,
    found.map((r) => keyColumns.map((c) => r[c])),
  );
  await cascadeDelete(exec, sql, mapping.prefix, found, hardware);
}
