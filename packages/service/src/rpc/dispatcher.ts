/** @module rpc/dispatcher Calls one of the 490 opsi RPC methods for an authenticated caller: binding, ACL, implementation. */
import { reverse } from "node:dns/promises";
import { type BackendCore, bindParams, RPC_METHODS, type RpcMethodInfo, RpcValueError } from "@opsi-ts/core";
import type { AccessControl } from "../acl/access-control.js";
import { ProtectedBackend } from "../acl/protected-backend.js";
import type { ServiceEnvironment } from "../environment.js";
import type { ChangeEvents } from "../events/change-events.js";
import { EventingBackend } from "../events/eventing-backend.js";
import type { CallerContext } from "../identity.js";
import {
  DEFAULT_HOST_CONTROL_CONFIG,
  DEFAULT_LOG_LIMITS,
  type HostControlConfig,
  type MethodContext,
  type MethodSettings,
} from "../methods/context.js";
import type { CredentialsStore } from "../methods/credentials-store.js";
import { METHOD_HANDLERS } from "../methods/handlers.js";
import { MemoryTransferSlotStore, SSH_HOST_RSA_PUBLIC_KEY_FILE } from "../methods/transfer-slots.js";

/** The subset of a pino logger the dispatcher uses. */
export interface RpcLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** {@link MethodSettings} as the dispatcher takes them: everything optional, host control settings field by field. */
export type RpcDispatcherSettings = Partial<Omit<MethodSettings, "hostControlConfig">> & {
  readonly hostControlConfig?: Partial<HostControlConfig>;
};

/** Options of {@link createRpcDispatcher}. */
export interface RpcDispatcherOptions {
  /** The storage (MemoryBackend, SqliteBackend, MysqlBackend, ...). */
  readonly backend: BackendCore;
  readonly environment: ServiceEnvironment;
  readonly acl: AccessControl;
  /** Receives the change events of every write. */
  readonly events: ChangeEvents;
  /** The depot-user credentials (`user_getCredentials`/`user_setCredentials`); without it they are not implemented. */
  readonly credentials?: CredentialsStore;
  readonly logger?: RpcLogger;
  /** Settings not covered by the environment; defaults: opsiconfd's. */
  readonly settings?: RpcDispatcherSettings;
  /** Depot-server mode: where methods that do not run locally go (see {@link RpcForwarder}). */
  readonly forward?: RpcForwarder;
}

/**
 * How a depot server forwards RPCs to its config server (opsiconfd's depot backend, spec §0): methods
 * for which `isLocal` is false are bound and ACL-checked here, then sent with the depot's own session
 * by `call` for admin callers. Non-admin callers run them here instead, over the remote backend behind
 * the ACL, because the depot's admin session would bypass the row and attribute rules of the caller.
 */
export interface RpcForwarder {
  isLocal(method: string): boolean;
  call(method: string, params: unknown): Promise<unknown>;
}

/** Dispatches RPCs. */
export interface RpcDispatcher {
  /**
   * Runs a method for a caller. Rejects with `RpcValueError("Invalid method '<m>'")` for unknown
   * (or, with `provideDeprecatedMethods=false`, deprecated) methods, `RpcTypeError` for params that do
   * not bind, `OpsiServicePermissionError` when the ACL refuses, `BackendNotImplementedError` for
   * capabilities opsi-ts lacks, and the method's own errors. Resolves to a JSON-ready value; for
   * `backend_exit`/`exit` to `END_SESSION` (see `isEndSession`).
   */
  call(method: string, params: unknown, caller: CallerContext): Promise<unknown>;
  /** Names of the dispatchable methods, sorted. */
  methods(): string[];
}

async function reverseLookup(address: string): Promise<string | null> {
  const names = await reverse(address);
  return names[0] ?? null;
}

/**
 * Creates the dispatcher of the `/rpc` endpoint and the message bus's `jsonrpc_request`s.
 * Only the names of the opsi RPC interface are dispatchable (no reflection on implementations).
 * @example
 * const dispatcher = createRpcDispatcher({ backend, environment, acl, events });
 * const clients = await dispatcher.call("host_getObjects", [[], { type: "OpsiClient" }], caller);
 */
export function createRpcDispatcher(options: RpcDispatcherOptions): RpcDispatcher {
  const { environment, acl, events } = options;
  const internal = new EventingBackend(options.backend, events);
  const settings: MethodSettings = {
    logLimits: options.settings?.logLimits ?? DEFAULT_LOG_LIMITS,
    hardwareAuditClasses: options.settings?.hardwareAuditClasses,
    depotUser: options.settings?.depotUser ?? "pcpatch",
    reverseLookup: options.settings?.reverseLookup ?? reverseLookup,
    messagebusConnectedIds: options.settings?.messagebusConnectedIds,
    hostControl: options.settings?.hostControl,
    hostControlConfig: { ...DEFAULT_HOST_CONTROL_CONFIG, ...options.settings?.hostControlConfig },
    transferSlots: options.settings?.transferSlots ?? new MemoryTransferSlotStore(),
    sshHostRsaPublicKeyFile: options.settings?.sshHostRsaPublicKeyFile ?? SSH_HOST_RSA_PUBLIC_KEY_FILE,
    random: options.settings?.random ?? Math.random,
  };

  const lookup = (method: string): RpcMethodInfo => {
    const info = RPC_METHODS.get(method);
    if (!info || (info.deprecated && !environment.provideDeprecatedMethods)) throw new RpcValueError(`Invalid method '${method}'`);
    return info;
  };

  const run = async (ctx: MethodContext, info: RpcMethodInfo, params: unknown): Promise<unknown> => {
    const bound = bindParams(info, params);
    if (info.acl !== null) ctx.require(info.acl);
    const forward = options.forward;
    if (forward && ctx.identity.isAdmin && !forward.isLocal(info.name)) {
      const result = await forward.call(info.name, params ?? []);
      return result === undefined ? null : result;
    }
    const handler = METHOD_HANDLERS.get(info.name);
    if (!handler) throw new RpcValueError(`Invalid method '${info.name}'`);
    if (info.deprecated) {
      options.logger?.debug({ method: info.name, alternative: info.alternativeMethod }, "Deprecated RPC method called");
    }
    const result = await handler(ctx, bound);
    return result === undefined ? null : result;
  };

  const context = (caller: CallerContext): MethodContext => {
    const identity = caller.identity;
    const ctx: MethodContext = {
      caller,
      identity,
      backend: new ProtectedBackend(internal, acl, identity),
      internal,
      environment,
      acl,
      events,
      credentials: options.credentials,
      settings,
      require: (method) => acl.require(method, identity),
      call: (method, params) => run(ctx, lookup(method), params ?? {}),
    };
    return ctx;
  };

  const methodNames = [...RPC_METHODS.values()]
    .filter((m) => !m.deprecated || environment.provideDeprecatedMethods)
    .map((m) => m.name)
    .sort();

  return {
    async call(method, params, caller) {
      const info = lookup(method);
      return run(context(caller), info, params);
    },
    methods() {
      return [...methodNames];
    },
  };
}
