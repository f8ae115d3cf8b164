/**
 * @module broker/internal
 * Pieces shared by the broker implementations: message validation and (de)serialisation, option
 * defaults, and the per-subscription delivery pump.
 */
import { Packr } from "msgpackr";
import {
  BrokerError,
  type BrokerErrorContext,
  type BrokerOptions,
  InvalidBrokerMessageError,
  type MessageRecord,
  type SubscriberInfo,
} from "./types.js";

const packr = new Packr({ useRecords: false, int64AsType: "number", mapsAsObjects: true });

/** Why `value` is not a usable broker message, or `undefined` if it is. */
export function messageProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `not an object (got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value})`;
  }
  const record = value as Record<string, unknown>;
  for (const field of ["id", "channel"] as const) {
    const v = record[field];
    if (v === undefined) return `field '${field}' is missing`;
    if (typeof v !== "string") return `field '${field}' is of type ${v === null ? "null" : typeof v}, expected a string`;
    if (v.length === 0) return `field '${field}' must be a non-empty string`;
  }
  const expires = record.expires;
  if (expires === undefined) return "field 'expires' is missing";
  if (typeof expires !== "number") return `field 'expires' is of type ${expires === null ? "null" : typeof expires}, expected a number`;
  if (!Number.isSafeInteger(expires)) return `field 'expires' must be an integer (ms since the epoch), got ${expires}`;
  if (expires < 0) return `field 'expires' must not be negative, got ${expires}`;
  return undefined;
}

/**
 * Checks the fields the broker relies on. Throws {@link InvalidBrokerMessageError} naming the field.
 * @example validateMessage({ id: "x", channel: "event:test", expires: Date.now() + 60_000 })
 */
export function validateMessage(message: unknown): asserts message is MessageRecord {
  const problem = messageProblem(message);
  if (problem !== undefined) throw new InvalidBrokerMessageError(`Invalid message for the broker: ${problem}`);
}

/**
 * Serialises a message with msgpack (maps as maps, integers as numbers).
 * @example const bytes = encodeBrokerMessage(message);
 */
export function encodeBrokerMessage(message: MessageRecord): Uint8Array {
  try {
    return packr.pack(message);
  } catch (err: unknown) {
    throw new InvalidBrokerMessageError(`Message ${message.id} cannot be serialised: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Deserialises a message written by {@link encodeBrokerMessage}; throws {@link BrokerError} if the bytes
 * do not hold a map with the broker fields.
 */
export function decodeBrokerMessage<M extends MessageRecord>(bytes: Uint8Array): M {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err: unknown) {
    throw new BrokerError(`Stored message is not valid msgpack: ${err instanceof Error ? err.message : String(err)}`);
  }
  const problem = messageProblem(value);
  if (problem !== undefined) throw new BrokerError(`Stored message is unusable: ${problem}`);
  return value as M;
}

/** Whether a message with this `expires` is expired at `now`. */
export function isExpired(expires: number, now: number): boolean {
  return expires <= now;
}

/** {@link BrokerOptions} with defaults applied. */
export interface ResolvedOptions {
  readonly claimIdleMs: number;
  readonly prefetch: number;
  readonly maxStreamLength: number;
  readonly retentionMs: number;
  readonly trimIntervalMs: number;
  readonly onError: (error: unknown, context: BrokerErrorContext) => void;
  readonly now: () => number;
}

function positiveInt(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new BrokerError(`Broker option ${name} must be ${allowZero ? "a non-negative" : "a positive"} integer, got ${String(value)}`);
  }
  return value;
}

/** Applies the defaults documented on {@link BrokerOptions}; throws {@link BrokerError} for bad values. */
export function resolveOptions(options: BrokerOptions): ResolvedOptions {
  return {
    claimIdleMs: positiveInt("claimIdleMs", options.claimIdleMs, 60_000),
    prefetch: positiveInt("prefetch", options.prefetch, 16),
    maxStreamLength: positiveInt("maxStreamLength", options.maxStreamLength, 1000),
    retentionMs: positiveInt("retentionMs", options.retentionMs, 300_000),
    trimIntervalMs: positiveInt("trimIntervalMs", options.trimIntervalMs, 180_000, true),
    onError: options.onError ?? defaultOnError,
    now: options.now ?? Date.now,
  };
}

function defaultOnError(error: unknown, context: BrokerErrorContext): void {
  const where = [context.channel && `channel ${context.channel}`, context.subscriberId && `subscriber ${context.subscriberId}`]
    .filter(Boolean)
    .join(", ");
  console.error(`message broker: ${context.operation} failed${where ? ` (${where})` : ""}:`, error);
}

/** Checks channel and subscriber of a `subscribe()` call. */
export function validateSubscription(channel: unknown, subscriber: unknown, handler: unknown): void {
  if (typeof channel !== "string" || channel.length === 0) throw new BrokerError("subscribe: channel must be a non-empty string");
  const s = subscriber as Partial<SubscriberInfo> | null;
  if (typeof s !== "object" || s === null || typeof s.id !== "string" || s.id.length === 0) {
    throw new BrokerError("subscribe: subscriber.id must be a non-empty string");
  }
  if (s.identity !== undefined && (typeof s.identity !== "string" || s.identity.length === 0)) {
    throw new BrokerError("subscribe: subscriber.identity must be a non-empty string when given");
  }
  if (typeof handler !== "function") throw new BrokerError("subscribe: onDelivery must be a function");
}

/** A unit of work of a {@link DeliveryPump}. */
export type PumpTask = () => void | Promise<void>;

/**
 * Runs the tasks of one subscription one after the other, so a slow handler delays only its own
 * subscription. A failing task is reported and the pump continues.
 */
export class DeliveryPump {
  #queue: PumpTask[] = [];
  #running = false;
  #stopped = false;

  constructor(private readonly report: (error: unknown) => void) {}

  /** Tasks waiting to run. */
  get size(): number {
    return this.#queue.length;
  }

  /** Queues a task; ignored once stopped. */
  push(task: PumpTask): void {
    if (this.#stopped) return;
    this.#queue.push(task);
    if (!this.#running) void this.#drain();
  }

  /** Discards queued tasks and ignores new ones (a running task is not interrupted). */
  stop(): void {
    this.#stopped = true;
    this.#queue = [];
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      for (let task = this.#queue.shift(); task !== undefined && !this.#stopped; task = this.#queue.shift()) {
        try {
          await task();
        } catch (err: unknown) {
          this.report(err);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}

/** Resolves after `ms` (used for retry back-off and idle waits, never to synchronise with events). */
export function delay(ms: number, signal?: { readonly promise: Promise<void> }): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A promise with its resolver, re-armable. */
export class Signal {
  #resolve: () => void = () => {};
  promise: Promise<void> = this.#arm();

  #arm(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** Wakes everyone waiting on the current promise and arms a new one. */
  fire(): void {
    const resolve = this.#resolve;
    this.promise = this.#arm();
    resolve();
  }
}

/** Key of a (channel, subscriber) pair, for the one-subscription-per-subscriber check. */
export function subscriptionKey(channel: string, subscriberId: string): string {
  return `${channel}\u0000${subscriberId}`;
}

/**
 * The consumer name of a work-queue subscriber: `<identity>:<id>` like opsiconfd's
 * `<bus-user-id>:<session uuid>`, or just the id without an identity.
 * @example consumerName({ id: "4f1c…", identity: "host:depot1.dom.tld" }) // "host:depot1.dom.tld:4f1c…"
 */
export function consumerName(subscriber: SubscriberInfo): string {
  return subscriber.identity === undefined ? subscriber.id : `${subscriber.identity}:${subscriber.id}`;
}
