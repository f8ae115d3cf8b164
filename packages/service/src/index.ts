/**
 * @module @opsi-ts/service
 * The HTTPS service kit of opsi-ts: TLS/CA, router and server, sessions, authentication,
 * maintenance mode, and the contracts shared with ACL and RPC.
 */

/** The brokers, re-exported so that apps can pick one without depending on @opsi-ts/messagebus. */
export { type AnyMessage, MemoryBroker, type MessagebusHub, RedisBroker, RedisConnectionRegistry } from "@opsi-ts/messagebus";
export { AccessControl, aclMethodName } from "./acl/access-control.js";
export { type Ace, type AceType, aceAllowsAttribute, onlySelf } from "./acl/ace.js";
export { type AclParseOptions, compileMethodRegex, parseAclConf } from "./acl/acl-file.js";
export { DEFAULT_ACL_CONF } from "./acl/default-acl.js";
export { ProtectedBackend, SELF_RULES } from "./acl/protected-backend.js";
// Authentication
export {
  type AuthAttempt,
  Authenticator,
  type AuthenticatorOptions,
  type AuthOutcome,
  callerContextOf,
  identityOf,
} from "./auth/Authenticator.js";
export { BruteForceGuard, type BruteForceOptions } from "./auth/BruteForceGuard.js";
export { type BasicCredentials, parseBasicAuth } from "./auth/basic.js";
export { type FailureCounter, MemoryFailureCounter, type MemoryFailureCounterOptions } from "./auth/FailureCounter.js";
export { HARDWARE_ADDRESS_PREFIX, HARDWARE_ADDRESS_RE, HOST_ID_RE, isHostLoginName, SYSTEM_UUID_PREFIX } from "./auth/host-login.js";
export { defaultUserFile, JsonFileUserStore, type JsonFileUserStoreOptions } from "./auth/JsonFileUserStore.js";
export {
  type AuthMiddlewareOptions,
  applySessionToResponse,
  authenticateRequest,
  createAuthMiddleware,
  ensureSession,
  requestSessionId,
} from "./auth/middleware.js";
export {
  burnPasswordCheck,
  DEFAULT_SCRYPT_PARAMS,
  hashPassword,
  isPasswordHash,
  type ScryptParams,
  verifyPassword,
} from "./auth/password-hash.js";
export { type AuthRouteOptions, registerAuthRoutes } from "./auth/routes.js";
export type { SecondFactor } from "./auth/SecondFactor.js";
export { checkNewPassword, normalizeGroups, normalizeUsername, type UserInfo, type UserStore } from "./auth/UserStore.js";
// Service client side (depot server → config server, CLI)
export { createHttpFetch, type HttpFetch, type HttpFetchOptions } from "./client/http-fetch.js";
export { type ConfigServer, type ConfigServerSettings, createConfigServer, OPSI_VERSION } from "./config-server.js";
export {
  ConfigServerUserStore,
  createDepotServer,
  DEPOT_LOCAL_METHODS,
  DEPOT_LOCAL_PREFIXES,
  type DepotRegistration,
  type DepotServer,
  type DepotServerSettings,
  isDepotLocalMethod,
} from "./depot-server.js";
export {
  cleanupFileTransfers,
  dispositionFilename,
  FILE_TRANSFER_VALIDITY_MS,
  type FileTransferMeta,
  type FileTransferOptions,
  registerFileTransferRoutes,
} from "./endpoint/file-transfer-route.js";
export {
  busIdentityOf,
  type MessagebusEndpoint,
  type MessagebusRouteOptions,
  registerMessagebusRoute,
} from "./endpoint/messagebus-route.js";
export { LZ4_FRAME, type RpcCaller, type RpcRouteOptions, registerRpcRoute } from "./endpoint/rpc-route.js";
// Contracts
export type { ServiceEnvironment } from "./environment.js";
export * from "./events/change-events.js";
export { EventingBackend, emitChangeEvents } from "./events/eventing-backend.js";
// HTTP: server, router, context, errors, headers, networks
export { type AccessRole, type AccessRoleOptions, requiredAccessRole } from "./http/access-role.js";
export { resolveClientAddress } from "./http/client-address.js";
export { RequestContext, type RequestContextInit } from "./http/context.js";
export { type ErrorMapping, mapError, sendError } from "./http/error-response.js";
export { HttpError, WWW_AUTHENTICATE_BASIC } from "./http/errors.js";
export { type GeneralHeaderOptions, generalHeaders, headerSafe, serverDate, serverHeader } from "./http/headers.js";
export { type IpNetwork, IpNetworkList, isLoopbackAddress, normalizeIpAddress, parseIpNetwork } from "./http/ip-network.js";
export { type Handler, type MethodSpec, type RouteMatch, Router } from "./http/router.js";
export {
  createServiceServer,
  type Middleware,
  type ServiceServer,
  type ServiceServerOptions,
  type TlsCredentials,
} from "./http/server.js";
export type { CallerContext, Identity, IdentityKind } from "./identity.js";
// Maintenance / app state
export {
  type AppState,
  AppStateInput,
  DEFAULT_ADDRESS_EXCEPTIONS,
  DEFAULT_MAINTENANCE_MESSAGE,
  DEFAULT_RETRY_AFTER,
  type MaintenanceState,
  parseAppState,
} from "./maintenance/AppState.js";
export { type AppStateStore, MemoryAppStateStore } from "./maintenance/AppStateStore.js";
export { createMaintenanceMiddleware } from "./maintenance/middleware.js";
export {
  busRpcError,
  callerOfMessage,
  createJsonRpcService,
  type JsonRpcServiceOptions,
} from "./messagebus/jsonrpc-service.js";
export {
  DEFAULT_HOST_CONTROL_CONFIG,
  DEFAULT_LOG_LIMITS,
  type HostControlBus,
  type HostControlConfig,
  type HostRpcResult,
  type LogLimits,
  type MethodSettings,
} from "./methods/context.js";
export { type BlowfishCipher, type CredentialsStore, FileCredentialsStore, nodeBlowfishCipher } from "./methods/credentials-store.js";
export { END_SESSION, EndSession, isEndSession, OPSI_MODULE_IDS } from "./methods/general.js";
export { IMPLEMENTED_METHODS, notImplementedMethods } from "./methods/handlers.js";
export {
  MemoryTransferSlotStore,
  RedisTransferSlotStore,
  type RedisTransferSlotStoreOptions,
  type StoredTransferSlot,
  TRANSFER_SLOT_RETENTION_SECONDS,
  TRANSFER_SLOT_TYPES,
  type TransferSlotRedisClient,
  type TransferSlotRequest,
  type TransferSlotStore,
  type TransferSlotType,
} from "./methods/transfer-slots.js";
export { type ServiceNodeConfig, serviceNodeConfigShape, serviceNodeSettingsFromConfig } from "./node-config.js";
export type { RpcForwarder } from "./rpc/dispatcher.js";
export {
  createRpcDispatcher,
  type RpcDispatcher,
  type RpcDispatcherOptions,
  type RpcDispatcherSettings,
  type RpcLogger,
} from "./rpc/dispatcher.js";
export {
  createServiceNode,
  type MessagebusSettings,
  type ServiceNode,
  type ServiceNodeParts,
  type ServiceNodeSettings,
} from "./service-node.js";
// Sessions
export { isSessionId, parseSessionCookie, SESSION_COOKIE_NAME, sessionCookie } from "./session/cookie.js";
export { MemorySessionStore, type MemorySessionStoreOptions } from "./session/MemorySessionStore.js";
export {
  MESSAGEBUS_IN_USE_MS,
  newSessionData,
  Session,
  type SessionData,
  type SessionHostType,
  sessionValidityMs,
} from "./session/Session.js";
export { MAX_CLIENT_SESSION_LIFETIME, SessionManager, type SessionManagerOptions, type SessionRequest } from "./session/SessionManager.js";
export type { SessionStore } from "./session/SessionStore.js";
export { ensureInitialAdmin, type InitialAdminResult } from "./setup/initial-admin.js";
export { ensureServerSetup, type ServerSetupOptions, type ServerSetupReport, serverIdFromHostname } from "./setup/server-setup.js";
// TLS: opsi CA, server certificate, host certificates, /ssl routes
export { readFileIfExists, writeFileAtomic } from "./tls/atomic-file.js";
export {
  type CaCertificateOptions,
  type CertificateSans,
  type CertificateSubject,
  certificateSans,
  createCaCertificate,
  type IssueCertificateOptions,
  issueCertificate,
  remainingDays,
  splitPemCertificates,
} from "./tls/certificates.js";
export { createHostCertificateIssuer, type HostCertificateIssuer } from "./tls/host-certificate.js";
export { exportPrivateKeyPem, generateRsaKeyPair, loadRsaKeyPair, type RsaKeyPair } from "./tls/keys.js";
export { registerSslRoutes, type SslRouteSource } from "./tls/routes.js";
export { type HostCertificateOptions, type TlsCheckResult, TlsManager, type TlsManagerOptions, type TlsPaths } from "./tls/TlsManager.js";
