/**
 * @module hub/hub
 * `MessagebusHub`: the server side of the bus (spec §1.2–§1.9) without any HTTP code. The WebSocket
 * endpoint hands every accepted connection to {@link MessagebusHub.connect} together with two
 * functions (`send` a frame, `close` the socket); the hub subscribes the connection's channels on the
 * broker, runs the inbound pipeline (`prepareIncoming`), answers subscription requests, publishes
 * everything else, counts connections per identity for the `*_connected`/`*_disconnected` events and
 * hosts the config server's own services (`service:depot:<server-id>:<name>`) as work-queue consumers.
 */

import type { Broker, Delivery, Subscription } from "../broker/types.js";
import {
  applySubscription,
  type BusIdentity,
  type IdentityKind,
  identityChannel,
  initialSubscriptions,
  parseChannel,
  prepareIncoming,
  sessionChannel,
} from "../channels.js";
import { type Compression, createMessageCodec, DEFAULT_MAX_FRAME_SIZE, type MessageCodec } from "../codec.js";
import { MessageDecodeError, MessageEncodeError } from "../errors.js";
import {
  type AnyMessage,
  type ChannelSubscriptionRequestMessage,
  createMessage,
  isMessageOfType,
  isMessageType,
  type MessageFields,
  type MessageType,
  newUuid4,
} from "../messages.js";
import type { ChannelService, ServiceContext } from "../services/types.js";
import { type ConnectionRegistry, MemoryConnectionRegistry } from "./connections.js";

/**
 * Field of a message on a `service:` channel that carries the sender's caller context (opsiconfd stores
 * the sender's session as the stream entry field `context`). The hub sets it on messages it publishes for
 * a connection and removes it before a message goes out to a WebSocket. Clients cannot forge it: incoming
 * messages are re-validated and unknown fields dropped.
 */
export const CONTEXT_FIELD = "context";

/** The subset of a pino logger the hub uses. */
export interface HubLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

const silentLogger: HubLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Options of {@link MessagebusHub}. */
export interface MessagebusHubOptions {
  /** Routes the messages (MemoryBroker in one process, RedisBroker across processes). */
  readonly broker: Broker<AnyMessage>;
  /** Host id of the config server: target of `service:config:*` and the channel of the hosted services. */
  readonly serverId: string;
  /** Node name of this process (`service_worker:<node>:<n>`, `service_node:<node>`); lowercase `[a-z0-9._-]`. */
  readonly nodeName: string;
  /** Worker number (default 1). */
  readonly workerNumber?: number;
  /** opsiconfd `disabled_features` (`messagebus_terminal`, `messagebus_execute_process_client`, ...). */
  readonly disabledFeatures?: Iterable<string>;
  /** Whether the `vpn` licence module is available (terminals/processes on clients). Default false. */
  readonly vpnAvailable?: boolean;
  /** Largest frame (and decompressed payload) accepted from and sent to a connection; default 16 MiB. */
  readonly maxFrameBytes?: number;
  readonly logger?: HubLogger;
  /** Clock (ms since the epoch); default `Date.now`. */
  readonly now?: () => number;
  /**
   * Connection counts behind the first/last-connection events and `connectedIds` (default: this process only;
   * `RedisConnectionRegistry` counts over every process sharing Redis, with opsiconfd's keys).
   */
  readonly connections?: ConnectionRegistry;
}

/** What the endpoint passes for one accepted WebSocket. */
export interface ConnectOptions {
  readonly identity: BusIdentity;
  /** The uuid of the connection's session channel; default a new uuid4 (opsiconfd: one per connection). */
  readonly sessionId?: string;
  /** Client address (after trusted-proxy handling), reported in `host_connected`/`user_connected`. */
  readonly clientAddress: string;
  /** Compression negotiated with `?compression=`. */
  readonly compression: Compression | null;
  /**
   * The caller's context (for the service package: its serialisable `CallerContext`). It is attached as
   * {@link CONTEXT_FIELD} to every message the connection sends to a `service:` channel, so a service
   * (JSON-RPC) can act with the sender's rights, in this process or another one sharing Redis.
   */
  readonly context?: unknown;
  /** Sends one binary frame; a rejection means the socket is gone. */
  send(frame: Uint8Array): void | Promise<void>;
  /** Closes the socket (WebSocket close code and reason). */
  close(code: number, reason: string): void;
}

