/**
 * @module broker/types
 * The `Broker` contract shared by {@link MemoryBroker} and {@link RedisBroker}: how messages are
 * published, who receives them, and when. The broker treats messages as opaque records; it only reads
 * `id`, `channel` and `expires`.
 *
 * Delivery modes (chosen from the channel name, see {@link deliveryModeOf}):
 * - `work-queue` (`service:*`): every message goes to exactly one consumer of the channel, which acks
 *   it. Unacked messages of a consumer that unsubscribed or died go to another consumer, marked
 *   `redelivered`. Messages published while no consumer is subscribed wait for the first one.
 * - `inbox` (`host:*`, `user:*`): fan-out to every current subscriber; messages are also kept (until
 *   they expire, or are trimmed) and replayed, in order, to an identity that subscribes again: the
 *   broker remembers the last message delivered to each identity per channel.
 * - `live` (everything else: `event:*`, `session:*`, `service_worker:*`, ...): fan-out to the current
 *   subscribers only; a subscriber receives what is published after its `subscribe()` resolved.
 *
 * Expired messages (`expires` ≤ now, spec §1.4; so 0 is always expired) are dropped everywhere: on publish, on replay, on
 * redelivery and just before a queued delivery is handed to its subscriber.
 */

/** The fields every message must have for the broker. Structural: the opsi message model satisfies it. */
export interface MessageRecord {
  /** Unique message id (uuid4 in opsi). */
  readonly id: string;
  /** Target channel, already resolved (no `@`/`$`) and normalised by the caller. */
  readonly channel: string;
  /** Expiry in milliseconds since the epoch; `0` means never. */
  readonly expires: number;
}

/** An opaque message as the broker sees it: {@link MessageRecord} plus any other fields. */
export interface BrokerMessage extends MessageRecord {
  readonly [key: string]: unknown;
}

/** Who subscribes. */
export interface SubscriberInfo {
  /**
   * Connection or session id, unique per connection (e.g. the session uuid, or
   * `service_worker:<node>:<n>`). One subscriber may subscribe to a channel at most once per broker.
   */
  readonly id: string;
  /**
   * Bus identity of the subscriber (`host:pc1.dom.tld`, `user:adminuser`). Needed for replay on
   * `inbox` channels: the broker stores the last delivered position per identity and channel.
   * Without an identity an inbox subscription is live only.
   */
  readonly identity?: string;
}

/** One message handed to one subscriber. */
export interface Delivery<M extends MessageRecord = BrokerMessage> {
  /** The message (a fresh copy per delivery: mutating it does not affect other subscribers). */
  readonly message: M;
  /** The channel subscribed to. */
  readonly channel: string;
  /**
   * `work-queue` only: the message was handed to a consumer before (which unsubscribed or died
   * without acking it). A message is never delivered a second time without this marker.
   */
  readonly redelivered: boolean;
  /** `inbox` only: the message was published before this subscription and is replayed from the backlog. */
  readonly replayed: boolean;
  /**
   * `work-queue`: acknowledges the message; until then it counts against the consumer's `prefetch`
   * and is redelivered elsewhere if the consumer goes away. Idempotent; a no-op once the
   * subscription has ended. Other modes: a no-op.
   */
  ack(): Promise<void>;
}

/** Called for every delivery of a subscription, one at a time and in order. */
export type DeliveryHandler<M extends MessageRecord = BrokerMessage> = (delivery: Delivery<M>) => void | Promise<void>;

/** An active subscription. */
export interface Subscription {
  readonly channel: string;
  readonly subscriber: SubscriberInfo;
  /** Delivery mode of the channel. */
  readonly mode: DeliveryMode;
  /**
   * Ends the subscription gracefully: no further deliveries (queued ones are discarded, a running
   * handler is not awaited). `work-queue`: unacked messages are released at once for redelivery to
   * another (or the next) consumer. `inbox`: the stored position is the last message whose handler
   * completed, so discarded ones are replayed next time. Idempotent.
   */
  unsubscribe(): Promise<void>;
  /**
   * Ends the subscription as if its process had died: no further deliveries and nothing is released.
   * `work-queue`: unacked messages are redelivered to another consumer once they have been idle for
   * `claimIdleMs` (or at once to a new subscription of the same subscriber). Idempotent.
   */
  kill(): Promise<void>;
}

