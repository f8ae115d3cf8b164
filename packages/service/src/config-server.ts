/**
 * @module config-server
 * Assembles a complete opsi config server from a backend and settings: TLS with its own CA, default
 * setup, users, sessions, auth, ACL, the RPC dispatcher with change events, maintenance mode and routes.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Backend, BackendCore } from "@opsi-ts/core";
import type { MessagebusHub } from "@opsi-ts/messagebus";
import pino from "pino";
import { defaultUserFile, JsonFileUserStore } from "./auth/JsonFileUserStore.js";
import type { ChangeEvents } from "./events/change-events.js";
import type { ServiceServer } from "./http/server.js";
import type { MemoryAppStateStore } from "./maintenance/AppStateStore.js";
import { FileCredentialsStore } from "./methods/credentials-store.js";
import type { RpcDispatcher } from "./rpc/dispatcher.js";
import { createServiceNode, type ServiceNodeSettings } from "./service-node.js";
import type { SessionManager } from "./session/SessionManager.js";
import { ensureServerSetup } from "./setup/server-setup.js";
import { createHostCertificateIssuer } from "./tls/host-certificate.js";
import { TlsManager } from "./tls/TlsManager.js";

/** The opsiconfd version this server announces (clients gate msgpack, lz4 and the message bus on it). */
export const OPSI_VERSION = "4.3.24.1";

/** Settings of a config server; names follow opsiconfd's options. */
export interface ConfigServerSettings extends ServiceNodeSettings {
  /** FQDN of the server (its OpsiConfigserver host id). */
  readonly serverId: string;
  /** Extra names and addresses for the server certificate. */
  readonly tlsHostnames?: readonly string[];
  readonly tlsIpAddresses?: readonly string[];
  /** RSA key size of generated keys (default 4096, as opsi). */
  readonly keyBits?: number;
}

/** A running (or startable) config server. */
export interface ConfigServer {
  readonly server: ServiceServer;
  readonly backend: BackendCore;
  readonly dispatcher: RpcDispatcher;
  readonly events: ChangeEvents;
  readonly users: JsonFileUserStore;
  readonly appState: MemoryAppStateStore;
  readonly tls: TlsManager;
  readonly sessions: SessionManager;
  /** The message bus hub (`/messagebus/v1`), unless disabled with `messagebus.enabled: false`. */
  readonly messagebus: MessagebusHub | undefined;
  /** `https://<serverId>:<port>` once started. */
  url(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Builds a config server on a backend: creates/loads the CA and server certificate under `dataDir`,
 * ensures the server's own host object and opsi's default configs, and registers `/rpc`, `/auth/*`,
 * `/ssl/*` and the WebDAV shares `/depot`, `/repository`, `/workbench` and `/public`. Call `start()` to listen.
 * @example
 * const cs = await createConfigServer(await openSqliteBackend({ path: "data/opsi.sqlite" }), { dataDir: "data", serverId: "opsi.example.org" });
 * await cs.start();
 */
export async function createConfigServer(backend: Backend, settings: ConfigServerSettings): Promise<ConfigServer> {
  const logger = settings.logger ?? pino({ level: "info" });
  const port = settings.port ?? 4447;
  await mkdir(settings.dataDir, { recursive: true, mode: 0o700 });
  const tls = await TlsManager.open({
    dataDir: settings.dataDir,
    serverId: settings.serverId,
    hostnames: settings.tlsHostnames ?? [],
    ipAddresses: settings.tlsIpAddresses ?? [],
    ...(settings.keyBits ? { keyBits: settings.keyBits } : {}),
    logger,
  });
  await ensureServerSetup(backend, { serverId: settings.serverId, externalUrl: `https://${settings.serverId}:${port}` });

  const users = new JsonFileUserStore({ path: defaultUserFile(settings.dataDir) });
  const node = createServiceNode(settings, {
    role: "configserver",
    serverId: settings.serverId,
    opsiVersion: OPSI_VERSION,
    backend,
    tls: tls.credentials,
    ssl: tls,
    userStore: users,
    issueHostCertificate: createHostCertificateIssuer(tls, backend),
    credentials: new FileCredentialsStore(join(settings.dataDir, "passwd")),
    logger,
  });

  let boundPort = port;
  return {
    server: node.server,
    backend,
    dispatcher: node.dispatcher,
    events: node.events,
    users,
    appState: node.appState,
    tls,
    sessions: node.sessions,
    messagebus: node.hub,
    url: () => `https://${settings.serverId}:${boundPort}`,
    async start() {
      boundPort = await node.listen();
      tls.startAutoRenewal((credentials) => node.server.setTlsCredentials(credentials));
      logger.info({ url: `https://${settings.serverId}:${boundPort}` }, "opsi config server listening");
    },
    async stop() {
      tls.stopAutoRenewal();
      await node.stop();
      await backend.close();
    },
  };
}
