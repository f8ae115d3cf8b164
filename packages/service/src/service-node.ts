/**
 * @module service-node
 * The parts a config server and a depot server share: sessions, authentication, ACL, the RPC
 * dispatcher with change events, maintenance mode, and the routes `/rpc`, `/auth/*`, `/ssl/*` and the
 * WebDAV shares. The two servers differ in where TLS material, users and the data come from.
 */
import { mkdir } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { type Backend, defaultHardwareAuditConfig, defaultHardwareAuditLocales, parseHwauditConf } from "@opsi-ts/core";
import { recoverInterruptedInstalls } from "@opsi-ts/depot";
import { type AnyMessage, type Broker, type ConnectionRegistry, callHosts, MemoryBroker, MessagebusHub } from "@opsi-ts/messagebus";
import type { Logger } from "pino";
import { AccessControl } from "./acl/access-control.js";
import { DEFAULT_ACL_CONF } from "./acl/default-acl.js";
import { Authenticator } from "./auth/Authenticator.js";
import { applySessionToResponse, createAuthMiddleware } from "./auth/middleware.js";
import { registerAuthRoutes } from "./auth/routes.js";
import type { UserStore } from "./auth/UserStore.js";
import { registerFileTransferRoutes } from "./endpoint/file-transfer-route.js";
import { type MessagebusEndpoint, registerMessagebusRoute } from "./endpoint/messagebus-route.js";
import { registerRpcRoute } from "./endpoint/rpc-route.js";
import { registerWebdavShares } from "./endpoint/webdav-routes.js";
import type { ServiceEnvironment } from "./environment.js";
import { ChangeEvents } from "./events/change-events.js";
import { createServiceServer, type ServiceServer, type TlsCredentials } from "./http/server.js";
import type { AppState } from "./maintenance/AppState.js";
import { MemoryAppStateStore } from "./maintenance/AppStateStore.js";
import { createMaintenanceMiddleware } from "./maintenance/middleware.js";
import { hostedBusServices } from "./messagebus/hosted-services.js";
import type { MethodSettings } from "./methods/context.js";
import type { CredentialsStore } from "./methods/credentials-store.js";
import type { TransferSlotStore } from "./methods/transfer-slots.js";
import { createRpcDispatcher, type RpcDispatcher, type RpcForwarder } from "./rpc/dispatcher.js";
import { MemorySessionStore } from "./session/MemorySessionStore.js";
import { SessionManager } from "./session/SessionManager.js";
import { registerSslRoutes, type SslRouteSource } from "./tls/routes.js";

/** Settings common to config and depot servers; names follow opsiconfd's options. */
export interface ServiceNodeSettings {
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
  /** Where transfer slots live (default: in memory; `RedisTransferSlotStore` shares them between processes). */
  readonly transferSlots?: TransferSlotStore;
  /** The message bus (`/messagebus/v1`); see {@link MessagebusSettings}. */
  readonly messagebus?: MessagebusSettings;
  readonly logger?: Logger;
}

/** Settings of the message bus hosted by a config server. */
export interface MessagebusSettings {
  /** Default: on for config servers, off for depot servers (depots are bus clients, spec §1.1). */
  readonly enabled?: boolean;
  /** Default: a `MemoryBroker` owned (and closed) by the node; a given broker is closed by its owner. */
  readonly broker?: Broker<AnyMessage>;
  /** opsiconfd `disabled_features` (`messagebus_terminal`, `messagebus_execute_process_client`, ...). */
  readonly disabledFeatures?: readonly string[];
  /** Whether the `vpn` licence module is available (terminals and processes on clients). Default false. */
  readonly vpnAvailable?: boolean;
  /** Node name in `service_worker:<node>:<n>` (default: the host name, lowercased and sanitised). */
  readonly nodeName?: string;
  /** Largest frame in bytes (default 16 MiB). */
  readonly maxFrameBytes?: number;
  /** WebSocket ping interval in ms (default 30 000). */
  readonly pingIntervalMs?: number;
  /** Connection counts (default: this process; `RedisConnectionRegistry` counts over all processes sharing Redis). */
  readonly connections?: ConnectionRegistry;
}

/** The role-specific inputs of {@link createServiceNode}. */
export interface ServiceNodeParts {
  readonly role: "configserver" | "depotserver";
  /** The host id the server runs as. */
  readonly serverId: string;
  readonly opsiVersion: string;
  readonly backend: Backend;
  readonly tls: TlsCredentials;
  /** The CA certificates served under `/ssl` (read on every request, so renewals show). */
  readonly ssl: SslRouteSource;
  readonly userStore: UserStore;
  readonly issueHostCertificate: ServiceEnvironment["issueHostCertificate"];
  readonly credentials?: CredentialsStore;
  readonly forward?: RpcForwarder;
  readonly methodSettings?: Partial<MethodSettings>;
  readonly logger: Logger;
}

