/**
 * @module model/classes
 * zod schemas of every opsi 4.3 object class (opsicommon.objects). A schema turns a plain dict into
 * the normalised object exactly like the opsi constructor does (setters, constructor defaults,
 * value-list rules); {@link CLASS_DEFAULTS} holds what `setDefaults()` adds on insert/create.
 */
import { z } from "zod";
import { BackendBadValueError } from "../errors.js";
import { field, fixed, lenient, opt, req, withPost } from "./fields.js";
import {
  forceActionRequest,
  forceActionResult,
  forceArchitecture,
  forceAuditState,
  forceBool,
  forceConfigId,
  forceGroupId,
  forceGroupType,
  forceHardwareAddress,
  forceHostId,
  forceInstallationStatus,
  forceInt,
  forceIPAddress,
  forceLanguageCode,
  forceLicenseContractId,
  forceLicensePoolId,
  forceList,
  forceNetworkAddress,
  forceObjectId,
  forceOpsiHostKey,
  forceOpsiTimestamp,
  forcePackageVersion,
  forceProductId,
  forceProductIdList,
  forceProductPriority,
  forceProductPropertyId,
  forceProductTargetConfiguration,
  forceProductType,
  forceProductVersion,
  forceRequirementType,
  forceSoftwareLicenseId,
  forceString,
  forceStringList,
  forceStringLower,
  forceUnsignedInt,
  forceUrl,
  forceUserId,
  forceUUIDString,
  generateOpsiHostKey,
  timestamp,
  ZERO_TIMESTAMP,
} from "./forcers.js";
import { compareValues, normalizeValueLists, uniqueSorted } from "./values.js";

const str = () => opt(forceString);
const ts = () => opt(forceOpsiTimestamp);
const bool = () => opt(forceBool);
const int = () => opt(forceInt);
const sortedStrings = () => opt((v) => forceStringList(v).sort(compareValues));
const anyList = () => opt(forceList);

/** MAC input may be a list (the first element is taken), as in `Host.setHardwareAddress`. */
const hardwareAddress = () =>
  opt((v) => {
    const list = forceList(v);
    if (list.length === 0) throw new BackendBadValueError("Invalid hardware address: []");
    return forceHardwareAddress(list[0]);
  });
/** `Host.setSystemUUID`; an empty string is kept as "" (written as NULL by SQL backends). */
const systemUUID = () => opt((v) => (v === "" ? "" : forceUUIDString(v)));
/** `forceLanguageCode` or "" for audit software idents. */
const languageOrEmpty = () => field((v) => (v ? forceLanguageCode(v) : ""));
const architectureOrEmpty = () => field((v) => (v ? forceArchitecture(v) : ""));
/** Lowercased version string, "" when empty (audit software idents). */
const lowerOrEmpty = () => field((v) => (v === null || v === undefined || v === "" ? "" : forceStringLower(v)));

// ---------------------------------------------------------------- hosts

const hostFields = {
  id: req(forceHostId),
  description: str(),
  notes: str(),
  hardwareAddress: hardwareAddress(),
  ipAddress: lenient(forceIPAddress, ""),
  inventoryNumber: str(),
  systemUUID: systemUUID(),
};

export const Host = z.object({ type: z.literal("Host"), ...hostFields });
export const OpsiClient = z.object({
  type: z.literal("OpsiClient"),
  ...hostFields,
  opsiHostKey: opt(forceOpsiHostKey),
  oneTimePassword: str(),
  created: ts(),
  lastSeen: ts(),
});
const depotFields = {
  ...hostFields,
  opsiHostKey: opt(forceOpsiHostKey),
  depotLocalUrl: opt(forceUrl),
  depotRemoteUrl: opt(forceUrl),
  depotWebdavUrl: opt(forceUrl),
  repositoryLocalUrl: opt(forceUrl),
  repositoryRemoteUrl: opt(forceUrl),
  networkAddress: lenient(forceNetworkAddress),
  maxBandwidth: int(),
  isMasterDepot: bool(),
  masterDepotId: opt(forceHostId),
  workbenchLocalUrl: opt(forceUrl),
  workbenchRemoteUrl: opt(forceUrl),
};
export const OpsiDepotserver = z.object({ type: z.literal("OpsiDepotserver"), ...depotFields });
export const OpsiConfigserver = z.object({ type: z.literal("OpsiConfigserver"), ...depotFields });

