/**
 * @module schema
 * opsi's MySQL schema 13 as dialect-neutral data (`opsiconfd/backend/mysql/schema.py`, final layout
 * after all upgrades), plus the hardware-audit tables derived from the hwaudit configuration.
 */
import type { HardwareAuditConfig } from "@opsi-ts/core";

/** The schema version this layout corresponds to (`OPSI_SCHEMA.version`). */
export const SCHEMA_VERSION = 13;

/** A column type as opsi declares it. `tinyint(1)` columns hold booleans. */
export type ColumnType =
  | { readonly kind: "varchar"; readonly length: number }
  | { readonly kind: "text" }
  | { readonly kind: "int" }
  | { readonly kind: "bigint" }
  | { readonly kind: "tinyint"; readonly width: 1 | 4 }
  | { readonly kind: "double" }
  | { readonly kind: "timestamp" };

/** One column. */
export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly notNull: boolean;
  /** Column default: a literal, or `CURRENT_TIMESTAMP`. Absent = no default (NULL for nullable columns). */
  readonly default?: string | number | { readonly sql: "CURRENT_TIMESTAMP" };
  readonly autoIncrement?: boolean;
  /** MySQL `ON UPDATE CURRENT_TIMESTAMP` (POC modificationTime). */
  readonly onUpdateCurrentTimestamp?: boolean;
}

/** A secondary index (`KEY`) or unique key. */
export interface IndexDef {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique?: boolean;
}

/** Referential action of a foreign key. */
export type ReferentialAction = "CASCADE" | "RESTRICT" | "SET NULL";

/** A foreign key. */
export interface ForeignKeyDef {
  readonly name: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onDelete: ReferentialAction;
  readonly onUpdate: ReferentialAction;
}

/** One table. */
export interface TableDef {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly primaryKey: readonly string[];
  readonly indexes: readonly IndexDef[];
  readonly foreignKeys: readonly ForeignKeyDef[];
}

const varchar = (length: number): ColumnType => ({ kind: "varchar", length });
const text: ColumnType = { kind: "text" };
const int: ColumnType = { kind: "int" };
const bigint: ColumnType = { kind: "bigint" };
const bool: ColumnType = { kind: "tinyint", width: 1 };
const tinyint4: ColumnType = { kind: "tinyint", width: 4 };
const timestamp: ColumnType = { kind: "timestamp" };
const NOW = { sql: "CURRENT_TIMESTAMP" } as const;

const col = (name: string, type: ColumnType, notNull = false, extra: Partial<ColumnDef> = {}): ColumnDef => ({
  name,
  type,
  notNull,
  ...extra,
});

const fk = (
  name: string,
  columns: readonly string[],
  refTable: string,
  refColumns: readonly string[],
  onDelete: ReferentialAction = "CASCADE",
  onUpdate: ReferentialAction = onDelete,
): ForeignKeyDef => ({ name, columns, refTable, refColumns, onDelete, onUpdate });

const SOFTWARE_IDENT = ["name", "version", "subVersion", "language", "architecture"] as const;
const softwareIdentColumns = (): ColumnDef[] => [
  col("name", varchar(100), true),
  col("version", varchar(100), true),
  col("subVersion", varchar(100), true),
  col("language", varchar(10), true),
  col("architecture", varchar(3), true),
];
const PRODUCT_TRIPLE = ["productId", "productVersion", "packageVersion"] as const;

