/**
 * @module channels
 * Channel names and the broker's rules (spec §1.6, config-service §5.6) as pure functions: name
 * grammar and normalisation, `@`/`$` shortcuts, the `service:config:*` alias, read (subscribe) and
 * write (send) access per identity, the message-type gates, the sender overwrite and
 * `back_channel` defaulting of incoming messages, and subscription requests.
 *
 * The identity type is this package's own: `@opsi-ts/service` maps its sessions onto it.
 */

import { forceHostId, forceUserId } from "@opsi-ts/core";
import { InvalidChannelError, MessageDecodeError } from "./errors.js";
import {
  type AnyMessage,
  CHANNEL_SUBSCRIPTION_OPERATIONS,
  type ChannelSubscriptionOperation,
  isPlainMap,
  parseMessage,
} from "./messages.js";

// ---------------------------------------------------------------------------------------------
// Identities

/** Who is on the other end of a bus connection. The config server's own host is a `depot`. */
export type IdentityKind = "client" | "depot" | "user";

/** The bus identity of a connection. */
export interface BusIdentity {
  readonly kind: IdentityKind;
  /** Host id (FQDN) for hosts, user name for users; lowercase. */
  readonly name: string;
  /** Admin users and depots (incl. the config server) are admins; clients never are. */
  readonly isAdmin: boolean;
}

/**
 * Builds a normalised identity: the name is lowercased (a host id must be a valid FQDN), depots are
 * always admin and clients never (spec §1.2), a user is admin only if said so.
 * @example busIdentity("client", "Client1.Domain.Tld") // { kind: "client", name: "client1.domain.tld", isAdmin: false }
 */
export function busIdentity(kind: IdentityKind, name: string, isAdmin = false): BusIdentity {
  if (kind === "user") return { kind, name: forceUserId(name), isAdmin };
  return { kind, name: forceHostId(name), isAdmin: kind === "depot" };
}

/** Whether the identity counts as admin for channel access (depots always, clients never). */
export function isAdminIdentity(identity: BusIdentity): boolean {
  if (identity.kind === "depot") return true;
  if (identity.kind === "client") return false;
  return identity.isAdmin;
}

/**
 * Whether the identity may open a bus connection at all: every host, admin users only. Others get
 * HTTP 403 "Invalid session".
 */
export function mayConnect(identity: BusIdentity): boolean {
  return identity.kind !== "user" || identity.isAdmin;
}

/** The identity's user channel, which is also its bus user id (`sender`): `host:<id>` or `user:<name>`. */
export function identityChannel(identity: BusIdentity): string {
  return identity.kind === "user" ? `user:${identity.name}` : `host:${identity.name}`;
}

/** The session channel of a connection: `session:<uuid>`. */
export function sessionChannel(sessionId: string): string {
  return `session:${sessionId.toLowerCase()}`;
}

// ---------------------------------------------------------------------------------------------
// Names

