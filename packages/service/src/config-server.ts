/**
 * @module config-server
 * Assembles a complete opsi config server from a backend and settings: TLS with its own CA, default
 * setup, users, sessions, auth, ACL, the RPC dispatcher with change events, maintenance mode and routes.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Backend, type BackendCore, defaultHardwareAuditConfig, defaultHardwareAuditLocales, parseHwauditConf } from "@opsi-ts/core";
import { recoverInterruptedInstalls } from "@opsi-ts/depot";
import pino, { type Logger } from "pino";
import { AccessControl } from "./acl/access-control.js";
import { DEFAULT_ACL_CONF } from "./acl/default-acl.js";
import { Authenticator } from "./auth/Authenticator.js";
import { defaultUserFile, JsonFileUserStore } from "./auth/JsonFileUserStore.js";
import { applySessionToResponse, createAuthMiddleware } from "./auth/middleware.js";
import { registerAuthRoutes } from "./auth/routes.js";
import { registerRpcRoute } from "./endpoint/rpc-route.js";
import { registerWebdavShares } from "./endpoint/webdav-routes.js";
import type { ServiceEnvironment } from "./environment.js";
import { ChangeEvents } from "./events/change-events.js";
import { createServiceServer, type ServiceServer } from "./http/server.js";
import { MemoryAppStateStore } from "./maintenance/AppStateStore.js";
import { createMaintenanceMiddleware } from "./maintenance/middleware.js";
import { FileCredentialsStore } from "./methods/credentials-store.js";
import { createRpcDispatcher, type RpcDispatcher } from "./rpc/dispatcher.js";
import { MemorySessionStore } from "./session/MemorySessionStore.js";
import { SessionManager } from "./session/SessionManager.js";
import { ensureServerSetup } from "./setup/server-setup.js";
import { createHostCertificateIssuer } from "./tls/host-certificate.js";
import { registerSslRoutes } from "./tls/routes.js";
import { TlsManager } from "./tls/TlsManager.js";

/** The opsiconfd version this server announces (clients gate msgpack, lz4 and the message bus on it). */
export const OPSI_VERSION = "4.3.24.1";

