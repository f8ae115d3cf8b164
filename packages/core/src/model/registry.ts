/**
 * @module model/registry
 * Class metadata: which class belongs to which backend method prefix, ident attributes,
 * attribute lists and the class hierarchy.
 */
import type { z } from "zod";
import { CLASS_SCHEMAS, type ClassName, type ObjectOfClass } from "./classes.js";

/** The 22 backend method prefixes (`host_getObjects`, `productOnClient_updateObjects`, ...). */
export const OBJECT_PREFIXES = [
  "host",
  "user",
  "config",
  "configState",
  "group",
  "objectToGroup",
  "product",
  "productDependency",
  "productProperty",
  "productPropertyState",
  "productOnDepot",
  "productOnClient",
  "licenseContract",
  "softwareLicense",
  "licensePool",
  "softwareLicenseToLicensePool",
  "licenseOnClient",
  "auditSoftware",
  "auditSoftwareOnClient",
  "auditSoftwareToLicensePool",
  "auditHardware",
  "auditHardwareOnHost",
] as const;

/** A backend method prefix. */
export type ObjectPrefix = (typeof OBJECT_PREFIXES)[number];

/** Static description of one prefix. */
export interface PrefixInfo {
  readonly prefix: ObjectPrefix;
  /** The class a dict without `type` becomes (`Host`, `Config`, ...). */
  readonly baseClass: ClassName;
  /** Concrete classes that can be stored under this prefix. */
  readonly storableClasses: readonly ClassName[];
  /** All classes a `type` may name for this prefix (base and subclasses). */
  readonly classes: readonly ClassName[];
  /** Ident attributes in order (empty for the schema-driven hardware classes: computed per object). */
  readonly ident: readonly string[];
  /** Whether objects carry a stored `type` (entities) or the class is implied (relationships). */
  readonly hasTypeColumn: boolean;
}

function info(
  prefix: ObjectPrefix,
  baseClass: ClassName,
  storableClasses: readonly ClassName[],
  ident: readonly string[],
  hasTypeColumn: boolean,
): PrefixInfo {
  const classes = storableClasses.includes(baseClass) ? storableClasses : [baseClass, ...storableClasses];
  return { prefix, baseClass, storableClasses, classes, ident, hasTypeColumn };
}

/** Metadata per prefix. */
export const PREFIXES: { readonly [P in ObjectPrefix]: PrefixInfo } = {
  host: info("host", "Host", ["OpsiClient", "OpsiDepotserver", "OpsiConfigserver"], ["id"], true),
  user: info("user", "User", ["User"], ["id"], false),
  config: info("config", "Config", ["UnicodeConfig", "BoolConfig"], ["id"], true),
  configState: info("configState", "ConfigState", ["ConfigState"], ["configId", "objectId"], false),
  group: info("group", "Group", ["HostGroup", "ProductGroup"], ["id"], true),
  objectToGroup: info("objectToGroup", "ObjectToGroup", ["ObjectToGroup"], ["groupType", "groupId", "objectId"], false),
  product: info("product", "Product", ["LocalbootProduct", "NetbootProduct"], ["id", "productVersion", "packageVersion"], true),
  productDependency: info(
    "productDependency",
    "ProductDependency",
    ["ProductDependency"],
    ["productId", "productVersion", "packageVersion", "productAction", "requiredProductId"],
    false,
  ),
  productProperty: info(
    "productProperty",
    "ProductProperty",
    ["UnicodeProductProperty", "BoolProductProperty"],
    ["productId", "productVersion", "packageVersion", "propertyId"],
    true,
  ),
  productPropertyState: info(
    "productPropertyState",
    "ProductPropertyState",
    ["ProductPropertyState"],
    ["productId", "propertyId", "objectId"],
    false,
  ),
  productOnDepot: info(
    "productOnDepot",
    "ProductOnDepot",
    ["ProductOnDepot"],
    ["productId", "productType", "productVersion", "packageVersion", "depotId"],
    false,
  ),
  productOnClient: info("productOnClient", "ProductOnClient", ["ProductOnClient"], ["productId", "productType", "clientId"], false),
  licenseContract: info("licenseContract", "LicenseContract", ["LicenseContract"], ["id"], true),
  softwareLicense: info(
    "softwareLicense",
    "SoftwareLicense",
    ["RetailSoftwareLicense", "OEMSoftwareLicense", "VolumeSoftwareLicense", "ConcurrentSoftwareLicense"],
    ["id", "licenseContractId"],
    true,
  ),
  licensePool: info("licensePool", "LicensePool", ["LicensePool"], ["id"], true),
  softwareLicenseToLicensePool: info(
    "softwareLicenseToLicensePool",
    "SoftwareLicenseToLicensePool",
    ["SoftwareLicenseToLicensePool"],
    ["softwareLicenseId", "licensePoolId"],
    false,
  ),
  licenseOnClient: info(
    "licenseOnClient",
    "LicenseOnClient",
    ["LicenseOnClient"],
    ["softwareLicenseId", "licensePoolId", "clientId"],
    false,
  ),
  auditSoftware: info(
    "auditSoftware",
    "AuditSoftware",
    ["AuditSoftware"],
    ["name", "version", "subVersion", "language", "architecture"],
    true,
  ),
  auditSoftwareOnClient: info(
    "auditSoftwareOnClient",
    "AuditSoftwareOnClient",
    ["AuditSoftwareOnClient"],
    ["name", "version", "subVersion", "language", "architecture", "clientId"],
    false,
  ),
  auditSoftwareToLicensePool: info(
    "auditSoftwareToLicensePool",
    "AuditSoftwareToLicensePool",
    ["AuditSoftwareToLicensePool"],
    ["name", "version", "subVersion", "language", "architecture", "licensePoolId"],
    false,
  ),
  auditHardware: info("auditHardware", "AuditHardware", ["AuditHardware"], [], false),
  auditHardwareOnHost: info("auditHardwareOnHost", "AuditHardwareOnHost", ["AuditHardwareOnHost"], [], false),
};

