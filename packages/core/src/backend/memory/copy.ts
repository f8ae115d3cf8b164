/**
 * @module backend/memory/copy
 * Copies between stored rows and what callers see: callers never get (or keep) a reference to
 * stored state, including nested value lists.
 */
import type { Row } from "./table.js";

/**
 * A deep copy of a JSON-like value (arrays and plain objects are copied, primitives returned).
 * @example cloneValue([{ a: 1 }])
 */
export function cloneValue(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(cloneValue);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = cloneValue(v);
  return out;
}

/**
 * A fresh copy of a row: a new object whose array/object attributes are deep-copied.
 * @example const copy = cloneRow(stored); copy.values.push(1) // stored unchanged
 */
export function cloneRow(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const k in out) {
    const v = out[k];
    if (v !== null && typeof v === "object") out[k] = cloneValue(v);
  }
  return out;
}

/**
 * A copy of a row with only some attributes loaded: the others are `null` (like opsi reading
 * only the requested columns); `keep` lists what is always loaded (ident, `type`, value lists).
 * @example projectRow(host, new Set(["description"]), new Set(["id", "type"]))
 */
export function projectRow(row: Row, selected: ReadonlySet<string>, keep: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in row) {
    out[k] = selected.has(k) || keep.has(k) ? cloneValue(row[k]) : null;
  }
  return out;
}
