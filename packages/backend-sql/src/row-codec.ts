/**
 * @module row-codec
 * Objects to rows and rows to objects for the table prefixes. A read produces exactly the
 * attributes of the row's concrete class (constructor order, `type` first), with attributes that
 * were not loaded set to `null`, unstored ones to their fixed value, and no per-row zod parsing.
 */
import { type ClassName, classAttributes, forceBool, PREFIXES, uniqueSorted } from "@opsi-ts/core";
import { fromColumnValue, toColumnValue } from "./column-values.js";
import { type ColumnMapping, classOfRow, type TableMapping, UNSTORED_ATTRIBUTES, type ValueKind } from "./mapping.js";

/** A decoded object as a plain record. */
export type Row = Readonly<Record<string, unknown>>;

/** How one attribute of a read object is produced. */
interface Field {
  readonly attribute: string;
  /** Result column, or undefined for a constant. */
  readonly column: string | undefined;
  readonly kind: ValueKind;
  readonly constant: unknown;
}

/** The fields of one class for one attribute selection. */
export interface ClassReadPlan {
  readonly cls: ClassName;
  readonly fields: readonly Field[];
  /** Whether the class's value lists hold booleans (BoolConfig / BoolProductProperty). */
  readonly boolValues: boolean;
}

/** Result aliases of the value sub-table columns in a LEFT JOIN read. */
export const LIST_VALUE_ALIAS = "__value";
export const LIST_DEFAULT_ALIAS = "__isDefault";

const BOOL_LIST_CLASSES = new Set<string>(["BoolConfig", "BoolProductProperty"]);

/**
 * The read plan of a class: which column (or constant) fills each attribute. Attributes outside
 * `loaded` (except the ident) read back `null`; value-list attributes are filled by {@link attachValueLists}.
 * @example classReadPlan(tableMapping("host"), "OpsiClient", undefined)
 */
export function classReadPlan(mapping: TableMapping, cls: ClassName, loaded: ReadonlySet<string> | undefined): ClassReadPlan {
  const fields: Field[] = [];
  const ident = new Set(mapping.ident.map((c) => c.attribute));
  for (const attribute of classAttributes(cls)) {
    const column = mapping.byAttribute.get(attribute);
    if (column && (loaded === undefined || loaded.has(attribute) || ident.has(attribute))) {
      fields.push({ attribute, column: column.column, kind: column.kind, constant: null });
    } else {
      const constant = UNSTORED_ATTRIBUTES.has(attribute) ? UNSTORED_ATTRIBUTES.get(attribute) : null;
      fields.push({ attribute, column: undefined, kind: "string", constant });
    }
  }
  return { cls, fields, boolValues: BOOL_LIST_CLASSES.has(cls) };
}

/**
 * Read plans per class for one selection, built on first use.
 * @example const plans = new ReadPlans(tableMapping("host"), undefined); rowToObject(plans.forType(row.type), row)
 */
export class ReadPlans {
  private readonly plans = new Map<string, ClassReadPlan>();

  constructor(
    private readonly mapping: TableMapping,
    private readonly loaded: ReadonlySet<string> | undefined,
  ) {}

  /** The plan for the class a row's `type` value selects. */
  forType(type: unknown): ClassReadPlan {
    const key = typeof type === "string" ? type : "";
    let plan = this.plans.get(key);
    if (!plan) {
      const cls = classOfRow(this.mapping.prefix, type);
      plan = this.loaded === undefined ? fullPlan(this.mapping, cls) : classReadPlan(this.mapping, cls, this.loaded);
      this.plans.set(key, plan);
    }
    return plan;
  }
}

const FULL_PLANS = new Map<string, ClassReadPlan>();

/** The plan loading every attribute of a class (shared: plans are immutable). */
function fullPlan(mapping: TableMapping, cls: ClassName): ClassReadPlan {
  const key = `${mapping.prefix}|${cls}`;
  let plan = FULL_PLANS.get(key);
  if (!plan) {
    plan = classReadPlan(mapping, cls, undefined);
    FULL_PLANS.set(key, plan);
  }
  return plan;
}