/** One connection as the endpoint sees it. */
export interface BusConnection {
  readonly identity: BusIdentity;
  /** The bus user id, `host:<id>` or `user:<name>`. */
  readonly userChannel: string;
  /** The uuid of the session channel. */
  readonly sessionId: string;
  /** `session:<uuid>`. */
  readonly sessionChannel: string;
  /** Resolves once the connection is subscribed and its `channel_subscription_event` was sent. */
  readonly ready: Promise<void>;
  /** Current subscriptions. */
  subscriptions(): string[];
  /** Processes one frame received from the socket (queued: frames are processed in order). Never rejects. */
  receive(frame: Uint8Array): Promise<void>;
  /** Sends a `general_error` to the socket. Never rejects. */
  sendError(message: string, refId?: string | null): Promise<void>;
  /** Server-side close: closes the socket with `code`/`reason` and releases the connection. */
  close(code: number, reason: string): Promise<void>;
  /** Call when the socket has closed (either side): releases subscriptions, updates the connection count. Idempotent. */
  closed(): Promise<void>;
}

/** The hub was closed. */
export class HubClosedError extends Error {
  override readonly name = "HubClosedError";
  constructor() {
    super("The message bus is shutting down");
  }
}

type TraceMessage = AnyMessage & { trace: Record<string, unknown> };

