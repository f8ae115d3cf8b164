/** @module rpc/test-harness A MemoryBackend-based dispatcher with the default acl.conf and typical callers, for the tests of acl/, methods/, rpc/ and events/. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultHardwareAuditConfig, MemoryBackend } from "@opsi-ts/core";
import { readSharedFixture } from "@opsi-ts/core/testing";
import { AccessControl } from "../acl/access-control.js";
import type { ServiceEnvironment } from "../environment.js";
import { type ChangeEvent, ChangeEvents } from "../events/change-events.js";
import type { CallerContext, Identity } from "../identity.js";
import type { CredentialsStore } from "../methods/credentials-store.js";
import { createRpcDispatcher, type RpcDispatcher, type RpcDispatcherSettings } from "./dispatcher.js";

/** Ids used by the harness. */
export const IDS = {
  configServer: "config.opsi.test",
  depot: "depot1.opsi.test",
  depot2: "depot2.opsi.test",
  clientA: "client1.opsi.test",
  clientB: "client2.opsi.test",
} as const;

/** Host keys of the harness hosts. */
export const KEYS: Readonly<Record<string, string>> = {
  [IDS.configServer]: "0123456789abcdef0123456789abcdef",
  [IDS.depot]: "11111111111111111111111111111111",
  [IDS.depot2]: "22222222222222222222222222222222",
  [IDS.clientA]: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  [IDS.clientB]: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
};

const identity = (i: Identity): Identity => i;

/** The callers of the enforcement matrix. */
export const CALLERS = {
  admin: identity({ kind: "user", name: "adminuser", isAdmin: true, isReadOnly: false, groups: ["opsiadmin", "users"] }),
  user: identity({ kind: "user", name: "someuser", isAdmin: false, isReadOnly: true, groups: ["users"] }),
  clientA: identity({ kind: "client", name: IDS.clientA, hostId: IDS.clientA, isAdmin: false, isReadOnly: false, groups: [] }),
  clientB: identity({ kind: "client", name: IDS.clientB, hostId: IDS.clientB, isAdmin: false, isReadOnly: false, groups: [] }),
  depot: identity({ kind: "depot", name: IDS.depot, hostId: IDS.depot, isAdmin: true, isReadOnly: false, groups: [] }),
};

/**
 * A caller context for an identity.
 * @example callerOf(CALLERS.clientA, "10.0.0.5")
 */
export function callerOf(identity: Identity, clientAddress = "127.0.0.1"): CallerContext {
  return { identity, sessionId: `session-${identity.name}`, clientAddress };
}

/** Everything a test needs. */
export interface Harness {
  readonly backend: MemoryBackend;
  readonly dispatcher: RpcDispatcher;
  readonly events: ChangeEvents;
  /** Every event emitted so far. */
  readonly emitted: ChangeEvent[];
  readonly environment: ServiceEnvironment;
  readonly logDir: string;
  /** Calls a method as one of {@link CALLERS}. */
  call(who: keyof typeof CALLERS, method: string, params?: unknown): Promise<unknown>;
  /** Removes the temporary log directory. */
  cleanup(): void;
}

/** Options of {@link createHarness}. */
export interface HarnessOptions {
  readonly aclText?: string;
  readonly provideDeprecatedMethods?: boolean;
  readonly credentials?: CredentialsStore;
  readonly settings?: RpcDispatcherSettings;
  /** Create the standard hosts (config server, two depots, two clients). Default true. */
  readonly seedHosts?: boolean;
}

