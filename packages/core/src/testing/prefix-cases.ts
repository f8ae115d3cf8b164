/**
 * @module testing/prefix-cases
 * One table row per stored class of the 22 prefixes: sample objects, the objects they reference,
 * the `setDefaults()` values of an insert, the DB column defaults of an `updateObjects` create, a
 * partial update and the expected ident. The generic CRUD suite runs every row.
 */
import type { Backend } from "../backend/methods.js";
import type { ObjectPrefix } from "../model/registry.js";
import { type Dict, HOST_KEY, NOW } from "./assertions.js";
import {
  auditHardware,
  auditHardwareOnHost,
  auditSoftware,
  auditSoftwareOnClient,
  auditSoftwareToLicensePool,
  boolConfig,
  boolProductProperty,
  CLIENT_ID,
  CLIENT2_ID,
  CONFIGSERVER_ID,
  CONTRACT_ID,
  configState,
  DEPOT_ID,
  DEPOT2_ID,
  hostGroup,
  LICENSE_ID,
  licenseContract,
  licenseOnClient,
  licensePool,
  localbootProduct,
  netbootProduct,
  objectToGroup,
  opsiClient,
  opsiConfigserver,
  opsiDepotserver,
  POOL_ID,
  PRODUCT_ID,
  PRODUCT2_ID,
  productDependency,
  productGroup,
  productOnClient,
  productOnDepot,
  productPropertyState,
  softwareLicense,
  softwareLicenseToLicensePool,
  unicodeConfig,
  unicodeProductProperty,
  user,
} from "./fixtures.js";

/** The zero timestamp opsi uses for "never". */
export const ZERO = "0000-00-00 00:00:00";

/** One stored class of a prefix, with everything the generic CRUD tests need. */
export interface PrefixCase {
  readonly prefix: ObjectPrefix;
  /** The concrete class of the samples. */
  readonly className: string;
  /** Creates the objects the samples reference (foreign keys). */
  readonly setup?: (backend: Backend) => Promise<void>;
  /** A sample with every attribute set. */
  readonly full: Dict;
  /** Another sample with a different ident. */
  readonly second: Dict;
  /** Read-back differences of `full`/`second` (attributes that are not persisted or fixed). */
  readonly readBack?: Dict;
  /** Only the ident attributes of `full` (and `type`). */
  readonly minimal: Dict;
  /** What `setDefaults()` fills when `minimal` is inserted (all other attributes read back null). */
  readonly insertDefaults: Dict;
  /** What the DB column defaults fill when `updateObjects` creates `minimal` (others null). */
  readonly columnDefaults: Dict;
  /**
   * Attributes an update sets even when they are not given: values the class constructor fills
   * (UnicodeConfig description "") and columns the database touches on update (ProductOnClient
   * modificationTime, ON UPDATE CURRENT_TIMESTAMP).
   */
  readonly constructorValues?: Dict;
  /** Non-ident attributes for a partial update (absent when the class has none). */
  readonly update?: Dict;
  /** The ident of `full` as `getIdents("dict")` returns it, in ident order. */
  readonly identDict: Readonly<Record<string, string>>;
}

/**
 * Creates {@link CLIENT_ID} and {@link CLIENT2_ID}.
 * @example await createClients(backend)
 */
export async function createClients(backend: Backend): Promise<void> {
  await backend.host_createObjects([opsiClient(), opsiClient({ id: CLIENT2_ID })]);
}

/**
 * Creates LocalbootProducts {@link PRODUCT_ID} and {@link PRODUCT2_ID}, both 1.0-1.
 * @example await createProducts(backend)
 */
export async function createProducts(backend: Backend): Promise<void> {
  await backend.product_createObjects([localbootProduct(), localbootProduct({ id: PRODUCT2_ID })]);
}

/**
 * Creates the contract, clients, two licenses (`license-1`, `license-2`) and `pool-1`.
 * @example await createLicensing(backend)
 */
export async function createLicensing(backend: Backend): Promise<void> {
  await createClients(backend);
  await backend.licenseContract_createObjects([licenseContract()]);
  await backend.softwareLicense_createObjects([softwareLicense(), softwareLicense({ id: "license-2" })]);
  await backend.licensePool_createObjects([licensePool()]);
}

const productStringDefaults: Dict = {
  name: "",
  licenseRequired: false,
  setupScript: "",
  uninstallScript: "",
  updateScript: "",
  alwaysScript: "",
  onceScript: "",
  customScript: "",
  priority: 0,
  description: "",
  advice: "",
  changelog: "",
};