function isTrace(message: AnyMessage): message is TraceMessage {
  return message.type === "trace_request" || message.type === "trace_response";
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A message without the hub's internal {@link CONTEXT_FIELD}. */
export function withoutContext<M extends AnyMessage>(message: M): M {
  if (!(CONTEXT_FIELD in message)) return message;
  const copy = { ...message } as Record<string, unknown>;
  delete copy[CONTEXT_FIELD];
  return copy as M;
}

/** The caller context the hub attached to a message (see {@link CONTEXT_FIELD}), or undefined. */
export function messageContext(message: AnyMessage): unknown {
  return (message as Record<string, unknown>)[CONTEXT_FIELD];
}

const NODE_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * The message bus hub of one server process.
 * @example
 * const hub = new MessagebusHub({ broker: new MemoryBroker(), serverId: "config.dom.tld", nodeName: "node1" });
 * const conn = await hub.connect({ identity, clientAddress, compression: "lz4", send: (f) => ws.send(f), close: (c, r) => ws.close(c, r) });
 * ws.on("message", (data) => conn.receive(data));
 * ws.on("close", () => conn.closed());
 */
export class MessagebusHub {
  readonly broker: Broker<AnyMessage>;
  readonly serverId: string;
  readonly nodeName: string;
  readonly workerNumber: number;
  /** `service_worker:<node>:<n>`: sender of events, subscription events, errors and service answers. */
  readonly workerChannel: string;
  /** `service_node:<node>`: sender of `app_state_changed`. */
  readonly nodeChannel: string;
  readonly maxFrameBytes: number;
  readonly #options: MessagebusHubOptions;
  readonly #log: HubLogger;
  readonly #now: () => number;
  readonly #connections = new Set<HubConnection>();
  readonly #registry: ConnectionRegistry;
  readonly #services = new Map<string, { service: ChannelService; subscription: Subscription }>();
  readonly #inflight = new Set<Promise<void>>();
  #closing: Promise<void> | undefined;

  constructor(options: MessagebusHubOptions) {
    const nodeName = options.nodeName.toLowerCase();
    if (!NODE_NAME.test(nodeName)) throw new TypeError(`Invalid node name '${options.nodeName}' (allowed: a-z, 0-9, '.', '_', '-')`);
    const workerNumber = options.workerNumber ?? 1;
    if (!Number.isSafeInteger(workerNumber) || workerNumber < 0) throw new TypeError(`Invalid worker number ${workerNumber}`);
    this.#options = options;
    this.broker = options.broker;
    this.serverId = options.serverId.toLowerCase();
    this.nodeName = nodeName;
    this.workerNumber = workerNumber;
    this.workerChannel = `service_worker:${nodeName}:${workerNumber}`;
    this.nodeChannel = `service_node:${nodeName}`;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_SIZE;
    this.#log = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#registry = options.connections ?? new MemoryConnectionRegistry();
  }

  /** Whether {@link close} was called. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /** Open connections of this process. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Accepts a connection: subscribes its user channel (with inbox replay) and its session channel,
   * sends the `channel_subscription_event` as the first frame, and publishes `host_connected` /
   * `user_connected` for the identity's first connection. Rejects (after closing nothing) when the
   * broker cannot subscribe or the hub is closing; the endpoint then closes the socket with 1011/1013.
   */
  async connect(options: ConnectOptions): Promise<BusConnection> {
    if (this.#closing) throw new HubClosedError();
    const connection = new HubConnection(this, options, {
      broker: this.broker,
      log: this.#log,
      now: this.#now,
      gates: { disabledFeatures: [...(this.#options.disabledFeatures ?? [])], vpnAvailable: this.#options.vpnAvailable === true },
      onClosed: (conn) => this.#released(conn),
    });
    this.#connections.add(connection);
    try {
      await connection.start();
    } catch (err: unknown) {
      await connection.closed();
      throw err;
    }
    // Closed while starting: not counted, nothing to announce.
    if (!connection.isOpen) return connection;
    connection.counted = true;
    let count = 0;
    try {
      count = await this.#registry.added(options.identity);
    } catch (err: unknown) {
      this.#log.warn({ err }, "counting a bus connection failed");
    }
    if (count === 1) await this.#announce(connection, "connected");
    return connection;
  }

  /** Bus names (host ids / user names) with at least one open connection (over the registry's scope), sorted. */
  connectedIds(kind?: IdentityKind): Promise<string[]> {
    return this.#registry.connectedIds(kind);
  }

  /** Whether an identity (`host:<id>` / `user:<name>`) has an open connection (over the registry's scope). */
  async isConnected(identityChannelName: string): Promise<boolean> {
    const [prefix, ...rest] = identityChannelName.toLowerCase().split(":");
    const name = rest.join(":");
    if (prefix === "user") return (await this.#registry.connectedIds("user")).includes(name);
    if (prefix !== "host") return false;
    const [clients, depots] = await Promise.all([this.#registry.connectedIds("client"), this.#registry.connectedIds("depot")]);
    return clients.includes(name) || depots.includes(name);
  }

  /**
   * Publishes an `event` message on `event:<event>` (whitelisted names only, spec §1.7; others throw
   * `InvalidChannelError`). Sender `service_worker:<node>:<n>` unless given (`app_state_changed` uses
   * {@link nodeChannel}). Resolves false when the broker dropped it.
   */
  async publishEvent(event: string, data: Record<string, unknown>, options: { readonly sender?: string } = {}): Promise<boolean> {
    const channel = parseChannel(`event:${event}`).name;
    const message = createMessage("event", { sender: options.sender ?? this.workerChannel, channel, event, data }, { now: this.#now() });
    return this.broker.publish(message);
  }

  /**
   * Hosts a service on `service:depot:<serverId>:<service.name>`: calls `service.start`, then consumes
   * the channel as a work queue (consumer `service_worker:<node>:<n>`). Messages are handled
   * concurrently, up to the broker's `prefetch`; each is acked when `handle` settles.
   */
  async registerService(service: ChannelService): Promise<void> {
    if (this.#closing) throw new HubClosedError();
    if (this.#services.has(service.name)) throw new Error(`A '${service.name}' service is already registered`);
    const channel = `service:depot:${this.serverId}:${service.name}`;
    const context: ServiceContext = {
      serverId: this.serverId,
      workerChannel: this.workerChannel,
      broker: this.broker,
      publish: async (message) => {
        await this.broker.publish(this.#fromWorker(message));
      },
    };
    await service.start?.(context);
    const subscription = await this.broker.subscribe(channel, { id: this.workerChannel }, (delivery) => {
      this.#track(this.#runService(service, delivery, context));
    });
    this.#services.set(service.name, { service, subscription });
    this.#log.debug({ channel, service: service.name }, "message bus service registered");
  }

  /**
   * Closes every connection (1001 "Server shutting down"), unsubscribes, waits for running service
   * handlers and stops the services. The broker stays open (its owner closes it). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#connections].map((c) => c.close(1001, "Server shutting down")));
      for (const { subscription } of this.#services.values()) await subscription.unsubscribe().catch(() => {});
      await Promise.allSettled([...this.#inflight]);
      for (const { service } of this.#services.values()) {
        await service.stop?.().catch((err: unknown) => this.#log.warn({ err, service: service.name }, "stopping a bus service failed"));
      }
      this.#services.clear();
    })();
    return this.#closing;
  }

  /** Fills sender (this worker), id, created and expires of a service's message. */
  #fromWorker(message: AnyMessage): AnyMessage {
    const { type, ...fields } = withoutContext(message) as AnyMessage & Record<string, unknown>;
    if (isMessageType(type)) {
      return createMessage(type as MessageType, { ...fields, sender: this.workerChannel } as MessageFields<MessageType>, {
        now: this.#now(),
      });
    }
    return { ...message, sender: this.workerChannel } as AnyMessage;
  }

  async #runService(service: ChannelService, delivery: Delivery<AnyMessage>, context: ServiceContext): Promise<void> {
    try {
      await service.handle(delivery.message, delivery, context);
    } catch (err: unknown) {
      this.#log.warn({ err, service: service.name, messageId: delivery.message.id }, "message bus service failed to handle a message");
    } finally {
      await delivery.ack().catch((err: unknown) => this.#log.warn({ err, service: service.name }, "ack failed"));
    }
  }

  #track(task: Promise<void>): void {
    this.#inflight.add(task);
    void task.finally(() => this.#inflight.delete(task));
  }

  async #released(connection: HubConnection): Promise<void> {
    if (!this.#connections.delete(connection) || !connection.counted) return;
    let count = 0;
    try {
      count = await this.#registry.removed(connection.identity);
    } catch (err: unknown) {
      this.#log.warn({ err }, "counting a closed bus connection failed");
      return;
    }
    if (count > 0) return;
    await this.#announce(connection, "disconnected");
  }

  /** `host_connected`/`user_connected`/`*_disconnected` with opsiconfd's data (spec §1.7). */
  async #announce(connection: HubConnection, what: "connected" | "disconnected"): Promise<void> {
    const identity = connection.identity;
    // Deviation: the config server's own connections announce neither (upstream skips only "connected").
    if (identity.kind === "depot" && identity.name === this.serverId) return;
    const base = { client_address: connection.clientAddress, worker: `${this.nodeName}:${this.workerNumber}` };
    const data =
      identity.kind === "user"
        ? { ...base, user: { id: identity.name, username: identity.name } }
        : { ...base, host: { type: identity.kind === "client" ? "OpsiClient" : "OpsiDepotserver", id: identity.name } };
    const event = `${identity.kind === "user" ? "user" : "host"}_${what}`;
    await this.publishEvent(event, data).catch((err: unknown) => this.#log.warn({ err, event }, "publishing a connection event failed"));
  }
}

interface ConnectionDeps {
  readonly broker: Broker<AnyMessage>;
  readonly log: HubLogger;
  readonly now: () => number;
  readonly gates: { readonly disabledFeatures: readonly string[]; readonly vpnAvailable: boolean };
  onClosed(connection: HubConnection): Promise<void>;
}

/** One WebSocket connection. */
class HubConnection implements BusConnection {
  readonly identity: BusIdentity;
  readonly userChannel: string;
  readonly sessionId: string;
  readonly sessionChannel: string;
  readonly clientAddress: string;
  readonly ready: Promise<void>;
  /** Counted for the connected events (set by the hub once start() succeeded). */
  counted = false;
  readonly #hub: MessagebusHub;
  readonly #options: ConnectOptions;
  readonly #deps: ConnectionDeps;
  readonly #codec: MessageCodec;
  readonly #subscriptions = new Map<string, Subscription>();
  #channels: string[] = [];
  #open = true;
  #queue: Promise<void>;
  #markReady!: () => void;
  #released: Promise<void> | undefined;

  constructor(hub: MessagebusHub, options: ConnectOptions, deps: ConnectionDeps) {
    this.#hub = hub;
    this.#options = options;
    this.#deps = deps;
    this.identity = options.identity;
    this.userChannel = identityChannel(options.identity);
    this.sessionId = (options.sessionId ?? newUuid4()).toLowerCase();
    this.sessionChannel = sessionChannel(this.sessionId);
    this.clientAddress = options.clientAddress;
    this.#codec = createMessageCodec({ compression: options.compression, maxFrameSize: hub.maxFrameBytes });
    this.ready = new Promise<void>((resolve) => {
      this.#markReady = resolve;
    });
    this.#queue = this.ready;
  }

  get #channelContext() {
    return { identity: this.identity, sessionId: this.sessionId, configServerId: this.#hub.serverId };
  }

  subscriptions(): string[] {
    return [...this.#channels];
  }

  /** Subscribes the initial channels and sends the first `channel_subscription_event`. */
  async start(): Promise<void> {
    const channels = initialSubscriptions(this.#channelContext);
    // Deliveries wait for `ready`, so the subscription event is the first frame even when the inbox replays.
    for (const channel of channels) await this.#subscribe(channel);
    this.#channels = channels;
    await this.#sendDirect(
      createMessage(
        "channel_subscription_event",
        { sender: this.#hub.workerChannel, channel: this.sessionChannel, subscribed_channels: [...channels] },
        { now: this.#deps.now() },
      ),
    );
    this.#markReady();
  }

  get isOpen(): boolean {
    return this.#open;
  }

  receive(frame: Uint8Array): Promise<void> {
    const next = this.#queue.then(() => this.#process(frame));
    this.#queue = next.catch((err: unknown) => this.#deps.log.error({ err }, "message bus frame processing failed"));
    return this.#queue;
  }

  async sendError(message: string, refId: string | null = null): Promise<void> {
    try {
      await this.#sendDirect(
        createMessage(
          "general_error",
          { sender: this.#hub.workerChannel, channel: this.sessionChannel, ref_id: refId, error: { message, code: null, details: null } },
          { now: this.#deps.now() },
        ),
      );
    } catch (err: unknown) {
      this.#deps.log.debug({ err }, "sending general_error failed");
    }
  }

  async close(code: number, reason: string): Promise<void> {
    if (this.#open) {
      try {
        this.#options.close(code, reason);
      } catch (err: unknown) {
        this.#deps.log.debug({ err }, "closing the socket failed");
      }
    }
    await this.closed();
  }

  closed(): Promise<void> {
    this.#released ??= (async () => {
      this.#open = false;
      this.#markReady();
      const subs = [...this.#subscriptions.values()];
      this.#subscriptions.clear();
      await Promise.allSettled(subs.map((s) => s.unsubscribe()));
      await this.#deps.onClosed(this);
    })();
    return this.#released;
  }

  async #process(frame: Uint8Array): Promise<void> {
    if (!this.#open) return;
    const receivedAt = this.#deps.now();
    let raw: Record<string, unknown>;
    try {
      raw = this.#codec.decodeFrame(frame);
    } catch (err: unknown) {
      if (err instanceof MessageDecodeError) return this.sendError(err.message, err.messageId);
      throw err;
    }
    const result = prepareIncoming(raw, { ...this.#channelContext, ...this.#deps.gates, receivedAt });
    if (!result.ok) return this.sendError(result.error, result.refId);
    const message = result.message;
    if (message.channel === "service:messagebus") {
      if (isMessageOfType(message, "channel_subscription_request")) return this.#changeSubscription(message);
      return this.sendError(`Invalid message type '${message.type}' for channel 'service:messagebus'`, message.id);
    }
    let outgoing: AnyMessage = message;
    if (isTrace(outgoing)) outgoing = { ...outgoing, trace: { ...outgoing.trace, broker_redis_send: this.#deps.now() } } as AnyMessage;
    if (outgoing.channel.startsWith("service:") && this.#options.context !== undefined) {
      outgoing = { ...outgoing, [CONTEXT_FIELD]: this.#options.context } as unknown as AnyMessage;
    }
    try {
      await this.#deps.broker.publish(outgoing);
    } catch (err: unknown) {
      this.#deps.log.warn({ err, channel: outgoing.channel }, "publishing a bus message failed");
      await this.sendError(`Failed to publish message: ${errorText(err)}`, message.id);
    }
  }

  async #changeSubscription(request: ChannelSubscriptionRequestMessage): Promise<void> {
    const result = applySubscription(this.#channels, request, this.#channelContext);
    let error = result.error;
    if (!error) {
      const wanted = new Set(result.channels);
      for (const channel of this.#channels) {
        if (wanted.has(channel)) continue;
        const sub = this.#subscriptions.get(channel);
        this.#subscriptions.delete(channel);
        await sub?.unsubscribe().catch((err: unknown) => this.#deps.log.warn({ err, channel }, "unsubscribe failed"));
      }
      for (const channel of result.channels) {
        if (this.#subscriptions.has(channel)) continue;
        try {
          await this.#subscribe(channel);
        } catch (err: unknown) {
          error = `Failed to subscribe to channel '${channel}': ${errorText(err)}`;
          break;
        }
      }
      this.#channels = result.channels.filter((c) => this.#subscriptions.has(c));
    }
    const answer = createMessage(
      "channel_subscription_event",
      {
        sender: this.#hub.workerChannel,
        channel: request.back_channel ?? this.sessionChannel,
        ref_id: request.id,
        subscribed_channels: error ? [] : [...this.#channels],
        error: error ? { message: error, code: null, details: null } : null,
      },
      { now: this.#deps.now() },
    );
    if (answer.channel === this.sessionChannel) {
      await this.#sendDirect(answer).catch(() => {});
      return;
    }
    await this.#deps.broker
      .publish(answer)
      .catch((err: unknown) => this.sendError(`Failed to publish message: ${errorText(err)}`, request.id));
  }

  async #subscribe(channel: string): Promise<void> {
    if (!this.#open) return;
    const subscription = await this.#deps.broker.subscribe(channel, { id: this.sessionId, identity: this.userChannel }, (delivery) =>
      this.#deliver(delivery),
    );
    if (!this.#open) {
      await subscription.unsubscribe();
      return;
    }
    this.#subscriptions.set(channel, subscription);
  }

  async #deliver(delivery: Delivery<AnyMessage>): Promise<void> {
    await this.ready;
    if (!this.#open) return;
    let message = withoutContext(delivery.message);
    if (isTrace(message)) {
      const now = this.#deps.now();
      message = { ...message, trace: { broker_redis_receive: now, ...message.trace, broker_ws_send: now } } as AnyMessage;
    }
    let frame: Uint8Array;
    try {
      frame = this.#codec.encode(message);
    } catch (err: unknown) {
      if (!(err instanceof MessageEncodeError)) throw err;
      // A message that cannot be encoded would fail again on every redelivery: drop it and tell the peer.
      this.#deps.log.warn(
        { err: err.message, channel: delivery.channel, messageId: message.id },
        "dropping a bus message that cannot be encoded",
      );
      await this.#sendUndeliverable(message, err.message).catch(() => {});
      await delivery.ack();
      return;
    }
    try {
      await this.#options.send(frame);
    } catch (err: unknown) {
      // The socket is gone; unacked work-queue messages go to another consumer when the subscription ends.
      this.#deps.log.debug({ err }, "sending to a closed bus connection");
      return;
    }
    await delivery.ack();
  }

  /** Replaces a message that cannot be sent: a JSON-RPC answer by an error answer, anything else by a `general_error`. */
  async #sendUndeliverable(message: AnyMessage, reason: string): Promise<void> {
    const text = `Message '${message.id}' (${message.type}) cannot be delivered: ${reason}`;
    if (isMessageOfType(message, "jsonrpc_response")) {
      const error = { code: 0, message: text, data: { class: "OpsiRpcError", details: null } };
      await this.#sendDirect({ ...message, error, result: null });
      return;
    }
    await this.sendError(text, message.id);
  }

  async #sendDirect(message: AnyMessage): Promise<void> {
    if (!this.#open) return;
    await this.#options.send(this.#codec.encode(message));
  }
}