/** Counters for metrics and leak checks. */
export interface BrokerStats {
  /** Active subscriptions on this broker instance. */
  readonly subscriptions: number;
  /** Deliveries queued in this process and not yet handed to their handler. */
  readonly queuedDeliveries: number;
  /** Work-queue deliveries handed out by this instance and not yet acked. */
  readonly unacked: number;
}

/** A message broker (see the module documentation for the delivery semantics). */
export interface Broker<M extends MessageRecord = BrokerMessage> {
  /**
   * Publishes a message to `message.channel`. Resolves `true` once the message is stored (Redis) or
   * queued to every current subscriber (memory), `false` if it was dropped because it had already
   * expired. Rejects with {@link InvalidBrokerMessageError} for a message without a usable
   * id/channel/expires and with {@link BrokerClosedError} after {@link Broker.close}.
   */
  publish(message: M): Promise<boolean>;
  /**
   * Subscribes to one channel. Resolves once the subscription is in place: every message published
   * after that is delivered (subject to the channel's mode). Deliveries of one subscription are
   * sequential (the next one waits for the handler's promise); different subscriptions never wait for
   * each other. A handler that throws or rejects is reported to `onError`; delivery continues.
   */
  subscribe(channel: string, subscriber: SubscriberInfo, onDelivery: DeliveryHandler<M>): Promise<Subscription>;
  /** Current counters of this instance. */
  stats(): BrokerStats;
  /**
   * Ends all subscriptions (like {@link Subscription.unsubscribe}), stops timers and releases
   * connections. Later calls of publish/subscribe reject with {@link BrokerClosedError}. Idempotent.
   */
  close(): Promise<void>;
}

/** Where a broker reports errors it cannot return to a caller (failing handlers, lost connections). */
export interface BrokerErrorContext {
  /** What failed, e.g. `handler`, `decode`, `reader`, `consumer`, `ack`, `trim`. */
  readonly operation: string;
  readonly channel?: string;
  readonly subscriberId?: string;
  readonly messageId?: string;
}

/** Options shared by both broker implementations. */
export interface BrokerOptions {
  /**
   * Work queues: a message handed to a consumer that has died (no longer refreshing it) is
   * redelivered to another consumer after this many ms. Default 60 000 (opsiconfd's XAUTOCLAIM idle).
   */
  readonly claimIdleMs?: number;
  /** Work queues: at most this many unacked messages per consumer. Default 16. */
  readonly prefetch?: number;
  /** Messages kept per channel at most (Redis: `XADD MAXLEN ~`, so approximately). Default 1000. */
  readonly maxStreamLength?: number;
  /** Messages older than this are trimmed from the channels (opsiconfd: 300 s). Default 300 000. */
  readonly retentionMs?: number;
  /** How often the time-based trim runs. Default 180 000; `0` disables it. */
  readonly trimIntervalMs?: number;
  /** Receives errors that cannot be returned to a caller. Default: `console.error`. */
  readonly onError?: (error: unknown, context: BrokerErrorContext) => void;
  /** Clock used for expiry (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number;
}

/** Delivery mode of a channel. */
export type DeliveryMode = "work-queue" | "inbox" | "live";

/**
 * The delivery mode of a channel: `service:*` → work-queue, `host:*`/`user:*` → inbox, anything else live.
 * @example deliveryModeOf("service:depot:depot1.dom.tld:jsonrpc") // "work-queue"
 */
export function deliveryModeOf(channel: string): DeliveryMode {
  if (channel.startsWith("service:")) return "work-queue";
  if (channel.startsWith("host:") || channel.startsWith("user:")) return "inbox";
  return "live";
}

/** Any broker error. */
export class BrokerError extends Error {
  override readonly name: string = "BrokerError";
}

/** The broker was closed. */
export class BrokerClosedError extends BrokerError {
  override readonly name = "BrokerClosedError";

  constructor(operation: string) {
    super(`Cannot ${operation}: the message broker is closed`);
  }
}

/** A message without a usable `id`, `channel` or `expires`, or one that cannot be serialised. */
export class InvalidBrokerMessageError extends BrokerError {
  override readonly name = "InvalidBrokerMessageError";
}
