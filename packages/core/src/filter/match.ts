/**
 * @module filter/match
 * Evaluates a {@link ParsedFilter} against objects in memory with MySQL's comparison rules:
 * strings compare case-insensitively (opsi's default utf8_general_ci collation), numeric and
 * boolean attributes compare as numbers, `values` lists compare as their stored JSON text.
 */
import { pythonJsonDumps } from "../model/values.js";
import type { FilterCondition, FilterTerm, ParsedFilter } from "./filter.js";

type Scalar = string | number | null;

/** The value an attribute has "in the column": booleans as 0/1, lists as JSON text. */
export function columnValue(value: unknown): Scalar {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number" || typeof value === "string") return value;
  return pythonJsonDumps(value);
}

function toNumber(value: string | number): number {
  if (typeof value === "number") return value;
  // MySQL converts a leading numeric prefix; anything else is 0.
  const m = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(value);
  return m ? Number(m[0]) : 0;
}

function compare(column: string | number, operand: string | number): number {
  if (typeof column === "number" || (typeof operand === "number" && typeof column !== "string")) {
    return toNumber(column) - toNumber(operand);
  }
  if (typeof operand === "number") return toNumber(column) - operand;
  const a = column.toLowerCase().trimEnd();
  const b = operand.toLowerCase().trimEnd();
  return a === b ? 0 : a < b ? -1 : 1;
}

const likeCache = new Map<string, RegExp>();

/** Compiles a LIKE pattern (`%` any, `_` one char, `\_` literal) into a case-insensitive RegExp. */
export function likeToRegExp(pattern: string): RegExp {
  let re = likeCache.get(pattern);
  if (re) return re;
  let src = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\" && i + 1 < pattern.length) {
      src += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    } else if (c === "%") src += "[\\s\\S]*";
    else if (c === "_") src += "[\\s\\S]";
    else src += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  re = new RegExp(`^${src}$`, "i");
  if (likeCache.size > 1000) likeCache.clear();
  likeCache.set(pattern, re);
  return re;
}

/** Whether one term matches a column value. */
export function termMatches(term: FilterTerm, column: Scalar): boolean {
  switch (term.op) {
    case "null":
      return column === null;
    case "eq":
      return column !== null && compare(column, term.value) === 0;
    case "like":
      return column !== null && likeToRegExp(term.pattern).test(String(column));
    case "lt":
      return column !== null && compare(column, term.value) < 0;
    case "gt":
      return column !== null && compare(column, term.value) > 0;
  }
}

/** Whether an object satisfies one condition. */
export function conditionMatches(condition: FilterCondition, obj: Readonly<Record<string, unknown>>): boolean {
  const column = columnValue(obj[condition.attribute]);
  if (condition.inValues) {
    return column !== null && condition.inValues.some((v) => compare(column, v) === 0);
  }
  return condition.terms.some((t) => termMatches(t, column));
}

/**
 * Whether an object satisfies all conditions of a parsed filter.
 * @example matchesFilter(parseFilter("host", { id: "pc*" }), client)
 */
export function matchesFilter(filter: ParsedFilter, obj: Readonly<Record<string, unknown>>): boolean {
  for (const c of filter.conditions) if (!conditionMatches(c, obj)) return false;
  return true;
}

/** Exact-match values of a condition usable for index lookups (`undefined` if it needs a scan). */
export function exactValues(condition: FilterCondition): (string | number)[] | undefined {
  if (condition.inValues) return [...condition.inValues];
  const out: (string | number)[] = [];
  for (const t of condition.terms) {
    if (t.op !== "eq") return undefined;
    out.push(t.value);
  }
  return out;
}