// ---------------------------------------------------------------- user

export const User = z.object({
  type: z.literal("User"),
  id: req(forceUserId),
  created: ts(),
  lastLogin: ts(),
  mfaState: opt((v) => {
    const s = forceStringLower(v);
    if (s !== "inactive" && s !== "totp_active") throw new BackendBadValueError(`Bad mfa state: '${s}'`);
    return s;
  }),
  otpSecret: opt((v) => {
    const s = forceString(v);
    if (s && !/^[A-Z2-7]{1,32}=*$/i.test(s)) throw new BackendBadValueError(`Bad otp secret: '${s}'`);
    return s;
  }),
});

// ---------------------------------------------------------------- configs

const configFields = {
  id: req(forceConfigId),
  description: str(),
  possibleValues: anyList(),
  defaultValues: anyList(),
  editable: bool(),
  multiValue: bool(),
};

function withConfigValues<T extends { possibleValues: unknown[] | null; defaultValues: unknown[] | null; multiValue: boolean | null }>(
  obj: T,
  mapValue: (v: unknown) => unknown,
): T {
  const n = normalizeValueLists(obj.possibleValues?.map(mapValue) ?? null, obj.defaultValues?.map(mapValue) ?? null, obj.multiValue);
  return { ...obj, ...n };
}

const rawValue = (v: unknown): unknown => v;

export const Config = withPost(z.object({ type: z.literal("Config"), ...configFields }), (o) => withConfigValues(o, rawValue));
export const UnicodeConfig = withPost(z.object({ type: z.literal("UnicodeConfig"), ...configFields }), (o) => ({
  ...withConfigValues(o, forceString),
  description: o.description ?? "",
}));

function boolDefaults(values: unknown[] | null, what: string): boolean[] | null {
  if (values === null) return null;
  const defaults = uniqueSorted(values.map(forceBool));
  if (defaults.length > 1) throw new BackendBadValueError(`${what} cannot have multiple default values: [${defaults.join(", ")}]`);
  return defaults;
}

export const BoolConfig = withPost(
  z.object({
    type: z.literal("BoolConfig"),
    id: req(forceConfigId),
    description: str(),
    possibleValues: fixed<boolean[]>([false, true]),
    defaultValues: anyList(),
    editable: fixed(false),
    multiValue: fixed(false),
  }),
  (o) => ({ ...o, possibleValues: [false, true], defaultValues: boolDefaults(o.defaultValues, "Bool config") }),
);

export const ConfigState = z.object({
  type: z.literal("ConfigState"),
  configId: req(forceConfigId),
  objectId: req(forceObjectId),
  values: opt((v) => forceList(v).sort(compareValues)),
});

// ---------------------------------------------------------------- products

const productFields = {
  id: req(forceProductId),
  productVersion: req(forceProductVersion),
  packageVersion: req(forcePackageVersion),
  name: str(),
  licenseRequired: bool(),
  setupScript: str(),
  uninstallScript: str(),
  updateScript: str(),
  alwaysScript: str(),
  onceScript: str(),
  customScript: str(),
  userLoginScript: str(),
  priority: opt(forceProductPriority),
  description: str(),
  advice: str(),
  changelog: str(),
  productClassIds: sortedStrings(),
  windowsSoftwareIds: sortedStrings(),
};

export const Product = z.object({ type: z.literal("Product"), ...productFields });
export const LocalbootProduct = z.object({ type: z.literal("LocalbootProduct"), ...productFields });
export const NetbootProduct = z.object({
  type: z.literal("NetbootProduct"),
  ...productFields,
  userLoginScript: fixed(null),
  pxeConfigTemplate: field((v) => (v ? forceString(v) : null)),
});

