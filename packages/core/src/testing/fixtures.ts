/**
 * @module testing/fixtures
 * Builders of valid sample objects for every opsi class, in normalised wire form (what a backend
 * reads back, apart from the documented read-back rules), plus the real hardware-audit fixture.
 */

import type { Dict } from "./assertions.js";
import { readSharedFixture } from "./shared-fixtures.js";

/** A client id used throughout the suite. */
export const CLIENT_ID = "client1.opsi.test";
/** A second client id. */
export const CLIENT2_ID = "client2.opsi.test";
/** A depot id. */
export const DEPOT_ID = "depot1.opsi.test";
/** A second depot id. */
export const DEPOT2_ID = "depot2.opsi.test";
/** The config server id. */
export const CONFIGSERVER_ID = "config.opsi.test";
/** A product id. */
export const PRODUCT_ID = "prod-a";
/** A second product id. */
export const PRODUCT2_ID = "prod-b";
/** A license contract id. */
export const CONTRACT_ID = "contract-1";
/** A software license id. */
export const LICENSE_ID = "license-1";
/** A license pool id. */
export const POOL_ID = "pool-1";

function hash32(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, "0").slice(-digits);
}

/**
 * A MAC address derived from an id, so hosts built with different ids never collide.
 * @example macFor("client1.opsi.test") // "08:00:27:xx:xx:xx"
 */
export function macFor(id: string): string {
  const h = hex(hash32(id, 0x811c9dc5), 6);
  return `08:00:27:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
}

/**
 * A canonical lowercase UUID derived from an id.
 * @example uuidFor("client1.opsi.test") // "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx"
 */
export function uuidFor(id: string): string {
  const h = [1, 2, 3, 4].map((i) => hex(hash32(id, 0x811c9dc5 + i * 7919), 8)).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A fully populated OpsiClient.
 * @example opsiClient({ id: "pc9.opsi.test" })
 */
export function opsiClient(overrides: Dict = {}): Dict {
  const id = String(overrides.id ?? CLIENT_ID);
  return {
    type: "OpsiClient",
    id,
    description: "Client description",
    notes: "Client notes",
    hardwareAddress: macFor(id),
    ipAddress: "192.168.10.11",
    inventoryNumber: "INV-0001",
    systemUUID: uuidFor(id),
    opsiHostKey: "0123456789abcdef0123456789abcdef",
    oneTimePassword: "one-time",
    created: "2024-01-02 10:00:00",
    lastSeen: "2024-05-01 08:00:00",
    ...overrides,
  };
}

function depotFields(id: string): Dict {
  return {
    id,
    description: "Depot description",
    notes: "Depot notes",
    hardwareAddress: macFor(id),
    ipAddress: "192.168.10.2",
    inventoryNumber: "INV-D",
    systemUUID: uuidFor(id),
    opsiHostKey: "fedcba9876543210fedcba9876543210",
    depotLocalUrl: "file:///var/lib/opsi/depot",
    depotRemoteUrl: `smb://${id}/opsi_depot`,
    depotWebdavUrl: `webdavs://${id}:4447/depot`,
    repositoryLocalUrl: "file:///var/lib/opsi/repository",
    repositoryRemoteUrl: `webdavs://${id}:4447/repository`,
    networkAddress: "192.168.10.0/24",
    maxBandwidth: 10000,
    isMasterDepot: false,
    masterDepotId: CONFIGSERVER_ID,
    workbenchLocalUrl: "file:///var/lib/opsi/workbench",
    workbenchRemoteUrl: `smb://${id}/opsi_workbench`,
  };
}

/**
 * A fully populated OpsiDepotserver.
 * @example opsiDepotserver({ id: "depot9.opsi.test" })
 */
export function opsiDepotserver(overrides: Dict = {}): Dict {
  return { type: "OpsiDepotserver", ...depotFields(String(overrides.id ?? DEPOT_ID)), ...overrides };
}

/**
 * A fully populated OpsiConfigserver.
 * @example opsiConfigserver()
 */
export function opsiConfigserver(overrides: Dict = {}): Dict {
  const id = String(overrides.id ?? CONFIGSERVER_ID);
  return { type: "OpsiConfigserver", ...depotFields(id), isMasterDepot: true, masterDepotId: null, ...overrides };
}

/**
 * A fully populated User.
 * @example user({ id: "alice" })
 */
