/**
 * @module schema-reconcile
 * Compares a table definition with the table the server has and plans the statements that turn one
 * into the other without losing data: columns are added or modified (never dropped, except opsi's
 * legacy surrogate ids), keys added/renamed/dropped, foreign keys replaced when their rules differ.
 */
import type { ColumnDef, ForeignKeyDef, IndexDef, TableDef } from "@opsi-ts/backend-sql";
import { columnDefinitionSql, columnTypeSql, foreignKeyClauseSql, indexClauseSql, quoteId, quoteIds } from "./mysql-ddl.js";
import type { ActualColumn, ActualForeignKey, ActualIndex, ActualSchema, ActualTable } from "./schema-inspect.js";
import { findColumn, primaryKeyColumns } from "./schema-inspect.js";

/** What the server supports / how it reports things. */
export interface ServerTraits {
  readonly flavor: "mariadb" | "mysql";
  /** `ALTER TABLE ... RENAME INDEX` (MariaDB 10.5.2+, MySQL 5.7+). */
  readonly renameIndex: boolean;
}

/** Statements that bring one table in line with its definition, in execution order. */
export interface TablePlan {
  readonly table: string;
  /** UPDATE/DELETE statements that make existing rows fit the new column definitions and keys. */
  readonly dataFixes: string[];
  /** Foreign keys (of this table or pointing to it) that must go before the ALTER; re-added later. */
  readonly dropForeignKeys: ReadonlyArray<{ readonly table: string; readonly name: string }>;
  /** `ALTER TABLE` statements (index drops first, then columns/keys). */
  readonly alters: string[];
}

const lower = (s: string): string => s.toLowerCase();
const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => lower(x) === lower(b[i] ?? ""));
const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && sameList([...a].map(lower).sort(), [...b].map(lower).sort());

/**
 * A column type without integer display widths (MySQL 8 omits them), except `tinyint(1)` (boolean).
 * @example normaliseType("int(11)") // "int"
 */
export function normaliseType(type: string): string {
  const t = type.trim().toLowerCase().replace(/\s+/g, " ");
  if (t === "bool" || t === "boolean") return "tinyint(1)";
  const m = /^(tinyint|smallint|mediumint|integer|int|bigint)(\((\d+)\))?(.*)$/.exec(t);
  if (!m) return t;
  const base = m[1] === "integer" ? "int" : (m[1] ?? "");
  if (base === "tinyint" && m[3] === "1") return `tinyint(1)${m[4] ?? ""}`;
  return `${base}${m[4] ?? ""}`;
}

/** A default value in comparable form. */
type NormalDefault = { kind: "none" } | { kind: "null" } | { kind: "now" } | { kind: "value"; value: string };

function actualDefault(col: ActualColumn, flavor: ServerTraits["flavor"]): NormalDefault {
  const raw = col.defaultRaw;
  if (raw === null || raw.toUpperCase() === "NULL") return col.nullable ? { kind: "null" } : { kind: "none" };
  if (/^current_timestamp(\(\))?$/i.test(raw)) return { kind: "now" };
  if (flavor === "mariadb" && raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2) {
    return { kind: "value", value: raw.slice(1, -1).replace(/''/g, "'").replace(/\\\\/g, "\\") };
  }
  return { kind: "value", value: raw };
}

function desiredDefault(col: ColumnDef): NormalDefault {
  const d = col.default;
  if (d === undefined) return col.notNull || col.autoIncrement ? { kind: "none" } : { kind: "null" };
  if (typeof d === "object") return { kind: "now" };
  return { kind: "value", value: String(d) };
}

function sameDefault(a: NormalDefault, b: NormalDefault, numeric: boolean): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind !== "value" || b.kind !== "value") return true;
  if (numeric && a.value.trim() !== "" && b.value.trim() !== "") return Number(a.value) === Number(b.value);
  return a.value === b.value;
}

/**
 * True if the server's column already is what the definition asks for (type, NULL, default, extras).
 * @example columnMatches(def, actual, { flavor: "mariadb", renameIndex: true })
 */
export function columnMatches(desired: ColumnDef, actual: ActualColumn, traits: ServerTraits): boolean {
  if (normaliseType(columnTypeSql(desired.type)) !== normaliseType(actual.type)) return false;
  if (desired.notNull === actual.nullable) return false;
  const numeric = desired.type.kind !== "varchar" && desired.type.kind !== "text" && desired.type.kind !== "timestamp";
  if (!sameDefault(desiredDefault(desired), actualDefault(actual, traits.flavor), numeric)) return false;
  if (Boolean(desired.autoIncrement) !== actual.extra.includes("auto_increment")) return false;
  if (Boolean(desired.onUpdateCurrentTimestamp) !== actual.extra.includes("on update")) return false;
  return true;
}

const isTextual = (type: string): boolean => /^(var)?char|text/.test(type);

