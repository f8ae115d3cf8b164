/**
 * @module value-lists
 * Writes of the value sub-tables: CONFIG_VALUE and PRODUCT_PROPERTY_VALUE (one row per possible
 * value, `isDefault` set for the defaults, booleans as "1"/"0") and PRODUCT_ID_TO_LICENSE_POOL.
 * Every written object gets its rows rewritten completely, as opsi does.
 */

import { listValueText } from "./column-values.js";
import type { SqlExecutor } from "./driver.js";
import type { TableMapping } from "./mapping.js";
import type { Row } from "./row-codec.js";
import { deleteByKeys, rowsPerStatement, type SqlContext } from "./statements.js";

interface ValueRow {
  readonly key: readonly unknown[];
  readonly value: string;
  readonly isDefault: number;
}

function valueRows(mapping: TableMapping, obj: Row, key: readonly unknown[]): ValueRow[] {
  const list = mapping.valueList;
  if (!list) return [];
  const values = obj[list.attribute];
  if (!Array.isArray(values)) return [];
  const defaults = list.defaultAttribute ? obj[list.defaultAttribute] : undefined;
  const defaultTexts = new Set(Array.isArray(defaults) ? defaults.map(listValueText) : []);
  return values.map((v) => {
    const value = listValueText(v);
    return { key, value, isDefault: defaultTexts.has(value) ? 1 : 0 };
  });
}

/**
 * Replaces the value rows of the given objects (their main rows must exist).
 * @example await rewriteValueLists(tx, sql, tableMapping("config"), configs)
 */
export async function rewriteValueLists(exec: SqlExecutor, sql: SqlContext, mapping: TableMapping, objs: readonly Row[]): Promise<void> {
  const list = mapping.valueList;
  if (!list || objs.length === 0) return;
  // The key columns of the sub-table are the main table's ident columns (same names).
  const keys = objs.map((o) => mapping.ident.map((c) => o[c.attribute]));
  await deleteByKeys(exec, sql, list.table.name, list.keyColumns, keys);
  const rows = objs.flatMap((o, i) => valueRows(mapping, o, keys[i] as readonly unknown[]));
  if (rows.length === 0) return;
  const columns = [...list.keyColumns, list.valueColumn, ...(list.defaultColumn ? [list.defaultColumn] : [])];
  const q = (name: string) => sql.dialect.quoteIdentifier(name);
  const tuple = `(${columns.map(() => "?").join(", ")})`;
  const perStatement = rowsPerStatement(columns.length);
  for (let i = 0; i < rows.length; i += perStatement) {
    const part = rows.slice(i, i + perStatement);
    const text = sql.cache.get(`values|${list.table.name}|${part.length}`, () => {
      return `INSERT INTO ${q(list.table.name)} (${columns.map(q).join(", ")}) VALUES ${Array(part.length).fill(tuple).join(", ")}`;
    });
    const params: unknown[] = [];
    for (const r of part) {
      params.push(...r.key, r.value);
      if (list.defaultColumn) params.push(r.isDefault);
    }
    await exec.execute(text, params);
  }
}