export function user(overrides: Dict = {}): Dict {
  return {
    type: "User",
    id: "adminuser",
    created: "2024-01-01 00:00:00",
    lastLogin: "2024-02-01 12:00:00",
    mfaState: "totp_active",
    otpSecret: "JBSWY3DPEHPK3PXP",
    ...overrides,
  };
}

/**
 * A fully populated UnicodeConfig.
 * @example unicodeConfig({ id: "opsi.example" })
 */
export function unicodeConfig(overrides: Dict = {}): Dict {
  return {
    type: "UnicodeConfig",
    id: "test.config.unicode",
    description: "A unicode config",
    possibleValues: ["a", "b", "c"],
    defaultValues: ["b"],
    editable: false,
    multiValue: false,
    ...overrides,
  };
}

/**
 * A fully populated BoolConfig.
 * @example boolConfig({ defaultValues: [false] })
 */
export function boolConfig(overrides: Dict = {}): Dict {
  return {
    type: "BoolConfig",
    id: "test.config.bool",
    description: "A bool config",
    possibleValues: [false, true],
    defaultValues: [true],
    editable: false,
    multiValue: false,
    ...overrides,
  };
}

/**
 * A ConfigState.
 * @example configState({ values: ["c"] })
 */
export function configState(overrides: Dict = {}): Dict {
  return { type: "ConfigState", configId: "test.config.unicode", objectId: CLIENT_ID, values: ["a", "b"], ...overrides };
}

/**
 * A fully populated HostGroup.
 * @example hostGroup({ id: "clients" })
 */
export function hostGroup(overrides: Dict = {}): Dict {
  return { type: "HostGroup", id: "group-a", description: "Group A", notes: "Group notes", parentGroupId: "parent-group", ...overrides };
}

/**
 * A fully populated ProductGroup.
 * @example productGroup({ id: "office" })
 */
export function productGroup(overrides: Dict = {}): Dict {
  return {
    type: "ProductGroup",
    id: "pgroup-a",
    description: "Product group",
    notes: "Notes",
    parentGroupId: "parent-pgroup",
    ...overrides,
  };
}

/**
 * An ObjectToGroup (HostGroup membership of {@link CLIENT_ID} by default).
 * @example objectToGroup({ groupType: "ProductGroup", groupId: "office", objectId: "prod-a" })
 */
export function objectToGroup(overrides: Dict = {}): Dict {
  return { type: "ObjectToGroup", groupType: "HostGroup", groupId: "group-a", objectId: CLIENT_ID, ...overrides };
}

/**
 * A fully populated LocalbootProduct.
 * @example localbootProduct({ id: "firefox", productVersion: "120.0" })
 */
export function localbootProduct(overrides: Dict = {}): Dict {
  return {
    type: "LocalbootProduct",
    id: PRODUCT_ID,
    productVersion: "1.0",
    packageVersion: "1",
    name: "Product A",
    licenseRequired: true,
    setupScript: "setup.opsiscript",
    uninstallScript: "uninstall.opsiscript",
    updateScript: "update.opsiscript",
    alwaysScript: "always.opsiscript",
    onceScript: "once.opsiscript",
    customScript: "custom.opsiscript",
    userLoginScript: "login.opsiscript",
    priority: 10,
    description: "Product description",
    advice: "Product advice",
    changelog: "Changelog text",
    productClassIds: ["class-a"],
    windowsSoftwareIds: ["winsoft-a"],
    ...overrides,
  };
}

/**
 * A fully populated NetbootProduct.
 * @example netbootProduct({ id: "win10" })
 */
export function netbootProduct(overrides: Dict = {}): Dict {
  return {
    ...localbootProduct({ id: "netboot-a", name: "Netboot A" }),
    type: "NetbootProduct",
    userLoginScript: null,
    pxeConfigTemplate: "install-template",
    ...overrides,
  };
}

/**
 * A fully populated ProductDependency of {@link PRODUCT_ID} 1.0-1 on {@link PRODUCT2_ID}.
 * @example productDependency({ requirementType: "after" })
 */
export function productDependency(overrides: Dict = {}): Dict {
  return {
    type: "ProductDependency",
    productId: PRODUCT_ID,
    productVersion: "1.0",
    packageVersion: "1",
    productAction: "setup",
    requiredProductId: PRODUCT2_ID,
    requiredProductVersion: "2.0",
    requiredPackageVersion: "3",
    requiredAction: "setup",
    requiredInstallationStatus: "installed",
    requirementType: "before",
    ...overrides,
  };
}

