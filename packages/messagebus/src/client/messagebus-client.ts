/**
 * @module client/messagebus-client
 * A Node client of opsi's `/messagebus/v1` (opsicommon's `Messagebus` + `ServiceClient` bus part): TLS
 * WebSocket with Basic auth or a session cookie, whole-frame lz4/gzip, reconnect with full-jitter
 * exponential backoff, ping/pong liveness, subscriptions restored after a reconnect, and helpers for
 * JSON-RPC over the bus.
 */
import WebSocket from "ws";
import { type Compression, createMessageCodec, type MessageCodec } from "../codec.js";
import { type AnyMessage, createMessage, isExpired, type MessageFields, type MessageOf, type MessageType, newUuid4 } from "../messages.js";

/** Options of {@link MessagebusClient}. */
export interface MessagebusClientOptions {
  /** The service (`https://config.example.org:4447`) or the full bus URL (`wss://…/messagebus/v1`). */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** An `opsiconfd-session` cookie value to reuse instead of (or besides) Basic auth. */
  readonly sessionId?: string;
  /** PEM CA certificate(s) to trust instead of the system's. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Skip certificate verification. */
  readonly insecure?: boolean;
  /** Whole-frame compression (default lz4). */
  readonly compression?: Compression | null;
  /** Reconnect after a lost connection (default true). */
  readonly reconnect?: boolean;
  /** Backoff bounds of reconnects (full jitter: a random wait in [0, min(max, min·2^attempt)]); default 1 s … 60 s. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** Ping interval; a connection without a pong until the next ping is dropped (default 15 s). */
  readonly pingIntervalMs?: number;
  /** Timeout of `connect()` and of a subscription answer (default 30 s). */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
  /** Largest accepted frame (default 16 MiB). */
  readonly maxFrameBytes?: number;
}

/** Connection states, in the order they occur. */
export type MessagebusClientState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

/** A listener of incoming messages; expired messages go to `onExpired` listeners instead. */
export type MessageListener = (message: AnyMessage) => void;

/** An error answered by the bus itself (`general_error`) or a failed subscription. */
export class MessagebusError extends Error {
  /** The bus message that carried the error, if any. */
  readonly busMessage: AnyMessage | undefined;
  constructor(text: string, message?: AnyMessage) {
    super(text);
    this.name = "MessagebusError";
    this.busMessage = message;
  }
}

/** A JSON-RPC error answered over the bus (`{code, message, data: {class, details}}`). */
export class MessagebusRpcError extends Error {
  readonly opsiClass: string;
  readonly details: unknown;
  constructor(message: string, opsiClass: string, details: unknown) {
    super(message);
    this.name = "MessagebusRpcError";
    this.opsiClass = opsiClass;
    this.details = details;
  }
}

const CLOSE_RETRY_AFTER = /retry-after:\s*(\d+)/i;

function busUrl(url: string, compression: Compression | null): string {
  const u = new URL(url.includes("://") ? url : `https://${url}`);
  if (u.protocol === "https:") u.protocol = "wss:";
  if (u.protocol === "http:") u.protocol = "ws:";
  if (u.port === "" && u.protocol === "wss:") u.port = "4447";
  if (u.pathname === "/" || u.pathname === "") u.pathname = "/messagebus/v1";
  if (compression) u.searchParams.set("compression", compression);
  return u.toString();
}

/**
 * A message bus connection that stays up: it reconnects (full-jitter backoff, a `Retry-After` in a 1013
 * close reason honoured like opsicommon, clamped to 1…7200 s), checks liveness with ping/pong, and
 * re-subscribes its channels after every reconnect.
 * @example
 * const bus = new MessagebusClient({ url: "https://config.example.org:4447", username: "admin", password, ca });
 * bus.onMessage((m) => console.log(m.type));
 * await bus.connect();
 * await bus.subscribe(["event:host_created"]);
 * const info = await bus.jsonrpc("backend_info");
 */
