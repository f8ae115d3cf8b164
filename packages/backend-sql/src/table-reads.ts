/**
 * @module table-reads
 * Reads of the table prefixes: one SELECT of only the needed columns (value lists through one
 * LEFT JOIN of their sub-table, grouped in memory — no separator parsing, no GROUP_CONCAT length
 * limit), rows mapped straight to objects.
 */
import { BackendBadValueError, type FilterCondition } from "@opsi-ts/core";
import type { SqlExecutor } from "./driver.js";
import type { TableMapping } from "./mapping.js";
import { attachValueLists, LIST_DEFAULT_ALIAS, LIST_VALUE_ALIAS, ReadPlans, rowToObject } from "./row-codec.js";
import { columnList, type SqlContext } from "./statements.js";
import { type ColumnRef, type SqlFragment, whereSql } from "./where.js";

/** Alias of the main table in reads. */
export const MAIN = "t";
/** Alias of the value sub-table in reads. */
export const VALUES = "v";

function selectedColumns(mapping: TableMapping, loaded: ReadonlySet<string> | undefined): string[] {
  const identAttributes = new Set(mapping.ident.map((c) => c.attribute));
  const cols = mapping.columns.filter((c) => loaded === undefined || loaded.has(c.attribute) || identAttributes.has(c.attribute));
  return cols.map((c) => c.column);
}

/**
 * `SELECT … FROM <table> t [LEFT JOIN <values> v ON …]` for a selection (without WHERE).
 * @example selectSql(sql, tableMapping("host"), undefined)
 */
export function selectSql(sql: SqlContext, mapping: TableMapping, loaded: ReadonlySet<string> | undefined): string {
  const key = `select|${mapping.prefix}|${loaded ? [...loaded].sort().join(",") : "*"}`;
  return sql.cache.get(key, () => {
    const q = (name: string) => sql.dialect.quoteIdentifier(name);
    const parts = [columnList(sql.dialect, selectedColumns(mapping, loaded), MAIN)];
    if (mapping.hasType) parts.push(`${MAIN}.${q("type")}`);
    let from = `${q(mapping.table.name)} ${MAIN}`;
    const list = mapping.valueList;
    if (list) {
      parts.push(`${VALUES}.${q(list.valueColumn)} AS ${q(LIST_VALUE_ALIAS)}`);
      if (list.defaultColumn) parts.push(`${VALUES}.${q(list.defaultColumn)} AS ${q(LIST_DEFAULT_ALIAS)}`);
      const on = list.keyColumns.map((c) => `${VALUES}.${q(c)} = ${MAIN}.${q(c)}`).join(" AND ");
      from += ` LEFT JOIN ${q(list.table.name)} ${VALUES} ON ${on}`;
    }
    return `SELECT ${parts.join(", ")} FROM ${from}`;
  });
}

/**
 * Maps a filter attribute to its column in a read: `type`, the attribute columns, and LicensePool
 * `productIds` (the joined product rows, opsi's filter quirk).
 * @example columnResolver(sql, tableMapping("host"))("id") // { sql: 't."hostId"', kind: "string" }
 */
export function columnResolver(sql: SqlContext, mapping: TableMapping): (attribute: string) => ColumnRef {
  const q = (name: string) => sql.dialect.quoteIdentifier(name);
  return (attribute) => {
    if (attribute === "type" && mapping.hasType) return { sql: `${MAIN}.${q("type")}`, kind: "string" };
    const list = mapping.valueList;
    if (list && attribute === list.attribute && !list.defaultColumn) return { sql: `${VALUES}.${q(list.valueColumn)}`, kind: "string" };
    const c = mapping.byAttribute.get(attribute);
    if (!c) throw new BackendBadValueError(`Invalid filter '${attribute}': not a stored attribute of ${mapping.prefix}`);
    return { sql: `${MAIN}.${q(c.column)}`, kind: c.kind };
  };
}

/**
 * The WHERE body of filter conditions for a table read.
 * @example filterWhere(sql, mapping, parseFilter("host", { id: "pc*" }).conditions)
 */
export function filterWhere(sql: SqlContext, mapping: TableMapping, conditions: readonly FilterCondition[]): SqlFragment {
  return whereSql(conditions, columnResolver(sql, mapping), sql.dialect);
}

/**
 * Reads the objects matching `where` (a WHERE body over aliases `t`/`v`, may be empty). Attributes
 * outside `loaded` (undefined = all) read back null, except ident, type and value lists. `suffix`
 * is appended to the statement (the dialect's locking-read clause inside write transactions).
 * @example await readObjects(driver, sql, tableMapping("productOnClient"), undefined, filterWhere(...))
 */
export async function readObjects(
  exec: SqlExecutor,
  sql: SqlContext,
  mapping: TableMapping,
  loaded: ReadonlySet<string> | undefined,
  where: SqlFragment,
  suffix = "",
): Promise<Record<string, unknown>[]> {
  const select = selectSql(sql, mapping, loaded);
  const rows = await exec.query(`${where.sql ? `${select} WHERE ${where.sql}` : select}${suffix}`, where.params);
  const plans = new ReadPlans(mapping, loaded);
  if (mapping.valueList) return attachValueLists(mapping, plans, rows);
  const out: Record<string, unknown>[] = new Array(rows.length);
  if (!mapping.hasType) {
    const plan = plans.forType(undefined);
    for (let i = 0; i < rows.length; i++) out[i] = rowToObject(plan, rows[i] as Record<string, unknown>);
    return out;
  }
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Record<string, unknown>;
    out[i] = rowToObject(plans.forType(row.type), row);
  }
  return out;
}