const softwareIdent = { name: "Firefox", version: "120.0", subVersion: "", language: "de-DE", architecture: "x64" };

function softwareLicenseCase(type: string, extra: Partial<PrefixCase> = {}): PrefixCase {
  return {
    prefix: "softwareLicense",
    className: type,
    setup: async (b) => {
      await createClients(b);
      await b.licenseContract_createObjects([licenseContract()]);
    },
    full: softwareLicense({ type }),
    second: softwareLicense({ type, id: "license-2", boundToHost: null }),
    minimal: { type, id: LICENSE_ID, licenseContractId: CONTRACT_ID },
    insertDefaults: { maxInstallations: 1, expirationDate: ZERO },
    columnDefaults: { maxInstallations: 1 },
    update: { maxInstallations: 7, expirationDate: "2026-01-01 00:00:00" },
    identDict: { id: LICENSE_ID, licenseContractId: CONTRACT_ID },
    ...extra,
  };
}

/** Every stored class of all 22 prefixes. */
export const PREFIX_CASES: readonly PrefixCase[] = [
  {
    prefix: "host",
    className: "OpsiClient",
    full: opsiClient(),
    second: opsiClient({ id: CLIENT2_ID }),
    minimal: { type: "OpsiClient", id: CLIENT_ID },
    insertDefaults: { description: "", notes: "", inventoryNumber: "", opsiHostKey: HOST_KEY, created: NOW, lastSeen: NOW },
    columnDefaults: {},
    update: { description: "changed", lastSeen: "2024-06-01 12:00:00" },
    identDict: { id: CLIENT_ID },
  },
  {
    prefix: "host",
    className: "OpsiDepotserver",
    full: opsiDepotserver(),
    second: opsiDepotserver({ id: DEPOT2_ID }),
    minimal: { type: "OpsiDepotserver", id: DEPOT_ID },
    insertDefaults: { description: "", notes: "", inventoryNumber: "", opsiHostKey: HOST_KEY, isMasterDepot: true },
    columnDefaults: {},
    update: { description: "changed", maxBandwidth: 500 },
    identDict: { id: DEPOT_ID },
  },
  {
    prefix: "host",
    className: "OpsiConfigserver",
    full: opsiConfigserver(),
    second: opsiConfigserver({ id: "config2.opsi.test" }),
    minimal: { type: "OpsiConfigserver", id: CONFIGSERVER_ID },
    insertDefaults: { description: "", notes: "", inventoryNumber: "", opsiHostKey: HOST_KEY, isMasterDepot: true },
    columnDefaults: {},
    update: { notes: "changed", depotLocalUrl: "file:///srv/depot" },
    identDict: { id: CONFIGSERVER_ID },
  },
  {
    prefix: "user",
    className: "User",
    full: user(),
    second: user({ id: "alice@opsi.test" }),
    minimal: { type: "User", id: "adminuser" },
    insertDefaults: { created: NOW, mfaState: "inactive" },
    columnDefaults: {},
    update: { lastLogin: "2024-03-01 00:00:00" },
    identDict: { id: "adminuser" },
  },
  {
    prefix: "config",
    className: "UnicodeConfig",
    full: unicodeConfig(),
    second: unicodeConfig({ id: "test.config.second", possibleValues: ["x", "y"], defaultValues: ["x", "y"], multiValue: true }),
    minimal: { type: "UnicodeConfig", id: "test.config.unicode" },
    insertDefaults: { description: "", possibleValues: [], defaultValues: [], editable: true, multiValue: false },
    // UnicodeConfig's constructor sets description "" itself; the value lists read back [].
    columnDefaults: { description: "", possibleValues: [], defaultValues: [], editable: true, multiValue: false },
    constructorValues: { description: "" },
    update: { description: "changed", editable: true },
    identDict: { id: "test.config.unicode" },
  },
  {
    prefix: "config",
    className: "BoolConfig",
    full: boolConfig(),
    second: boolConfig({ id: "test.config.bool2", defaultValues: [false] }),
    minimal: { type: "BoolConfig", id: "test.config.bool" },
    insertDefaults: { possibleValues: [false, true], defaultValues: [false], editable: false, multiValue: false },
    columnDefaults: { possibleValues: [false, true], defaultValues: [], editable: false, multiValue: false },
    update: { description: "changed" },
    identDict: { id: "test.config.bool" },
  },
  {
    prefix: "configState",
    className: "ConfigState",
    full: configState(),
    second: configState({ objectId: CLIENT2_ID, values: ["c"] }),
    minimal: { type: "ConfigState", configId: "test.config.unicode", objectId: CLIENT_ID },
    insertDefaults: { values: [] },
    columnDefaults: {},
    update: { values: ["c"] },
    identDict: { configId: "test.config.unicode", objectId: CLIENT_ID },
  },
  {
    prefix: "group",
    className: "HostGroup",
    full: hostGroup(),
    second: hostGroup({ id: "group-b", parentGroupId: "group-a" }),
    minimal: { type: "HostGroup", id: "group-a" },
    insertDefaults: { description: "", notes: "" },
    columnDefaults: {},
    update: { description: "changed", parentGroupId: "other-parent" },
    identDict: { id: "group-a" },
  },
  {
    prefix: "group",
    className: "ProductGroup",
    full: productGroup(),
    second: productGroup({ id: "pgroup-b" }),
    minimal: { type: "ProductGroup", id: "pgroup-a" },
    insertDefaults: { description: "", notes: "" },
    columnDefaults: {},
    update: { notes: "changed" },
    identDict: { id: "pgroup-a" },
  },
  {
    prefix: "objectToGroup",
    className: "ObjectToGroup",
    setup: async (b) => {
      await b.group_createObjects([hostGroup()]);
    },
    full: objectToGroup(),
    second: objectToGroup({ objectId: CLIENT2_ID }),
    minimal: objectToGroup(),
    insertDefaults: {},
    columnDefaults: {},
    identDict: { groupType: "HostGroup", groupId: "group-a", objectId: CLIENT_ID },
  },
  {
    prefix: "product",
    className: "LocalbootProduct",
    full: localbootProduct(),
    second: localbootProduct({ productVersion: "2.0" }),
    readBack: { productClassIds: null, windowsSoftwareIds: null },
    minimal: { type: "LocalbootProduct", id: PRODUCT_ID, productVersion: "1.0", packageVersion: "1" },
    insertDefaults: { ...productStringDefaults, userLoginScript: "" },
    columnDefaults: { name: "", licenseRequired: false, priority: 0 },
    update: { name: "Changed", priority: -20 },
    identDict: { id: PRODUCT_ID, productVersion: "1.0", packageVersion: "1" },
  },
  {
    prefix: "product",
    className: "NetbootProduct",
    full: netbootProduct(),
    second: netbootProduct({ packageVersion: "2" }),
    readBack: { productClassIds: null, windowsSoftwareIds: null },
    minimal: { type: "NetbootProduct", id: "netboot-a", productVersion: "1.0", packageVersion: "1" },
    insertDefaults: productStringDefaults,
    columnDefaults: { name: "", licenseRequired: false, priority: 0 },
    update: { pxeConfigTemplate: "other-template", advice: "changed" },
    identDict: { id: "netboot-a", productVersion: "1.0", packageVersion: "1" },
  },
  {
    prefix: "productDependency",
    className: "ProductDependency",
    setup: createProducts,
    full: productDependency(),
    second: productDependency({ requiredProductId: "prod-c", requiredAction: null, requirementType: "after" }),
    minimal: {
      type: "ProductDependency",
      productId: PRODUCT_ID,
      productVersion: "1.0",
      packageVersion: "1",
      productAction: "setup",
      requiredProductId: PRODUCT2_ID,
    },
    insertDefaults: {},
    columnDefaults: {},
    update: { requirementType: "after", requiredAction: "update" },
    identDict: {
      productId: PRODUCT_ID,
      productVersion: "1.0",
      packageVersion: "1",
      productAction: "setup",
      requiredProductId: PRODUCT2_ID,
    },
  },
  {
    prefix: "productProperty",
    className: "UnicodeProductProperty",
    setup: createProducts,
    full: unicodeProductProperty(),
    second: unicodeProductProperty({ propertyId: "mode", possibleValues: ["fast", "slow"], defaultValues: ["slow"], editable: true }),
    minimal: { type: "UnicodeProductProperty", productId: PRODUCT_ID, productVersion: "1.0", packageVersion: "1", propertyId: "language" },
    insertDefaults: { description: "", possibleValues: [], defaultValues: [], editable: true, multiValue: false },
    columnDefaults: { possibleValues: [], defaultValues: [], editable: true, multiValue: false },
    update: { description: "changed", multiValue: true },
    identDict: { productId: PRODUCT_ID, productVersion: "1.0", packageVersion: "1", propertyId: "language" },
  },
  {
    prefix: "productProperty",
    className: "BoolProductProperty",
    setup: createProducts,
    full: boolProductProperty(),
    second: boolProductProperty({ propertyId: "shutdown", defaultValues: [false] }),
    minimal: { type: "BoolProductProperty", productId: PRODUCT_ID, productVersion: "1.0", packageVersion: "1", propertyId: "reboot" },
    insertDefaults: { description: "", possibleValues: [false, true], defaultValues: [false], editable: false, multiValue: false },
    columnDefaults: { possibleValues: [false, true], defaultValues: [], editable: false, multiValue: false },
    update: { description: "changed" },
    identDict: { productId: PRODUCT_ID, productVersion: "1.0", packageVersion: "1", propertyId: "reboot" },
  },
  {
    prefix: "productPropertyState",
    className: "ProductPropertyState",
    full: productPropertyState(),
    second: productPropertyState({ objectId: DEPOT_ID, values: ["de"] }),
    minimal: { type: "ProductPropertyState", productId: PRODUCT_ID, propertyId: "language", objectId: CLIENT_ID },
    insertDefaults: { values: [] },
    columnDefaults: {},
    update: { values: ["fr"] },
    identDict: { productId: PRODUCT_ID, propertyId: "language", objectId: CLIENT_ID },
  },
  {
    prefix: "productOnDepot",
    className: "ProductOnDepot",
    setup: async (b) => {
      await createProducts(b);
      await b.host_createObjects([opsiDepotserver()]);
    },
    full: productOnDepot(),
    second: productOnDepot({ productId: PRODUCT2_ID, locked: false }),
    minimal: {
      type: "ProductOnDepot",
      productId: PRODUCT_ID,
      productType: "LocalbootProduct",
      productVersion: "1.0",
      packageVersion: "1",
      depotId: DEPOT_ID,
    },
    insertDefaults: { locked: false },
    columnDefaults: { locked: false },
    update: { locked: false },
    identDict: { productId: PRODUCT_ID, productType: "LocalbootProduct", productVersion: "1.0", packageVersion: "1", depotId: DEPOT_ID },
  },
  {
    prefix: "productOnClient",
    className: "ProductOnClient",
    setup: createClients,
    full: productOnClient({ actionSequence: 7 }),
    second: productOnClient({ productId: PRODUCT2_ID, actionRequest: "none", installationStatus: "not_installed" }),
    readBack: { actionSequence: -1 },
    minimal: { type: "ProductOnClient", productId: PRODUCT_ID, productType: "LocalbootProduct", clientId: CLIENT_ID },
    insertDefaults: { installationStatus: "not_installed", actionRequest: "none", modificationTime: NOW, actionSequence: -1 },
    columnDefaults: { installationStatus: "not_installed", actionRequest: "none", modificationTime: NOW, actionSequence: -1 },
    constructorValues: { modificationTime: NOW },
    // modificationTime is given explicitly: the MySQL column also has ON UPDATE CURRENT_TIMESTAMP.
    update: { actionRequest: "uninstall", installationStatus: "unknown", modificationTime: "2024-06-01 00:00:00" },
    identDict: { productId: PRODUCT_ID, productType: "LocalbootProduct", clientId: CLIENT_ID },
  },
  {
    prefix: "licenseContract",
    className: "LicenseContract",
    full: licenseContract(),
    second: licenseContract({ id: "contract-2", partner: "other" }),
    minimal: { type: "LicenseContract", id: CONTRACT_ID },
    insertDefaults: { description: "", notes: "", partner: "", conclusionDate: NOW, notificationDate: ZERO, expirationDate: ZERO },
    columnDefaults: {},
    update: { partner: "other partner", expirationDate: "2026-01-01 00:00:00" },
    identDict: { id: CONTRACT_ID },
  },
  softwareLicenseCase("RetailSoftwareLicense"),
  softwareLicenseCase("OEMSoftwareLicense", { readBack: { maxInstallations: 1 }, update: { expirationDate: "2026-01-01 00:00:00" } }),
  softwareLicenseCase("VolumeSoftwareLicense"),
  softwareLicenseCase("ConcurrentSoftwareLicense"),
  {
    prefix: "licensePool",
    className: "LicensePool",
    full: licensePool(),
    second: licensePool({ id: "pool-2", productIds: ["prod-c"] }),
    minimal: { type: "LicensePool", id: POOL_ID },
    insertDefaults: { description: "", productIds: [] },
    columnDefaults: { productIds: [] },
    update: { description: "changed" },
    identDict: { id: POOL_ID },
  },
  {
    prefix: "softwareLicenseToLicensePool",
    className: "SoftwareLicenseToLicensePool",
    setup: createLicensing,
    full: softwareLicenseToLicensePool(),
    second: softwareLicenseToLicensePool({ softwareLicenseId: "license-2", licenseKey: "XXXX" }),
    minimal: { type: "SoftwareLicenseToLicensePool", softwareLicenseId: LICENSE_ID, licensePoolId: POOL_ID },
    insertDefaults: { licenseKey: "" },
    columnDefaults: {},
    update: { licenseKey: "CCCC-DDDD" },
    identDict: { softwareLicenseId: LICENSE_ID, licensePoolId: POOL_ID },
  },
  {
    prefix: "licenseOnClient",
    className: "LicenseOnClient",
    setup: async (b) => {
      await createLicensing(b);
      await b.softwareLicenseToLicensePool_createObjects([softwareLicenseToLicensePool()]);
    },
    full: licenseOnClient(),
    second: licenseOnClient({ clientId: CLIENT2_ID }),
    minimal: { type: "LicenseOnClient", softwareLicenseId: LICENSE_ID, licensePoolId: POOL_ID, clientId: CLIENT_ID },
    insertDefaults: { licenseKey: "", notes: "" },
    columnDefaults: {},
    update: { notes: "changed" },
    identDict: { softwareLicenseId: LICENSE_ID, licensePoolId: POOL_ID, clientId: CLIENT_ID },
  },
  {
    prefix: "auditSoftware",
    className: "AuditSoftware",
    full: auditSoftware(),
    second: auditSoftware({ name: "Thunderbird", language: "", architecture: "x86" }),
    minimal: { type: "AuditSoftware", ...softwareIdent },
    insertDefaults: { installSize: 0 },
    columnDefaults: {},
    update: { windowsDisplayName: "changed", installSize: 1 },
    identDict: softwareIdent,
  },
  {
    prefix: "auditSoftwareOnClient",
    className: "AuditSoftwareOnClient",
    setup: async (b) => {
      await createClients(b);
      await b.auditSoftware_createObjects([auditSoftware()]);
    },
    full: auditSoftwareOnClient(),
    second: auditSoftwareOnClient({ clientId: CLIENT2_ID, state: 1 }),
    minimal: { type: "AuditSoftwareOnClient", ...softwareIdent, clientId: CLIENT_ID },
    insertDefaults: { uninstallString: "", binaryName: "", firstseen: NOW, lastseen: NOW, state: 1, usageFrequency: -1, lastUsed: ZERO },
    columnDefaults: { firstseen: NOW, lastseen: NOW, state: 1, usageFrequency: -1 },
    update: { state: 1, lastseen: "2024-06-01 00:00:00" },
    identDict: { ...softwareIdent, clientId: CLIENT_ID },
  },
  {
    prefix: "auditSoftwareToLicensePool",
    className: "AuditSoftwareToLicensePool",
    setup: async (b) => {
      await b.licensePool_createObjects([licensePool()]);
    },
    full: auditSoftwareToLicensePool(),
    second: auditSoftwareToLicensePool({ name: "Thunderbird" }),
    minimal: auditSoftwareToLicensePool(),
    insertDefaults: {},
    columnDefaults: {},
    identDict: { ...softwareIdent, licensePoolId: POOL_ID },
  },
  {
    prefix: "auditHardware",
    className: "AuditHardware",
    full: auditHardware(),
    second: auditHardware({ vendor: "Other Vendor" }),
    minimal: auditHardware(),
    insertDefaults: {},
    columnDefaults: {},
    // Ident: hardwareClass + the g-attributes sorted by name.
    identDict: { hardwareClass: "BIOS", description: "Default System BIOS", model: "M1", name: "BIOS", vendor: "SeaBIOS" },
  },
  {
    prefix: "auditHardwareOnHost",
    className: "AuditHardwareOnHost",
    full: auditHardwareOnHost(),
    second: auditHardwareOnHost({ hostId: CLIENT2_ID }),
    minimal: {
      type: "AuditHardwareOnHost",
      hostId: CLIENT_ID,
      hardwareClass: "BIOS",
      name: "BIOS",
      description: "Default System BIOS",
      vendor: "SeaBIOS",
      model: "M1",
      serialNumber: "SN-0001",
      version: "1.16.0",
    },
    insertDefaults: { firstseen: NOW, lastseen: NOW, state: 1 },
    columnDefaults: { firstseen: NOW, lastseen: NOW, state: 1 },
    update: { lastseen: "2024-06-01 00:00:00", state: 0 },
    // Ident: hardwareClass, hostId + all class attributes sorted by name.
    identDict: {
      hardwareClass: "BIOS",
      hostId: CLIENT_ID,
      description: "Default System BIOS",
      model: "M1",
      name: "BIOS",
      serialNumber: "SN-0001",
      vendor: "SeaBIOS",
      version: "1.16.0",
    },
  },
];
