/**
 * @module backend/write-rules
 * Rules every storage applies on write so that all backends read back the same objects as opsi's
 * MySQL backend: concrete types, values that are not persisted, "" written as NULL, the DB column
 * defaults of objects created by `_updateObjects`, and the merge of partial updates.
 */
import { BackendBadValueError } from "../errors.js";
import type { OpsiObject } from "../model/classes.js";
import { timestamp } from "../model/forcers.js";
import { decodeObject, type ModelContext } from "../model/object.js";
import { type ObjectPrefix, PREFIXES, type PrefixObject, prefixOfClass } from "../model/registry.js";

const ABSTRACT_WITHOUT_CONVERSION = new Set(["Host", "Product", "Group", "SoftwareLicense"]);

/**
 * Returns the object with a storable class: base `Config`/`ProductProperty` objects become
 * `BoolConfig`/`BoolProductProperty` when all their possible values are booleans, otherwise the
 * Unicode variant (the conversion opsi's DB cleanup applies to legacy rows). Abstract classes
 * without a conversion (Host, Product, Group, SoftwareLicense) raise {@link BackendBadValueError}.
 */
export function toStorableClass<P extends ObjectPrefix>(prefix: P, obj: PrefixObject<P>, ctx: ModelContext = {}): PrefixObject<P> {
  const type = obj.type as string;
  if (ABSTRACT_WITHOUT_CONVERSION.has(type)) {
    throw new BackendBadValueError(
      `Cannot store an object of the abstract class '${type}', use one of: ${PREFIXES[prefix].storableClasses.join(", ")}`,
    );
  }
  if (type === "Config" || type === "ProductProperty") {
    const rec = obj as Record<string, unknown>;
    const possible = (rec.possibleValues as unknown[] | null) ?? [];
    const isBool = possible.length > 0 && possible.every((v) => typeof v === "boolean");
    const target =
      type === "Config" ? (isBool ? "BoolConfig" : "UnicodeConfig") : isBool ? "BoolProductProperty" : "UnicodeProductProperty";
    return decodeObject(prefix, { ...rec, type: target }, ctx);
  }
  return obj;
}

/**
 * The form a faithful backend reads back: `""` MAC/IP/UUID become null, Product
 * `productClassIds`/`windowsSoftwareIds` are not persisted (null), POC `actionSequence` is not
 * persisted (-1), and value lists kept in sub-tables read back as `[]` when unset.
 */
export function toStoredForm<T extends OpsiObject>(obj: T): T {
  const rec = obj as Record<string, unknown>;
  const prefix = prefixOfClass(obj.type);
  if (prefix === "config" || prefix === "productProperty") {
    if (rec.possibleValues === null || rec.defaultValues === null) {
      return { ...obj, possibleValues: rec.possibleValues ?? [], defaultValues: rec.defaultValues ?? [] };
    }
    return obj;
  }
  if (prefix === "licensePool") return rec.productIds === null ? { ...obj, productIds: [] } : obj;
  if (prefix === "host") {
    if (rec.hardwareAddress === "" || rec.ipAddress === "" || rec.systemUUID === "") {
      return {
        ...obj,
        hardwareAddress: rec.hardwareAddress === "" ? null : rec.hardwareAddress,
        ipAddress: rec.ipAddress === "" ? null : rec.ipAddress,
        systemUUID: rec.systemUUID === "" ? null : rec.systemUUID,
      };
    }
    return obj;
  }
  if (prefix === "product") {
    if (rec.productClassIds !== null || rec.windowsSoftwareIds !== null) {
      return { ...obj, productClassIds: null, windowsSoftwareIds: null };
    }
    return obj;
  }
  if (prefix === "productOnClient" && rec.actionSequence !== -1) return { ...obj, actionSequence: -1 };
  return obj;
}

/**
 * Merges an update into a stored object: non-null attributes of `update` win; a concrete `type`
 * of the update replaces the stored type. Deliberate fix over opsi: a `null` value list
 * (Config/ProductProperty possible/default values, LicensePool productIds) keeps the stored list,
 * where opsi wipes it. A ProductOnClient update without `modificationTime` sets it to now, as
 * opsi's `ON UPDATE CURRENT_TIMESTAMP` column does.
 */
export function mergeUpdate<P extends ObjectPrefix>(
  prefix: P,
  stored: PrefixObject<P>,
  update: PrefixObject<P>,
  ctx: ModelContext = {},
): PrefixObject<P> {
  const merged: Record<string, unknown> = { ...(stored as Record<string, unknown>) };
  for (const [k, v] of Object.entries(update as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    if (k === "type") {
      if (PREFIXES[prefix].storableClasses.includes(v as never)) merged.type = v;
      continue;
    }
    merged[k] = v;
  }
  if (prefix === "productOnClient" && (update as Record<string, unknown>).modificationTime == null) {
    merged.modificationTime = timestamp();
  }
  // Decoding again re-runs the value-list rules on the merged lists (defaults ⊆ possible, multiValue).
  return toStoredForm(decodeObject(prefix, merged, ctx)) as PrefixObject<P>;
}

type ColumnDefaults = Readonly<Record<string, () => unknown>>;

const now = (): string => timestamp();

/**
 * The defaults MySQL applies to NOT NULL columns an `INSERT` leaves out (opsi schema v13):
 * `_updateObjects` creates missing objects from the given attributes only (no `setDefaults()`),
 * so these are all they get. Timestamps are local time like every opsi timestamp.
 */
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

/**
 * Attributes of the storage key, i.e. the tightest MySQL PRIMARY/UNIQUE key: a write whose key
 * matches a stored row replaces it (ON DUPLICATE KEY UPDATE). They differ from the opsi ident for
 * ProductOnClient (UNIQUE productId+clientId), ProductOnDepot (UNIQUE productId+depotId),
 * SoftwareLicense (PK id) and Group (PK type+id). Hardware prefixes are keyed per class.
 */
export const STORAGE_KEYS: { readonly [P in ObjectPrefix]: readonly string[] } = {
  host: ["id"],
  user: ["id"],
  config: ["id"],
  configState: ["configId", "objectId"],
  group: ["type", "id"],
  objectToGroup: ["groupType", "groupId", "objectId"],
  product: ["id", "productVersion", "packageVersion"],
  productDependency: ["productId", "productVersion", "packageVersion", "productAction", "requiredProductId"],
  productProperty: ["productId", "productVersion", "packageVersion", "propertyId"],
  productPropertyState: ["productId", "propertyId", "objectId"],
  productOnDepot: ["productId", "depotId"],
  productOnClient: ["productId", "clientId"],
  licenseContract: ["id"],
  softwareLicense: ["id"],
  licensePool: ["id"],
  softwareLicenseToLicensePool: ["softwareLicenseId", "licensePoolId"],
  licenseOnClient: ["softwareLicenseId", "licensePoolId", "clientId"],
  auditSoftware: ["name", "version", "subVersion", "language", "architecture"],
  auditSoftwareOnClient: ["name", "version", "subVersion", "language", "architecture", "clientId"],
  auditSoftwareToLicensePool: ["name", "version", "subVersion", "language", "architecture", "licensePoolId"],
  auditHardware: [],
  auditHardwareOnHost: [],
};

/**
 * `configState_createObjects/_updateObjects` silently skip states whose values are exactly `[null]`.
 * @example isNullState("configState", { values: [null] }) // true
 */
export function isNullState(prefix: ObjectPrefix, obj: Readonly<Record<string, unknown>>): boolean {
  if (prefix !== "configState") return false;
  const values = obj.values;
  return Array.isArray(values) && values.length === 1 && values[0] === null;
}
