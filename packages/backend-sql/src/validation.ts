/**
 * @module validation
 * Checks made in TypeScript before anything is sent to the database: string values must fit
 * their varchar columns, and `getObjects` may only select known attribute names.
 */
import { BackendBadValueError, describeValue, type HardwareAuditConfig, type ObjectPrefix, prefixAttributes } from "@opsi-ts/core";
import type { ColumnMapping } from "./mapping.js";
import { HOST_HARDWARE_FIXED } from "./where.js";

function characterCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Throws {@link BackendBadValueError} naming attribute and limit if a string value is longer
 * than its varchar column (in characters, like MySQL's `varchar(n)`).
 * @example checkLengths(tableMapping("host").columns, host, "OpsiClient")
 */
export function checkLengths(columns: readonly ColumnMapping[], obj: Readonly<Record<string, unknown>>, what: string): void {
  for (const c of columns) {
    const max = c.maxLength;
    if (max === undefined) continue;
    const v = obj[c.attribute];
    if (typeof v !== "string" || v.length <= max) continue;
    const length = characterCount(v);
    if (length > max) {
      throw new BackendBadValueError(
        `Value of attribute '${c.attribute}' of ${what} is too long: ${length} characters, the column holds at most ${max}`,
      );
    }
  }
}

/**
 * Validates the `attributes` argument of `getObjects`: a list of attribute names of the prefix
 * (any class), `type`, or for hardware any configured class attribute. Returns the selection, or
 * undefined when everything is loaded (`null`, `[]`, and always for hardware, like opsi).
 * @example selectedAttributes("host", ["description"], config) // Set { "description" }
 */
export function selectedAttributes(
  prefix: ObjectPrefix,
  attributes: readonly string[] | null | undefined,
  hardwareAudit: HardwareAuditConfig,
): ReadonlySet<string> | undefined {
  if (attributes === null || attributes === undefined) return undefined;
  if (!Array.isArray(attributes)) throw new BackendBadValueError(`Invalid attributes ${describeValue(attributes)}: expected a list`);
  if (attributes.length === 0) return undefined;
  const allowed = new Set<string>(["type", ...prefixAttributes(prefix)]);
  const hardware = prefix === "auditHardware" || prefix === "auditHardwareOnHost";
  if (hardware) {
    allowed.add("hardwareClass");
    if (prefix === "auditHardwareOnHost") for (const a of HOST_HARDWARE_FIXED) allowed.add(a);
    for (const cls of hardwareAudit.classes()) {
      for (const a of (prefix === "auditHardware" ? cls.deviceAttributes : cls.allAttributes).keys()) allowed.add(a);
    }
  }
  for (const a of attributes) {
    if (typeof a !== "string" || !allowed.has(a)) {
      throw new BackendBadValueError(`Invalid attribute ${describeValue(a)}, possible attributes are: ${[...allowed].join(", ")}`);
    }
  }
  return hardware ? undefined : new Set(attributes);
}