const propertyFields = {
  productId: req(forceProductId),
  productVersion: req(forceProductVersion),
  packageVersion: req(forcePackageVersion),
  propertyId: req(forceProductPropertyId),
  description: str(),
  possibleValues: anyList(),
  defaultValues: anyList(),
  editable: bool(),
  multiValue: bool(),
};

export const ProductProperty = withPost(z.object({ type: z.literal("ProductProperty"), ...propertyFields }), (o) =>
  withConfigValues(o, rawValue),
);
export const UnicodeProductProperty = withPost(z.object({ type: z.literal("UnicodeProductProperty"), ...propertyFields }), (o) =>
  withConfigValues(o, forceString),
);
export const BoolProductProperty = withPost(
  z.object({
    type: z.literal("BoolProductProperty"),
    productId: req(forceProductId),
    productVersion: req(forceProductVersion),
    packageVersion: req(forcePackageVersion),
    propertyId: req(forceProductPropertyId),
    description: str(),
    possibleValues: fixed<boolean[]>([false, true]),
    defaultValues: anyList(),
    editable: fixed(false),
    multiValue: fixed(false),
  }),
  (o) => ({ ...o, possibleValues: [false, true], defaultValues: boolDefaults(o.defaultValues, "Bool product property") }),
);

export const ProductDependency = z.object({
  type: z.literal("ProductDependency"),
  productId: req(forceProductId),
  productVersion: req(forceProductVersion),
  packageVersion: req(forcePackageVersion),
  productAction: req(forceActionRequest),
  requiredProductId: req(forceProductId),
  requiredProductVersion: opt(forceProductVersion),
  requiredPackageVersion: opt(forcePackageVersion),
  requiredAction: opt(forceActionRequest),
  requiredInstallationStatus: opt(forceInstallationStatus),
  requirementType: opt(forceRequirementType),
});

export const ProductOnDepot = z.object({
  type: z.literal("ProductOnDepot"),
  productId: req(forceProductId),
  productType: req(forceProductType),
  productVersion: req(forceProductVersion),
  packageVersion: req(forcePackageVersion),
  depotId: req(forceHostId),
  locked: bool(),
});

export const ProductOnClient = z.object({
  type: z.literal("ProductOnClient"),
  productId: req(forceProductId),
  productType: req(forceProductType),
  clientId: req(forceHostId),
  targetConfiguration: opt(forceProductTargetConfiguration),
  installationStatus: opt(forceInstallationStatus),
  actionRequest: opt(forceActionRequest),
  lastAction: opt(forceActionRequest),
  actionProgress: opt((v) => forceString(v).slice(0, 250)),
  actionResult: opt(forceActionResult),
  productVersion: opt(forceProductVersion),
  packageVersion: opt(forcePackageVersion),
  modificationTime: ts(),
  actionSequence: field((v) => (v === null || v === undefined ? -1 : forceInt(v))),
});

export const ProductPropertyState = z.object({
  type: z.literal("ProductPropertyState"),
  productId: req(forceProductId),
  propertyId: req(forceProductPropertyId),
  objectId: req(forceObjectId),
  values: opt((v) => forceList(v).sort(compareValues)),
});

// ---------------------------------------------------------------- groups

const groupFields = {
  id: req(forceGroupId),
  description: str(),
  notes: str(),
  parentGroupId: opt(forceGroupId),
};
export const Group = z.object({ type: z.literal("Group"), ...groupFields });
export const HostGroup = z.object({ type: z.literal("HostGroup"), ...groupFields });
export const ProductGroup = z.object({ type: z.literal("ProductGroup"), ...groupFields });

export const ObjectToGroup = z.object({
  type: z.literal("ObjectToGroup"),
  groupType: req(forceGroupType),
  groupId: req(forceGroupId),
  objectId: req(forceObjectId),
});

// ---------------------------------------------------------------- licensing

