/**
 * @module depot-server
 * An opsi depot server (opsiconfd with `server-role = depotserver`, spec §0 and agent-boot-depot-cli
 * §3.7): it logs in to its config server with its host id and key, serves `/depot`, `/repository`,
 * `/workbench` and `/public` from its own directories, runs `depot_*`, `workbench_*`, `dhcpd_*`,
 * `opsipxeconfd_*` and `network_*` locally (their reads and writes go to the config server's backend)
 * and forwards every other RPC to the config server.
 */
import { randomBytes, X509Certificate } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type Backend,
  BackendConfigurationError,
  BackendMissingDataError,
  forceHostId,
  OpsiAuthenticationError,
  RemoteBackendCore,
  ServiceClient,
} from "@opsi-ts/core";
import pino, { type Logger } from "pino";
import type { UserInfo, UserStore } from "./auth/UserStore.js";
import { createHttpFetch, type HttpFetch } from "./client/http-fetch.js";
import { OPSI_VERSION } from "./config-server.js";
import { LZ4_FRAME } from "./endpoint/rpc-route.js";
import type { ChangeEvents } from "./events/change-events.js";
import type { ServiceServer, TlsCredentials } from "./http/server.js";
import type { MemoryAppStateStore } from "./maintenance/AppStateStore.js";
import { connectDepotBus, type DepotBus } from "./messagebus/depot-bus.js";
import type { RpcDispatcher, RpcForwarder } from "./rpc/dispatcher.js";
import { createServiceNode, type ServiceNodeSettings } from "./service-node.js";
import type { SessionManager } from "./session/SessionManager.js";
import { writeFileAtomic } from "./tls/atomic-file.js";

/** Method name prefixes a depot server runs itself (opsiconfd's depot backend). */
export const DEPOT_LOCAL_PREFIXES = ["depot_", "dhcpd_", "opsipxeconfd_", "network_", "workbench_"] as const;
/** Single methods a depot server runs itself. */
export const DEPOT_LOCAL_METHODS = ["backend_exit", "backend_getInterface", "jsonrpc_getSessionId"] as const;

/**
 * Whether a depot server runs `method` itself instead of forwarding it to the config server.
 * @example isDepotLocalMethod("depot_installPackage") // true
 */
export function isDepotLocalMethod(method: string): boolean {
  return DEPOT_LOCAL_PREFIXES.some((p) => method.startsWith(p)) || (DEPOT_LOCAL_METHODS as readonly string[]).includes(method);
}

/** Admin credentials that let a depot server create its own host object on first start. */
export interface DepotRegistration {
  readonly username: string;
  readonly password: string;
  readonly description?: string;
}

/** Settings of a depot server. */
export interface DepotServerSettings extends ServiceNodeSettings {
  /** The depot's FQDN (its OpsiDepotserver host id). */
  readonly depotId: string;
  /** `https://config.example.org:4447`. */
  readonly configServerUrl: string;
  /** The depot's opsiHostKey; default: the one stored under `<dataDir>/host-key` by an earlier registration. */
  readonly hostKey?: string;
  /**
   * With admin credentials the depot registers itself (`opsiconfd setup --register-depot`): it creates
   * its OpsiDepotserver object with a new host key if it does not exist and stores the key.
   */
  readonly registration?: DepotRegistration;
  /** PEM of the opsi CA; default: `<dataDir>/tls/opsi-ca-cert.pem`, else fetched once from the config server (trust on first use). */
  readonly configServerCa?: string;
  /** How clients and admins reach this depot (default `https://<depotId>:<port>`); used for the URLs of a new host object. */
  readonly externalUrl?: string;
  /**
   * Keep a message bus connection to the config server (spec §1.12: `service:depot:<id>:jsonrpc|terminal|process`
   * served on the depot). Default true; a config server without a bus only costs a warning and retries.
   */
  readonly messagebusConnection?: boolean;
}

