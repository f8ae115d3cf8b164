/**
 * @module filter/filter
 * opsi filter semantics (`MySQLConnection.get_where`) parsed into data that every backend
 * translates the same way: keys ANDed, list values ORed, `null`/`[]` ignored, `null` inside a list
 * = IS NULL, `*` wildcards, leading `<`/`>` comparisons, booleans as 0/1, lists over 10 values as
 * a plain IN, and the `OpsiDepotserver` type rule.
 */
import { BackendBadValueError, describeValue } from "../errors.js";
import { type ObjectPrefix, PREFIXES, prefixAttributes } from "../model/registry.js";

/** A raw filter as clients send it: attribute → value or list of values. */
export type Filter = Readonly<Record<string, unknown>>;

/** One alternative of a condition. */
export type FilterTerm =
  /** Equality (case-insensitive for strings, like MySQL's default collation). */
  | { readonly op: "eq"; readonly value: string | number }
  /** IS NULL. */
  | { readonly op: "null" }
  /** SQL LIKE: `pattern` already uses `%` (from `*` and literal `%`) and `\_` for a literal `_`. */
  | { readonly op: "like"; readonly pattern: string }
  /** `<` or `>` with the rest of the string as operand. */
  | { readonly op: "lt" | "gt"; readonly value: string };

/** All conditions on one attribute: OR of `terms`, or a plain IN for lists over 10 values. */
export interface FilterCondition {
  readonly attribute: string;
  readonly terms: readonly FilterTerm[];
  /** Set for lists of more than 10 values: exact IN match, no wildcards, `null` matches nothing. */
  readonly inValues?: readonly (string | number)[];
}

/** A validated filter. */
export interface ParsedFilter {
  readonly prefix: ObjectPrefix;
  /** ANDed conditions (attributes with `null`/`[]` values are absent). */
  readonly conditions: readonly FilterCondition[];
}

/** Attributes that exist on objects but cannot be filtered (aggregates / not persisted). */
const NOT_FILTERABLE: Partial<Record<ObjectPrefix, readonly string[]>> = {
  config: ["possibleValues", "defaultValues"],
  productProperty: ["possibleValues", "defaultValues"],
  product: ["productClassIds", "windowsSoftwareIds"],
  productOnClient: ["actionSequence"],
};

/** Names a filter may use on a prefix (attributes plus `type` where objects have a stored type). */
export function filterableAttributes(prefix: ObjectPrefix, hardwareAttributes: readonly string[] = []): string[] {
  const excluded = new Set(NOT_FILTERABLE[prefix] ?? []);
  const names = [...prefixAttributes(prefix), ...hardwareAttributes].filter((a) => !excluded.has(a));
  if (PREFIXES[prefix].hasTypeColumn || prefix === "auditHardware" || prefix === "auditHardwareOnHost") names.push("type");
  return [...new Set(names)];
}

function scalarTerm(value: unknown, attribute: string): FilterTerm {
  if (value === null || value === undefined) return { op: "null" };
  if (typeof value === "boolean") return { op: "eq", value: value ? 1 : 0 };
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new BackendBadValueError(`Invalid filter value ${describeValue(value)} for '${attribute}'`);
    return { op: "eq", value };
  }
  if (typeof value === "string") {
    if (value.includes("*")) return { op: "like", pattern: value.replace(/\*/g, "%").replace(/_/g, "\\_") };
    if (value.startsWith("<")) return { op: "lt", value: value.slice(1) };
    if (value.startsWith(">")) return { op: "gt", value: value.slice(1) };
    return { op: "eq", value };
  }
  throw new BackendBadValueError(`Invalid filter value ${describeValue(value)} for '${attribute}'`);
}

function inValue(value: unknown, attribute: string): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number" || typeof value === "string") return value;
  throw new BackendBadValueError(`Invalid filter value ${describeValue(value)} for '${attribute}'`);
}

/**
 * Validates and parses a filter for a prefix. Unknown keys raise {@link BackendBadValueError}
 * (even with a `null` value); `type` is ignored on relationship prefixes.
 * @example parseFilter("host", { type: "OpsiDepotserver", id: "depot*" })
 */
export function parseFilter(
  prefix: ObjectPrefix,
  filter: Filter | null | undefined,
  options: { hardwareAttributes?: readonly string[] } = {},
): ParsedFilter {
  if (filter === null || filter === undefined) return { prefix, conditions: [] };
  if (typeof filter !== "object" || Array.isArray(filter)) {
    throw new BackendBadValueError(`Invalid filter ${describeValue(filter)}: a filter is a dict of attribute values`);
  }
  const allowed = filterableAttributes(prefix, options.hardwareAttributes);
  const allowedSet = new Set(allowed);
  const conditions: FilterCondition[] = [];
  const hasType = PREFIXES[prefix].hasTypeColumn;
  // Hardware classes are schema-driven: keys outside a class only drop that class (see the backend).
  const lenientKeys = prefix === "auditHardware" || prefix === "auditHardwareOnHost";
  for (const [rawKey, raw] of Object.entries(filter)) {
    const attribute = rawKey;
    if (!allowedSet.has(attribute) && !lenientKeys) {
      if (attribute === "type") continue;
      throw new BackendBadValueError(
        `Invalid filter '${attribute}'=${describeValue(raw)} used, possible attributes are: ${allowed.join(", ")}`,
      );
    }
    if (attribute === "type" && !hasType && prefix !== "auditHardware" && prefix !== "auditHardwareOnHost") continue;
    if (raw === null || raw === undefined) continue;
    const values = Array.isArray(raw) ? [...raw] : [raw];
    if (values.length === 0) continue;
    if (attribute === "type" && values.includes("OpsiDepotserver") && !values.includes("OpsiConfigserver")) {
      values.push("OpsiConfigserver");
    }
    if (values.length > 10) {
      const inValues = values.map((v) => inValue(v, attribute)).filter((v): v is string | number => v !== null);
      conditions.push({ attribute, terms: [], inValues });
    } else {
      conditions.push({ attribute, terms: values.map((v) => scalarTerm(v, attribute)) });
    }
  }
  return { prefix, conditions };
}
