/**
 * @module where
 * Filters to SQL: core's {@link ParsedFilter} conditions become a WHERE clause with bound
 * parameters (eq, IS NULL, LIKE with the dialect's escape, `<`/`>`, IN for long lists), with
 * MySQL's comparison rules made explicit so every dialect answers like opsi's MySQL backend;
 * plus the per-class hardware filter rules and key matches for lookups by ident.
 */
import {
  BackendBadValueError,
  describeValue,
  type Filter,
  type FilterCondition,
  type FilterTerm,
  type HardwareAuditConfig,
  type HardwareClass,
  parseFilter,
} from "@opsi-ts/core";
import type { SqlDialect } from "./dialect.js";
import { type HardwarePrefix, isNumericKind, type ValueKind } from "./mapping.js";

/** A column as it appears in SQL (qualified and quoted) with the kind of its values. */
export interface ColumnRef {
  readonly sql: string;
  readonly kind: ValueKind;
}

/** A piece of SQL with its positional parameters. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly unknown[];
}

const NUMERIC_PREFIX = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/;

/**
 * MySQL's string-to-number conversion: the leading numeric prefix, else 0 (`"=5"` → 0, `"3x"` → 3).
 * @example mysqlNumber(" 42abc") // 42
 */
export function mysqlNumber(text: string): number {
  const m = NUMERIC_PREFIX.exec(text);
  return m ? Number(m[0]) : 0;
}

/** A LIKE pattern whose trailing lone `\` is a literal backslash (the escape char needs a successor). */
function likePattern(pattern: string): string {
  let trailing = 0;
  for (let i = pattern.length - 1; i >= 0 && pattern[i] === "\\"; i--) trailing++;
  return trailing % 2 === 1 ? `${pattern}\\` : pattern;
}

/**
 * A string column compared with a number compares numerically in MySQL; `(col + 0)` converts the
 * column the same way in MySQL and SQLite (leading numeric prefix, else 0).
 */
function numericExpr(column: ColumnRef): string {
  return isNumericKind(column.kind) ? column.sql : `(${column.sql} + 0)`;
}

function termSql(term: FilterTerm, column: ColumnRef, dialect: SqlDialect, params: unknown[]): string {
  const numeric = isNumericKind(column.kind);
  switch (term.op) {
    case "null":
      return `${column.sql} IS NULL`;
    case "like":
      params.push(likePattern(term.pattern));
      return `${column.sql} LIKE ?${dialect.likeEscape}`;
    case "eq":
      if (typeof term.value === "number") {
        params.push(term.value);
        return `${numericExpr(column)} = ?`;
      }
      params.push(numeric ? mysqlNumber(term.value) : term.value);
      return `${column.sql} = ?`;
    case "lt":
    case "gt":
      params.push(numeric ? mysqlNumber(term.value) : term.value);
      return `${column.sql} ${term.op === "lt" ? "<" : ">"} ?`;
  }
}

function placeholders(n: number): string {
  return n === 1 ? "?" : `?${",?".repeat(n - 1)}`;
}