/**
 * A fully populated UnicodeProductProperty of {@link PRODUCT_ID} 1.0-1.
 * @example unicodeProductProperty({ propertyId: "mode" })
 */
export function unicodeProductProperty(overrides: Dict = {}): Dict {
  return {
    type: "UnicodeProductProperty",
    productId: PRODUCT_ID,
    productVersion: "1.0",
    packageVersion: "1",
    propertyId: "language",
    description: "Installation language",
    possibleValues: ["de", "en", "fr"],
    defaultValues: ["de"],
    editable: false,
    multiValue: false,
    ...overrides,
  };
}

/**
 * A fully populated BoolProductProperty of {@link PRODUCT_ID} 1.0-1.
 * @example boolProductProperty({ defaultValues: [false] })
 */
export function boolProductProperty(overrides: Dict = {}): Dict {
  return {
    type: "BoolProductProperty",
    productId: PRODUCT_ID,
    productVersion: "1.0",
    packageVersion: "1",
    propertyId: "reboot",
    description: "Reboot after install",
    possibleValues: [false, true],
    defaultValues: [true],
    editable: false,
    multiValue: false,
    ...overrides,
  };
}

/**
 * A ProductPropertyState.
 * @example productPropertyState({ objectId: "depot1.opsi.test" })
 */
export function productPropertyState(overrides: Dict = {}): Dict {
  return { type: "ProductPropertyState", productId: PRODUCT_ID, propertyId: "language", objectId: CLIENT_ID, values: ["en"], ...overrides };
}

/**
 * A ProductOnDepot of {@link PRODUCT_ID} 1.0-1 on {@link DEPOT_ID}.
 * @example productOnDepot({ locked: false })
 */
export function productOnDepot(overrides: Dict = {}): Dict {
  return {
    type: "ProductOnDepot",
    productId: PRODUCT_ID,
    productType: "LocalbootProduct",
    productVersion: "1.0",
    packageVersion: "1",
    depotId: DEPOT_ID,
    locked: true,
    ...overrides,
  };
}

/**
 * A fully populated ProductOnClient of {@link PRODUCT_ID} on {@link CLIENT_ID}.
 * @example productOnClient({ actionRequest: "uninstall" })
 */
export function productOnClient(overrides: Dict = {}): Dict {
  return {
    type: "ProductOnClient",
    productId: PRODUCT_ID,
    productType: "LocalbootProduct",
    clientId: CLIENT_ID,
    targetConfiguration: "installed",
    installationStatus: "installed",
    actionRequest: "setup",
    lastAction: "setup",
    actionProgress: "running",
    actionResult: "successful",
    productVersion: "1.0",
    packageVersion: "1",
    modificationTime: "2024-03-04 05:06:07",
    actionSequence: -1,
    ...overrides,
  };
}

/**
 * A fully populated LicenseContract.
 * @example licenseContract({ id: "contract-2" })
 */
export function licenseContract(overrides: Dict = {}): Dict {
  return {
    type: "LicenseContract",
    id: CONTRACT_ID,
    description: "Contract",
    notes: "Contract notes",
    partner: "uib gmbh",
    conclusionDate: "2023-01-01 00:00:00",
    notificationDate: "2024-12-01 00:00:00",
    expirationDate: "2025-01-01 00:00:00",
    ...overrides,
  };
}

/**
 * A fully populated software license of the given class (RetailSoftwareLicense by default).
 * @example softwareLicense({ type: "VolumeSoftwareLicense", maxInstallations: 50 })
 */
export function softwareLicense(overrides: Dict = {}): Dict {
  return {
    type: "RetailSoftwareLicense",
    id: LICENSE_ID,
    licenseContractId: CONTRACT_ID,
    maxInstallations: 5,
    boundToHost: CLIENT_ID,
    expirationDate: "2025-06-30 00:00:00",
    ...overrides,
  };
}

/**
 * A fully populated LicensePool.
 * @example licensePool({ productIds: ["prod-a"] })
 */
export function licensePool(overrides: Dict = {}): Dict {
  return { type: "LicensePool", id: POOL_ID, description: "Pool", productIds: [PRODUCT_ID, PRODUCT2_ID], ...overrides };
}

/**
 * A SoftwareLicenseToLicensePool of {@link LICENSE_ID} in {@link POOL_ID}.
 * @example softwareLicenseToLicensePool({ licenseKey: "XXXX" })
 */
