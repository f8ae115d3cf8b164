/**
 * @module broker/memory-broker
 * `MemoryBroker`: the in-process broker of the embedded setup (one process, no Redis). Same semantics
 * as the Redis broker (see {@link Broker}); messages are stored msgpack-encoded, so every delivery is
 * a fresh copy and a message that Redis could not store is rejected here too.
 */
import {
  consumerName,
  DeliveryPump,
  decodeBrokerMessage,
  encodeBrokerMessage,
  isExpired,
  type ResolvedOptions,
  resolveOptions,
  subscriptionKey,
  validateMessage,
  validateSubscription,
} from "./internal.js";
import {
  type Broker,
  BrokerClosedError,
  BrokerError,
  type BrokerMessage,
  type BrokerOptions,
  type BrokerStats,
  type DeliveryHandler,
  type DeliveryMode,
  deliveryModeOf,
  type MessageRecord,
  type SubscriberInfo,
  type Subscription,
} from "./types.js";

/** A published message as stored in memory. */
interface StoredEntry {
  /** Broker-wide sequence number (publish order). */
  readonly seq: number;
  readonly bytes: Uint8Array;
  readonly expires: number;
  readonly published: number;
  readonly messageId: string;
}

/** A work-queue message and how often it was handed out. */
interface QueuedEntry {
  readonly entry: StoredEntry;
  deliveries: number;
}

/** Unacked messages of a killed consumer, waiting for `claimIdleMs`. */
interface Orphan {
  readonly entries: QueuedEntry[];
  readonly timer: ReturnType<typeof setTimeout>;
}

interface ChannelState {
  readonly channel: string;
  readonly mode: DeliveryMode;
  /** live + inbox subscriptions. */
  readonly fanout: Set<FanoutSubscription>;
  /** inbox: retained messages in publish order. */
  log: StoredEntry[];
  /** inbox: identity → seq of the last message delivered to it. */
  readonly positions: Map<string, number>;
  /** work-queue: messages not handed to any consumer, ordered by seq. */
  pending: QueuedEntry[];
  /** work-queue: consumers in round-robin order. */
  readonly consumers: ConsumerSubscription[];
  roundRobin: number;
  /** work-queue: consumer name → messages of a killed consumer. */
  readonly orphans: Map<string, Orphan>;
}

/** What subscriptions need from their broker. */
interface BrokerContext {
  readonly options: ResolvedOptions;
  dispatch(state: ChannelState): void;
  remove(sub: MemorySubscription): void;
  orphan(state: ChannelState, name: string, entries: QueuedEntry[]): void;
}

const noAck = async (): Promise<void> => {};

abstract class MemorySubscription implements Subscription {
  closed = false;
  readonly pump: DeliveryPump;

  constructor(
    protected readonly ctx: BrokerContext,
    readonly state: ChannelState,
    readonly subscriber: SubscriberInfo,
  ) {
    this.pump = new DeliveryPump((error) =>
      ctx.options.onError(error, { operation: "handler", channel: state.channel, subscriberId: subscriber.id }),
    );
  }

  get channel(): string {
    return this.state.channel;
  }

  get mode(): DeliveryMode {
    return this.state.mode;
  }

  abstract end(graceful: boolean): void;

  async unsubscribe(): Promise<void> {
    this.end(true);
  }

  async kill(): Promise<void> {
    this.end(false);
  }
}

class FanoutSubscription extends MemorySubscription {
  /** Seq of the last message queued for this subscription. */
  cursor = 0;

  constructor(
    ctx: BrokerContext,
    state: ChannelState,
    subscriber: SubscriberInfo,
    private readonly handler: DeliveryHandler<never>,
  ) {
    super(ctx, state, subscriber);
  }

  /** The identity whose position this subscription keeps (inbox with identity only). */
  get identity(): string | undefined {
    return this.state.mode === "inbox" ? this.subscriber.identity : undefined;
  }

  offer(entry: StoredEntry, replayed: boolean): void {
    if (this.closed || entry.seq <= this.cursor) return;
    this.cursor = entry.seq;
    this.pump.push(async () => {
      if (this.closed) return;
      if (!isExpired(entry.expires, this.ctx.options.now())) {
        const message = decodeBrokerMessage<never>(entry.bytes);
        await this.handler({ message, channel: this.state.channel, redelivered: false, replayed, ack: noAck });
      }
      const identity = this.identity;
      if (identity !== undefined && !this.closed) {
        this.state.positions.set(identity, Math.max(this.state.positions.get(identity) ?? 0, entry.seq));
      }
    });
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.pump.stop();
    this.state.fanout.delete(this);
    this.ctx.remove(this);
  }
}

