/**
 * @module model/values
 * Ordering and de-duplication of opsi value lists (Config/ProductProperty values, states).
 */

function rank(value: unknown): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === "boolean") return 0;
  if (typeof value === "number") return 1;
  if (typeof value === "string") return 2;
  return 3;
}

/**
 * Total order over JSON values used wherever opsi sorts a value list: booleans (false < true),
 * then numbers, then strings (by code point), then other values by their JSON text, `null` last.
 */
export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return Number(a) - Number(b);
    case 1:
      return (a as number) - (b as number);
    case 2:
      return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
    case 3: {
      const ja = JSON.stringify(a);
      const jb = JSON.stringify(b);
      return ja === jb ? 0 : ja < jb ? -1 : 1;
    }
    default:
      return 0;
  }
}

/** Stable key for set semantics over JSON values. */
export function valueKey(value: unknown): string {
  if (typeof value === "string") return `s${value}`;
  return `j${JSON.stringify(value ?? null)}`;
}

/** De-duplicates (set semantics) and sorts with {@link compareValues}. */
export function uniqueSorted<T>(values: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const v of values) {
    const k = valueKey(v);
    if (!seen.has(k)) seen.set(k, v);
  }
  return [...seen.values()].sort(compareValues);
}

/** Whether two value lists hold the same values in the same order. */
export function sameValues(a: readonly unknown[] | null, b: readonly unknown[] | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((v, i) => valueKey(v) === valueKey(b[i]));
}

/**
 * opsi's `_updateValues` for Config and ProductProperty: lists are de-duplicated and sorted,
 * defaults outside a non-empty possibleValues are dropped, an empty possibleValues with defaults
 * becomes the defaults, and more than one default forces multiValue.
 */
export function normalizeValueLists(
  possibleValues: unknown[] | null,
  defaultValues: unknown[] | null,
  multiValue: boolean | null,
): { possibleValues: unknown[] | null; defaultValues: unknown[] | null; multiValue: boolean | null } {
  let possible = possibleValues === null ? null : uniqueSorted(possibleValues);
  let defaults = defaultValues === null ? null : uniqueSorted(defaultValues);
  let multi = multiValue;
  if (defaults !== null) {
    possible ??= [];
    if (possible.length > 0) {
      const allowed = new Set(possible.map(valueKey));
      defaults = defaults.filter((d) => allowed.has(valueKey(d)));
    } else if (defaults.length > 0) {
      possible = [...defaults];
    }
    if (defaults.length > 1) multi = true;
  }
  return { possibleValues: possible, defaultValues: defaults, multiValue: multi };
}

function pythonString(s: string): string {
  // Python's json.dumps escapes non-ASCII characters (ensure_ascii=True).
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Serialises like Python's `json.dumps(value)` (", " and ": " separators, ASCII escapes): the
 * format opsi stores ConfigState/ProductPropertyState `values` in, which its cleanup SQL relies on.
 * @example pythonJsonDumps(["depot.dom.tld"]) === '["depot.dom.tld"]'
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return pythonString(value);
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pythonString(k)}: ${pythonJsonDumps(v)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(String(value));
}