/** Settings of a config server; names follow opsiconfd's options. */
export interface ConfigServerSettings {
  /** Directory for TLS material, users, logs and (for SQLite) the database. */
  readonly dataDir: string;
  /** Depot directory, served as `/depot` (default `<dataDir>/depot`). */
  readonly depotDir?: string;
  /** Package repository, served as `/repository` (default `<dataDir>/repository`). */
  readonly repositoryDir?: string;
  /** Workbench of package sources, served as `/workbench` (default `<dataDir>/workbench`). */
  readonly workbenchDir?: string;
  /** Public folder, served read-only without authentication as `/public` (default `<dataDir>/public`). */
  readonly publicDir?: string;
  /** FQDN of the server (its OpsiConfigserver host id). */
  readonly serverId: string;
  readonly interface?: string;
  readonly port?: number;
  readonly sessionLifetime?: number;
  readonly maxSessionPerIp?: number;
  readonly networks?: readonly string[];
  readonly adminNetworks?: readonly string[];
  readonly trustedProxies?: readonly string[];
  readonly maxAuthFailures?: number;
  readonly authFailuresInterval?: number;
  readonly clientBlockTime?: number;
  readonly updateIp?: boolean;
  readonly adminGroup?: string;
  readonly readOnlyGroups?: readonly string[];
  readonly provideDeprecatedMethods?: boolean;
  /** Largest accepted request body in bytes. */
  readonly maxBodySize?: number;
  /** acl.conf text (default: opsi's default ACL). */
  readonly aclConf?: string;
  /** opsihwaudit.conf text (default: opsi's default hardware classes). */
  readonly hwauditConf?: string;
  /** Extra names and addresses for the server certificate. */
  readonly tlsHostnames?: readonly string[];
  readonly tlsIpAddresses?: readonly string[];
  /** RSA key size of generated keys (default 4096, as opsi). */
  readonly keyBits?: number;
  readonly logger?: Logger;
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
  const shareDirs = {
    depot: settings.depotDir ?? join(settings.dataDir, "depot"),
    repository: settings.repositoryDir ?? join(settings.dataDir, "repository"),
    workbench: settings.workbenchDir ?? join(settings.dataDir, "workbench"),
    public: settings.publicDir ?? join(settings.dataDir, "public"),
  };
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
  const sessions = new SessionManager({
    store: new MemorySessionStore(),
    lifetime: settings.sessionLifetime ?? 120,
    maxSessionsPerIp: settings.maxSessionPerIp ?? 30,
  });
  const authenticator = new Authenticator({
    backend,
    userStore: users,
    sessions,
    bruteForce: {
      maxAuthFailures: settings.maxAuthFailures ?? 10,
      authFailuresInterval: settings.authFailuresInterval ?? 120,
      clientBlockTime: settings.clientBlockTime ?? 120,
    },
    adminGroup: settings.adminGroup ?? "opsiadmin",
    readOnlyGroups: settings.readOnlyGroups ?? [],
    adminNetworks: settings.adminNetworks ?? [],
    updateIp: settings.updateIp ?? true,
    logger,
  });
  const acl = AccessControl.fromText(settings.aclConf ?? DEFAULT_ACL_CONF, { adminGroup: settings.adminGroup ?? "opsiadmin" });
  const hwauditClasses = settings.hwauditConf ? parseHwauditConf(settings.hwauditConf) : undefined;
  const environment: ServiceEnvironment = {
    serverId: settings.serverId,
    opsiVersion: OPSI_VERSION,
    caCertPem: tls.caCertPem,
    caCertsPem: tls.caCertsPem,
    logDir: join(settings.dataDir, "logs"),
    depotDir: shareDirs.depot,
    repositoryDir: shareDirs.repository,
    workbenchDir: shareDirs.workbench,
    publicDir: shareDirs.public,
    hardwareAudit: backend.hardwareAudit ?? defaultHardwareAuditConfig(),
    hardwareAuditLocales: defaultHardwareAuditLocales(),
    provideDeprecatedMethods: settings.provideDeprecatedMethods ?? true,
    issueHostCertificate: createHostCertificateIssuer(tls, backend),
  };
  const events = new ChangeEvents({ onListenerError: (err) => logger.error({ err }, "change event listener failed") });
  const dispatcher = createRpcDispatcher({
    backend,
    environment,
    acl,
    events,
    credentials: new FileCredentialsStore(join(settings.dataDir, "passwd")),
    logger,
    ...(hwauditClasses ? { settings: { hardwareAuditClasses: hwauditClasses } } : {}),
  });
  const appState = new MemoryAppStateStore();
  const server = createServiceServer({
    tls: tls.credentials,
    host: settings.interface ?? "0.0.0.0",
    port,
    opsiVersion: OPSI_VERSION,
    serverRole: "configserver",
    trustedProxies: settings.trustedProxies ?? ["127.0.0.1/32", "::1/128"],
    ...(settings.maxBodySize ? { bodyLimit: settings.maxBodySize } : {}),
    middlewares: [
      createMaintenanceMiddleware(appState),
      createAuthMiddleware({ sessions, authenticator, networks: settings.networks ?? [] }),
    ],
    logger,
  });
  registerAuthRoutes(server.router, { sessions, authenticator });
  registerSslRoutes(server.router, tls);
  registerWebdavShares(server.router, { ...shareDirs, stateDir: join(settings.dataDir, "webdav") });
  registerRpcRoute(server.router, {
    dispatcher,
    endSession: async (ctx) => {
      if (!ctx.session) return;
      await sessions.delete(ctx.session);
      // The cookie was set before the call; expire it (Max-Age=0) like /auth/logout does.
      applySessionToResponse(ctx, sessions);
    },
  });

  let boundPort = port;
  return {
    server,
    backend,
    dispatcher,
    events,
    users,
    appState,
    tls,
    sessions,
    url: () => `https://${settings.serverId}:${boundPort}`,
    async start() {
      for (const dir of Object.values(shareDirs)) await mkdir(dir, { recursive: true });
      const recovery = await recoverInterruptedInstalls(shareDirs.depot);
      if (recovery.removed.length > 0 || recovery.completed.length > 0) logger.warn({ recovery }, "recovered interrupted package installs");
      const address = await server.start();
      boundPort = address.port;
      tls.startAutoRenewal((credentials) => server.setTlsCredentials(credentials));
      logger.info({ url: `https://${settings.serverId}:${boundPort}` }, "opsi config server listening");
    },
    async stop() {
      tls.stopAutoRenewal();
      await server.stop();
      await backend.close();
    },
  };
}
