/**
 * @module mapping
 * Which table, columns and value sub-table hold each opsi object prefix (spec §3.2): `id` ↔
 * hostId/configId/productId/…, the `type` column, value kinds per column, storage keys and the
 * CONFIG_VALUE / PRODUCT_PROPERTY_VALUE / PRODUCT_ID_TO_LICENSE_POOL lists.
 */
import { type ClassName, type ObjectPrefix, PREFIXES, prefixAttributes, STORAGE_KEYS } from "@opsi-ts/core";
import { type ColumnDef, type ColumnType, OPSI_TABLES, type TableDef } from "./schema.js";

/** How a value is represented in a column. */
export type ValueKind = "string" | "bool" | "int" | "float" | "timestamp" | "json";

/** One attribute stored in one column. */
export interface ColumnMapping {
  readonly attribute: string;
  readonly column: string;
  readonly kind: ValueKind;
  /** varchar length (characters), if the column has one. */
  readonly maxLength?: number;
}

/** A value list kept in a sub-table (one row per value). */
export interface ValueListMapping {
  readonly table: TableDef;
  /** Columns of the sub-table referencing the main row (same names as the main table's key columns). */
  readonly keyColumns: readonly string[];
  /** The column holding one value. */
  readonly valueColumn: string;
  /** The attribute listing all values (`possibleValues` / `productIds`). */
  readonly attribute: string;
  /** `isDefault` flag column and the attribute listing the flagged values (`defaultValues`). */
  readonly defaultColumn?: string;
  readonly defaultAttribute?: string;
}

/** The hardware prefixes, stored in per-class tables (see `hardware.ts`). */
export type HardwarePrefix = "auditHardware" | "auditHardwareOnHost";

/** The prefixes stored in one fixed table each. */
export type TablePrefix = Exclude<ObjectPrefix, HardwarePrefix>;

/** Storage of one table prefix. */
export interface TableMapping {
  readonly prefix: TablePrefix;
  readonly table: TableDef;
  /** Attribute columns (without `type`), in table order. */
  readonly columns: readonly ColumnMapping[];
  readonly byAttribute: ReadonlyMap<string, ColumnMapping>;
  /** Whether the table has a `type` column holding the concrete class name. */
  readonly hasType: boolean;
  /** All columns written on insert (attribute columns, then `type`). */
  readonly writeColumns: readonly string[];
  /** Ident attribute columns, in ident order. */
  readonly ident: readonly ColumnMapping[];
  /**
   * Columns of the tightest PRIMARY/UNIQUE key: a write whose key matches a stored row replaces it.
   * They differ from the ident for ProductOnClient (UNIQUE productId+clientId), ProductOnDepot
   * (UNIQUE productId+depotId), SoftwareLicense (PK id) and Group (PK type+id).
   */
  readonly storageKey: readonly ColumnMapping[];
  readonly valueList?: ValueListMapping;
}

const TABLE_NAMES: { readonly [P in TablePrefix]: string } = {
  host: "HOST",
  user: "USER",
  config: "CONFIG",
  configState: "CONFIG_STATE",
  group: "GROUP",
  objectToGroup: "OBJECT_TO_GROUP",
  product: "PRODUCT",
  productDependency: "PRODUCT_DEPENDENCY",
  productProperty: "PRODUCT_PROPERTY",
  productPropertyState: "PRODUCT_PROPERTY_STATE",
  productOnDepot: "PRODUCT_ON_DEPOT",
  productOnClient: "PRODUCT_ON_CLIENT",
  licenseContract: "LICENSE_CONTRACT",
  softwareLicense: "SOFTWARE_LICENSE",
  licensePool: "LICENSE_POOL",
  softwareLicenseToLicensePool: "SOFTWARE_LICENSE_TO_LICENSE_POOL",
  licenseOnClient: "LICENSE_ON_CLIENT",
  auditSoftware: "SOFTWARE",
  auditSoftwareOnClient: "SOFTWARE_CONFIG",
  auditSoftwareToLicensePool: "AUDIT_SOFTWARE_TO_LICENSE_POOL",
};

/** Column holding the `id` attribute, where it is not called `id` (spec §3.2). */
const ID_COLUMNS: { readonly [P in TablePrefix]?: string } = {
  host: "hostId",
  user: "userId",
  config: "configId",
  product: "productId",
  group: "groupId",
  licenseContract: "licenseContractId",
  softwareLicense: "softwareLicenseId",
  licensePool: "licensePoolId",
};

/** Columns holding JSON text (`json.dumps` of a list) rather than a plain string. */
const JSON_COLUMNS = new Set(["CONFIG_STATE.values", "PRODUCT_PROPERTY_STATE.values"]);

/**
 * The value kind of a column type.
 * @example valueKind({ kind: "tinyint", width: 1 }) // "bool"
 */
export function valueKind(type: ColumnType): ValueKind {
  switch (type.kind) {
    case "varchar":
    case "text":
      return "string";
    case "tinyint":
      return type.width === 1 ? "bool" : "int";
    case "int":
    case "bigint":
      return "int";
    case "double":
      return "float";
    case "timestamp":
      return "timestamp";
  }
}

/**
 * Whether a value kind compares numerically in SQL.
 * @example isNumericKind("bool") // true
 */