/** Classes whose objects are stored in one table per prefix: the concrete-type union of a prefix. */
export type PrefixClasses = {
  host: "Host" | "OpsiClient" | "OpsiDepotserver" | "OpsiConfigserver";
  user: "User";
  config: "Config" | "UnicodeConfig" | "BoolConfig";
  configState: "ConfigState";
  group: "Group" | "HostGroup" | "ProductGroup";
  objectToGroup: "ObjectToGroup";
  product: "Product" | "LocalbootProduct" | "NetbootProduct";
  productDependency: "ProductDependency";
  productProperty: "ProductProperty" | "UnicodeProductProperty" | "BoolProductProperty";
  productPropertyState: "ProductPropertyState";
  productOnDepot: "ProductOnDepot";
  productOnClient: "ProductOnClient";
  licenseContract: "LicenseContract";
  softwareLicense:
    | "SoftwareLicense"
    | "RetailSoftwareLicense"
    | "OEMSoftwareLicense"
    | "VolumeSoftwareLicense"
    | "ConcurrentSoftwareLicense";
  licensePool: "LicensePool";
  softwareLicenseToLicensePool: "SoftwareLicenseToLicensePool";
  licenseOnClient: "LicenseOnClient";
  auditSoftware: "AuditSoftware";
  auditSoftwareOnClient: "AuditSoftwareOnClient";
  auditSoftwareToLicensePool: "AuditSoftwareToLicensePool";
  auditHardware: "AuditHardware";
  auditHardwareOnHost: "AuditHardwareOnHost";
};

/** The object type of a prefix, e.g. `PrefixObject<"host">` = Host | OpsiClient | ... */
export type PrefixObject<P extends ObjectPrefix> = ObjectOfClass[PrefixClasses[P]];

const CLASS_TO_PREFIX = new Map<ClassName, ObjectPrefix>();
for (const p of OBJECT_PREFIXES) for (const c of PREFIXES[p].classes) CLASS_TO_PREFIX.set(c, p);

/** The prefix a class belongs to (`OpsiClient` → `host`). */
export function prefixOfClass(name: ClassName): ObjectPrefix {
  const p = CLASS_TO_PREFIX.get(name);
  if (!p) throw new Error(`no prefix for class ${name}`);
  return p;
}

/** Whether `name` is a known opsi class name. */
export function isClassName(name: unknown): name is ClassName {
  return typeof name === "string" && Object.hasOwn(CLASS_SCHEMAS, name);
}

function shapeKeys(schema: z.ZodType): string[] {
  // Pipes (object + transform) keep the object schema in `in`.
  const def = (schema as unknown as { def: { type: string; in?: z.ZodType; shape?: Record<string, unknown> } }).def;
  if (def.type === "pipe" && def.in) return shapeKeys(def.in);
  return Object.keys(def.shape ?? {});
}

const ATTRIBUTES = new Map<ClassName, readonly string[]>();
for (const name of Object.keys(CLASS_SCHEMAS) as ClassName[]) {
  ATTRIBUTES.set(
    name,
    shapeKeys(CLASS_SCHEMAS[name]).filter((k) => k !== "type"),
  );
}

/** Attribute names of a class in constructor order, without `type` (static part only for hardware classes). */
export function classAttributes(name: ClassName): readonly string[] {
  return ATTRIBUTES.get(name) ?? [];
}

/** Union of the attributes of every class of a prefix (the filterable/selectable attribute names). */
export function prefixAttributes(prefix: ObjectPrefix): readonly string[] {
  const seen = new Set<string>();
  for (const c of PREFIXES[prefix].classes) for (const a of classAttributes(c)) seen.add(a);
  return [...seen];
}
