/**
 * @module column-values
 * Conversion of attribute values to column values and back: booleans as 0/1, timestamps as
 * `YYYY-MM-DD HH:MM:SS` text (zero dates included), state value lists as Python `json.dumps` text.
 */
import { formatTimestamp, pythonJsonDumps, ZERO_TIMESTAMP } from "@opsi-ts/core";
import type { ValueKind } from "./mapping.js";

/**
 * The column value of an attribute value (`null`/`undefined` → NULL).
 * @example toColumnValue("bool", true) // 1
 */
export function toColumnValue(kind: ValueKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case "bool":
      return value ? 1 : 0;
    case "json":
      return pythonJsonDumps(value);
    default:
      return typeof value === "boolean" ? (value ? 1 : 0) : value;
  }
}

function timestampValue(value: unknown): string {
  if (typeof value === "string") return value.length > 19 ? value.slice(0, 19) : value;
  // A driver returning Date objects turns MySQL's zero date into an invalid Date.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? ZERO_TIMESTAMP : formatTimestamp(value);
  return String(value);
}

function jsonValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    // Not JSON (a row written by another tool): keep the text as the single value.
    return [value];
  }
}

function numberValue(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  const n = Number(value);
  return Number.isNaN(n) ? null : n;
}

/**
 * The attribute value of a column value (NULL → `null`).
 * @example fromColumnValue("timestamp", "2024-01-02 10:00:00") // "2024-01-02 10:00:00"
 */
export function fromColumnValue(kind: ValueKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case "string":
      return typeof value === "string" ? value : String(value);
    case "bool":
      return value !== 0 && value !== "0" && value !== false && value !== 0n;
    case "int":
    case "float":
      return numberValue(value);
    case "timestamp":
      return timestampValue(value);
    case "json":
      return jsonValue(value);
  }
}

/**
 * A string list value of a sub-table (`CONFIG_VALUE.value`): booleans as "1"/"0", the rest as text.
 * @example listValueText(true) // "1"
 */
export function listValueText(value: unknown): string {
  if (typeof value === "boolean") return value ? "1" : "0";
  return typeof value === "string" ? value : String(value);
}