export const LicenseContract = z.object({
  type: z.literal("LicenseContract"),
  id: req(forceLicenseContractId),
  description: str(),
  notes: str(),
  partner: str(),
  conclusionDate: ts(),
  notificationDate: ts(),
  expirationDate: ts(),
});

const softwareLicenseFields = {
  id: req(forceSoftwareLicenseId),
  licenseContractId: req(forceLicenseContractId),
  maxInstallations: opt(forceUnsignedInt),
  boundToHost: opt(forceHostId),
  expirationDate: ts(),
};
export const SoftwareLicense = z.object({ type: z.literal("SoftwareLicense"), ...softwareLicenseFields });
export const RetailSoftwareLicense = z.object({ type: z.literal("RetailSoftwareLicense"), ...softwareLicenseFields });
/** The OEM constructor ignores the given maxInstallations and always uses 1. */
export const OEMSoftwareLicense = z.object({
  type: z.literal("OEMSoftwareLicense"),
  ...softwareLicenseFields,
  maxInstallations: fixed(1),
});
export const VolumeSoftwareLicense = z.object({ type: z.literal("VolumeSoftwareLicense"), ...softwareLicenseFields });
export const ConcurrentSoftwareLicense = z.object({ type: z.literal("ConcurrentSoftwareLicense"), ...softwareLicenseFields });

export const LicensePool = z.object({
  type: z.literal("LicensePool"),
  id: req(forceLicensePoolId),
  description: str(),
  productIds: opt((v) => forceProductIdList(v).sort(compareValues)),
});

export const SoftwareLicenseToLicensePool = z.object({
  type: z.literal("SoftwareLicenseToLicensePool"),
  softwareLicenseId: req(forceSoftwareLicenseId),
  licensePoolId: req(forceLicensePoolId),
  licenseKey: str(),
});

export const LicenseOnClient = z.object({
  type: z.literal("LicenseOnClient"),
  softwareLicenseId: req(forceSoftwareLicenseId),
  licensePoolId: req(forceLicensePoolId),
  clientId: req(forceHostId),
  licenseKey: str(),
  notes: str(),
});

// ---------------------------------------------------------------- software audit

const softwareIdentFields = {
  name: req(forceString),
  version: lowerOrEmpty(),
  subVersion: lowerOrEmpty(),
  language: languageOrEmpty(),
  architecture: architectureOrEmpty(),
};

export const AuditSoftware = z.object({
  type: z.literal("AuditSoftware"),
  ...softwareIdentFields,
  windowsSoftwareId: opt(forceStringLower),
  windowsDisplayName: str(),
  windowsDisplayVersion: str(),
  installSize: int(),
});

export const AuditSoftwareOnClient = z.object({
  type: z.literal("AuditSoftwareOnClient"),
  ...softwareIdentFields,
  clientId: req(forceHostId),
  uninstallString: str(),
  binaryName: str(),
  firstseen: ts(),
  lastseen: ts(),
  state: opt(forceAuditState),
  usageFrequency: int(),
  lastUsed: ts(),
  licenseKey: str(),
});

export const AuditSoftwareToLicensePool = z.object({
  type: z.literal("AuditSoftwareToLicensePool"),
  ...softwareIdentFields,
  licensePoolId: req(forceLicensePoolId),
});

// ---------------------------------------------------------------- hardware audit (schema-driven)

/**
 * Base shape of AuditHardware; the per-class attributes come from the hwaudit configuration and
 * are validated by {@link import("./audit-hardware.js")}.
 */
export const AuditHardware = z.object({ type: z.literal("AuditHardware"), hardwareClass: req(forceString) }).catchall(z.unknown());
/** Base shape of AuditHardwareOnHost (see {@link AuditHardware}). */
export const AuditHardwareOnHost = z
  .object({
    type: z.literal("AuditHardwareOnHost"),
    hardwareClass: req(forceString),
    hostId: req(forceHostId),
    firstseen: ts(),
    lastseen: ts(),
    state: opt(forceAuditState),
  })
  .catchall(z.unknown());

// ---------------------------------------------------------------- types