/**
 * `, \`c\` = \`c\`` for every `ON UPDATE CURRENT_TIMESTAMP` column, so that fixing rows does not touch
 * their timestamps (old layouts have that on HOST.created and PRODUCT_ON_CLIENT.modificationTime).
 * @example keepTimestamps(hostTable, "h") // ", h.`created` = h.`created`"
 */
export function keepTimestamps(table: ActualTable | undefined, alias?: string): string {
  if (!table) return "";
  const prefix = alias ? `${alias}.` : "";
  return table.columns
    .filter((c) => c.extra.includes("on update"))
    .map((c) => `, ${prefix}${quoteId(c.name)} = ${prefix}${quoteId(c.name)}`)
    .join("");
}

/** Options of {@link planTable}. */
export interface PlanOptions {
  /** opsi's legacy surrogate id column of this table (dropped after de-duplication). */
  readonly legacyIdColumn?: string | undefined;
  /** Only add missing columns and fix column definitions; leave keys alone (hardware tables outside upgrades). */
  readonly columnsOnly?: boolean;
  /** Only these columns are compared (the others are still used to position added columns). */
  readonly columnFilter?: ReadonlySet<string>;
}

/**
 * Plans the statements turning `actual` into `desired`. Unknown columns and unknown indexes are kept.
 * @example planTable(OPSI_TABLES[1], schema.get("HOST"), schema, traits).alters
 */