/**
 * A dispatcher over a fresh MemoryBackend with the default acl.conf, a temporary log directory and
 * the hwaudit fixture locales (en, de).
 * @example const h = await createHarness(); await h.call("admin", "backend_info");
 */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const backend = new MemoryBackend();
  const events = new ChangeEvents();
  const emitted: ChangeEvent[] = [];
  events.subscribeAll((e) => emitted.push(e));
  const logDir = mkdtempSync(join(tmpdir(), "opsi-ts-rpc-"));
  const environment: ServiceEnvironment = {
    serverId: IDS.configServer,
    opsiVersion: "4.3.24.1",
    caCertPem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
    caCertsPem: [
      "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
      "-----BEGIN CERTIFICATE-----\nOTHER\n-----END CERTIFICATE-----",
    ],
    logDir,
    depotDir: join(logDir, "depot"),
    repositoryDir: join(logDir, "repository"),
    workbenchDir: join(logDir, "workbench"),
    publicDir: join(logDir, "public"),
    hardwareAudit: defaultHardwareAuditConfig(),
    hardwareAuditLocales: new Map([
      ["en", readSharedFixture("hwaudit/hwaudit_en.properties")],
      ["de", readSharedFixture("hwaudit/hwaudit_de.properties")],
    ]),
    provideDeprecatedMethods: options.provideDeprecatedMethods ?? true,
    async issueHostCertificate(hostId: string) {
      return {
        certPem: `-----BEGIN CERTIFICATE-----\n${hostId}\n-----END CERTIFICATE-----`,
        keyPem: "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----",
      };
    },
  };
  const acl = AccessControl.fromText(options.aclText ?? readSharedFixture("etc/acl.conf"), { adminGroup: "opsiadmin" });
  const dispatcher = createRpcDispatcher({
    backend,
    environment,
    acl,
    events,
    credentials: options.credentials,
    settings: { reverseLookup: async () => null, ...options.settings },
  });
  if (options.seedHosts ?? true) {
    await backend.createObjects("host", [
      { type: "OpsiConfigserver", id: IDS.configServer, opsiHostKey: KEYS[IDS.configServer] },
      { type: "OpsiDepotserver", id: IDS.depot, opsiHostKey: KEYS[IDS.depot], depotRemoteUrl: `smb://depot1/opsi_depot` },
      { type: "OpsiDepotserver", id: IDS.depot2, opsiHostKey: KEYS[IDS.depot2], isMasterDepot: true },
      {
        type: "OpsiClient",
        id: IDS.clientA,
        opsiHostKey: KEYS[IDS.clientA],
        description: "client A",
        notes: "notes A",
        hardwareAddress: "08:00:27:00:00:0a",
        inventoryNumber: "INV-A",
      },
      {
        type: "OpsiClient",
        id: IDS.clientB,
        opsiHostKey: KEYS[IDS.clientB],
        description: "client B",
        notes: "notes B",
        hardwareAddress: "08:00:27:00:00:0b",
        inventoryNumber: "INV-B",
      },
    ]);
  }
  return {
    backend,
    dispatcher,
    events,
    emitted,
    environment,
    logDir,
    call: (who, method, params = []) => dispatcher.call(method, params, callerOf(CALLERS[who])),
    cleanup: () => rmSync(logDir, { recursive: true, force: true }),
  };
}

/**
 * Products, depot assignment and config states most method tests use.
 * @example await seedProducts(harness.backend)
 */
export async function seedProducts(backend: MemoryBackend): Promise<void> {
  await backend.createObjects("product", [
    {
      type: "LocalbootProduct",
      id: "firefox",
      productVersion: "120.0",
      packageVersion: "1",
      setupScript: "setup.opsiscript",
      uninstallScript: "uninstall.opsiscript",
      priority: 0,
    },
    { type: "LocalbootProduct", id: "javavm", productVersion: "17.0", packageVersion: "2", setupScript: "setup.opsiscript", priority: 10 },
    { type: "NetbootProduct", id: "win10", productVersion: "10.0", packageVersion: "1", setupScript: "setup.py" },
  ]);
  await backend.createObjects(
    "productOnDepot",
    [IDS.configServer, IDS.depot].flatMap((depotId) => [
      { productId: "firefox", productType: "LocalbootProduct", productVersion: "120.0", packageVersion: "1", depotId },
      { productId: "javavm", productType: "LocalbootProduct", productVersion: "17.0", packageVersion: "2", depotId },
      { productId: "win10", productType: "NetbootProduct", productVersion: "10.0", packageVersion: "1", depotId },
    ]),
  );
  await backend.createObjects("productDependency", [
    {
      productId: "firefox",
      productVersion: "120.0",
      packageVersion: "1",
      productAction: "setup",
      requiredProductId: "javavm",
      requiredAction: "setup",
      requirementType: "before",
    },
  ]);
  await backend.createObjects("config", [
    { type: "UnicodeConfig", id: "clientconfig.depot.id", possibleValues: [], defaultValues: [IDS.configServer], editable: true },
    { type: "UnicodeConfig", id: "clientconfig.depot.drive", possibleValues: ["p:", "q:"], defaultValues: ["p:"], editable: true },
    { type: "BoolConfig", id: "opsiclientd.event_gui_startup.active", defaultValues: [true] },
  ]);
  await backend.createObjects("configState", [{ configId: "clientconfig.depot.id", objectId: IDS.clientA, values: [IDS.depot] }]);
}