/** The assembled node; the servers wrap it. */
export interface ServiceNode {
  readonly server: ServiceServer;
  readonly dispatcher: RpcDispatcher;
  readonly events: ChangeEvents;
  readonly appState: MemoryAppStateStore;
  readonly sessions: SessionManager;
  readonly authenticator: Authenticator;
  readonly environment: ServiceEnvironment;
  readonly shareDirs: { readonly depot: string; readonly repository: string; readonly workbench: string; readonly public: string };
  /** The message bus hub, when the bus is enabled. */
  readonly hub: MessagebusHub | undefined;
  /** Creates the share directories, recovers interrupted package installs, starts the bus services and listens; resolves to the bound port. */
  listen(): Promise<number>;
  /** Closes the message bus (connections get 1001) and its own broker, then stops the HTTP server. */
  stop(): Promise<void>;
}

/** A node name usable in `service_worker:<node>:<n>`. */
function sanitizeNodeName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, "-")
    .replace(/^[^a-z0-9]+/, "");
  return cleaned || "node";
}

/**
 * Builds the shared parts of a config or depot server.
 * @example const node = createServiceNode(settings, { role: "configserver", serverId, backend, tls, ... });
 */
export function createServiceNode(settings: ServiceNodeSettings, parts: ServiceNodeParts): ServiceNode {
  const { backend, logger } = parts;
  const shareDirs = {
    depot: settings.depotDir ?? join(settings.dataDir, "depot"),
    repository: settings.repositoryDir ?? join(settings.dataDir, "repository"),
    workbench: settings.workbenchDir ?? join(settings.dataDir, "workbench"),
    public: settings.publicDir ?? join(settings.dataDir, "public"),
  };
  const sessions = new SessionManager({
    store: new MemorySessionStore(),
    lifetime: settings.sessionLifetime ?? 120,
    maxSessionsPerIp: settings.maxSessionPerIp ?? 30,
  });
  const authenticator = new Authenticator({
    backend,
    userStore: parts.userStore,
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
    serverId: parts.serverId,
    opsiVersion: parts.opsiVersion,
    caCertPem: parts.ssl.caCertPem,
    caCertsPem: parts.ssl.caCertsPem,
    logDir: join(settings.dataDir, "logs"),
    depotDir: shareDirs.depot,
    repositoryDir: shareDirs.repository,
    workbenchDir: shareDirs.workbench,
    publicDir: shareDirs.public,
    hardwareAudit: backend.hardwareAudit ?? defaultHardwareAuditConfig(),
    hardwareAuditLocales: defaultHardwareAuditLocales(),
    provideDeprecatedMethods: settings.provideDeprecatedMethods ?? true,
    issueHostCertificate: parts.issueHostCertificate,
  };
  const appState = new MemoryAppStateStore();
  const events = new ChangeEvents({ onListenerError: (err) => logger.error({ err }, "change event listener failed") });
  const bus = settings.messagebus ?? {};
  const busEnabled = bus.enabled ?? parts.role === "configserver";
  const ownBroker =
    busEnabled && !bus.broker
      ? new MemoryBroker<AnyMessage>({ onError: (err, c) => logger.warn({ err, ...c }, "message broker") })
      : undefined;
  const hub = busEnabled
    ? new MessagebusHub({
        broker: bus.broker ?? (ownBroker as Broker<AnyMessage>),
        serverId: parts.serverId,
        nodeName: sanitizeNodeName(bus.nodeName ?? hostname()),
        ...(bus.disabledFeatures ? { disabledFeatures: bus.disabledFeatures } : {}),
        ...(bus.vpnAvailable !== undefined ? { vpnAvailable: bus.vpnAvailable } : {}),
        ...(bus.maxFrameBytes ? { maxFrameBytes: bus.maxFrameBytes } : {}),
        ...(bus.connections ? { connections: bus.connections } : {}),
        logger: logger.child({ component: "messagebus" }),
      })
    : undefined;
  const methodSettings: Partial<MethodSettings> = {
    ...(hwauditClasses ? { hardwareAuditClasses: hwauditClasses } : {}),
    ...(settings.transferSlots ? { transferSlots: settings.transferSlots } : {}),
    ...(hub
      ? {
          // opsiconfd lists connected clients only (spec: "lists online clients").
          messagebusConnectedIds: async (hostIds: readonly string[] | null) => {
            const connected = await hub.connectedIds("client");
            if (hostIds === null) return connected;
            const wanted = new Set(hostIds);
            return connected.filter((id) => wanted.has(id));
          },
          // hostControl_* over the bus for connected clients (spec §1.9 "Config server → client").
          hostControl: {
            callHosts: (hostIds: readonly string[], method: string, params: readonly unknown[], timeoutMs: number) =>
              callHosts(hub.broker, { hostIds, method, params, timeoutMs, senderId: hub.workerChannel }),
            connectedIds: async () => hub.connectedIds("client"),
          },
        }
      : {}),
    ...parts.methodSettings,
  };
  const dispatcher = createRpcDispatcher({
    backend,
    environment,
    acl,
    events,
    ...(parts.credentials ? { credentials: parts.credentials } : {}),
    ...(parts.forward ? { forward: parts.forward } : {}),
    logger,
    settings: methodSettings,
  });
  const server = createServiceServer({
    tls: parts.tls,
    host: settings.interface ?? "0.0.0.0",
    port: settings.port ?? 4447,
    opsiVersion: parts.opsiVersion,
    serverRole: parts.role,
    trustedProxies: settings.trustedProxies ?? ["127.0.0.1/32", "::1/128"],
    ...(settings.maxBodySize ? { bodyLimit: settings.maxBodySize } : {}),
    middlewares: [
      createMaintenanceMiddleware(appState),
      createAuthMiddleware({ sessions, authenticator, networks: settings.networks ?? [] }),
    ],
    logger,
  });
  registerAuthRoutes(server.router, { sessions, authenticator });
  registerSslRoutes(server.router, parts.ssl);
  const stopFileTransfers = registerFileTransferRoutes(server.router, { dir: join(settings.dataDir, "tmp", "file-transfer") });
  registerWebdavShares(server.router, { ...shareDirs, stateDir: join(settings.dataDir, "webdav") });
  let endpoint: MessagebusEndpoint | undefined;
  const unbridge: (() => void)[] = [];
  if (hub) {
    endpoint = registerMessagebusRoute(server, {
      hub,
      sessions,
      logger,
      ...(bus.pingIntervalMs ? { pingIntervalMs: bus.pingIntervalMs } : {}),
    });
    // Change events (CRUD writes, log_write) → `event:<name>` with opsiconfd's data shapes (spec §1.7).
    unbridge.push(
      events.subscribeAll((event) => {
        hub
          .publishEvent(event.name, { ...event.data })
          .catch((err: unknown) => logger.warn({ err, event: event.name }, "publishing a bus event failed"));
      }),
    );
    let previous: AppState = appState.current();
    unbridge.push(
      appState.subscribe((state) => {
        const old = previous;
        previous = state;
        hub
          .publishEvent("app_state_changed", { old_state: { ...old }, state: { ...state } }, { sender: hub.nodeChannel })
          .catch((err: unknown) => logger.warn({ err }, "publishing app_state_changed failed"));
      }),
    );
  }
  registerRpcRoute(server.router, {
    dispatcher,
    endSession: async (ctx) => {
      if (!ctx.session) return;
      await sessions.delete(ctx.session);
      // The cookie was set before the call; expire it (Max-Age=0) like /auth/logout does.
      applySessionToResponse(ctx, sessions);
    },
  });

  let servicesRegistered = false;
  return {
    server,
    dispatcher,
    events,
    appState,
    sessions,
    authenticator,
    environment,
    shareDirs,
    hub,
    async listen() {
      for (const dir of Object.values(shareDirs)) await mkdir(dir, { recursive: true });
      const recovery = await recoverInterruptedInstalls(shareDirs.depot);
      if (recovery.removed.length > 0 || recovery.completed.length > 0) logger.warn({ recovery }, "recovered interrupted package installs");
      if (hub && !servicesRegistered) {
        const onError = (err: unknown) => logger.warn({ err }, "message bus service");
        for (const service of hostedBusServices({
          dispatcher,
          onError,
          ...(bus.disabledFeatures ? { disabledFeatures: bus.disabledFeatures } : {}),
        })) {
          await hub.registerService(service);
        }
        servicesRegistered = true;
      }
      const address = await server.start();
      return address.port;
    },
    async stop() {
      stopFileTransfers();
      for (const off of unbridge.splice(0)) off();
      if (hub) {
        await hub.close();
        await endpoint?.close();
      }
      await server.stop();
      await ownBroker?.close();
    },
  };
}