class ConsumerSubscription extends MemorySubscription {
  readonly inFlight = new Map<number, QueuedEntry>();

  constructor(
    ctx: BrokerContext,
    state: ChannelState,
    subscriber: SubscriberInfo,
    readonly name: string,
    private readonly handler: DeliveryHandler<never>,
  ) {
    super(ctx, state, subscriber);
  }

  get hasCapacity(): boolean {
    return !this.closed && this.inFlight.size < this.ctx.options.prefetch;
  }

  assign(queued: QueuedEntry): void {
    const { entry } = queued;
    queued.deliveries += 1;
    this.inFlight.set(entry.seq, queued);
    const redelivered = queued.deliveries > 1;
    const ack = async (): Promise<void> => {
      if (this.closed) return;
      if (this.inFlight.delete(entry.seq)) this.ctx.dispatch(this.state);
    };
    this.pump.push(async () => {
      if (this.closed || !this.inFlight.has(entry.seq)) return;
      if (isExpired(entry.expires, this.ctx.options.now())) return ack();
      let message: never;
      try {
        message = decodeBrokerMessage<never>(entry.bytes);
      } catch (err: unknown) {
        await ack();
        throw err;
      }
      await this.handler({ message, channel: this.state.channel, redelivered, replayed: false, ack });
    });
  }

  end(graceful: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.pump.stop();
    const index = this.state.consumers.indexOf(this);
    if (index >= 0) this.state.consumers.splice(index, 1);
    const unacked = [...this.inFlight.values()];
    this.inFlight.clear();
    if (unacked.length > 0 && graceful) {
      this.state.pending = [...this.state.pending, ...unacked].sort((a, b) => a.entry.seq - b.entry.seq);
      this.ctx.dispatch(this.state);
    } else if (unacked.length > 0) {
      this.ctx.orphan(this.state, this.name, unacked);
    }
    this.ctx.remove(this);
  }
}

/**
 * The in-process broker.
 * @example
 * const broker = new MemoryBroker();
 * await broker.subscribe("event:host_created", { id: session }, ({ message }) => send(message));
 * await broker.publish(message);
 */
export class MemoryBroker<M extends MessageRecord = BrokerMessage> implements Broker<M> {
  readonly #options: ResolvedOptions;
  readonly #channels = new Map<string, ChannelState>();
  readonly #subscriptions = new Set<MemorySubscription>();
  readonly #keys = new Set<string>();
  readonly #trimTimer: ReturnType<typeof setInterval> | undefined;
  readonly #ctx: BrokerContext;
  #seq = 0;
  #closed = false;