/** The services reachable as `service:depot:<id>:<service>` / `service:config:<service>`. */
export const SERVICE_NAMES = ["jsonrpc", "terminal", "process"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The events that may be published to `event:<name>` (spec §1.7). Case-sensitive. */
export const EVENT_NAMES = [
  "host_connected",
  "host_disconnected",
  "user_connected",
  "user_disconnected",
  "host_created",
  "host_updated",
  "host_deleted",
  "config_created",
  "config_updated",
  "config_deleted",
  "configState_created",
  "configState_updated",
  "configState_deleted",
  "productOnClient_created",
  "productOnClient_updated",
  "productOnClient_deleted",
  "log_updated",
  "app_state_changed",
  "test",
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** A validated, normalised channel name and its parts. */
export type ParsedChannel =
  | { readonly kind: "session"; readonly name: string; readonly sessionId: string }
  | { readonly kind: "host"; readonly name: string; readonly hostId: string; readonly rest: readonly string[] }
  | { readonly kind: "user"; readonly name: string; readonly userId: string; readonly rest: readonly string[] }
  | { readonly kind: "service_messagebus"; readonly name: "service:messagebus" }
  | { readonly kind: "service_depot"; readonly name: string; readonly depotId: string; readonly service: ServiceName }
  | { readonly kind: "service_config"; readonly name: string; readonly service: ServiceName }
  | { readonly kind: "service_node"; readonly name: string; readonly node: string }
  | {
      readonly kind: "service_worker";
      readonly name: string;
      readonly node: string;
      readonly worker: number;
      readonly rest: readonly string[];
    }
  | { readonly kind: "event"; readonly name: string; readonly event: EventName };

export type ChannelKind = ParsedChannel["kind"];

const ANY_UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/;
const NODE_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const UNSIGNED_INT = /^\d+$/;

function isServiceName(value: string | undefined): value is ServiceName {
  return (SERVICE_NAMES as readonly (string | undefined)[]).includes(value);
}

function validId(force: (v: unknown) => string, value: string | undefined): string | null {
  if (!value) return null;
  try {
    return force(value);
  } catch {
    return null;
  }
}

/**
 * Validates and normalises a channel name (lowercased, except the name part of `event:` channels).
 * `@` and `$` are not channel names: resolve them first ({@link resolveChannel}). Throws
 * {@link InvalidChannelError} naming the rule that failed.
 * @example parseChannel("service:depot:depot1.uib.local:jsonrpc") // { kind: "service_depot", depotId: "depot1.uib.local", service: "jsonrpc", ... }
 */
export function parseChannel(channel: string): ParsedChannel {
  if (typeof channel !== "string" || channel === "") throw new InvalidChannelError(String(channel), "empty channel name");
  const lower = channel.toLowerCase();
  if (lower.startsWith("event:")) {
    const event = channel.slice("event:".length);
    if (!(EVENT_NAMES as readonly string[]).includes(event)) {
      throw new InvalidChannelError(channel, `unknown event '${event}' (valid events: ${EVENT_NAMES.join(", ")})`);
    }
    return { kind: "event", name: `event:${event}`, event: event as EventName };
  }
  const parts = lower.split(":");
  const [prefix, second] = parts;
  switch (prefix) {
    case "session": {
      if (parts.length !== 2 || !second || !ANY_UUID.test(second)) throw new InvalidChannelError(channel, "expected session:<uuid>");
      return { kind: "session", name: lower, sessionId: second };
    }
    case "host": {
      const hostId = validId(forceHostId, second);
      if (!hostId) throw new InvalidChannelError(channel, `'${second ?? ""}' is not a valid host id`);
      const rest = parts.slice(2);
      return { kind: "host", name: ["host", hostId, ...rest].join(":"), hostId, rest };
    }
    case "user": {
      const userId = validId(forceUserId, second);
      if (!userId) throw new InvalidChannelError(channel, `'${second ?? ""}' is not a valid user id`);
      const rest = parts.slice(2);
      return { kind: "user", name: ["user", userId, ...rest].join(":"), userId, rest };
    }
    case "service": {
      if (second === "messagebus" && parts.length === 2) return { kind: "service_messagebus", name: "service:messagebus" };
      if (second === "config" && parts.length === 3 && isServiceName(parts[2])) {
        return { kind: "service_config", name: lower, service: parts[2] };
      }
      if (second === "depot" && parts.length === 4 && isServiceName(parts[3])) {
        const depotId = validId(forceHostId, parts[2]);
        if (!depotId) throw new InvalidChannelError(channel, `'${parts[2] ?? ""}' is not a valid depot id`);
        return { kind: "service_depot", name: `service:depot:${depotId}:${parts[3]}`, depotId, service: parts[3] };
      }
      throw new InvalidChannelError(
        channel,
        "expected service:messagebus, service:config:{jsonrpc|terminal|process} or service:depot:<depot-id>:{jsonrpc|terminal|process}",
      );
    }
    case "service_node": {
      if (parts.length !== 2 || !second || !NODE_NAME.test(second))
        throw new InvalidChannelError(channel, "expected service_node:<node-name>");
      return { kind: "service_node", name: lower, node: second };
    }
    case "service_worker": {
      const worker = parts[2];
      if (parts.length < 3 || !second || !NODE_NAME.test(second) || !worker || !UNSIGNED_INT.test(worker)) {
        throw new InvalidChannelError(channel, "expected service_worker:<node-name>:<worker-number>[:…]");
      }
      return { kind: "service_worker", name: lower, node: second, worker: Number(worker), rest: parts.slice(3) };
    }
    default:
      throw new InvalidChannelError(
        channel,
        `unknown channel type '${prefix ?? ""}' (valid: session, host, user, service, service_node, service_worker, event)`,
      );
  }
}

/** Whether a name follows the channel grammar. */
export function isValidChannel(channel: string): boolean {
  try {
    parseChannel(channel);
    return true;
  } catch {
    return false;
  }
}

/** What the shortcuts and the `service:config:*` alias resolve against. */
export interface ChannelContext {
  readonly identity: BusIdentity;
  /** The connection's session id (the uuid of its `session:` channel). */
  readonly sessionId: string;
  /** Host id of the config server, target of `service:config:*`. */
  readonly configServerId: string;
}

/**
 * Resolves a channel as the broker does: `@` → the identity's user channel, `$` → the session
 * channel, `service:config:<x>` → `service:depot:<configserver-id>:<x>`, anything else validated
 * and normalised. Throws {@link InvalidChannelError}.
 * @example resolveChannel("service:config:jsonrpc", ctx) // "service:depot:configserver.uib.local:jsonrpc"
 */
export function resolveChannel(channel: string, context: ChannelContext): string {
  if (channel === "@") return identityChannel(context.identity);
  if (channel === "$") return sessionChannel(context.sessionId);
  const parsed = parseChannel(channel);
  if (parsed.kind === "service_config") return `service:depot:${context.configServerId.toLowerCase()}:${parsed.service}`;
  return parsed.name;
}

// ---------------------------------------------------------------------------------------------
// Access

/**
 * Read access (subscribe) to a resolved channel: every `session:` channel and the own user channel;
 * everything else (other hosts and users, events, service channels) only for admins.
 */
export function canRead(identity: BusIdentity, channel: string): boolean {
  if (channel.startsWith("session:")) return true;
  if (channel === identityChannel(identity)) return true;
  return isAdminIdentity(identity);
}

/**
 * Write access (send) to a resolved channel: every `session:` channel, the own user channel,
 * `service:messagebus` and every `service:…:jsonrpc` channel; everything else only for admins.
 * A message needs write access to both its `channel` and its `back_channel`.
 */
export function canWrite(identity: BusIdentity, channel: string): boolean {
  if (channel.startsWith("session:")) return true;
  if (channel === identityChannel(identity)) return true;
  if (channel.startsWith("service:") && (channel.endsWith(":messagebus") || channel.endsWith(":jsonrpc"))) return true;
  return isAdminIdentity(identity);
}

/** Server options behind the message-type gates. */
export interface FeatureGates {
  /** opsiconfd `disabled_features`, e.g. `messagebus_terminal_client`. Default none. */
  readonly disabledFeatures?: Iterable<string>;
  /** Whether the `vpn` licence module is available. Default false: terminals/processes on clients are denied. */
  readonly vpnAvailable?: boolean;
}

const GATED_TYPES: Readonly<Record<string, string>> = {
  terminal_open_request: "messagebus_terminal",
  process_start_request: "messagebus_execute_process",
};

/**
 * The message-type gate: `terminal_open_request` needs feature `messagebus_terminal`,
 * `process_start_request` needs `messagebus_execute_process` (not in `disabled_features`); when the
 * target is not a `service:` channel (i.e. a client) the `…_client` feature must not be disabled
 * either and the `vpn` module must be available. Returns the error text, or null if allowed.
 */
export function messageTypeDenial(type: string, channel: string, gates: FeatureGates = {}): string | null {
  const feature = GATED_TYPES[type];
  if (!feature) return null;
  const disabled = new Set(gates.disabledFeatures ?? []);
  const denied =
    disabled.has(feature) || (!channel.startsWith("service:") && (disabled.has(`${feature}_client`) || gates.vpnAvailable !== true));
  return denied ? `Access to message type '${type}' denied - check config and license` : null;
}

// ---------------------------------------------------------------------------------------------
// Incoming messages

/** Context of {@link prepareIncoming}. */
export interface IncomingContext extends ChannelContext, FeatureGates {
  /** Receive time (ms); when given, trace messages get `trace.broker_ws_receive`. */
  readonly receivedAt?: number;
}

/** Why an incoming message was refused. */
export type IncomingErrorKind = "invalid_message" | "invalid_channel" | "access_denied" | "message_type_denied";

/** Outcome of {@link prepareIncoming}. */
export type IncomingResult =
  | { readonly ok: true; readonly message: AnyMessage }
  | {
      readonly ok: false;
      readonly kind: IncomingErrorKind;
      /** Text for the `general_error` answer. */
      readonly error: string;
      /** `ref_id` for the `general_error` answer: the message id if one could be read. */
      readonly refId: string | null;
    };

/**
 * What the broker does with a message map received from a connection before publishing it
 * (spec §1.3/§1.4/§1.6):
 * 1. the map must carry an `id` (else the error has no `ref_id`);
 * 2. `sender` is overwritten with the connection's bus identity, then the message is validated;
 * 3. `back_channel` missing or `$` → the session channel, `@` → the user channel; in `channel`,
 *    `$`/`@` are resolved the same way; both are validated and normalised and `service:config:*`
 *    is rewritten to `service:depot:<configserver-id>:*`;
 * 4. write access to both `channel` and `back_channel` (error text "Read access to channel … denied",
 *    upstream's wording);
 * 5. the message-type gates.
 * Never throws for bad input: the result says what was wrong.
 * @example const r = prepareIncoming(codec.decodeFrame(frame), { identity, sessionId, configServerId });
 */
export function prepareIncoming(raw: unknown, context: IncomingContext): IncomingResult {
  if (!isPlainMap(raw)) return { ok: false, kind: "invalid_message", error: "Invalid message received: not a map", refId: null };
  const id = raw.id;
  if (id === undefined || id === null)
    return { ok: false, kind: "invalid_message", error: "Invalid message received: 'id' is missing", refId: null };
  const refId = typeof id === "string" ? id : null;
  let message: AnyMessage;
  try {
    message = parseMessage({ ...raw, sender: identityChannel(context.identity) });
  } catch (e: unknown) {
    if (e instanceof MessageDecodeError) return { ok: false, kind: "invalid_message", error: e.message, refId };
    throw e;
  }
  let channel: string;
  let backChannel: string;
  try {
    const back = message.back_channel;
    backChannel = !back || back === "$" ? sessionChannel(context.sessionId) : resolveChannel(back, context);
    channel = resolveChannel(message.channel, context);
  } catch (e: unknown) {
    if (e instanceof InvalidChannelError) return { ok: false, kind: "invalid_channel", error: e.message, refId };
    throw e;
  }
  for (const target of [channel, backChannel]) {
    if (!canWrite(context.identity, target)) {
      return { ok: false, kind: "access_denied", error: `Read access to channel '${target}' denied`, refId };
    }
  }
  const denial = messageTypeDenial(message.type, channel, context);
  if (denial) return { ok: false, kind: "message_type_denied", error: denial, refId };
  const prepared = { ...message, channel, back_channel: backChannel } as AnyMessage;
  if (context.receivedAt !== undefined && (prepared.type === "trace_request" || prepared.type === "trace_response")) {
    const traced = prepared as AnyMessage & { trace: Record<string, unknown> };
    traced.trace = { ...traced.trace, broker_ws_receive: context.receivedAt };
  }
  return { ok: true, message: prepared };
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

/** The subscriptions of a fresh connection: its user channel and its session channel. */
export function initialSubscriptions(context: Pick<ChannelContext, "identity" | "sessionId">): string[] {
  return [identityChannel(context.identity), sessionChannel(context.sessionId)];
}

/** Outcome of {@link applySubscription}. */
export interface SubscriptionResult {
  /** The connection's subscriptions afterwards (unchanged on error). */
  readonly channels: string[];
  /** `subscribed_channels` of the answering `channel_subscription_event`: the full list, or [] on error. */
  readonly subscribedChannels: string[];
  /** `error.message` of the answer, or null. */
  readonly error: string | null;
}

/**
 * Applies a `channel_subscription_request` (`set` replaces, `add` adds, `remove` removes; `@`/`$`
 * accepted; the own session channel is never removed). Channels are resolved and checked for read
 * access in order; the first bad one stops processing with error "Write access to channel …
 * denied" (upstream's wording) or the channel-name error. Unlike opsiconfd, a refused request
 * changes nothing (upstream may have applied part of it).
 * @example applySubscription(current, { operation: "add", channels: ["event:host_connected"] }, ctx)
 */
export function applySubscription(
  current: readonly string[],
  request: { readonly channels: readonly string[]; readonly operation?: ChannelSubscriptionOperation | string },
  context: ChannelContext,
): SubscriptionResult {
  const unchanged = (error: string): SubscriptionResult => ({ channels: [...current], subscribedChannels: [], error });
  const operation = request.operation ?? "set";
  if (!(CHANNEL_SUBSCRIPTION_OPERATIONS as readonly string[]).includes(operation)) return unchanged(`Invalid operation '${operation}'`);
  const resolved: string[] = [];
  for (const channel of request.channels) {
    let name: string;
    try {
      name = resolveChannel(channel, context);
    } catch (e: unknown) {
      if (e instanceof InvalidChannelError) return unchanged(e.message);
      throw e;
    }
    if (!canRead(context.identity, name)) return unchanged(`Write access to channel '${name}' denied`);
    resolved.push(name);
  }
  const own = sessionChannel(context.sessionId);
  let next: string[];
  if (operation === "set") next = [...resolved];
  else if (operation === "add") next = [...current, ...resolved];
  else next = current.filter((c) => c === own || !resolved.includes(c));
  if (!next.includes(own)) next.unshift(own);
  const channels = [...new Set(next)];
  return { channels, subscribedChannels: [...channels], error: null };
}