export function planTable(
  desired: TableDef,
  actual: ActualTable,
  schema: ActualSchema,
  traits: ServerTraits,
  options: PlanOptions = {},
): TablePlan {
  const t = quoteId(actual.name);
  const dataFixes: string[] = [];
  const clauses: string[] = [];
  const modified = new Set<string>();
  const keep = keepTimestamps(actual);

  // ---- columns
  desired.columns.forEach((col, i) => {
    if (options.columnFilter && !options.columnFilter.has(col.name)) return;
    const a = findColumn(actual, col.name);
    const position = i === 0 ? " FIRST" : ` AFTER ${quoteId(desired.columns[i - 1]?.name ?? "")}`;
    if (!a) {
      clauses.push(`ADD COLUMN ${columnDefinitionSql(col)}${position}`);
      return;
    }
    if (columnMatches(col, a, traits)) return;
    modified.add(lower(col.name));
    const c = quoteId(a.name);
    if (col.type.kind === "tinyint" && col.type.width === 1 && isTextual(a.type)) {
      dataFixes.push(
        `UPDATE ${t} SET ${c} = CASE WHEN LOWER(TRIM(${c})) IN ('1', 'true', 'yes', 'on') THEN '1' ELSE '0' END${keep} WHERE ${c} IS NOT NULL`,
      );
    }
    if (col.notNull && a.nullable) {
      const d = col.default;
      if (d === undefined) dataFixes.push(`DELETE FROM ${t} WHERE ${c} IS NULL`);
      else if (typeof d === "object") dataFixes.push(`UPDATE ${t} SET ${c} = CURRENT_TIMESTAMP${keep} WHERE ${c} IS NULL`);
      else {
        const literal = typeof d === "number" ? String(d) : `'${d.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
        dataFixes.push(`UPDATE ${t} SET ${c} = ${literal}${keep} WHERE ${c} IS NULL`);
      }
    }
    clauses.push(`MODIFY COLUMN ${columnDefinitionSql(col)}`);
  });

  if (options.columnsOnly) {
    const alters = clauses.length > 0 ? [`ALTER TABLE ${t} ${clauses.join(", ")}`] : [];
    return { table: actual.name, dataFixes, dropForeignKeys: fkDrops(actual, schema, modified, false), alters };
  }

  // ---- legacy surrogate id + primary key
  let structural = false;
  const legacy = options.legacyIdColumn ? findColumn(actual, options.legacyIdColumn) : undefined;
  const actualPk = primaryKeyColumns(actual);
  const pkChanges = !sameList(actualPk, desired.primaryKey);
  if (pkChanges && actualPk.length > 0) {
    clauses.push("DROP PRIMARY KEY");
    structural = true;
  }
  if (legacy) {
    clauses.push(`DROP COLUMN ${quoteId(legacy.name)}`);
    structural = true;
  }
  if (pkChanges && desired.primaryKey.length > 0) clauses.push(`ADD PRIMARY KEY (${quoteIds(desired.primaryKey)})`);

  // ---- secondary indexes
  const secondary = actual.indexes.filter((i) => i.name !== "PRIMARY");
  const used = new Map<string, IndexDef>();
  const adds: IndexDef[] = [];
  const renames: Array<[string, string]> = [];
  for (const d of desired.indexes) {
    const candidates = secondary.filter((a) => !used.has(a.name) && sameList(a.columns, d.columns) && a.unique === Boolean(d.unique));
    const exact = candidates.find((a) => a.name === d.name) ?? candidates[0];
    if (exact) {
      used.set(exact.name, d);
      if (exact.name !== d.name && traits.renameIndex) renames.push([exact.name, d.name]);
    } else {
      adds.push(d);
    }
  }
  const drops: ActualIndex[] = [];
  const desiredNames = new Set(desired.indexes.map((d) => d.name));
  for (const a of secondary) {
    if (used.has(a.name)) continue;
    const conflictsByName = desiredNames.has(a.name);
    const wrongShape = desired.indexes.some((d) => sameSet(d.columns, a.columns));
    const duplicate = [...used.keys()].some((name) => sameList(secondary.find((s) => s.name === name)?.columns ?? [], a.columns));
    if (conflictsByName || wrongShape || duplicate) drops.push(a);
  }
  // a rename target that is still taken by another kept index cannot be renamed: keep the old name
  const keptNames = new Set(secondary.filter((a) => !drops.includes(a)).map((a) => a.name));
  const safeRenames = renames.filter(([from, to]) => !keptNames.has(to) || to === from);
  const alters: string[] = [];
  if (drops.length > 0) {
    structural = true;
    alters.push(`ALTER TABLE ${t} ${drops.map((d) => `DROP INDEX ${quoteId(d.name)}`).join(", ")}`);
  }
  for (const [from, to] of safeRenames) clauses.push(`RENAME INDEX ${quoteId(from)} TO ${quoteId(to)}`);
  for (const d of adds) clauses.push(`ADD ${indexClauseSql(d)}`);
  if (clauses.length > 0) alters.push(`ALTER TABLE ${t} ${clauses.join(", ")}`);

  return { table: actual.name, dataFixes, dropForeignKeys: fkDrops(actual, schema, modified, structural), alters };
}

/** Foreign keys that must be dropped before the table's columns/keys change. */
function fkDrops(
  actual: ActualTable,
  schema: ActualSchema,
  modified: ReadonlySet<string>,
  structural: boolean,
): Array<{ table: string; name: string }> {
  const out: Array<{ table: string; name: string }> = [];
  const self = lower(actual.name);
  for (const fk of actual.foreignKeys) {
    if (structural || fk.columns.some((c) => modified.has(lower(c)))) out.push({ table: actual.name, name: fk.name });
  }
  for (const other of schema.values()) {
    for (const fk of other.foreignKeys) {
      if (lower(fk.refTable) !== self || lower(other.name) === self) continue;
      if (structural || fk.refColumns.some((c) => modified.has(lower(c)))) out.push({ table: other.name, name: fk.name });
    }
  }
  return out;
}

/**
 * True if an existing foreign key is exactly the wanted one (columns, target, rules).
 * @example foreignKeyMatches(def.foreignKeys[0], actual.foreignKeys[0]) // false when the rules differ
 */
export function foreignKeyMatches(desired: ForeignKeyDef, actual: ActualForeignKey): boolean {
  return sameTarget(desired, actual) && actual.onDelete === desired.onDelete && actual.onUpdate === desired.onUpdate;
}

/**
 * Same columns pointing to the same table columns (rules aside).
 * @example sameTarget(def.foreignKeys[0], actual.foreignKeys[0]) // true for an old key without ON DELETE rule
 */
export function sameTarget(desired: ForeignKeyDef, actual: ActualForeignKey): boolean {
  return (
    sameList(actual.columns, desired.columns) &&
    lower(actual.refTable) === lower(desired.refTable) &&
    sameList(actual.refColumns, desired.refColumns)
  );
}

/**
 * `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY ...` under the given constraint name.
 * @example addForeignKeySql("CONFIG_VALUE", fk) // "ALTER TABLE `CONFIG_VALUE` ADD CONSTRAINT `FK_CONFIG_VALUE_CONFIG` ..."
 */
export function addForeignKeySql(table: string, fk: ForeignKeyDef, name = fk.name): string {
  return `ALTER TABLE ${quoteId(table)} ADD ${foreignKeyClauseSql({ ...fk, name })}`;
}

/**
 * The statement removing rows (or nulling references, for SET NULL keys) that violate a foreign key,
 * so that the key can be created. Rows with a NULL in a key column never violate it.
 * @example orphanCleanupSql("CONFIG_VALUE", fk) // "DELETE c FROM `CONFIG_VALUE` AS c LEFT JOIN `CONFIG` AS p ON ..."
 */
export function orphanCleanupSql(table: string, fk: ForeignKeyDef, actual?: ActualTable): string {
  const on = fk.columns.map((c, i) => `p.${quoteId(fk.refColumns[i] ?? c)} = c.${quoteId(c)}`).join(" AND ");
  const missing = `p.${quoteId(fk.refColumns[0] ?? "")} IS NULL`;
  const notNull = fk.columns.map((c) => `c.${quoteId(c)} IS NOT NULL`).join(" AND ");
  const join = `${quoteId(table)} AS c LEFT JOIN ${quoteId(fk.refTable)} AS p ON ${on}`;
  if (fk.onDelete === "SET NULL") {
    const set = fk.columns.map((c) => `c.${quoteId(c)} = NULL`).join(", ");
    return `UPDATE ${join} SET ${set}${keepTimestamps(actual, "c")} WHERE ${missing} AND ${notNull}`;
  }
  return `DELETE c FROM ${join} WHERE ${missing} AND ${notNull}`;
}