  constructor(options: BrokerOptions = {}) {
    this.#options = resolveOptions(options);
    this.#ctx = {
      options: this.#options,
      dispatch: (state) => this.#dispatch(state),
      remove: (sub) => {
        this.#subscriptions.delete(sub);
        this.#keys.delete(subscriptionKey(sub.channel, sub.subscriber.id));
        this.#forgetIfUnused(sub.state);
      },
      orphan: (state, name, entries) => this.#orphan(state, name, entries),
    };
    if (this.#options.trimIntervalMs > 0) {
      this.#trimTimer = setInterval(() => this.trim(), this.#options.trimIntervalMs);
      this.#trimTimer.unref();
    }
  }

  async publish(message: M): Promise<boolean> {
    if (this.#closed) throw new BrokerClosedError("publish");
    validateMessage(message);
    const now = this.#options.now();
    if (isExpired(message.expires, now)) return false;
    const entry: StoredEntry = {
      seq: ++this.#seq,
      bytes: encodeBrokerMessage(message),
      expires: message.expires,
      published: now,
      messageId: message.id,
    };
    const mode = deliveryModeOf(message.channel);
    if (mode === "live") {
      const state = this.#channels.get(message.channel);
      for (const sub of state?.fanout ?? []) sub.offer(entry, false);
      return true;
    }
    const state = this.#state(message.channel);
    if (mode === "inbox") {
      state.log.push(entry);
      if (state.log.length > this.#options.maxStreamLength) state.log.splice(0, state.log.length - this.#options.maxStreamLength);
      for (const sub of state.fanout) sub.offer(entry, false);
    } else {
      state.pending.push({ entry, deliveries: 0 });
      if (state.pending.length > this.#options.maxStreamLength) {
        state.pending.splice(0, state.pending.length - this.#options.maxStreamLength);
      }
      this.#dispatch(state);
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
    const state = this.#state(channel);
    const handler = onDelivery as DeliveryHandler<never>;
    let sub: MemorySubscription;
    if (state.mode === "work-queue") {
      const name = consumerName(info);
      const consumer = new ConsumerSubscription(this.#ctx, state, info, name, handler);
      state.consumers.push(consumer);
      sub = consumer;
      const orphan = state.orphans.get(name);
      if (orphan) {
        clearTimeout(orphan.timer);
        state.orphans.delete(name);
        state.pending = [...state.pending, ...orphan.entries].sort((a, b) => a.entry.seq - b.entry.seq);
      }
    } else {
      const fanout = new FanoutSubscription(this.#ctx, state, info, handler);
      const identity = fanout.identity;
      if (identity !== undefined) {
        // Replay everything after the identity's last delivered message, then continue live.
        fanout.cursor = state.positions.get(identity) ?? 0;
        for (const entry of state.log) fanout.offer(entry, true);
      }
      fanout.cursor = Math.max(fanout.cursor, this.#seq);
      state.fanout.add(fanout);
      sub = fanout;
    }
    this.#subscriptions.add(sub);
    this.#keys.add(key);
    if (state.mode === "work-queue") this.#dispatch(state);
    return sub;
  }

  stats(): BrokerStats {
    let queuedDeliveries = 0;
    let unacked = 0;
    for (const sub of this.#subscriptions) {
      queuedDeliveries += sub.pump.size;
      if (sub instanceof ConsumerSubscription) unacked += sub.inFlight.size;
    }
    return { subscriptions: this.#subscriptions.size, queuedDeliveries, unacked };
  }

  /**
   * Drops expired messages and messages older than `retentionMs` (runs every `trimIntervalMs`).
   * @example broker.trim()
   */
  trim(): void {
    const now = this.#options.now();
    const minPublished = now - this.#options.retentionMs;
    const keep = (entry: StoredEntry): boolean => !isExpired(entry.expires, now) && entry.published >= minPublished;
    for (const state of [...this.#channels.values()]) {
      state.log = state.log.filter(keep);
      state.pending = state.pending.filter((queued) => keep(queued.entry));
      this.#forgetIfUnused(state);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#trimTimer) clearInterval(this.#trimTimer);
    for (const sub of [...this.#subscriptions]) sub.end(true);
    for (const state of this.#channels.values()) for (const orphan of state.orphans.values()) clearTimeout(orphan.timer);
    this.#channels.clear();
  }

  #state(channel: string): ChannelState {
    let state = this.#channels.get(channel);
    if (!state) {
      state = {
        channel,
        mode: deliveryModeOf(channel),
        fanout: new Set(),
        log: [],
        positions: new Map(),
        pending: [],
        consumers: [],
        roundRobin: 0,
        orphans: new Map(),
      };
      this.#channels.set(channel, state);
    }
    return state;
  }

  #forgetIfUnused(state: ChannelState): void {
    const unused =
      state.fanout.size === 0 &&
      state.consumers.length === 0 &&
      state.log.length === 0 &&
      state.positions.size === 0 &&
      state.pending.length === 0 &&
      state.orphans.size === 0;
    if (unused && this.#channels.get(state.channel) === state) this.#channels.delete(state.channel);
  }

  /** Hands pending work-queue messages to consumers with free capacity, round robin. */
  #dispatch(state: ChannelState): void {
    if (this.#closed) return;
    const now = this.#options.now();
    while (state.pending.length > 0) {
      const head = state.pending[0] as QueuedEntry;
      if (isExpired(head.entry.expires, now)) {
        state.pending.shift();
        continue;
      }
      const count = state.consumers.length;
      let consumer: ConsumerSubscription | undefined;
      for (let i = 0; i < count && !consumer; i++) {
        const candidate = state.consumers[(state.roundRobin + i) % count];
        if (candidate?.hasCapacity) {
          consumer = candidate;
          state.roundRobin = (state.roundRobin + i + 1) % count;
        }
      }
      if (!consumer) return;
      state.pending.shift();
      consumer.assign(head);
    }
  }

  #orphan(state: ChannelState, name: string, entries: QueuedEntry[]): void {
    if (this.#closed) return;
    const previous = state.orphans.get(name);
    if (previous) clearTimeout(previous.timer);
    const all = [...(previous?.entries ?? []), ...entries];
    const timer = setTimeout(() => {
      if (state.orphans.get(name)?.timer !== timer) return;
      state.orphans.delete(name);
      state.pending = [...state.pending, ...all].sort((a, b) => a.entry.seq - b.entry.seq);
      this.#dispatch(state);
      this.#forgetIfUnused(state);
    }, this.#options.claimIdleMs);
    timer.unref();
    state.orphans.set(name, { entries: all, timer });
  }
}