/** The base tables of schema 13, in an order that satisfies foreign keys on creation. */
export const OPSI_TABLES: readonly TableDef[] = [
  {
    name: "OPSI_SCHEMA",
    columns: [col("version", int, true), col("updateStarted", timestamp, true, { default: NOW }), col("updateEnded", timestamp)],
    primaryKey: ["version"],
    indexes: [],
    foreignKeys: [],
  },
  {
    name: "HOST",
    columns: [
      col("hostId", varchar(255), true),
      col("type", varchar(30)),
      col("description", varchar(100)),
      col("notes", varchar(8192)),
      col("hardwareAddress", varchar(17)),
      col("ipAddress", varchar(255)),
      col("inventoryNumber", varchar(64)),
      col("created", timestamp),
      col("lastSeen", timestamp),
      col("opsiHostKey", varchar(32)),
      col("oneTimePassword", varchar(32)),
      col("systemUUID", varchar(36)),
      col("maxBandwidth", int),
      col("depotLocalUrl", varchar(128)),
      col("depotRemoteUrl", varchar(255)),
      col("depotWebdavUrl", varchar(255)),
      col("repositoryLocalUrl", varchar(128)),
      col("repositoryRemoteUrl", varchar(255)),
      col("networkAddress", varchar(31)),
      col("isMasterDepot", bool),
      col("masterDepotId", varchar(255)),
      col("workbenchLocalUrl", varchar(128)),
      col("workbenchRemoteUrl", varchar(255)),
    ],
    primaryKey: ["hostId"],
    indexes: [
      { name: "systemUUID", columns: ["systemUUID"], unique: true },
      { name: "index_host_type", columns: ["type"] },
      { name: "index_host_lastSeen", columns: ["lastSeen"] },
    ],
    foreignKeys: [],
  },
  {
    name: "CONFIG",
    columns: [
      col("configId", varchar(200), true),
      col("type", varchar(30), true),
      col("description", varchar(256)),
      col("multiValue", bool, true, { default: 0 }),
      col("editable", bool, true, { default: 1 }),
    ],
    primaryKey: ["configId"],
    indexes: [{ name: "index_config_type", columns: ["type"] }],
    foreignKeys: [],
  },
  {
    name: "CONFIG_VALUE",
    columns: [
      col("config_value_id", int, true, { autoIncrement: true }),
      col("configId", varchar(200), true),
      col("value", text),
      col("isDefault", bool),
    ],
    primaryKey: ["config_value_id"],
    indexes: [{ name: "configId", columns: ["configId"] }],
    foreignKeys: [fk("FK_CONFIG_VALUE_CONFIG", ["configId"], "CONFIG", ["configId"])],
  },
  {
    name: "CONFIG_STATE",
    columns: [col("configId", varchar(200), true), col("objectId", varchar(255), true), col("values", text)],
    primaryKey: ["configId", "objectId"],
    indexes: [
      { name: "index_config_state_configId", columns: ["configId"] },
      { name: "index_config_state_objectId", columns: ["objectId"] },
    ],
    foreignKeys: [],
  },
  {
    name: "GROUP",
    columns: [
      col("type", varchar(30), true),
      col("groupId", varchar(255), true),
      col("parentGroupId", varchar(255)),
      col("description", varchar(100)),
      col("notes", varchar(8192)),
    ],
    primaryKey: ["type", "groupId"],
    indexes: [{ name: "index_group_parentGroupId", columns: ["parentGroupId"] }],
    foreignKeys: [],
  },
  {
    name: "OBJECT_TO_GROUP",
    columns: [col("groupType", varchar(30), true), col("groupId", varchar(255), true), col("objectId", varchar(255), true)],
    primaryKey: ["groupType", "groupId", "objectId"],
    indexes: [
      { name: "groupType", columns: ["groupType", "groupId"] },
      { name: "index_object_to_group_objectId", columns: ["objectId"] },
    ],
    foreignKeys: [fk("FK_OBJECT_TO_GROUP_GROUP", ["groupType", "groupId"], "GROUP", ["type", "groupId"])],
  },
  {
    name: "PRODUCT",
    columns: [
      col("productId", varchar(255), true),
      col("productVersion", varchar(32), true),
      col("packageVersion", varchar(16), true),
      col("type", varchar(32), true),
      col("name", varchar(128), true, { default: "" }),
      col("licenseRequired", bool, true, { default: 0 }),
      col("setupScript", varchar(50)),
      col("uninstallScript", varchar(50)),
      col("updateScript", varchar(50)),
      col("alwaysScript", varchar(50)),
      col("onceScript", varchar(50)),
      col("customScript", varchar(50)),
      col("userLoginScript", varchar(50)),
      col("priority", int, false, { default: 0 }),
      col("description", text),
      col("advice", text),
      col("pxeConfigTemplate", varchar(50)),
      col("changelog", text),
    ],
    primaryKey: [...PRODUCT_TRIPLE],
    indexes: [
      { name: "index_product_type", columns: ["type"] },
      { name: "index_productId", columns: ["productId"] },
    ],
    foreignKeys: [],
  },
  {
    name: "PRODUCT_DEPENDENCY",
    columns: [
      col("productId", varchar(255), true),
      col("productVersion", varchar(32), true),
      col("packageVersion", varchar(16), true),
      col("productAction", varchar(16), true),
      col("requiredProductId", varchar(255), true),
      col("requiredProductVersion", varchar(32)),
      col("requiredPackageVersion", varchar(16)),
      col("requiredAction", varchar(16)),
      col("requiredInstallationStatus", varchar(16)),
      col("requirementType", varchar(16)),
    ],
    primaryKey: [...PRODUCT_TRIPLE, "productAction", "requiredProductId"],
    indexes: [],
    foreignKeys: [fk("FK_PRODUCT_DEPENDENCY_PRODUCT", PRODUCT_TRIPLE, "PRODUCT", PRODUCT_TRIPLE)],
  },
  {
    name: "PRODUCT_PROPERTY",
    columns: [
      col("productId", varchar(255), true),
      col("productVersion", varchar(32), true),
      col("packageVersion", varchar(16), true),
      col("propertyId", varchar(200), true),
      col("type", varchar(30), true),
      col("description", text),
      col("multiValue", bool, true, { default: 0 }),
      col("editable", bool, true, { default: 1 }),
    ],
    primaryKey: [...PRODUCT_TRIPLE, "propertyId"],
    indexes: [{ name: "index_product_property_type", columns: ["type"] }],
    foreignKeys: [fk("FK_PRODUCT_PROPERTY_PRODUCT", PRODUCT_TRIPLE, "PRODUCT", PRODUCT_TRIPLE)],
  },
  {
    name: "PRODUCT_PROPERTY_VALUE",
    columns: [
      col("product_property_id", int, true, { autoIncrement: true }),
      col("productId", varchar(255), true),
      col("productVersion", varchar(32), true),
      col("packageVersion", varchar(16), true),
      col("propertyId", varchar(200), true),
      col("value", text),
      col("isDefault", bool),
    ],
    primaryKey: ["product_property_id"],
    indexes: [{ name: "index_product_property_value", columns: [...PRODUCT_TRIPLE, "propertyId"] }],
    foreignKeys: [
      fk("FK_PRODUCT_PROPERTY_VALUE_PRODUCT_PROPERTY", [...PRODUCT_TRIPLE, "propertyId"], "PRODUCT_PROPERTY", [
        ...PRODUCT_TRIPLE,
        "propertyId",
      ]),
    ],
  },
  {
    name: "PRODUCT_PROPERTY_STATE",
    columns: [
      col("productId", varchar(255), true),
      col("propertyId", varchar(200), true),
      col("objectId", varchar(255), true),
      col("values", text),
    ],
    primaryKey: ["productId", "propertyId", "objectId"],
    indexes: [{ name: "index_product_property_state_objectId", columns: ["objectId"] }],
    foreignKeys: [],
  },
  {
    name: "PRODUCT_ON_DEPOT",
    columns: [
      col("productId", varchar(255), true),
      col("productVersion", varchar(32), true),
      col("packageVersion", varchar(16), true),
      col("depotId", varchar(255), true),
      col("productType", varchar(16), true),
      col("locked", bool, true, { default: 0 }),
    ],
    primaryKey: ["productId", "productType", "productVersion", "packageVersion", "depotId"],
    indexes: [
      { name: "productId-depotId", columns: ["productId", "depotId"], unique: true },
      { name: "productId-productVersion-packageVersion", columns: [...PRODUCT_TRIPLE] },
      { name: "depotId", columns: ["depotId"] },
      { name: "index_product_on_depot_productType", columns: ["productType"] },
    ],
    foreignKeys: [
      fk("FK_PRODUCT_ON_DEPOT_HOST", ["depotId"], "HOST", ["hostId"]),
      fk("FK_PRODUCT_ON_DEPOT_PRODUCT", PRODUCT_TRIPLE, "PRODUCT", PRODUCT_TRIPLE),
    ],
  },
  {
    name: "PRODUCT_ON_CLIENT",
    columns: [
      col("productId", varchar(255), true),
      col("clientId", varchar(255), true),
      col("productType", varchar(16), true),
      col("targetConfiguration", varchar(16)),
      col("installationStatus", varchar(16), true, { default: "not_installed" }),
      col("actionRequest", varchar(16), true, { default: "none" }),
      col("actionProgress", varchar(255)),
      col("actionResult", varchar(16)),
      col("lastAction", varchar(16)),
      col("productVersion", varchar(32)),
      col("packageVersion", varchar(16)),
      col("modificationTime", timestamp, true, { default: NOW, onUpdateCurrentTimestamp: true }),
    ],
    primaryKey: ["productId", "productType", "clientId"],
    indexes: [
      { name: "productId-clientId", columns: ["productId", "clientId"], unique: true },
      { name: "FK_PRODUCT_ON_CLIENT_HOST", columns: ["clientId"] },
    ],
    foreignKeys: [fk("FK_PRODUCT_ON_CLIENT_HOST", ["clientId"], "HOST", ["hostId"])],
  },
  {
    name: "LICENSE_CONTRACT",
    columns: [
      col("licenseContractId", varchar(100), true),
      col("type", varchar(30), true),
      col("description", varchar(100)),
      col("notes", varchar(8192)),
      col("partner", varchar(100)),
      col("conclusionDate", timestamp),
      col("notificationDate", timestamp),
      col("expirationDate", timestamp),
    ],
    primaryKey: ["licenseContractId"],
    indexes: [{ name: "index_license_contract_type", columns: ["type"] }],
    foreignKeys: [],
  },
  {
    name: "SOFTWARE_LICENSE",
    columns: [
      col("softwareLicenseId", varchar(100), true),
      col("licenseContractId", varchar(100), true),
      col("type", varchar(30), true),
      col("boundToHost", varchar(255)),
      col("maxInstallations", int, true, { default: 1 }),
      col("expirationDate", timestamp),
    ],
    primaryKey: ["softwareLicenseId"],
    indexes: [
      { name: "licenseContractId", columns: ["licenseContractId"] },
      { name: "index_software_license_type", columns: ["type"] },
      { name: "index_software_license_boundToHost", columns: ["boundToHost"] },
    ],
    foreignKeys: [
      fk("FK_SOFTWARE_LICENSE_LICENSE_CONTRACT", ["licenseContractId"], "LICENSE_CONTRACT", ["licenseContractId"], "RESTRICT"),
      fk("FK_SOFTWARE_LICENSE_HOST", ["boundToHost"], "HOST", ["hostId"], "SET NULL"),
    ],
  },
  {
    name: "LICENSE_POOL",
    columns: [col("licensePoolId", varchar(100), true), col("type", varchar(30), true), col("description", varchar(200))],
    primaryKey: ["licensePoolId"],
    indexes: [{ name: "index_license_pool_type", columns: ["type"] }],
    foreignKeys: [],
  },
  {
    name: "PRODUCT_ID_TO_LICENSE_POOL",
    columns: [col("licensePoolId", varchar(100), true), col("productId", varchar(255), true)],
    primaryKey: ["licensePoolId", "productId"],
    indexes: [],
    foreignKeys: [fk("FK_PRODUCT_ID_TO_LICENSE_POOL_LICENSE_POOL", ["licensePoolId"], "LICENSE_POOL", ["licensePoolId"])],
  },
  {
    name: "SOFTWARE_LICENSE_TO_LICENSE_POOL",
    columns: [col("softwareLicenseId", varchar(100), true), col("licensePoolId", varchar(100), true), col("licenseKey", varchar(1024))],
    primaryKey: ["softwareLicenseId", "licensePoolId"],
    indexes: [{ name: "licensePoolId", columns: ["licensePoolId"] }],
    foreignKeys: [
      fk(
        "FK_SOFTWARE_LICENSE_TO_LICENSE_POOL_SOFTWARE_LICENSE",
        ["softwareLicenseId"],
        "SOFTWARE_LICENSE",
        ["softwareLicenseId"],
        "RESTRICT",
      ),
      fk("FK_SOFTWARE_LICENSE_TO_LICENSE_POOL_LICENSE_POOL", ["licensePoolId"], "LICENSE_POOL", ["licensePoolId"], "RESTRICT"),
    ],
  },
  {
    name: "LICENSE_ON_CLIENT",
    columns: [
      col("softwareLicenseId", varchar(100), true),
      col("licensePoolId", varchar(100), true),
      col("clientId", varchar(255), true),
      col("licenseKey", varchar(1024)),
      col("notes", varchar(8192)),
    ],
    primaryKey: ["softwareLicenseId", "licensePoolId", "clientId"],
    indexes: [
      { name: "softwareLicenseId", columns: ["softwareLicenseId", "licensePoolId"] },
      { name: "index_license_on_client_clientId", columns: ["clientId"] },
    ],
    foreignKeys: [
      fk(
        "FK_LICENSE_ON_CLIENT_SOFTWARE_LICENSE_TO_LICENSE_POOL",
        ["softwareLicenseId", "licensePoolId"],
        "SOFTWARE_LICENSE_TO_LICENSE_POOL",
        ["softwareLicenseId", "licensePoolId"],
        "RESTRICT",
      ),
      fk("FK_LICENSE_ON_CLIENT_HOST", ["clientId"], "HOST", ["hostId"]),
    ],
  },
  {
    name: "AUDIT_SOFTWARE_TO_LICENSE_POOL",
    columns: [col("licensePoolId", varchar(100), true), ...softwareIdentColumns()],
    primaryKey: ["licensePoolId", ...SOFTWARE_IDENT],
    indexes: [{ name: "licensePoolId", columns: ["licensePoolId"] }],
    foreignKeys: [fk("FK_AUDIT_SOFTWARE_TO_LICENSE_POOL_LICENSE_POOL", ["licensePoolId"], "LICENSE_POOL", ["licensePoolId"])],
  },
  {
    name: "SOFTWARE",
    columns: [
      ...softwareIdentColumns(),
      col("windowsSoftwareId", varchar(100)),
      col("windowsDisplayName", varchar(100)),
      col("windowsDisplayVersion", varchar(100)),
      col("type", varchar(30), true),
      col("installSize", bigint),
    ],
    primaryKey: [...SOFTWARE_IDENT],
    indexes: [
      { name: "index_software_windowsSoftwareId", columns: ["windowsSoftwareId"] },
      { name: "index_software_type", columns: ["type"] },
    ],
    foreignKeys: [],
  },
  {
    name: "SOFTWARE_CONFIG",
    columns: [
      col("clientId", varchar(255), true),
      ...softwareIdentColumns(),
      col("uninstallString", varchar(200)),
      col("binaryName", varchar(100)),
      col("firstseen", timestamp, true, { default: NOW }),
      col("lastseen", timestamp, true, { default: NOW }),
      col("state", tinyint4, true),
      col("usageFrequency", int, true, { default: -1 }),
      col("lastUsed", timestamp),
      col("licenseKey", varchar(1024)),
    ],
    primaryKey: ["clientId", ...SOFTWARE_IDENT],
    indexes: [
      { name: "index_software_config_clientId", columns: ["clientId"] },
      { name: "index_software_config_nvsla", columns: [...SOFTWARE_IDENT] },
    ],
    foreignKeys: [
      fk("FK_SOFTWARE_CONFIG_HOST", ["clientId"], "HOST", ["hostId"]),
      fk("FK_SOFTWARE_CONFIG_SOFTWARE", SOFTWARE_IDENT, "SOFTWARE", SOFTWARE_IDENT),
    ],
  },
  {
    name: "USER",
    columns: [
      col("userId", varchar(200), true),
      col("created", timestamp),
      col("lastLogin", timestamp),
      col("mfaState", varchar(16)),
      col("otpSecret", varchar(32)),
    ],
    primaryKey: ["userId"],
    indexes: [],
    foreignKeys: [],
  },
  {
    name: "WINDOWS_SOFTWARE_ID_TO_PRODUCT",
    columns: [col("windowsSoftwareId", varchar(100), true), col("productId", varchar(255), true)],
    primaryKey: ["windowsSoftwareId", "productId"],
    indexes: [{ name: "index_productId", columns: ["productId"] }],
    foreignKeys: [],
  },
];

