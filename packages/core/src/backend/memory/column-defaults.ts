/**
 * @module backend/memory/column-defaults
 * The defaults MySQL applies to columns an `INSERT` leaves out: `_updateObjects` creates missing
 * objects from the given attributes only (no `setDefaults()`), so these are all they get.
 */
import { timestamp } from "../../model/forcers.js";
import type { ObjectPrefix } from "../../model/registry.js";

type ColumnDefaults = Readonly<Record<string, () => unknown>>;

const now = (): string => timestamp();

/** Column defaults per prefix (opsi schema v13). */
export const COLUMN_DEFAULTS: { readonly [P in ObjectPrefix]?: ColumnDefaults } = {
  productOnClient: { installationStatus: () => "not_installed", actionRequest: () => "none", modificationTime: now },
  config: { editable: () => true, multiValue: () => false },
  productProperty: { editable: () => true, multiValue: () => false },
  product: { name: () => "", licenseRequired: () => false, priority: () => 0 },
  productOnDepot: { locked: () => false },
  softwareLicense: { maxInstallations: () => 1 },
  auditSoftwareOnClient: { firstseen: now, lastseen: now, usageFrequency: () => -1, state: () => 1 },
  auditHardwareOnHost: { firstseen: now, lastseen: now, state: () => 1 },
};

/**
 * Fills the column defaults of a prefix into `null` attributes (returns a new object if needed).
 * @example applyColumnDefaults("productOnClient", poc).installationStatus // "not_installed" if unset
 */
export function applyColumnDefaults<T extends Readonly<Record<string, unknown>>>(prefix: ObjectPrefix, obj: T): T {
  const defaults = COLUMN_DEFAULTS[prefix];
  if (!defaults) return obj;
  let out: Record<string, unknown> | undefined;
  for (const [key, make] of Object.entries(defaults)) {
    if (obj[key] === null || obj[key] === undefined) {
      out ??= { ...obj };
      out[key] = make();
    }
  }
  return (out as T | undefined) ?? obj;
}