/** A running (or startable) depot server. */
export interface DepotServer {
  readonly server: ServiceServer;
  readonly backend: Backend;
  readonly dispatcher: RpcDispatcher;
  readonly events: ChangeEvents;
  readonly appState: MemoryAppStateStore;
  readonly sessions: SessionManager;
  /** The depot's own service client to the config server (host id + key). */
  readonly configService: ServiceClient;
  readonly depotId: string;
  /** The depot's message bus connection to the config server, once established. */
  readonly messagebus: DepotBus | undefined;
  /** `https://<depotId>:<port>` once started. */
  url(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

function splitPem(pem: string): { keyPem: string; certPem: string } {
  const key = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----\n?/.exec(pem)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(pem)?.[0];
  if (!key || !cert) throw new BackendConfigurationError("host_getTLSCertificate did not return a private key and a certificate");
  return { keyPem: key, certPem: cert };
}

function newClient(url: string, username: string, password: string, fetch: HttpFetch): ServiceClient {
  return new ServiceClient({
    url,
    username,
    password,
    serialization: "msgpack",
    compression: "lz4",
    lz4: LZ4_FRAME,
    userAgent: "opsi-ts-depotserver/0.1.0",
    fetch,
  });
}

/** The opsi CA: given, stored, or fetched from the config server once (trust on first use, logged). */
async function resolveCa(settings: DepotServerSettings, tlsDir: string, logger: Logger): Promise<string> {
  const path = join(tlsDir, "opsi-ca-cert.pem");
  if (settings.configServerCa) {
    await writeFileAtomic(path, settings.configServerCa, 0o644);
    return settings.configServerCa;
  }
  const stored = await readOptional(path);
  if (stored) return stored;
  const insecure = createHttpFetch({ insecure: true, keepAlive: false });
  try {
    const res = await insecure(new URL("/ssl/opsi-ca-cert.pem", settings.configServerUrl).toString(), { method: "GET" });
    const text = await res.text();
    if (res.status !== 200 || !text.includes("BEGIN CERTIFICATE")) {
      throw new BackendConfigurationError(
        `Cannot fetch the opsi CA from ${settings.configServerUrl}/ssl/opsi-ca-cert.pem: HTTP ${res.status}`,
      );
    }
    logger.warn(
      { configServer: settings.configServerUrl, fingerprint: new X509Certificate(text).fingerprint256 },
      "trusting the config server's opsi CA on first use; compare the fingerprint with the config server's",
    );
    await writeFileAtomic(path, text, 0o644);
    return text;
  } finally {
    insecure.close();
  }
}

/** Creates the depot's host object with admin credentials if missing; returns the host key to use. */
async function register(
  settings: DepotServerSettings,
  registration: DepotRegistration,
  fetch: HttpFetch,
  port: number,
  logger: Logger,
): Promise<string> {
  const admin = newClient(settings.configServerUrl, registration.username, registration.password, fetch);
  try {
    const [existing] = (await admin.call("host_getObjects", [[], { id: settings.depotId }])) as Record<string, unknown>[];
    if (existing) {
      if (existing.type !== "OpsiDepotserver") {
        throw new BackendConfigurationError(
          `Host '${settings.depotId}' exists on the config server as ${String(existing.type)}, not as a depot`,
        );
      }
      const key = settings.hostKey ?? (typeof existing.opsiHostKey === "string" ? existing.opsiHostKey : "");
      if (!key) throw new BackendConfigurationError(`Depot '${settings.depotId}' has no host key on the config server`);
      return key;
    }
    const key = settings.hostKey ?? randomBytes(16).toString("hex");
    const external = new URL(settings.externalUrl ?? `https://${settings.depotId}:${port}`);
    const host = external.host;
    await admin.call("host_createObjects", [
      [
        {
          type: "OpsiDepotserver",
          id: settings.depotId,
          opsiHostKey: key,
          description: registration.description ?? "",
          depotLocalUrl: "file:///var/lib/opsi/depot",
          depotRemoteUrl: `smb://${external.hostname}/opsi_depot`,
          depotWebdavUrl: `webdavs://${host}/depot`,
          repositoryLocalUrl: "file:///var/lib/opsi/repository",
          repositoryRemoteUrl: `webdavs://${host}/repository`,
          workbenchLocalUrl: "file:///var/lib/opsi/workbench",
          workbenchRemoteUrl: `webdavs://${host}/workbench`,
          isMasterDepot: true,
        },
      ],
    ]);
    logger.info({ depotId: settings.depotId, configServer: settings.configServerUrl }, "registered the depot on the config server");
    return key;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Users of a depot are the config server's: a login is checked by logging in to the config server
 * with the same credentials; `accessControl_userIsAdmin` / `accessControl_userIsReadOnlyUser` there
 * decide the groups (the admin group, `readOnlyGroup`). User management happens on the config server.
 */
export class ConfigServerUserStore implements UserStore {
  readonly #url: string;
  readonly #fetch: HttpFetch;
  readonly #adminGroup: string;
  readonly #readOnlyGroup: string | undefined;

  constructor(options: { url: string; fetch: HttpFetch; adminGroup: string; readOnlyGroup?: string }) {
    this.#url = options.url;
    this.#fetch = options.fetch;
    this.#adminGroup = options.adminGroup;
    this.#readOnlyGroup = options.readOnlyGroup;
  }

  #refuse(): never {
    throw new BackendConfigurationError("Users of a depot server are managed on its config server");
  }

  add(): Promise<UserInfo> {
    this.#refuse();
  }
  setPassword(): Promise<void> {
    this.#refuse();
  }
  setGroups(): Promise<void> {
    this.#refuse();
  }
  delete(): Promise<void> {
    this.#refuse();
  }
  async get(): Promise<UserInfo | undefined> {
    return undefined;
  }
  async list(): Promise<UserInfo[]> {
    return [];
  }

  async verify(username: string, password: string): Promise<UserInfo | undefined> {
    const client = newClient(this.#url, username, password, this.#fetch);
    try {
      const isAdmin = (await client.call("accessControl_userIsAdmin")) === true;
      const isReadOnly = (await client.call("accessControl_userIsReadOnlyUser")) === true;
      const groups = [...(isAdmin ? [this.#adminGroup] : []), ...(isReadOnly && this.#readOnlyGroup ? [this.#readOnlyGroup] : [])];
      const now = new Date().toISOString();
      return { username, groups, created: now, modified: now };
    } catch (e: unknown) {
      if (e instanceof OpsiAuthenticationError) return undefined;
      throw e;
    } finally {
      await client.disconnect().catch(() => {});
    }
  }
}

/**
 * Builds a depot server: trusts the opsi CA, registers if asked to, logs in as the depot, fetches its
 * TLS certificate from the config server (`host_getTLSCertificate`, kept under `<dataDir>/tls` for
 * restarts while the config server is down) and assembles the service on a {@link RemoteBackendCore}.
 * @example
 * const depot = await createDepotServer({ dataDir: "depot-data", depotId: "depot1.example.org",
 *   configServerUrl: "https://config.example.org:4447", hostKey });
 * await depot.start();
 */
export async function createDepotServer(settings: DepotServerSettings): Promise<DepotServer> {
  const logger = settings.logger ?? pino({ level: "info" });
  const depotId = forceHostId(settings.depotId);
  const port = settings.port ?? 4447;
  await mkdir(settings.dataDir, { recursive: true, mode: 0o700 });
  const tlsDir = join(settings.dataDir, "tls");
  await mkdir(tlsDir, { recursive: true, mode: 0o700 });
  const caPem = await resolveCa(settings, tlsDir, logger);
  const fetch = createHttpFetch({ ca: caPem });

  const keyFile = join(settings.dataDir, "host-key");
  let hostKey = settings.hostKey ?? (await readOptional(keyFile))?.trim();
  if (settings.registration) hostKey = await register({ ...settings, depotId }, settings.registration, fetch, port, logger);
  if (!hostKey) {
    throw new BackendConfigurationError(
      `No host key for depot '${depotId}': set hostKey, or registration credentials to create the depot on ${settings.configServerUrl}`,
    );
  }
  const depotKey: string = hostKey;
  await writeFileAtomic(keyFile, `${depotKey}\n`, 0o600);

  const configService = newClient(settings.configServerUrl, depotId, hostKey, fetch);
  const certFile = join(tlsDir, "depot-cert.pem");
  const keyPemFile = join(tlsDir, "depot-key.pem");
  let tls: TlsCredentials;
  try {
    const [self] = (await configService.call("host_getObjects", [["id"], { id: depotId }])) as Record<string, unknown>[];
    if (self?.type !== "OpsiDepotserver") {
      throw new BackendMissingDataError(`Depot '${depotId}' is not registered on ${settings.configServerUrl}`);
    }
    const { keyPem, certPem } = splitPem(String(await configService.call("host_getTLSCertificate", [depotId])));
    await writeFileAtomic(keyPemFile, keyPem, 0o600);
    await writeFileAtomic(certFile, certPem, 0o644);
    tls = { cert: certPem, key: keyPem };
  } catch (e: unknown) {
    const [cert, key] = [await readOptional(certFile), await readOptional(keyPemFile)];
    if (e instanceof OpsiAuthenticationError || e instanceof BackendMissingDataError || !cert || !key) {
      fetch.close();
      if (e instanceof OpsiAuthenticationError) {
        throw new BackendConfigurationError(`The config server ${settings.configServerUrl} refused depot '${depotId}' and its host key`);
      }
      throw e;
    }
    logger.warn({ err: e }, "config server unreachable, starting with the stored TLS certificate");
    tls = { cert, key };
  }

  const backend = new RemoteBackendCore(configService, { closeClient: true }) as unknown as Backend;
  const forward: RpcForwarder = {
    isLocal: isDepotLocalMethod,
    call: (method, params) => configService.call(method, params as unknown[]),
  };
  const node = createServiceNode(settings, {
    role: "depotserver",
    serverId: depotId,
    opsiVersion: OPSI_VERSION,
    backend,
    tls,
    ssl: { caCertPem: caPem, caCertsPem: [caPem] },
    userStore: new ConfigServerUserStore({
      url: settings.configServerUrl,
      fetch,
      adminGroup: settings.adminGroup ?? "opsiadmin",
      ...(settings.readOnlyGroups?.[0] ? { readOnlyGroup: settings.readOnlyGroups[0] } : {}),
    }),
    issueHostCertificate: async (hostId) => splitPem(String(await configService.call("host_getTLSCertificate", [hostId]))),
    forward,
    logger,
  });

  let bus: DepotBus | undefined;
  let busRetry: NodeJS.Timeout | undefined;
  let stopped = false;
  const startBus = async (): Promise<void> => {
    try {
      const servers = (await configService.call("host_getObjects", [["id"], { type: "OpsiConfigserver" }])) as { id: string }[];
      bus = await connectDepotBus({
        depotId,
        hostKey: depotKey,
        configServerUrl: settings.configServerUrl,
        configServerId: servers[0]?.id ?? "",
        ca: caPem,
        dispatcher: node.dispatcher,
        ...(settings.messagebus?.disabledFeatures ? { disabledFeatures: settings.messagebus.disabledFeatures } : {}),
        logger: logger.child({ component: "messagebus" }),
      });
    } catch (err: unknown) {
      logger.warn({ err }, "no message bus connection to the config server, retrying in 30 s");
      if (!stopped) {
        busRetry = setTimeout(() => void startBus(), 30_000);
        busRetry.unref();
      }
    }
  };

  let boundPort = port;
  return {
    server: node.server,
    backend,
    dispatcher: node.dispatcher,
    events: node.events,
    appState: node.appState,
    sessions: node.sessions,
    configService,
    depotId,
    url: () => `https://${depotId}:${boundPort}`,
    async start() {
      boundPort = await node.listen();
      logger.info({ url: `https://${depotId}:${boundPort}`, configServer: settings.configServerUrl }, "opsi depot server listening");
      if (settings.messagebusConnection !== false) await startBus();
    },
    get messagebus() {
      return bus;
    },
    async stop() {
      stopped = true;
      if (busRetry) clearTimeout(busRetry);
      await bus?.close().catch(() => {});
      await node.stop();
      await backend.close().catch(() => {});
      fetch.close();
    },
  };
}