/** Parses a hwaudit SQL type (`varchar(100)`, `bigint`, `int`, `tinyint`, `double`) into a column type. */
export function hardwareColumnType(sqlType: string): ColumnType {
  const t = sqlType.trim().toLowerCase();
  const varcharMatch = /^varchar\((\d+)\)$/.exec(t);
  if (varcharMatch) return varchar(Number(varcharMatch[1]));
  if (t === "double") return { kind: "double" };
  if (t.startsWith("bigint")) return bigint;
  if (t.startsWith("tinyint")) return tinyint4;
  if (t.includes("int")) return int;
  return text;
}

/**
 * The `HARDWARE_DEVICE_<CLASS>` (g-scope values, `hardware_id` AI) and `HARDWARE_CONFIG_<CLASS>`
 * (hostId, hardware_id, firstseen, lastseen, state + i-scope values) tables of every STRUCTURAL class.
 * @example hardwareTables(defaultHardwareAuditConfig()).length // 64
 */
export function hardwareTables(config: HardwareAuditConfig): TableDef[] {
  const tables: TableDef[] = [];
  for (const cls of config.classes()) {
    const device = `HARDWARE_DEVICE_${cls.name}`;
    tables.push({
      name: device,
      columns: [
        col("hardware_id", int, true, { autoIncrement: true }),
        ...[...cls.deviceAttributes].map(([name, type]) => col(name, hardwareColumnType(type))),
      ],
      primaryKey: ["hardware_id"],
      indexes: [],
      foreignKeys: [],
    });
    tables.push({
      name: `HARDWARE_CONFIG_${cls.name}`,
      columns: [
        col("config_id", int, true, { autoIncrement: true }),
        col("hostId", varchar(255), true),
        col("hardware_id", int, true),
        col("firstseen", timestamp, true, { default: NOW }),
        col("lastseen", timestamp, true, { default: NOW }),
        col("state", tinyint4, true, { default: 1 }),
        ...[...cls.instanceAttributes].map(([name, type]) => col(name, hardwareColumnType(type))),
      ],
      primaryKey: ["config_id"],
      indexes: [
        { name: "hostId", columns: ["hostId"] },
        { name: "hardware_id", columns: ["hardware_id"] },
      ],
      foreignKeys: [fk(`FK_HARDWARE_CONFIG_${cls.name}_HARDWARE_DEVICE`, ["hardware_id"], device, ["hardware_id"])],
    });
  }
  return tables;
}
