/** @module methods/context What an RPC method implementation gets: the caller, its protected backend view and the server environment. */
import { type BroadcastAddresses, DEFAULT_BROADCAST_ADDRESSES } from "@opsi-ts/boot";
import type { BackendCore, BoundParams, HardwareClassConfig } from "@opsi-ts/core";
import type { AccessControl } from "../acl/access-control.js";
import type { Ace } from "../acl/ace.js";
import type { ServiceEnvironment } from "../environment.js";
import type { ChangeEvents } from "../events/change-events.js";
import type { CallerContext, Identity } from "../identity.js";
import type { CredentialsStore } from "./credentials-store.js";
import type { TransferSlotStore } from "./transfer-slots.js";

/** Log file limits of `log_write`/`log_read` (opsiconfd `max-log-size`, `keep-rotated-logs`). */
export interface LogLimits {
  /** Rotate when a file would grow beyond this many MB (default 5). */
  readonly maxLogSizeMb: number;
  /** Numbered rotated copies to keep (default 1). */
  readonly keepRotatedLogs: number;
  /** Bytes accepted per write; larger data is cut at the last newline (default 10 000 000). */
  readonly writeLimitBytes: number;
}

/** Defaults of {@link LogLimits} (opsiconfd 4.3). */
export const DEFAULT_LOG_LIMITS: LogLimits = { maxLogSizeMb: 5, keepRotatedLogs: 1, writeLimitBytes: 10_000_000 };

/** One host's answer in opsi's host control result shape `{hostId: {result, error}}`. */
export interface HostRpcResult {
  readonly result: unknown;
  /** null on success; a string, or opsiclientd's error object `{code, message, data}` when it came over the bus. */
  readonly error: unknown;
}

/**
 * The message bus side of host control (`hostControl_*`), provided by the hub wiring (spec §1.9; messagebus
 * `callHosts`). Without it every host is called directly over HTTPS (or, with `useMessagebus: true`, gets
 * "Host currently not connected to messagebus").
 */
export interface HostControlBus {
  /**
   * Calls an opsiclientd control method on hosts connected to the bus: one `jsonrpc_request` per host to
   * `host:<id>`, answers collected on a temporary session channel. Resolves one entry per host; a missing
   * answer is `{result: null, error: "Timed out after N.NN seconds  while waiting for response"}`.
   */
  callHosts(
    hostIds: readonly string[],
    method: string,
    params: readonly unknown[],
    timeoutMs: number,
  ): Promise<Record<string, HostRpcResult>>;
  /** Ids of the clients that currently have a bus connection. */
  connectedIds(): Promise<string[]>;
}

/** Host control settings (`/etc/opsi/backends/hostcontrol.conf`, spec agent-boot-depot-cli §5). */
export interface HostControlConfig {
  /** `hybrid` (default): the bus for connected clients, direct HTTPS for the rest; `true`: bus only; `false`: direct only. */
  readonly useMessagebus: boolean | "hybrid";
  /** Port of opsiclientd's control server (default 4441); per client: config state `opsiclientd.control_server.port`. */
  readonly opsiclientdPort: number;
  /** Timeout of one host call, connect and read (`hostRpcTimeout`, default 15 s). */
  readonly hostRpcTimeoutMs: number;
  /** TCP connect timeout of `hostControl_reachable` (default 3 s). */
  readonly hostReachableTimeoutMs: number;
  /** `true`: resolve the host id by DNS first; `false` (default): use `ipAddress`, DNS only when it is empty. */
  readonly resolveHostAddress: boolean;
  /** Direct connections at the same time (default 50). */
  readonly maxConnections: number;
  /** `broadcastAddresses` of hostcontrol.conf for Wake-on-LAN (default opsi's `{"0.0.0.0/0": {"255.255.255.255": [7, 9, 12287]}}`). */
  readonly broadcastAddresses: BroadcastAddresses;
}

/** opsiconfd's host control defaults. */
export const DEFAULT_HOST_CONTROL_CONFIG: HostControlConfig = {
  useMessagebus: "hybrid",
  opsiclientdPort: 4441,
  hostRpcTimeoutMs: 15_000,
  hostReachableTimeoutMs: 3_000,
  resolveHostAddress: false,
  maxConnections: 50,
  broadcastAddresses: DEFAULT_BROADCAST_ADDRESSES,
};

/** Settings of the method layer that are not part of {@link ServiceEnvironment}. */
export interface MethodSettings {
  readonly logLimits: LogLimits;
  /**
   * The raw hwaudit class list (VIRTUAL classes included), used to inherit locale labels exactly
   * like opsiconfd; without it labels of inherited attributes are looked up under the classes'
   * `Super` names and any non-STRUCTURAL class.
   */
  readonly hardwareAuditClasses: readonly HardwareClassConfig[] | undefined;
  /** Username of the depot user (`user_getCredentials` default, opsi.conf `[depot_user] username`). */
  readonly depotUser: string;
  /** Resolves the caller's domain by reverse DNS (`getDomain`); null when unknown. */
  readonly reverseLookup: (address: string) => Promise<string | null>;
  /** Returns the ids of hosts connected to the message bus, or undefined when there is no bus. */
  readonly messagebusConnectedIds: ((hostIds: readonly string[] | null) => Promise<string[]>) | undefined;
  /** The bus side of host control; undefined when the RPC layer has no message bus. */
  readonly hostControl: HostControlBus | undefined;
  /** Host control settings; default {@link DEFAULT_HOST_CONTROL_CONFIG}. */
  readonly hostControlConfig: HostControlConfig;
  /** Transfer slots of depots (`depot_acquireTransferSlot` & co.); default: an in-memory store. */
  readonly transferSlots: TransferSlotStore;
  /** The SSH host RSA public key file (`depot_getHostRSAPublicKey`); default `/etc/ssh/ssh_host_rsa_key.pub`. */
  readonly sshHostRsaPublicKeyFile: string;
  /** Uniform random number in [0, 1) (transfer slot `retry_after`); default `Math.random`. */
  readonly random: () => number;
}

/** What a method implementation runs with. */
export interface MethodContext {
  readonly caller: CallerContext;
  readonly identity: Identity;
  /** The caller's ACL-enforcing view; writes emit change events. */
  readonly backend: BackendCore;
  /** The unprotected backend (writes emit events), for the lookups opsi does without ACL. */
  readonly internal: BackendCore;
  readonly environment: ServiceEnvironment;
  readonly acl: AccessControl;
  readonly events: ChangeEvents;
  readonly credentials: CredentialsStore | undefined;
  readonly settings: MethodSettings;
  /** The caller's ACEs for a method name, or `OpsiServicePermissionError`. */
  require(method: string): Ace[];
  /** Calls another RPC method for the same caller (named arguments; its name ACL applies). */
  call(method: string, params?: Readonly<Record<string, unknown>>): Promise<unknown>;
}

/** A method implementation: bound params in, JSON-ready result out. */
export type MethodHandler = (ctx: MethodContext, params: BoundParams) => Promise<unknown>;