export function isNumericKind(kind: ValueKind): boolean {
  return kind === "bool" || kind === "int" || kind === "float";
}

/**
 * The mapping of one column to an attribute.
 * @example columnMapping("HOST", hostIdColumn, "id")
 */
export function columnMapping(tableName: string, def: ColumnDef, attribute: string): ColumnMapping {
  const kind = JSON_COLUMNS.has(`${tableName}.${def.name}`) ? "json" : valueKind(def.type);
  return def.type.kind === "varchar"
    ? { attribute, column: def.name, kind, maxLength: def.type.length }
    : { attribute, column: def.name, kind };
}

function tableDef(name: string): TableDef {
  const def = OPSI_TABLES.find((t) => t.name === name);
  if (!def) throw new Error(`schema has no table ${name}`);
  return def;
}

function valueListOf(prefix: TablePrefix): ValueListMapping | undefined {
  switch (prefix) {
    case "config":
      return {
        table: tableDef("CONFIG_VALUE"),
        keyColumns: ["configId"],
        valueColumn: "value",
        attribute: "possibleValues",
        defaultColumn: "isDefault",
        defaultAttribute: "defaultValues",
      };
    case "productProperty":
      return {
        table: tableDef("PRODUCT_PROPERTY_VALUE"),
        keyColumns: ["productId", "productVersion", "packageVersion", "propertyId"],
        valueColumn: "value",
        attribute: "possibleValues",
        defaultColumn: "isDefault",
        defaultAttribute: "defaultValues",
      };
    case "licensePool":
      return {
        table: tableDef("PRODUCT_ID_TO_LICENSE_POOL"),
        keyColumns: ["licensePoolId"],
        valueColumn: "productId",
        attribute: "productIds",
      };
    default:
      return undefined;
  }
}

function buildMapping(prefix: TablePrefix): TableMapping {
  const table = tableDef(TABLE_NAMES[prefix]);
  const attributes = new Set(prefixAttributes(prefix));
  const idColumn = ID_COLUMNS[prefix];
  const columns: ColumnMapping[] = [];
  let hasType = false;
  for (const def of table.columns) {
    if (def.name === "type") {
      hasType = true;
      continue;
    }
    const attribute = def.name === idColumn ? "id" : def.name;
    if (attributes.has(attribute)) columns.push(columnMapping(table.name, def, attribute));
  }
  const byAttribute = new Map(columns.map((c) => [c.attribute, c]));
  const pick = (attrs: readonly string[]): ColumnMapping[] =>
    attrs
      .filter((a) => a !== "type")
      .map((a) => {
        const c = byAttribute.get(a);
        if (!c) throw new Error(`${prefix}: attribute ${a} has no column`);
        return c;
      });
  const valueList = valueListOf(prefix);
  return {
    prefix,
    table,
    columns,
    byAttribute,
    hasType,
    writeColumns: [...columns.map((c) => c.column), ...(hasType ? ["type"] : [])],
    ident: pick(PREFIXES[prefix].ident),
    storageKey: pick(STORAGE_KEYS[prefix]),
    ...(valueList ? { valueList } : {}),
  };
}

const MAPPINGS = new Map<TablePrefix, TableMapping>();

/**
 * The storage mapping of a table prefix (built once).
 * @example tableMapping("host").byAttribute.get("id")?.column // "hostId"
 */
export function tableMapping(prefix: TablePrefix): TableMapping {
  let m = MAPPINGS.get(prefix);
  if (!m) {
    m = buildMapping(prefix);
    MAPPINGS.set(prefix, m);
  }
  return m;
}

/**
 * Whether a prefix is stored in the per-class hardware tables.
 * @example isHardwarePrefix("auditHardwareOnHost") // true
 */
export function isHardwarePrefix(prefix: ObjectPrefix): prefix is HardwarePrefix {
  return prefix === "auditHardware" || prefix === "auditHardwareOnHost";
}

/**
 * Whether the storage key includes the type column (Group: PK type + groupId).
 * @example storageKeyHasType("group") // true
 */
export function storageKeyHasType(prefix: TablePrefix): boolean {
  return STORAGE_KEYS[prefix].includes("type");
}

/**
 * The class a stored `type` value selects: the concrete class if it belongs to the prefix, a
 * single-class prefix's class, else the prefix's base class (legacy rows).
 * @example classOfRow("host", "OpsiClient") // "OpsiClient"
 */
export function classOfRow(prefix: TablePrefix, type: unknown): ClassName {
  const info = PREFIXES[prefix];
  if (info.storableClasses.length === 1) return info.storableClasses[0] as ClassName;
  if (typeof type === "string" && (info.classes as readonly string[]).includes(type)) return type as ClassName;
  return info.baseClass;
}

/**
 * The table prefix stored in a table, if any.
 * @example prefixOfTable("SOFTWARE_LICENSE") // "softwareLicense"
 */
export function prefixOfTable(name: string): TablePrefix | undefined {
  for (const [prefix, table] of Object.entries(TABLE_NAMES)) if (table === name) return prefix as TablePrefix;
  return undefined;
}

/** Attributes that exist on a class but are never stored (read back as the given value). */
export const UNSTORED_ATTRIBUTES: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ["productClassIds", null],
  ["windowsSoftwareIds", null],
  ["actionSequence", -1],
]);