export function softwareLicenseToLicensePool(overrides: Dict = {}): Dict {
  return {
    type: "SoftwareLicenseToLicensePool",
    softwareLicenseId: LICENSE_ID,
    licensePoolId: POOL_ID,
    licenseKey: "AAAA-BBBB",
    ...overrides,
  };
}

/**
 * A LicenseOnClient of {@link LICENSE_ID}/{@link POOL_ID} on {@link CLIENT_ID}.
 * @example licenseOnClient({ clientId: "client2.opsi.test" })
 */
export function licenseOnClient(overrides: Dict = {}): Dict {
  return {
    type: "LicenseOnClient",
    softwareLicenseId: LICENSE_ID,
    licensePoolId: POOL_ID,
    clientId: CLIENT_ID,
    licenseKey: "CLIENT-KEY",
    notes: "License notes",
    ...overrides,
  };
}

const SOFTWARE_IDENT: Dict = { name: "Firefox", version: "120.0", subVersion: "", language: "de-DE", architecture: "x64" };

/**
 * A fully populated AuditSoftware.
 * @example auditSoftware({ name: "7-Zip" })
 */
export function auditSoftware(overrides: Dict = {}): Dict {
  return {
    type: "AuditSoftware",
    ...SOFTWARE_IDENT,
    windowsSoftwareId: "{mozilla-firefox}",
    windowsDisplayName: "Mozilla Firefox",
    windowsDisplayVersion: "120.0",
    installSize: 123456,
    ...overrides,
  };
}

/**
 * A fully populated AuditSoftwareOnClient of {@link auditSoftware} on {@link CLIENT_ID}.
 * @example auditSoftwareOnClient({ state: 1 })
 */
export function auditSoftwareOnClient(overrides: Dict = {}): Dict {
  return {
    type: "AuditSoftwareOnClient",
    ...SOFTWARE_IDENT,
    clientId: CLIENT_ID,
    uninstallString: "uninstall.exe /S",
    binaryName: "firefox.exe",
    firstseen: "2024-01-01 00:00:00",
    lastseen: "2024-02-01 00:00:00",
    state: 0,
    usageFrequency: 5,
    lastUsed: "2024-02-01 10:00:00",
    licenseKey: "SOFTWARE-KEY",
    ...overrides,
  };
}

/**
 * An AuditSoftwareToLicensePool of {@link auditSoftware} in {@link POOL_ID}.
 * @example auditSoftwareToLicensePool({ licensePoolId: "pool-2" })
 */
export function auditSoftwareToLicensePool(overrides: Dict = {}): Dict {
  return { type: "AuditSoftwareToLicensePool", ...SOFTWARE_IDENT, licensePoolId: POOL_ID, ...overrides };
}

/**
 * A BIOS AuditHardware device (g-attributes of the default hwaudit config: name, description, vendor, model).
 * @example auditHardware({ vendor: "Dell" })
 */
export function auditHardware(overrides: Dict = {}): Dict {
  return {
    type: "AuditHardware",
    hardwareClass: "BIOS",
    name: "BIOS",
    description: "Default System BIOS",
    vendor: "SeaBIOS",
    model: "M1",
    ...overrides,
  };
}

/**
 * A BIOS AuditHardwareOnHost on {@link CLIENT_ID} (adds i-attributes serialNumber and version).
 * @example auditHardwareOnHost({ hostId: "client2.opsi.test" })
 */
export function auditHardwareOnHost(overrides: Dict = {}): Dict {
  return {
    type: "AuditHardwareOnHost",
    hostId: CLIENT_ID,
    hardwareClass: "BIOS",
    firstseen: "2024-01-01 00:00:00",
    lastseen: "2024-01-02 00:00:00",
    state: 1,
    name: "BIOS",
    description: "Default System BIOS",
    vendor: "SeaBIOS",
    model: "M1",
    serialNumber: "SN-0001",
    version: "1.16.0",
    ...overrides,
  };
}

/**
 * The AuditHardwareOnHost objects of a real client inventory (`shared/fixtures/hwaudit`), read from disk.
 * @example const objs = hardwareAuditFixture(); objs.length // 46
 */
export function hardwareAuditFixture(): Dict[] {
  const data: unknown = JSON.parse(readSharedFixture("hwaudit/audithardwareonhost.json"));
  if (!Array.isArray(data)) throw new Error("hwaudit/audithardwareonhost.json is not a JSON list");
  return data as Dict[];
}