export type Host = z.output<typeof Host>;
export type OpsiClient = z.output<typeof OpsiClient>;
export type OpsiDepotserver = z.output<typeof OpsiDepotserver>;
export type OpsiConfigserver = z.output<typeof OpsiConfigserver>;
export type User = z.output<typeof User>;
export type Config = z.output<typeof Config>;
export type UnicodeConfig = z.output<typeof UnicodeConfig>;
export type BoolConfig = z.output<typeof BoolConfig>;
export type ConfigState = z.output<typeof ConfigState>;
export type Product = z.output<typeof Product>;
export type LocalbootProduct = z.output<typeof LocalbootProduct>;
export type NetbootProduct = z.output<typeof NetbootProduct>;
export type ProductProperty = z.output<typeof ProductProperty>;
export type UnicodeProductProperty = z.output<typeof UnicodeProductProperty>;
export type BoolProductProperty = z.output<typeof BoolProductProperty>;
export type ProductDependency = z.output<typeof ProductDependency>;
export type ProductOnDepot = z.output<typeof ProductOnDepot>;
export type ProductOnClient = z.output<typeof ProductOnClient>;
export type ProductPropertyState = z.output<typeof ProductPropertyState>;
export type Group = z.output<typeof Group>;
export type HostGroup = z.output<typeof HostGroup>;
export type ProductGroup = z.output<typeof ProductGroup>;
export type ObjectToGroup = z.output<typeof ObjectToGroup>;
export type LicenseContract = z.output<typeof LicenseContract>;
export type SoftwareLicense = z.output<typeof SoftwareLicense>;
export type RetailSoftwareLicense = z.output<typeof RetailSoftwareLicense>;
export type OEMSoftwareLicense = z.output<typeof OEMSoftwareLicense>;
export type VolumeSoftwareLicense = z.output<typeof VolumeSoftwareLicense>;
export type ConcurrentSoftwareLicense = z.output<typeof ConcurrentSoftwareLicense>;
export type LicensePool = z.output<typeof LicensePool>;
export type SoftwareLicenseToLicensePool = z.output<typeof SoftwareLicenseToLicensePool>;
export type LicenseOnClient = z.output<typeof LicenseOnClient>;
export type AuditSoftware = z.output<typeof AuditSoftware>;
export type AuditSoftwareOnClient = z.output<typeof AuditSoftwareOnClient>;
export type AuditSoftwareToLicensePool = z.output<typeof AuditSoftwareToLicensePool>;
export type AuditHardware = z.output<typeof AuditHardware>;
export type AuditHardwareOnHost = z.output<typeof AuditHardwareOnHost>;

/** Every schema by class name. */
export const CLASS_SCHEMAS = {
  Host,
  OpsiClient,
  OpsiDepotserver,
  OpsiConfigserver,
  User,
  Config,
  UnicodeConfig,
  BoolConfig,
  ConfigState,
  Product,
  LocalbootProduct,
  NetbootProduct,
  ProductProperty,
  UnicodeProductProperty,
  BoolProductProperty,
  ProductDependency,
  ProductOnDepot,
  ProductOnClient,
  ProductPropertyState,
  Group,
  HostGroup,
  ProductGroup,
  ObjectToGroup,
  LicenseContract,
  SoftwareLicense,
  RetailSoftwareLicense,
  OEMSoftwareLicense,
  VolumeSoftwareLicense,
  ConcurrentSoftwareLicense,
  LicensePool,
  SoftwareLicenseToLicensePool,
  LicenseOnClient,
  AuditSoftware,
  AuditSoftwareOnClient,
  AuditSoftwareToLicensePool,
  AuditHardware,
  AuditHardwareOnHost,
} as const;

/** Name of an opsi object class, e.g. `OpsiClient`. */
export type ClassName = keyof typeof CLASS_SCHEMAS;

/** Map from class name to its object type. */
export type ObjectOfClass = { [K in ClassName]: z.output<(typeof CLASS_SCHEMAS)[K]> };

