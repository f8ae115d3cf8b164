/**
 * @module broker/redis-broker
 * `RedisBroker`: the message broker over Redis streams, compatible with opsiconfd's layout, so that
 * several processes (nodes) share one bus. See the package README for the semantics.
 *
 * - One stream per channel, `<prefix>:messagebus:channels:<channel>`, entries `{message: <msgpack>}`,
 *   written with `XADD … MAXLEN ~ <maxStreamLength>`.
 * - live and inbox channels: one blocking `XREAD` per broker instance (its own connection) reads every
 *   stream that has local subscribers and fans entries out to them. Each subscription keeps its own
 *   cursor; inbox subscriptions with an identity start at the identity's stored position
 *   (`<stream>:info`, field `last-delivered-id` for the channel's own identity) and catch up with XRANGE.
 * - work-queue channels: consumer group named like the channel, one consumer per subscription
 *   (`<identity>:<subscriber id>`), each with its own connection for `XREADGROUP`. Unacked entries
 *   of a live consumer are refreshed (XCLAIM JUSTID) every `claimIdleMs / 3`; entries idle for
 *   `claimIdleMs` belong to a dead consumer and are taken over with `XAUTOCLAIM` and delivered with
 *   `redelivered: true`.
 * - Connections reconnect on their own (node-redis reconnect strategy); readers and consumers resume
 *   at their positions and recreate lost consumer groups.
 */

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { createClient, RESP_TYPES } from "redis";
import {
  consumerName,
  DeliveryPump,
  decodeBrokerMessage,
  delay,
  encodeBrokerMessage,
  isExpired,
  type ResolvedOptions,
  resolveOptions,
  Signal,
  subscriptionKey,
  validateMessage,
  validateSubscription,
} from "./internal.js";
import {
  compareIds,
  parseAutoClaim,
  parseEntries,
  parseStreams,
  positionField,
  type RawEntry,
  RELEASE_SCRIPT,
  redisKeys,
  SET_POSITION_SCRIPT,
  TOUCH_SCRIPT,
  TRIM_SCRIPT,
} from "./redis-stream.js";
import {
  type Broker,
  BrokerClosedError,
  BrokerError,
  type BrokerErrorContext,
  type BrokerMessage,
  type BrokerOptions,
  type BrokerStats,
  type Delivery,
  type DeliveryHandler,
  type DeliveryMode,
  deliveryModeOf,
  type MessageRecord,
  type SubscriberInfo,
  type Subscription,
} from "./types.js";

/** A node-redis client. */
type RedisClient = ReturnType<typeof createClient>;

/** Options of {@link RedisBroker.connect}. */
export interface RedisBrokerOptions extends BrokerOptions {
  /** `redis://[[user]:password@]host[:port][/db]` (or `rediss://`). */
  readonly url: string;
  /** Key prefix, opsiconfd's `--redis-prefix` (default `opsiconfd`). */
  readonly keyPrefix?: string;
  /** Name of this broker instance in client names and keys (default `<hostname>-<pid>-<random>`). */
  readonly nodeName?: string;
  /** Longest single blocking read in ms (a liveness bound; default 10 000). */
  readonly blockMs?: number;
  /** Timeout of non-blocking commands such as XADD, including time spent waiting for a reconnect (default 10 000). */
  readonly commandTimeoutMs?: number;
  /** Timeout of the initial connection in ms (default 5 000); the first connect does not retry. */
  readonly connectTimeoutMs?: number;
  /** Longest wait between reconnect attempts after a lost connection in ms (default 2 000). */
  readonly maxReconnectDelayMs?: number;
}

const BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;
/** Read batch size (opsiconfd: COUNT 25 for plain readers). */
const BATCH = 100;
/** Consumer that holds entries released by an unsubscribing consumer until someone claims them. */
const RELEASED_CONSUMER = "opsi-ts:released";
/** Idle time given to released entries: any `claimIdleMs` is shorter. */
const RELEASED_IDLE_MS = 365 * 24 * 3600 * 1000;
/** Field of the dummy entry that tells a consumer to claim released entries now. */
const RELEASE_NOTICE_FIELD = "released";

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The URL without its password, for error messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparsable url>";
  }
}