export class MessagebusClient {
  readonly #options: MessagebusClientOptions;
  readonly #codec: MessageCodec;
  readonly #url: string;
  readonly #listeners = new Set<MessageListener>();
  readonly #expiredListeners = new Set<MessageListener>();
  readonly #stateListeners = new Set<(state: MessagebusClientState) => void>();
  readonly #waiters = new Map<string, { resolve: (m: AnyMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  /** Channels asked for beyond the ones the server gives every connection (own session and identity channel). */
  readonly #wanted = new Set<string>();
  #socket: WebSocket | null = null;
  #state: MessagebusClientState = "idle";
  #subscribed: string[] = [];
  #sessionChannel: string | null = null;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #pingTimer: NodeJS.Timeout | null = null;
  #alive = true;
  #firstConnect: { resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(options: MessagebusClientOptions) {
    this.#options = options;
    const compression = options.compression === undefined ? "lz4" : options.compression;
    this.#codec = createMessageCodec({ compression, maxFrameSize: options.maxFrameBytes });
    this.#url = busUrl(options.url, compression);
  }

  /** Current state. */
  get state(): MessagebusClientState {
    return this.#state;
  }

  /** The channels the server reported in the last `channel_subscription_event`. */
  get subscribedChannels(): readonly string[] {
    return this.#subscribed;
  }

  /** `session:<uuid>` of the current connection (the default reply channel). */
  get sessionChannel(): string | null {
    return this.#sessionChannel;
  }

  onMessage(listener: MessageListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Listeners of messages that arrived already expired (opsicommon's `expired_message_received`). */
  onExpired(listener: MessageListener): () => void {
    this.#expiredListeners.add(listener);
    return () => this.#expiredListeners.delete(listener);
  }

  onStateChange(listener: (state: MessagebusClientState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  #setState(state: MessagebusClientState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const l of this.#stateListeners) l(state);
  }

  /**
   * Opens the connection; resolves when the server's first `channel_subscription_event` arrived.
   * Rejects on authentication/permission errors (HTTP status in the message) or after `timeoutMs`.
   */
  connect(): Promise<void> {
    if (this.#state === "open") return Promise.resolve();
    if (this.#state === "closed") return Promise.reject(new MessagebusError("The client was closed"));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#firstConnect = null;
        reject(new MessagebusError(`No connection to ${this.#url} within ${this.#options.timeoutMs ?? 30_000} ms`));
      }, this.#options.timeoutMs ?? 30_000);
      this.#firstConnect = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#open();
    });
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = { "user-agent": `${this.#options.userAgent ?? "opsi-ts-messagebus-client/0.1.0"}/messagebus` };
    if (this.#options.username !== undefined && this.#options.password !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${this.#options.username}:${this.#options.password}`, "utf8").toString("base64")}`;
    }
    if (this.#options.sessionId) headers.cookie = `opsiconfd-session=${this.#options.sessionId}`;
    return headers;
  }

  #open(): void {
    this.#setState(this.#attempt === 0 ? "connecting" : "reconnecting");
    const ca = this.#options.ca;
    const socket = new WebSocket(this.#url, {
      headers: this.#headers(),
      ...(ca === undefined ? {} : { ca: typeof ca === "string" || Buffer.isBuffer(ca) ? ca : [...ca] }),
      rejectUnauthorized: this.#options.insecure !== true,
      maxPayload: this.#options.maxFrameBytes ?? 16 * 1024 * 1024,
      handshakeTimeout: this.#options.timeoutMs ?? 30_000,
    });
    this.#socket = socket;
    socket.binaryType = "nodebuffer";
    socket.on("unexpected-response", (_req, res) => {
      const status = res.statusCode ?? 0;
      const reason = String(res.headers["x-opsi-error"] ?? res.statusMessage ?? "");
      res.resume();
      const error = new MessagebusError(`HTTP ${status} from ${this.#url}${reason ? `: ${reason}` : ""}`);
      socket.terminate();
      // Wrong credentials or permissions do not get better by retrying.
      if (status === 401 || status === 403) this.#fail(error);
      else this.#lost(error, retryAfterOf(res.headers["retry-after"]));
    });
    socket.on("open", () => {
      this.#alive = true;
      this.#pingTimer = setInterval(() => {
        if (!this.#alive) {
          socket.terminate();
          return;
        }
        this.#alive = false;
        socket.ping();
      }, this.#options.pingIntervalMs ?? 15_000);
      this.#pingTimer.unref();
    });
    socket.on("pong", () => {
      this.#alive = true;
    });
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      this.#alive = true;
      if (!isBinary) return;
      let message: AnyMessage;
      try {
        message = this.#codec.decode(data);
      } catch {
        return; // A frame we cannot read is dropped, as opsicommon does (it logs it).
      }
      this.#dispatch(message);
    });
    socket.on("close", (code: number, reason: Buffer) => {
      if (this.#socket !== socket) return;
      const text = reason.toString("utf8");
      const retry = code === 1013 ? retryAfterOf(CLOSE_RETRY_AFTER.exec(text)?.[1]) : null;
      this.#lost(new MessagebusError(`Connection closed (${code}${text ? `: ${text.split("\n")[0]}` : ""})`), retry, code === 1008);
    });
    socket.on("error", () => {
      // "close" follows and decides about reconnecting.
    });
  }

  #dispatch(message: AnyMessage): void {
    if (message.type === "channel_subscription_event") {
      const subscribed = (message as MessageOf<"channel_subscription_event">).subscribed_channels;
      if (!(message as MessageOf<"channel_subscription_event">).error) {
        this.#subscribed = [...subscribed];
        this.#sessionChannel = subscribed.find((c) => c.startsWith("session:")) ?? this.#sessionChannel;
      }
      if (this.#state !== "open") this.#established();
    }
    if (message.ref_id) {
      const waiter = this.#waiters.get(message.ref_id);
      if (waiter) {
        this.#waiters.delete(message.ref_id);
        clearTimeout(waiter.timer);
        waiter.resolve(message);
      }
    }
    if (isExpired(message)) {
      for (const l of this.#expiredListeners) l(message);
      return;
    }
    for (const l of this.#listeners) l(message);
  }

  #established(): void {
    this.#attempt = 0;
    this.#setState("open");
    const first = this.#firstConnect;
    this.#firstConnect = null;
    first?.resolve();
    // Restore what was asked for before a reconnect.
    const missing = [...this.#wanted].filter((c) => !this.#subscribed.includes(c));
    if (missing.length > 0)
      this.#request("channel_subscription_request", { channel: "service:messagebus", channels: missing, operation: "add" }).catch(() => {});
  }

  #clearTimers(): void {
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
  }

  #fail(error: Error): void {
    this.#clearTimers();
    this.#socket = null;
    const first = this.#firstConnect;
    this.#firstConnect = null;
    this.#setState("closed");
    first?.reject(error);
    this.#rejectWaiters(error);
  }

  #lost(error: Error, retryAfterMs: number | null, permanent = false): void {
    this.#clearTimers();
    this.#socket = null;
    this.#rejectWaiters(error);
    if (this.#state === "closed") return;
    if (permanent || this.#options.reconnect === false) {
      this.#fail(error);
      return;
    }
    const min = this.#options.reconnectMinMs ?? 1000;
    const max = this.#options.reconnectMaxMs ?? 60_000;
    const wait = retryAfterMs ?? Math.random() * Math.min(max, min * 2 ** this.#attempt);
    this.#attempt += 1;
    this.#setState("reconnecting");
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#state !== "closed") this.#open();
    }, wait);
  }

  #rejectWaiters(error: Error): void {
    for (const [id, w] of this.#waiters) {
      clearTimeout(w.timer);
      w.reject(error);
      this.#waiters.delete(id);
    }
  }

  /** Sends a message as is (sender `@`, back channel `$` unless given). Throws when not connected. */
  send(message: AnyMessage): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || this.#state !== "open")
      throw new MessagebusError(`Not connected to ${this.#url}`);
    socket.send(this.#codec.encode(message));
  }

  /** Builds and sends a message of a type; `sender` defaults to `@`. */
  sendMessage<T extends MessageType>(type: T, fields: Omit<MessageFields<T>, "sender"> & { sender?: string }): MessageOf<T> {
    const message = createMessage(type, { sender: "@", ...fields } as MessageFields<T>);
    this.send(message);
    return message;
  }

  /** Sends and waits for the first message whose `ref_id` is the sent message's id. */
  #request<T extends MessageType>(type: T, fields: Omit<MessageFields<T>, "sender">, timeoutMs?: number): Promise<AnyMessage> {
    const message = createMessage(type, { sender: "@", ...fields } as MessageFields<T>);
    return new Promise<AnyMessage>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.#waiters.delete(message.id);
          reject(new MessagebusError(`No answer to ${type} within ${timeoutMs ?? this.#options.timeoutMs ?? 30_000} ms`));
        },
        timeoutMs ?? this.#options.timeoutMs ?? 30_000,
      );
      this.#waiters.set(message.id, { resolve, reject, timer });
      try {
        this.send(message);
      } catch (e: unknown) {
        clearTimeout(timer);
        this.#waiters.delete(message.id);
        reject(e as Error);
      }
    });
  }

  /**
   * Changes the subscriptions (`add` by default) and resolves to the full list the server reports.
   * Rejects with the server's error text for a denied channel. Added channels are restored after reconnects.
   */
  async subscribe(channels: readonly string[], operation: "add" | "set" | "remove" = "add"): Promise<string[]> {
    const answer = await this.#request("channel_subscription_request", {
      channel: "service:messagebus",
      channels: [...channels],
      operation,
    });
    if (answer.type === "general_error") throw new MessagebusError((answer as MessageOf<"general_error">).error.message, answer);
    if (answer.type !== "channel_subscription_event") throw new MessagebusError(`Unexpected answer ${answer.type}`, answer);
    const event = answer as MessageOf<"channel_subscription_event">;
    if (event.error) throw new MessagebusError(event.error.message, answer);
    if (operation === "set") this.#wanted.clear();
    for (const c of channels) {
      if (operation === "remove") this.#wanted.delete(c);
      else this.#wanted.add(c);
    }
    return [...event.subscribed_channels];
  }

  /**
   * Calls an RPC method over the bus (`jsonrpc_request` to `service:config:jsonrpc`, or `channel`) and
   * resolves to its result; RPC errors reject with {@link MessagebusRpcError} carrying the opsi class.
   */
  async jsonrpc(method: string, params: readonly unknown[] = [], options: { channel?: string; timeoutMs?: number } = {}): Promise<unknown> {
    const rpcId = newUuid4();
    const answer = await this.#requestByRpcId(rpcId, options.timeoutMs, () =>
      this.sendMessage("jsonrpc_request", {
        channel: options.channel ?? "service:config:jsonrpc",
        method,
        params: [...params],
        rpc_id: rpcId,
      }),
    );
    if (answer.type === "general_error") throw new MessagebusError((answer as MessageOf<"general_error">).error.message, answer);
    const response = answer as MessageOf<"jsonrpc_response">;
    if (response.error !== undefined && response.error !== null) {
      const err = response.error as { message?: unknown; data?: { class?: unknown; details?: unknown } };
      throw new MessagebusRpcError(String(err.message ?? "RPC error"), String(err.data?.class ?? "Exception"), err.data?.details ?? null);
    }
    return response.result ?? null;
  }

  #requestByRpcId(rpcId: string, timeoutMs: number | undefined, send: () => AnyMessage): Promise<AnyMessage> {
    return new Promise<AnyMessage>((resolve, reject) => {
      let sentId = "";
      const limit = timeoutMs ?? 300_000;
      const off = this.onMessage((m) => {
        const matches =
          (m.type === "jsonrpc_response" && String((m as MessageOf<"jsonrpc_response">).rpc_id) === rpcId) ||
          (m.type === "general_error" && m.ref_id === sentId);
        if (!matches) return;
        clearTimeout(timer);
        off();
        resolve(m);
      });
      const timer = setTimeout(() => {
        off();
        reject(new MessagebusError(`No answer to the RPC within ${limit} ms`));
      }, limit);
      try {
        sentId = send().id;
      } catch (e: unknown) {
        clearTimeout(timer);
        off();
        reject(e as Error);
      }
    });
  }

  /** Closes the connection for good (code 1000) and stops reconnecting. */
  async close(): Promise<void> {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    const socket = this.#socket;
    this.#setState("closed");
    this.#clearTimers();
    this.#rejectWaiters(new MessagebusError("The client was closed"));
    this.#firstConnect?.reject(new MessagebusError("The client was closed"));
    this.#firstConnect = null;
    this.#socket = null;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          socket.terminate();
          resolve();
        }, 2000);
        socket.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
        socket.close(1000);
      });
    }
  }
}

/** `Retry-After` seconds → ms, clamped to 1…7200 s like opsicommon; null when absent or not a number. */
function retryAfterOf(value: string | string[] | undefined): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return null;
  const seconds = Number.parseInt(raw, 10);
  if (!Number.isFinite(seconds)) return null;
  return Math.min(7200, Math.max(1, seconds)) * 1000;
}