function inSql(values: readonly (string | number)[], column: ColumnRef, params: unknown[]): string {
  if (isNumericKind(column.kind)) {
    if (values.length === 0) return "1 = 0";
    for (const v of values) params.push(typeof v === "number" ? v : mysqlNumber(v));
    return `${column.sql} IN (${placeholders(values.length)})`;
  }
  const strings = values.filter((v): v is string => typeof v === "string");
  const numbers = values.filter((v): v is number => typeof v === "number");
  const parts: string[] = [];
  if (strings.length > 0) {
    params.push(...strings);
    parts.push(`${column.sql} IN (${placeholders(strings.length)})`);
  }
  if (numbers.length > 0) {
    params.push(...numbers);
    parts.push(`${numericExpr(column)} IN (${placeholders(numbers.length)})`);
  }
  if (parts.length === 0) return "1 = 0";
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(" OR ")})`;
}

/**
 * The SQL of one condition: an OR of its terms, or a plain IN (`null` elements match nothing).
 * @example conditionSql({ attribute: "id", terms: [{ op: "like", pattern: "pc%" }] }, { sql: 't."hostId"', kind: "string" }, dialect, params)
 */
export function conditionSql(condition: FilterCondition, column: ColumnRef, dialect: SqlDialect, params: unknown[]): string {
  if (condition.inValues) return inSql(condition.inValues, column, params);
  const terms = condition.terms.map((t) => termSql(t, column, dialect, params));
  if (terms.length === 1) return terms[0] as string;
  return `(${terms.join(" OR ")})`;
}

/**
 * ANDs the conditions into a WHERE body (`""` when there are none); `resolve` maps an attribute to
 * its column.
 * @example whereSql(parseFilter("host", { id: "pc*" }).conditions, (a) => hostColumn(a), dialect)
 */
export function whereSql(
  conditions: readonly FilterCondition[],
  resolve: (attribute: string) => ColumnRef,
  dialect: SqlDialect,
): SqlFragment {
  const params: unknown[] = [];
  const parts = conditions.map((c) => conditionSql(c, resolve(c.attribute), dialect, params));
  return { sql: parts.join(" AND "), params };
}

/**
 * Rows whose key columns equal one of the value tuples (NULL matches NULL), as
 * `col IN (…)` for one non-null column or `(a = ? AND b IS NULL) OR (…)`.
 * @example keyMatchSql(['t."hostId"'], [["pc1.dom.tld"], ["pc2.dom.tld"]])
 */
export function keyMatchSql(columns: readonly string[], tuples: readonly (readonly unknown[])[]): SqlFragment {
  if (tuples.length === 0) return { sql: "1 = 0", params: [] };
  const params: unknown[] = [];
  if (columns.length === 1 && tuples.every((t) => t[0] !== null && t[0] !== undefined)) {
    for (const t of tuples) params.push(t[0]);
    return { sql: `${columns[0]} IN (${placeholders(tuples.length)})`, params };
  }
  const alternatives = tuples.map((tuple) => {
    const parts = columns.map((col, i) => {
      const v = tuple[i];
      if (v === null || v === undefined) return `${col} IS NULL`;
      params.push(v);
      return `${col} = ?`;
    });
    return parts.length === 1 ? (parts[0] as string) : `(${parts.join(" AND ")})`;
  });
  return { sql: alternatives.length === 1 ? (alternatives[0] as string) : `(${alternatives.join(" OR ")})`, params };
}

/** The conditions of a hardware filter that apply to one class. */
export interface HardwareClassFilter {
  readonly cls: HardwareClass;
  readonly conditions: readonly FilterCondition[];
}

/** AuditHardwareOnHost attributes that are not hardware values (filtered the generic way). */
export const HOST_HARDWARE_FIXED: readonly string[] = ["hostId", "state", "firstseen", "lastseen"];

function classPattern(value: unknown): RegExp {
  if (typeof value !== "string") throw new BackendBadValueError(`Invalid filter value ${describeValue(value)} for 'hardwareClass'`);
  const src = value
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${src}$`);
}

/**
 * Splits a hardware filter into per-class conditions, in configured class order, as opsi does:
 * `hardwareClass` selects classes by `*` wildcard, keys that are not attributes of a class are
 * dropped for it, a class none of whose attributes is filtered is skipped, and `""`/`null` on a
 * class attribute means "empty or NULL". Unknown keys raise no error.
 * @example hardwareClassFilters("auditHardware", config, { hardwareClass: "NETWORK_*", vendor: "" })
 */
export function hardwareClassFilters(
  prefix: HardwarePrefix,
  config: HardwareAuditConfig,
  filter: Filter | null | undefined,
): HardwareClassFilter[] {
  if (filter !== null && filter !== undefined && (typeof filter !== "object" || Array.isArray(filter))) {
    throw new BackendBadValueError(`Invalid filter ${describeValue(filter)}: a filter is a dict of attribute values`);
  }
  const { hardwareClass, type: _type, ...rest } = filter ?? {};
  const wanted =
    hardwareClass === null || hardwareClass === undefined ? [] : Array.isArray(hardwareClass) ? hardwareClass : [hardwareClass];
  const patterns = wanted.map(classPattern);
  const restKeys = Object.keys(rest);
  const out: HardwareClassFilter[] = [];
  for (const cls of config.classes()) {
    if (patterns.length > 0 && !patterns.some((p) => p.test(cls.name))) continue;
    const valueAttributes = prefix === "auditHardware" ? cls.deviceAttributes : cls.allAttributes;
    const classFilter: Record<string, unknown> = {};
    for (const key of restKeys) {
      const value = rest[key];
      if (valueAttributes.has(key)) classFilter[key] = value === "" || value === null || value === undefined ? ["", null] : value;
      else if (prefix === "auditHardwareOnHost" && HOST_HARDWARE_FIXED.includes(key)) classFilter[key] = value;
    }
    if (restKeys.length > 0 && Object.keys(classFilter).length === 0) continue;
    out.push({ cls, conditions: parseFilter(prefix, classFilter).conditions });
  }
  return out;
}