function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** What the subscriptions need from their broker. */
interface RedisContext {
  readonly options: ResolvedOptions;
  readonly cmd: RedisClient;
  readonly keys: ReturnType<typeof redisKeys>;
  readonly nodeName: string;
  readonly blockMs: number;
  readonly commandTimeoutMs: number;
  readonly reader: FanoutReader;
  report(error: unknown, context: BrokerErrorContext): void;
  remove(sub: RedisSubscription): void;
  /** A dedicated connection for blocking reads. */
  dedicatedClient(role: string): Promise<RedisClient>;
}

/** Runs a command on the shared connection with the command timeout. */
function command<T>(ctx: RedisContext, args: ReadonlyArray<string | Buffer>, buffers = false): Promise<T> {
  return ctx.cmd.sendCommand<T>(args, buffers ? { ...BUFFERS, timeout: ctx.commandTimeoutMs } : { timeout: ctx.commandTimeoutMs });
}

function backoff(failures: number): number {
  return Math.min(50 * 2 ** Math.min(failures, 6), 2000);
}

type RedisSubscription = RedisFanoutSubscription | RedisConsumer;

/**
 * The one blocking XREAD of a broker instance over all streams with live/inbox subscribers. New
 * streams are picked up by waking the blocked read through a per-instance wakeup stream.
 */
class FanoutReader {
  readonly #streams = new Map<string, { position: string | undefined; readonly subs: Set<RedisFanoutSubscription> }>();
  readonly #changed = new Signal();
  #client: RedisClient | undefined;
  #wakeKey: string;
  #wakePosition = "0-0";
  #generation = 0;
  #readingGeneration = -1;
  #reading = false;
  #wakeSent = false;
  #closed = false;
  #loop: Promise<void> | undefined;

  constructor(private readonly ctx: RedisContext) {
    this.#wakeKey = ctx.keys.wakeup(ctx.nodeName);
  }

  /** Registers a subscription; resolves once its stream is being read. */
  async add(key: string, sub: RedisFanoutSubscription): Promise<void> {
    let stream = this.#streams.get(key);
    if (stream) {
      stream.subs.add(sub);
      if (stream.position !== undefined) return;
      // Another subscription is still fetching the start position; fetch it as well (one XREVRANGE).
    } else {
      stream = { position: undefined, subs: new Set([sub]) };
      this.#streams.set(key, stream);
    }
    const last = await lastId(this.ctx, key);
    if (this.#streams.get(key) !== stream) return;
    if (stream.position === undefined || compareIds(last, stream.position) < 0) stream.position = last;
    this.#start();
    this.#wake();
  }

  remove(key: string, sub: RedisFanoutSubscription): void {
    const stream = this.#streams.get(key);
    if (!stream) return;
    stream.subs.delete(sub);
    if (stream.subs.size === 0) this.#streams.delete(key);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#changed.fire();
    this.#client?.destroy();
    await this.#loop;
    this.#streams.clear();
  }

  #start(): void {
    this.#loop ??= this.#run();
  }