/** Any opsi object in wire form. */
export type OpsiObject = ObjectOfClass[ClassName];

type Defaults = Record<string, () => unknown>;
const empty = () => "";
const now = () => timestamp();
const zero = () => ZERO_TIMESTAMP;
const hostDefaults: Defaults = { description: empty, notes: empty, inventoryNumber: empty };
const depotDefaults: Defaults = { ...hostDefaults, opsiHostKey: generateOpsiHostKey, isMasterDepot: () => true };
const configDefaults: Defaults = { editable: () => true, multiValue: () => false, possibleValues: () => [], defaultValues: () => [] };
const productDefaults: Defaults = {
  name: empty,
  licenseRequired: () => false,
  setupScript: empty,
  uninstallScript: empty,
  updateScript: empty,
  alwaysScript: empty,
  onceScript: empty,
  customScript: empty,
  userLoginScript: empty,
  priority: () => 0,
  description: empty,
  advice: empty,
  changelog: empty,
  productClassIds: () => [],
  windowsSoftwareIds: () => [],
};
const propertyDefaults: Defaults = {
  description: empty,
  possibleValues: () => [],
  defaultValues: () => [],
  editable: () => true,
  multiValue: () => false,
};
const groupDefaults: Defaults = { description: empty, notes: empty };
const softwareLicenseDefaults: Defaults = { maxInstallations: () => 1, expirationDate: zero };

/** What `setDefaults()` fills per class (only for attributes that are `null`); applied on insert/create only. */
export const CLASS_DEFAULTS: Record<ClassName, Defaults> = {
  Host: hostDefaults,
  OpsiClient: { ...hostDefaults, opsiHostKey: generateOpsiHostKey, created: now, lastSeen: now },
  OpsiDepotserver: depotDefaults,
  OpsiConfigserver: depotDefaults,
  User: { created: now, mfaState: () => "inactive" },
  Config: configDefaults,
  UnicodeConfig: configDefaults,
  BoolConfig: { ...configDefaults, defaultValues: () => [false] },
  ConfigState: { values: () => [] },
  Product: productDefaults,
  LocalbootProduct: productDefaults,
  // NetbootProduct has no userLoginScript: it always reads back as null.
  NetbootProduct: Object.fromEntries(Object.entries(productDefaults).filter(([k]) => k !== "userLoginScript")),
  ProductProperty: propertyDefaults,
  UnicodeProductProperty: propertyDefaults,
  BoolProductProperty: { ...propertyDefaults, defaultValues: () => [false] },
  ProductDependency: {},
  ProductOnDepot: { locked: () => false },
  ProductOnClient: { installationStatus: () => "not_installed", actionRequest: () => "none", modificationTime: now },
  ProductPropertyState: { values: () => [] },
  Group: groupDefaults,
  HostGroup: groupDefaults,
  ProductGroup: groupDefaults,
  ObjectToGroup: {},
  LicenseContract: {
    description: empty,
    notes: empty,
    partner: empty,
    conclusionDate: now,
    notificationDate: zero,
    expirationDate: zero,
  },
  SoftwareLicense: softwareLicenseDefaults,
  RetailSoftwareLicense: softwareLicenseDefaults,
  OEMSoftwareLicense: softwareLicenseDefaults,
  VolumeSoftwareLicense: softwareLicenseDefaults,
  ConcurrentSoftwareLicense: softwareLicenseDefaults,
  LicensePool: { description: empty, productIds: () => [] },
  SoftwareLicenseToLicensePool: { licenseKey: empty },
  LicenseOnClient: { licenseKey: empty, notes: empty },
  AuditSoftware: { installSize: () => 0 },
  AuditSoftwareOnClient: {
    uninstallString: empty,
    binaryName: empty,
    firstseen: now,
    lastseen: now,
    state: () => 1,
    usageFrequency: () => -1,
    lastUsed: zero,
  },
  AuditSoftwareToLicensePool: {},
  AuditHardware: {},
  AuditHardwareOnHost: { firstseen: now, lastseen: now, state: () => 1 },
};