/**
 * Builds the object of one result row.
 * @example rowToObject(plans.forType(row.type), row)
 */
export function rowToObject(plan: ClassReadPlan, row: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { type: plan.cls };
  for (const f of plan.fields) {
    if (f.column === undefined) {
      out[f.attribute] = f.constant;
      continue;
    }
    const v = row[f.column];
    out[f.attribute] = f.kind === "string" && (typeof v === "string" || v === null) ? v : fromColumnValue(f.kind, v);
  }
  return out;
}

function listValue(text: unknown, boolValues: boolean): unknown {
  const s = typeof text === "string" ? text : String(text);
  if (!boolValues) return s;
  try {
    return forceBool(s);
  } catch {
    return s;
  }
}

/**
 * Groups the rows of a LEFT JOIN read (one row per value, NULL values for objects without any)
 * into objects with their value lists, keeping the order of first appearance.
 * @example attachValueLists(mapping, plans, rows)
 */
export function attachValueLists(
  mapping: TableMapping,
  plans: ReadPlans,
  rows: readonly Readonly<Record<string, unknown>>[],
): Record<string, unknown>[] {
  const list = mapping.valueList;
  if (!list) throw new Error(`${mapping.prefix} has no value list`);
  const keyColumns = mapping.ident.map((c) => c.column);
  const byKey = new Map<string, { obj: Record<string, unknown>; values: unknown[]; defaults: unknown[]; bool: boolean }>();
  for (const row of rows) {
    let key = "";
    for (const c of keyColumns) key += `${String(row[c])}\u001f`;
    let entry = byKey.get(key);
    if (!entry) {
      const plan = plans.forType(mapping.hasType ? row.type : undefined);
      entry = { obj: rowToObject(plan, row), values: [], defaults: [], bool: plan.boolValues };
      byKey.set(key, entry);
    }
    const text = row[LIST_VALUE_ALIAS];
    if (text === null || text === undefined) continue;
    const value = listValue(text, entry.bool);
    entry.values.push(value);
    if (list.defaultColumn && fromColumnValue("bool", row[LIST_DEFAULT_ALIAS]) === true) entry.defaults.push(value);
  }
  const out: Record<string, unknown>[] = [];
  for (const { obj, values, defaults } of byKey.values()) {
    obj[list.attribute] = uniqueSorted(values);
    if (list.defaultAttribute) obj[list.defaultAttribute] = uniqueSorted(defaults);
    out.push(obj);
  }
  return out;
}

/**
 * The column values of an object in `mapping.writeColumns` order (attribute columns, then `type`).
 * @example objectToRow(tableMapping("productOnClient"), poc)
 */
export function objectToRow(mapping: TableMapping, obj: Row, out: unknown[] = []): unknown[] {
  for (const c of mapping.columns) {
    const v = obj[c.attribute];
    out.push(c.kind === "string" ? (v ?? null) : toColumnValue(c.kind, v));
  }
  if (mapping.hasType) out.push(obj.type);
  return out;
}

/**
 * The key of an object over some columns (case-insensitive, trailing spaces ignored, like
 * MySQL's collation and core's in-memory keys).
 * @example keyOf(poc, mapping.storageKey)
 */
export function keyOf(obj: Row, columns: readonly ColumnMapping[], withType = false): string {
  let key = withType ? `${String(obj.type)}\u001f` : "";
  for (const c of columns) key += `${keyPart(obj[c.attribute])}\u001f`;
  return key;
}

/**
 * One key part: strings lowercased and right-trimmed, `null` as a marker.
 * @example keyPart("PC1.Dom.TLD ") // "pc1.dom.tld"
 */
export function keyPart(value: unknown): string {
  if (typeof value === "string") return value.toLowerCase().trimEnd();
  if (value === null || value === undefined) return "\u0000";
  return String(value);
}

/**
 * Whether a class is one of the prefix's concrete (storable) classes.
 * @example isStorableType("group", "HostGroup") // true
 */
export function isStorableType(mapping: TableMapping, type: unknown): boolean {
  return (PREFIXES[mapping.prefix].storableClasses as readonly unknown[]).includes(type);
}