  #wake(): void {
    this.#generation += 1;
    this.#changed.fire();
    if (this.#reading && this.#readingGeneration !== this.#generation && !this.#wakeSent) {
      this.#wakeSent = true;
      command(this.ctx, ["XADD", this.#wakeKey, "MAXLEN", "1", "*", "wake", "1"])
        .then(() => command(this.ctx, ["PEXPIRE", this.#wakeKey, String(24 * 3600 * 1000)]))
        .catch((err: unknown) => this.ctx.report(err, { operation: "reader wakeup" }));
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      const active = [...this.#streams].filter(([, s]) => s.position !== undefined);
      if (active.length === 0) {
        await this.#changed.promise;
        continue;
      }
      try {
        this.#client ??= await this.ctx.dedicatedClient("reader");
        if (this.#closed) break;
        this.#readingGeneration = this.#generation;
        this.#wakeSent = false;
        this.#reading = true;
        const keys = [this.#wakeKey, ...active.map(([key]) => key)];
        const ids = [this.#wakePosition, ...active.map(([, s]) => s.position as string)];
        const reply = await this.#client.sendCommand(
          ["XREAD", "COUNT", String(BATCH), "BLOCK", String(this.ctx.blockMs), "STREAMS", ...keys, ...ids],
          BUFFERS,
        );
        this.#reading = false;
        failures = 0;
        for (const [key, entries] of parseStreams(reply)) this.#dispatch(key, entries);
      } catch (err: unknown) {
        this.#reading = false;
        if (this.#closed) break;
        this.ctx.report(err, { operation: "reader" });
        await delay(backoff(failures++), this.#changed);
      }
    }
  }

  #dispatch(key: string, entries: RawEntry[]): void {
    if (key === this.#wakeKey) {
      const last = entries.at(-1);
      if (last) this.#wakePosition = last.id;
      return;
    }
    const stream = this.#streams.get(key);
    if (!stream || stream.position === undefined) return;
    for (const entry of entries) {
      if (compareIds(entry.id, stream.position) <= 0) continue;
      stream.position = entry.id;
      for (const sub of stream.subs) sub.offer(entry);
    }
  }
}

/** The id of the newest entry of a stream, `0-0` for an empty or missing stream. */
async function lastId(ctx: RedisContext, key: string): Promise<string> {
  const newest = parseEntries(await command(ctx, ["XREVRANGE", key, "+", "-", "COUNT", "1"], true));
  return newest[0]?.id ?? "0-0";
}

const noAck = async (): Promise<void> => {};

/** A live or inbox subscription. */
class RedisFanoutSubscription implements Subscription {
  readonly mode: DeliveryMode;
  readonly pump: DeliveryPump;
  readonly #key: string;
  /** Id of the last entry queued for delivery. */
  #cursor = "0-0";
  /** Entries read live while the start position is determined / the backlog replayed. */
  #buffer: RawEntry[] | undefined = [];
  #closed = false;
  #pendingPosition: string | undefined;
  #writing: Promise<void> | undefined;

  constructor(
    private readonly ctx: RedisContext,
    readonly channel: string,
    readonly subscriber: SubscriberInfo,
    private readonly handler: DeliveryHandler<never>,
  ) {
    this.mode = deliveryModeOf(channel);
    this.#key = ctx.keys.stream(channel);
    this.pump = new DeliveryPump((error) => ctx.report(error, { operation: "handler", channel, subscriberId: subscriber.id }));
  }

  /** The identity whose replay position this subscription keeps (inbox with identity only). */
  get #identity(): string | undefined {
    return this.mode === "inbox" ? this.subscriber.identity : undefined;
  }

  async start(): Promise<void> {
    await this.ctx.reader.add(this.#key, this);
    const identity = this.#identity;
    if (identity === undefined) {
      this.#cursor = await lastId(this.ctx, this.#key);
    } else {
      const stored = await command<string | null>(this.ctx, [
        "HGET",
        this.ctx.keys.info(this.channel),
        positionField(this.channel, identity),
      ]);
      this.#cursor = stored ?? "0-0";
      for (;;) {
        const raw = await command(this.ctx, ["XRANGE", this.#key, `(${this.#cursor}`, "+", "COUNT", String(BATCH)], true);
        const entries = parseEntries(raw);
        for (const entry of entries) this.#accept(entry, true);
        if (entries.length < BATCH || this.#closed) break;
      }
    }
    const buffered = this.#buffer ?? [];
    this.#buffer = undefined;
    for (const entry of buffered) this.#accept(entry, false);
  }

  offer(entry: RawEntry): void {
    if (this.#closed) return;
    if (this.#buffer) this.#buffer.push(entry);
    else this.#accept(entry, false);
  }

  #accept(entry: RawEntry, replayed: boolean): void {
    if (this.#closed || compareIds(entry.id, this.#cursor) <= 0) return;
    this.#cursor = entry.id;
    const bytes = entry.fields?.get("message");
    if (!bytes) return; // opsiconfd's `{ignore: ""}` channel markers and deleted entries
    this.pump.push(async () => {
      if (this.#closed) return;
      try {
        const message = decodeBrokerMessage<never>(bytes);
        if (!isExpired((message as MessageRecord).expires, this.ctx.options.now())) {
          await this.handler({ message, channel: this.channel, redelivered: false, replayed, ack: noAck });
        }
      } finally {
        if (!this.#closed) this.#recordPosition(entry.id);
      }
    });
  }

  #recordPosition(id: string): void {
    if (this.#identity === undefined) return;
    this.#pendingPosition = id;
    this.#writing ??= this.#flushPosition();
  }

  async #flushPosition(): Promise<void> {
    const identity = this.#identity as string;
    try {
      for (let id = this.#pendingPosition; id !== undefined; id = this.#pendingPosition) {
        this.#pendingPosition = undefined;
        try {
          await command(this.ctx, [
            "EVAL",
            SET_POSITION_SCRIPT,
            "1",
            this.ctx.keys.info(this.channel),
            positionField(this.channel, identity),
            id,
          ]);
        } catch (err: unknown) {
          this.ctx.report(err, { operation: "store replay position", channel: this.channel, subscriberId: this.subscriber.id });
        }
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async #end(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.pump.stop();
    this.ctx.reader.remove(this.#key, this);
    this.ctx.remove(this);
    await this.#writing;
  }

  unsubscribe(): Promise<void> {
    return this.#end();
  }

  kill(): Promise<void> {
    return this.#end();
  }

  get unacked(): number {
    return 0;
  }
}

/** A work-queue subscription: one consumer of the channel's consumer group. */
class RedisConsumer implements Subscription {
  readonly mode: DeliveryMode = "work-queue";
  readonly pump: DeliveryPump;
  readonly name: string;
  readonly #key: string;
  /** Entries read by this consumer and not acked (queued or being handled). */
  readonly #inFlight = new Set<string>();
  /** Acked locally, XACK not yet confirmed by Redis. */
  readonly #ackRetry = new Set<string>();
  readonly #wakeup = new Signal();
  readonly #claimIntervalMs: number;
  #client: RedisClient | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #loop: Promise<void> | undefined;
  #claimCursor = "0-0";
  #nextClaimAt = 0;
  #closed = false;

  constructor(
    private readonly ctx: RedisContext,
    readonly channel: string,
    readonly subscriber: SubscriberInfo,
    private readonly handler: DeliveryHandler<never>,
  ) {
    this.#key = ctx.keys.stream(channel);
    this.name = consumerName(subscriber);
    this.#claimIntervalMs = Math.max(25, Math.floor(ctx.options.claimIdleMs / 4));
    this.pump = new DeliveryPump((error) => ctx.report(error, { operation: "handler", channel, subscriberId: subscriber.id }));
  }

  get unacked(): number {
    return this.#inFlight.size;
  }

  async start(): Promise<void> {
    await this.#ensureGroup();
    this.#client = await this.ctx.dedicatedClient("consumer");
    if (this.#closed) {
      this.#client.destroy();
      return;
    }
    const touchEvery = Math.max(10, Math.floor(this.ctx.options.claimIdleMs / 3));
    this.#heartbeat = setInterval(() => void this.#touch(), touchEvery);
    this.#heartbeat.unref();
    this.#loop = this.#run(this.#client);
  }

  async #ensureGroup(): Promise<void> {
    try {
      await command(this.ctx, ["XGROUP", "CREATE", this.#key, this.channel, "0", "MKSTREAM"]);
    } catch (err: unknown) {
      if (!errorText(err).startsWith("BUSYGROUP")) throw err;
    }
  }

  async #run(client: RedisClient): Promise<void> {
    let ownPending = true;
    let failures = 0;
    while (!this.#closed) {
      try {
        if (this.#ackRetry.size > 0) {
          const ids = [...this.#ackRetry];
          await command(this.ctx, ["XACK", this.#key, this.channel, ...ids]);
          for (const id of ids) this.#ackRetry.delete(id);
        }
        if (ownPending) {
          await this.#readOwnPending(client);
          ownPending = false;
        }
        const free = this.ctx.options.prefetch - this.#inFlight.size;
        if (free <= 0) {
          await delay(this.#claimIntervalMs, this.#wakeup);
          continue;
        }
        if (Date.now() >= this.#nextClaimAt) {
          await this.#claim(client, free);
          this.#nextClaimAt = Date.now() + this.#claimIntervalMs;
          continue;
        }
        const block = Math.max(1, Math.min(this.ctx.blockMs, this.#nextClaimAt - Date.now()));
        const reply = await client.sendCommand(
          ["XREADGROUP", "GROUP", this.channel, this.name, "COUNT", String(free), "BLOCK", String(block), "STREAMS", this.#key, ">"],
          BUFFERS,
        );
        failures = 0;
        for (const [, entries] of parseStreams(reply)) for (const entry of entries) await this.#handle(entry, false);
      } catch (err: unknown) {
        if (this.#closed) break;
        ownPending = true;
        if (errorText(err).startsWith("NOGROUP")) {
          // The group is gone (Redis restarted without persistence, or someone deleted it).
          await this.#ensureGroup().catch((e: unknown) => this.#report(e, "consumer group"));
          continue;
        }
        this.#report(err, "consumer");
        await delay(backoff(failures++), this.#wakeup);
      }
    }
  }

  /** Entries this consumer name read before (a killed subscription of the same subscriber, or lost acks). */
  async #readOwnPending(client: RedisClient): Promise<void> {
    let from = "0";
    for (;;) {
      const reply = await client.sendCommand(
        ["XREADGROUP", "GROUP", this.channel, this.name, "COUNT", String(BATCH), "STREAMS", this.#key, from],
        BUFFERS,
      );
      const entries = parseStreams(reply).flatMap(([, e]) => e);
      for (const entry of entries) {
        if (!this.#inFlight.has(entry.id) && !this.#ackRetry.has(entry.id)) await this.#handle(entry, true);
      }
      if (entries.length < BATCH) return;
      from = (entries.at(-1) as RawEntry).id;
    }
  }

  /** Takes over entries idle for claimIdleMs (their consumer died) or released by an unsubscribe. */
  async #claim(client: RedisClient, free: number): Promise<void> {
    for (let round = 0; round < 10 && free > 0; round++) {
      const reply = await client.sendCommand(
        ["XAUTOCLAIM", this.#key, this.channel, this.name, String(this.ctx.options.claimIdleMs), this.#claimCursor, "COUNT", String(free)],
        BUFFERS,
      );
      const { next, entries } = parseAutoClaim(reply);
      this.#claimCursor = next;
      for (const entry of entries) {
        if (this.#inFlight.has(entry.id) || this.#ackRetry.has(entry.id)) continue;
        await this.#handle(entry, true);
        free -= 1;
      }
      if (next === "0-0") return;
    }
  }

  async #handle(entry: RawEntry, redelivered: boolean): Promise<void> {
    const bytes = entry.fields?.get("message");
    if (!bytes) {
      // A deleted entry, opsiconfd's `{ignore: ""}` marker, or our release notice.
      if (entry.fields?.has(RELEASE_NOTICE_FIELD)) {
        this.#nextClaimAt = 0;
        this.#claimCursor = "0-0";
      }
      await this.#xack(entry.id);
      return;
    }
    let message: MessageRecord;
    try {
      message = decodeBrokerMessage(bytes);
    } catch (err: unknown) {
      this.#report(err, "decode");
      await this.#xack(entry.id);
      return;
    }
    if (isExpired(message.expires, this.ctx.options.now())) {
      await this.#xack(entry.id);
      return;
    }
    const id = entry.id;
    this.#inFlight.add(id);
    const ack = () => this.#ack(id);
    this.pump.push(async () => {
      if (this.#closed || !this.#inFlight.has(id)) return;
      if (isExpired(message.expires, this.ctx.options.now())) return ack();
      const delivery: Delivery<never> = { message: message as never, channel: this.channel, redelivered, replayed: false, ack };
      await this.handler(delivery);
    });
  }

  async #ack(id: string): Promise<void> {
    if (this.#closed || !this.#inFlight.delete(id)) return;
    this.#wakeup.fire();
    await this.#xack(id);
  }

  async #xack(id: string): Promise<void> {
    try {
      await command(this.ctx, ["XACK", this.#key, this.channel, id]);
    } catch (err: unknown) {
      this.#ackRetry.add(id);
      this.#report(err, "ack");
    }
  }

  async #touch(): Promise<void> {
    const ids = [...this.#inFlight, ...this.#ackRetry];
    if (ids.length === 0 || this.#closed) return;
    try {
      await command(this.ctx, ["EVAL", TOUCH_SCRIPT, "1", this.#key, this.channel, this.name, ...ids]);
    } catch (err: unknown) {
      this.#report(err, "heartbeat");
    }
  }

  #report(error: unknown, operation: string): void {
    this.ctx.report(error, { operation, channel: this.channel, subscriberId: this.subscriber.id });
  }

  async #stop(): Promise<boolean> {
    if (this.#closed) return false;
    this.#closed = true;
    this.#wakeup.fire();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.pump.stop();
    this.#client?.destroy();
    await this.#loop;
    this.ctx.remove(this);
    return true;
  }

  async unsubscribe(): Promise<void> {
    if (!(await this.#stop())) return;
    try {
      if (this.#ackRetry.size > 0) await command(this.ctx, ["XACK", this.#key, this.channel, ...this.#ackRetry]);
      this.#ackRetry.clear();
      const ids = [...this.#inFlight];
      this.#inFlight.clear();
      const released = await command<number>(this.ctx, [
        "EVAL",
        RELEASE_SCRIPT,
        "1",
        this.#key,
        this.channel,
        this.name,
        RELEASED_CONSUMER,
        String(RELEASED_IDLE_MS),
        ...ids,
      ]);
      if (released > 0) {
        // Wake one consumer (of any node): it claims the released entries at once.
        await command(this.ctx, ["XADD", this.#key, "*", "ignore", "", RELEASE_NOTICE_FIELD, "1"]);
      }
    } catch (err: unknown) {
      // Redis unreachable: the entries are no longer refreshed and get claimed after claimIdleMs.
      this.#report(err, "release unacked messages");
    }
  }

  async kill(): Promise<void> {
    await this.#stop();
    this.#inFlight.clear();
    this.#ackRetry.clear();
  }
}

/**
 * The Redis-streams broker. Create it with {@link RedisBroker.connect}.
 * @example
 * const broker = await RedisBroker.connect({ url: "redis://127.0.0.1:6379" });
 * await broker.subscribe("service:depot:cfg.dom.tld:jsonrpc", { id: "service_worker:node1:1" }, async (d) => {
 *   await handle(d.message);
 *   await d.ack();
 * });
 */
export class RedisBroker<M extends MessageRecord = BrokerMessage> implements Broker<M> {
  readonly #ctx: RedisContext;
  readonly #subscriptions = new Set<RedisSubscription>();
  readonly #keys = new Set<string>();
  readonly #dedicated = new Set<RedisClient>();
  readonly #trimTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /** The key prefix and instance name in use. */
  readonly keyPrefix: string;
  readonly nodeName: string;

  private constructor(options: RedisBrokerOptions, resolved: ResolvedOptions, cmd: RedisClient, nodeName: string) {
    this.keyPrefix = options.keyPrefix ?? "opsiconfd";
    this.nodeName = nodeName;
    let reader: FanoutReader | undefined;
    const ctx: RedisContext = {
      options: resolved,
      cmd,
      keys: redisKeys(this.keyPrefix),
      nodeName,
      blockMs: options.blockMs ?? 10_000,
      commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
      get reader(): FanoutReader {
        return reader as FanoutReader;
      },
      report: (error, context) => {
        try {
          resolved.onError(error, context);
        } catch {
          // an error reporter that throws must not break the broker
        }
      },
      remove: (sub) => {
        this.#subscriptions.delete(sub);
        this.#keys.delete(subscriptionKey(sub.channel, sub.subscriber.id));
      },
      dedicatedClient: async (role) => {
        const client = cmd.duplicate({ name: `opsi-ts-broker:${nodeName}:${role}` });
        client.on("error", (err: unknown) => ctx.report(err, { operation: `redis connection (${role})` }));
        this.#dedicated.add(client);
        await client.connect();
        return client;
      },
    };
    reader = new FanoutReader(ctx);
    this.#ctx = ctx;
    if (resolved.trimIntervalMs > 0) {
      this.#trimTimer = setInterval(() => {
        this.trim().catch((err: unknown) => ctx.report(err, { operation: "trim" }));
      }, resolved.trimIntervalMs);
      this.#trimTimer.unref();
    }
  }

  /**
   * Connects to Redis (which must be ≥ 6.2: XAUTOCLAIM, XTRIM MINID) and returns the broker. Rejects
   * with a {@link BrokerError} naming the server when it is unreachable.
   */
  static async connect<M extends MessageRecord = BrokerMessage>(options: RedisBrokerOptions): Promise<RedisBroker<M>> {
    const resolved = resolveOptions(options);
    if (typeof options.url !== "string" || options.url.length === 0) throw new BrokerError("RedisBroker: option url is required");
    const nodeName = sanitizeName(options.nodeName ?? `${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`);
    const maxDelay = options.maxReconnectDelayMs ?? 2000;
    let connected = false;
    const cmd = createClient({
      url: options.url,
      name: `opsi-ts-broker:${nodeName}:cmd`,
      socket: {
        connectTimeout: options.connectTimeoutMs ?? 5000,
        // The first connection fails fast; a lost one is retried for ever with capped back-off.
        reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(50 * 2 ** Math.min(retries, 6), maxDelay) : cause),
      },
    });
    cmd.on("error", (err: unknown) => {
      if (connected) resolved.onError(err, { operation: "redis connection (cmd)" });
    });
    try {
      await cmd.connect();
      connected = true;
      const info = await cmd.sendCommand<string>(["INFO", "server"]);
      const version = /redis_version:(\d+)\.(\d+)/.exec(String(info));
      const [major, minor] = [Number(version?.[1] ?? 0), Number(version?.[2] ?? 0)];
      if (major < 6 || (major === 6 && minor < 2)) {
        throw new BrokerError(
          `RedisBroker needs Redis 6.2 or newer (XAUTOCLAIM, XTRIM MINID); ${redactUrl(options.url)} runs ${major}.${minor}`,
        );
      }
    } catch (err: unknown) {
      if (cmd.isOpen) cmd.destroy();
      if (err instanceof BrokerError) throw err;
      throw new BrokerError(`Cannot connect to Redis at ${redactUrl(options.url)}: ${errorText(err)}`, { cause: err });
    }
    return new RedisBroker<M>(options, resolved, cmd, nodeName);
  }

  async publish(message: M): Promise<boolean> {
    if (this.#closed) throw new BrokerClosedError("publish");
    validateMessage(message);
    if (isExpired(message.expires, this.#ctx.options.now())) return false;
    const bytes = Buffer.from(encodeBrokerMessage(message));
    const key = this.#ctx.keys.stream(message.channel);
    try {
      await command(this.#ctx, ["XADD", key, "MAXLEN", "~", String(this.#ctx.options.maxStreamLength), "*", "message", bytes]);
    } catch (err: unknown) {
      throw new BrokerError(`Cannot publish message ${message.id} to ${message.channel}: ${errorText(err)}`, { cause: err });
    }
    return true;
  }

  async subscribe(channel: string, subscriber: SubscriberInfo, onDelivery: DeliveryHandler<M>): Promise<Subscription> {
    if (this.#closed) throw new BrokerClosedError("subscribe");
    validateSubscription(channel, subscriber, onDelivery);
    const key = subscriptionKey(channel, subscriber.id);
    if (this.#keys.has(key)) throw new BrokerError(`Subscriber ${subscriber.id} is already subscribed to ${channel}`);
    const info: SubscriberInfo =
      subscriber.identity === undefined ? { id: subscriber.id } : { id: subscriber.id, identity: subscriber.identity };
    const handler = onDelivery as DeliveryHandler<never>;
    const sub: RedisSubscription =
      deliveryModeOf(channel) === "work-queue"
        ? new RedisConsumer(this.#ctx, channel, info, handler)
        : new RedisFanoutSubscription(this.#ctx, channel, info, handler);
    this.#subscriptions.add(sub);
    this.#keys.add(key);
    try {
      await sub.start();
    } catch (err: unknown) {
      await sub.kill();
      throw new BrokerError(`Cannot subscribe ${subscriber.id} to ${channel}: ${errorText(err)}`, { cause: err });
    }
    return sub;
  }

  stats(): BrokerStats {
    let queuedDeliveries = 0;
    let unacked = 0;
    for (const sub of this.#subscriptions) {
      queuedDeliveries += sub.pump.size;
      unacked += sub.unacked;
    }
    return { subscriptions: this.#subscriptions.size, queuedDeliveries, unacked };
  }

  /**
   * Trims every channel stream to the entries of the last `retentionMs` (`XTRIM MINID`, like
   * opsiconfd's periodic cleanup) and deletes streams left empty that have no consumer group. Runs
   * every `trimIntervalMs`.
   */
  async trim(): Promise<{ readonly streams: number; readonly deleted: number }> {
    const minId = `${Math.max(0, this.#ctx.options.now() - this.#ctx.options.retentionMs)}-0`;
    let cursor = "0";
    let streams = 0;
    let deleted = 0;
    do {
      const [next, keys] = await command<[string, string[]]>(this.#ctx, [
        "SCAN",
        cursor,
        "MATCH",
        this.#ctx.keys.channelPattern(),
        "COUNT",
        "1000",
        "TYPE",
        "stream",
      ]);
      cursor = next;
      for (const key of keys) {
        deleted += await command<number>(this.#ctx, ["EVAL", TRIM_SCRIPT, "1", key, minId]);
        streams += 1;
      }
    } while (cursor !== "0");
    return { streams, deleted };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#trimTimer) clearInterval(this.#trimTimer);
    await Promise.all([...this.#subscriptions].map((sub) => sub.unsubscribe()));
    await this.#ctx.reader.close();
    for (const client of this.#dedicated) if (client.isOpen) client.destroy();
    this.#dedicated.clear();
    const cmd = this.#ctx.cmd;
    if (cmd.isReady) await command(this.#ctx, ["DEL", this.#ctx.keys.wakeup(this.nodeName)]).catch(() => {});
    if (cmd.isOpen) {
      await cmd.close().catch(() => cmd.destroy());
    }
  }
}
