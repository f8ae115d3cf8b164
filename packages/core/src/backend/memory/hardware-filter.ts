/**
 * @module backend/memory/hardware-filter
 * Filters on the schema-driven hardware prefixes, as opsi evaluates them class by class:
 * `hardwareClass` wildcards select configured classes, keys outside a class are dropped for it,
 * a class none of whose attributes is filtered is skipped, and `""`/`null` on a class attribute
 * means "empty or NULL".
 */
import { BackendBadValueError, describeValue } from "../../errors.js";
import { type Filter, type FilterCondition, parseFilter } from "../../filter/filter.js";
import type { HardwareAuditConfig, HardwareClass } from "../../model/hwaudit-config.js";

/** The hardware prefixes. */
export type HardwarePrefix = "auditHardware" | "auditHardwareOnHost";

/** The conditions to apply to the rows of one hardware class. */
export interface HardwareClassSelection {
  readonly hardwareClass: string;
  /** Includes the condition `hardwareClass = <class>`. */
  readonly conditions: readonly FilterCondition[];
}

/** AuditHardwareOnHost attributes that are not hardware values (filtered the generic way). */
export const HOST_HARDWARE_FIXED = ["hostId", "state", "firstseen", "lastseen"] as const;

function classPattern(value: unknown): RegExp {
  if (typeof value !== "string") throw new BackendBadValueError(`Invalid filter value ${describeValue(value)} for 'hardwareClass'`);
  const src = value
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${src}$`);
}

function selectedClasses(config: HardwareAuditConfig, value: unknown): HardwareClass[] {
  const all = config.classes();
  const values = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
  if (values.length === 0) return all;
  const patterns = values.map(classPattern);
  return all.filter((c) => patterns.some((p) => p.test(c.name)));
}

/**
 * Splits a hardware filter into per-class conditions (configured class order).
 * @example hardwareSelections("auditHardware", config, { hardwareClass: "NETWORK_*", vendor: "" })
 */
export function hardwareSelections(
  prefix: HardwarePrefix,
  config: HardwareAuditConfig,
  filter: Filter | null | undefined,
): HardwareClassSelection[] {
  if (filter !== null && filter !== undefined && (typeof filter !== "object" || Array.isArray(filter))) {
    throw new BackendBadValueError(`Invalid filter ${describeValue(filter)}: a filter is a dict of attribute values`);
  }
  const { hardwareClass, type: _type, ...rest } = filter ?? {};
  const restKeys = Object.keys(rest);
  const out: HardwareClassSelection[] = [];
  for (const cls of selectedClasses(config, hardwareClass)) {
    const valueAttributes = prefix === "auditHardware" ? cls.deviceAttributes : cls.allAttributes;
    const classFilter: Record<string, unknown> = {};
    for (const key of restKeys) {
      const value = rest[key];
      if (valueAttributes.has(key)) classFilter[key] = value === "" || value === null || value === undefined ? ["", null] : value;
      else if (prefix === "auditHardwareOnHost" && (HOST_HARDWARE_FIXED as readonly string[]).includes(key)) classFilter[key] = value;
    }
    if (restKeys.length > 0 && Object.keys(classFilter).length === 0) continue;
    const parsed = parseFilter(prefix, classFilter);
    out.push({
      hardwareClass: cls.name,
      conditions: [{ attribute: "hardwareClass", terms: [{ op: "eq", value: cls.name }] }, ...parsed.conditions],
    });
  }
  return out;
}
