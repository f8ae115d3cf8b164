/**
 * @module broker/conformance
 * `describeBroker(name, factory)`: registers the shared broker conformance suite with vitest. Every
 * implementation of {@link Broker} runs it (MemoryBroker, RedisBroker). Each test opens its brokers
 * through the factory and closes them afterwards; channel names are unique per test.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  type Broker,
  BrokerClosedError,
  BrokerError,
  type BrokerErrorContext,
  type BrokerMessage,
  type BrokerOptions,
  type Delivery,
  InvalidBrokerMessageError,
  type SubscriberInfo,
  type Subscription,
} from "./types.js";

/** Creates a broker with the given options (the suite always sets claimIdleMs, prefetch and onError). */
export type BrokerFactory = (options: BrokerOptions) => Broker | Promise<Broker>;

/** Options of {@link describeBroker}. */
export interface DescribeBrokerOptions {
  /** Timeout per test in milliseconds (default 20 000). */
  readonly timeout?: number;
  /** `claimIdleMs` the suite uses (default 400): redelivery tests wait about twice this long. */
  readonly claimIdleMs?: number;
}

/** A message for tests: uuid id, 60 s validity, plus `extra` fields. */
export function testMessage(channel: string, extra: Record<string, unknown> = {}): BrokerMessage {
  return { type: "test", id: randomUUID(), channel, created: Date.now(), expires: Date.now() + 60_000, ...extra };
}

/**
 * Polls `condition` every 5 ms until it holds; rejects naming `what` after `timeoutMs`.
 * @example await waitFor(() => rec.ids.length === 3, "3 deliveries");
 */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Collects the deliveries of one subscription. */
export class Recorder {
  readonly deliveries: Delivery[] = [];
  /** Ack every delivery as soon as it arrives (default true). */
  autoAck = true;
  /** When set, the handler awaits it before returning (to simulate a slow subscriber). */
  gate: Promise<void> | undefined;

  readonly handler = async (delivery: Delivery): Promise<void> => {
    this.deliveries.push(delivery);
    if (this.autoAck) await delivery.ack();
    if (this.gate) await this.gate;
  };

  get ids(): string[] {
    return this.deliveries.map((d) => d.message.id);
  }

  /** Waits until `n` deliveries have arrived. */
  async waitForCount(n: number, what = `${n} deliveries`, timeoutMs?: number): Promise<void> {
    await waitFor(() => this.deliveries.length >= n, `${what} (have ${this.deliveries.length})`, timeoutMs);
  }

  /** Waits until the message with this id has arrived. */
  async waitForId(id: string, what = `message ${id}`, timeoutMs?: number): Promise<Delivery> {
    await waitFor(() => this.ids.includes(id), what, timeoutMs);
    return this.deliveries.find((d) => d.message.id === id) as Delivery;
  }
}

/** A promise that is resolved from outside. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Unique channel names per test. */
function channels(): { live: string; session: string; host: string; user: string; service: string } {
  const tag = randomUUID().slice(0, 8);
  return {
    live: `event:test_${tag}`,
    session: `session:${randomUUID()}`,
    host: `host:pc-${tag}.test.local`,
    user: `user:admin-${tag}`,
    service: `service:depot:depot-${tag}.test.local:jsonrpc`,
  };
}

/**
 * Registers the broker conformance suite.
 * @example describeBroker("MemoryBroker", (options) => new MemoryBroker(options))
 */
export function describeBroker(name: string, factory: BrokerFactory, options: DescribeBrokerOptions = {}): void {
  const claimIdleMs = options.claimIdleMs ?? 400;
  const prefetch = 4;
  /** Longer than any claim cycle: used to assert that something does NOT happen. */
  const quietMs = claimIdleMs * 2 + 200;

  describe(name, { timeout: options.timeout ?? 20_000 }, () => {
    const opened: Broker[] = [];
    let errors: Array<{ error: unknown; context: BrokerErrorContext }> = [];

    async function open(overrides: BrokerOptions = {}): Promise<Broker> {
      const broker = await factory({
        claimIdleMs,
        prefetch,
        trimIntervalMs: 0,
        onError: (error, context) => errors.push({ error, context }),
        ...overrides,
      });
      opened.push(broker);
      return broker;
    }

    async function sub(broker: Broker, channel: string, subscriber: Partial<SubscriberInfo> = {}): Promise<[Recorder, Subscription]> {
      const rec = new Recorder();
      const info: SubscriberInfo = { id: subscriber.id ?? randomUUID(), ...(subscriber.identity ? { identity: subscriber.identity } : {}) };
      const subscription = await broker.subscribe(channel, info, rec.handler);
      return [rec, subscription];
    }

    async function publishAll(broker: Broker, channel: string, n: number, extra: Record<string, unknown> = {}): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const message = testMessage(channel, { n: i, ...extra });
        expect(await broker.publish(message)).toBe(true);
        ids.push(message.id);
      }
      return ids;
    }

    afterEach(async () => {
      const brokers = opened.splice(0);
      errors = [];
      await Promise.all(brokers.map((b) => b.close()));
    });

    describe("live channels (event:, session:)", () => {
      it("delivers every message to every subscriber, in order", async () => {
        const broker = await open();
        const ch = channels().live;
        const recs = await Promise.all([1, 2, 3].map(async () => (await sub(broker, ch))[0]));
        const ids = await publishAll(broker, ch, 10);
        for (const rec of recs) {
          await rec.waitForCount(10);
          expect(rec.ids).toEqual(ids);
          expect(rec.deliveries.every((d) => !d.redelivered && !d.replayed && d.channel === ch)).toBe(true);
        }
      });

      it.each(["live", "session"] as const)(
        "%s: a new subscriber gets only messages published after subscribe() resolved",
        async (kind) => {
          const broker = await open();
          const ch = channels()[kind];
          const [early] = await sub(broker, ch);
          const [before] = await publishAll(broker, ch, 1);
          await early.waitForCount(1);
          const [late] = await sub(broker, ch);
          const [after] = await publishAll(broker, ch, 1);
          await late.waitForCount(1);
          await early.waitForCount(2);
          expect(late.ids).toEqual([after]);
          expect(early.ids).toEqual([before, after]);
        },
      );

      it("does not deliver messages published while nobody was subscribed", async () => {
        const broker = await open();
        const ch = channels().live;
        await publishAll(broker, ch, 3);
        const [rec] = await sub(broker, ch);
        const [after] = await publishAll(broker, ch, 1);
        await rec.waitForCount(1);
        expect(rec.ids).toEqual([after]);
      });

      it("a slow subscriber does not hold up the others", async () => {
        const broker = await open();
        const ch = channels().live;
        const [slow] = await sub(broker, ch);
        const blocked = gate();
        slow.gate = blocked.promise;
        const [fast] = await sub(broker, ch);
        const ids = await publishAll(broker, ch, 10);
        await fast.waitForCount(10);
        expect(fast.ids).toEqual(ids);
        expect(slow.ids).toEqual(ids.slice(0, 1));
        expect(broker.stats().queuedDeliveries).toBe(9);
        blocked.open();
        await slow.waitForCount(10);
        expect(slow.ids).toEqual(ids);
      });

      it("reports a failing handler to onError and keeps delivering", async () => {
        const broker = await open();
        const ch = channels().live;
        const seen: string[] = [];
        await broker.subscribe(ch, { id: "failing" }, (d) => {
          seen.push(d.message.id);
          if (seen.length === 1) throw new Error("handler boom");
        });
        const ids = await publishAll(broker, ch, 3);
        await waitFor(() => seen.length === 3, "3 deliveries to the failing handler");
        expect(seen).toEqual(ids);
        await waitFor(() => errors.length > 0, "the handler error to be reported");
        expect(errors[0]?.context).toMatchObject({ operation: "handler", channel: ch, subscriberId: "failing" });
        expect(errors[0]?.error).toBeInstanceOf(Error);
        expect(String(errors[0]?.error)).toContain("handler boom");
      });
    });

    describe("inbox channels (host:, user:)", () => {
      it.each(["host", "user"] as const)(
        "%s: replays what was published while the identity was offline, in order, then goes live",
        async (kind) => {
          const broker = await open();
          const ch = channels()[kind];
          const identity = ch;
          const [first, firstSub] = await sub(broker, ch, { identity });
          const [m0] = await publishAll(broker, ch, 1);
          await first.waitForCount(1);
          await firstSub.unsubscribe();
          const offline = await publishAll(broker, ch, 5);
          const [second] = await sub(broker, ch, { identity });
          await second.waitForCount(5, "the replay");
          expect(second.ids).toEqual(offline);
          expect(second.deliveries.every((d) => d.replayed && !d.redelivered)).toBe(true);
          const [live] = await publishAll(broker, ch, 1);
          await second.waitForCount(6);
          expect(second.ids).toEqual([...offline, live]);
          expect(second.deliveries[5]?.replayed).toBe(false);
          expect(second.ids).not.toContain(m0);
        },
      );

      it("an identity that never subscribed receives the whole unexpired backlog", async () => {
        const broker = await open();
        const ch = channels().host;
        const ids = await publishAll(broker, ch, 4);
        const [rec] = await sub(broker, ch, { identity: ch });
        await rec.waitForCount(4);
        expect(rec.ids).toEqual(ids);
      });

      it("keeps the replay position per identity", async () => {
        const broker = await open();
        const ch = channels().host;
        const ids = await publishAll(broker, ch, 3);
        const [owner, ownerSub] = await sub(broker, ch, { identity: ch });
        await owner.waitForCount(3);
        await ownerSub.unsubscribe();
        const [admin] = await sub(broker, ch, { identity: "user:adminuser" });
        await admin.waitForCount(3, "the admin's replay");
        expect(admin.ids).toEqual(ids);
        const [ownerAgain] = await sub(broker, ch, { identity: ch });
        const [next] = await publishAll(broker, ch, 1);
        await ownerAgain.waitForCount(1);
        await admin.waitForCount(4);
        expect(ownerAgain.ids).toEqual([next]);
      });

      it("the position only covers messages whose handler completed", async () => {
        const broker = await open();
        const ch = channels().user;
        const [rec, subscription] = await sub(broker, ch, { identity: ch });
        const blocked = gate();
        rec.gate = blocked.promise;
        const ids = await publishAll(broker, ch, 3);
        await rec.waitForCount(1);
        await subscription.unsubscribe();
        blocked.open();
        const [again] = await sub(broker, ch, { identity: ch });
        await again.waitForCount(3, "replay of the undelivered messages");
        expect(again.ids).toEqual(ids);
      });

      it("without an identity an inbox subscription is live only", async () => {
        const broker = await open();
        const ch = channels().host;
        await publishAll(broker, ch, 2);
        const [rec] = await sub(broker, ch);
        const [after] = await publishAll(broker, ch, 1);
        await rec.waitForCount(1);
        expect(rec.ids).toEqual([after]);
      });

      it("fans out to every current subscriber (two connections of one identity)", async () => {
        const broker = await open();
        const ch = channels().host;
        const [a] = await sub(broker, ch, { identity: ch });
        const [b] = await sub(broker, ch, { identity: ch });
        const ids = await publishAll(broker, ch, 5);
        await a.waitForCount(5);
        await b.waitForCount(5);
        expect(a.ids).toEqual(ids);
        expect(b.ids).toEqual(ids);
      });
    });

    describe("work queues (service:)", () => {
      it("hands each message to exactly one consumer", async () => {
        const broker = await open();
        const ch = channels().service;
        const recs = await Promise.all([1, 2, 3].map(async () => (await sub(broker, ch, { identity: "host:depot.test.local" }))[0]));
        const ids = await publishAll(broker, ch, 30);
        const all = () => recs.flatMap((r) => r.ids);
        await waitFor(() => all().length >= 30, "30 deliveries in total");
        expect([...all()].sort()).toEqual([...ids].sort());
        expect(recs.flatMap((r) => r.deliveries).some((d) => d.redelivered)).toBe(false);
        await pause(quietMs);
        expect(all()).toHaveLength(30);
        expect(broker.stats().unacked).toBe(0);
      });

      it("keeps messages published before the first consumer subscribed", async () => {
        const broker = await open();
        const ch = channels().service;
        const ids = await publishAll(broker, ch, 3);
        const [rec] = await sub(broker, ch);
        await rec.waitForCount(3);
        expect([...rec.ids].sort()).toEqual([...ids].sort());
        expect(rec.deliveries.some((d) => d.redelivered)).toBe(false);
      });

      it("limits unacked messages per consumer to prefetch", async () => {
        const broker = await open();
        const ch = channels().service;
        const [rec] = await sub(broker, ch);
        rec.autoAck = false;
        await publishAll(broker, ch, prefetch + 3);
        await rec.waitForCount(prefetch);
        await pause(100);
        expect(rec.deliveries).toHaveLength(prefetch);
        expect(broker.stats().unacked).toBe(prefetch);
        await rec.deliveries[0]?.ack();
        await rec.waitForCount(prefetch + 1, "one more delivery after an ack");
      });

      it("a slow consumer does not hold up the queue", async () => {
        const broker = await open();
        const ch = channels().service;
        const [slow] = await sub(broker, ch);
        const blocked = gate();
        slow.gate = blocked.promise;
        slow.autoAck = false;
        const [first] = await publishAll(broker, ch, 1);
        await slow.waitForId(first as string);
        const [fast] = await sub(broker, ch);
        const rest = await publishAll(broker, ch, 20);
        // The slow consumer holds at most `prefetch` messages; the others flow to the fast one.
        await fast.waitForCount(20 - (prefetch - 1));
        blocked.open();
        for (const d of slow.deliveries) await d.ack();
        slow.autoAck = true;
        await waitFor(() => slow.deliveries.length + fast.deliveries.length === 21, "all 21 deliveries");
        expect([...slow.ids, ...fast.ids].sort()).toEqual([first, ...rest].sort());
      });

      it("redelivers, marked, what a dead consumer did not ack; acked messages are not redelivered", async () => {
        const broker = await open();
        const ch = channels().service;
        const [a, aSub] = await sub(broker, ch, { identity: "host:depot.test.local" });
        a.autoAck = false;
        const [acked, unacked] = await publishAll(broker, ch, 2);
        await a.waitForCount(2);
        await a.deliveries[0]?.ack();
        const [b] = await sub(broker, ch);
        await aSub.kill();
        const redelivered = await b.waitForId(unacked as string, "the redelivery", claimIdleMs * 10);
        expect(redelivered.redelivered).toBe(true);
        expect(a.deliveries.every((d) => !d.redelivered)).toBe(true);
        await pause(quietMs);
        expect(b.ids).toEqual([unacked]);
        expect(b.ids).not.toContain(acked);
      });

      it("unsubscribe releases unacked messages to another consumer at once", async () => {
        const broker = await open({ claimIdleMs: 60_000 });
        const ch = channels().service;
        const [a, aSub] = await sub(broker, ch);
        a.autoAck = false;
        const held = await publishAll(broker, ch, prefetch);
        await a.waitForCount(prefetch);
        const [b] = await sub(broker, ch);
        // `a` is full, so the sentinel goes to `b`: b is running before `a` lets go.
        const [sentinel] = await publishAll(broker, ch, 1);
        await b.waitForId(sentinel as string);
        await aSub.unsubscribe();
        await b.waitForCount(1 + prefetch, "the released messages", 5000);
        expect(b.ids.slice(1).sort()).toEqual([...held].sort());
        expect(b.deliveries.slice(1).every((d) => d.redelivered)).toBe(true);
        // An ack from the ended subscription is a no-op, not an error.
        await a.deliveries[0]?.ack();
        expect(errors).toEqual([]);
      });

      it("a killed consumer that subscribes again gets its unacked messages back at once", async () => {
        const broker = await open({ claimIdleMs: 60_000 });
        const ch = channels().service;
        const subscriber = { id: randomUUID(), identity: "host:depot.test.local" };
        const [a, aSub] = await sub(broker, ch, subscriber);
        a.autoAck = false;
        const [m] = await publishAll(broker, ch, 1);
        await a.waitForCount(1);
        await aSub.kill();
        const [again] = await sub(broker, ch, subscriber);
        const d = await again.waitForId(m as string, "the unacked message", 5000);
        expect(d.redelivered).toBe(true);
      });

      it("drops messages that expired before their redelivery", async () => {
        const broker = await open();
        const ch = channels().service;
        const [a, aSub] = await sub(broker, ch);
        a.autoAck = false;
        const short = testMessage(ch, { expires: Date.now() + Math.floor(claimIdleMs / 2) });
        const long = testMessage(ch);
        await broker.publish(short);
        await broker.publish(long);
        await a.waitForCount(2);
        const [b] = await sub(broker, ch);
        await aSub.kill();
        const d = await b.waitForId(long.id, "the redelivery of the unexpired message", claimIdleMs * 10);
        expect(d.redelivered).toBe(true);
        await pause(quietMs);
        expect(b.ids).toEqual([long.id]);
      });

      it("drops queued messages that expire before a consumer arrives", async () => {
        const broker = await open();
        const ch = channels().service;
        const short = testMessage(ch, { expires: Date.now() + 100 });
        await broker.publish(short);
        const [later] = await publishAll(broker, ch, 1);
        await waitFor(() => Date.now() > short.expires, "the message to expire", 2000);
        const [rec] = await sub(broker, ch);
        await rec.waitForId(later as string);
        await pause(100);
        expect(rec.ids).toEqual([later]);
      });
    });

    describe("expiry", () => {
      it.each(["live", "host", "service"] as const)("%s: an already expired message is dropped on publish", async (kind) => {
        const broker = await open();
        const ch = channels()[kind];
        const [rec] = await sub(broker, ch, kind === "host" ? { identity: ch } : {});
        const expired = testMessage(ch, { expires: Date.now() - 1 });
        expect(await broker.publish(expired)).toBe(false);
        const [sentinel] = await publishAll(broker, ch, 1);
        await rec.waitForId(sentinel as string);
        expect(rec.ids).toEqual([sentinel]);
      });

      it("expired messages are not replayed; expires 0 counts as expired (spec: dropped when expires <= now)", async () => {
        const broker = await open();
        const ch = channels().host;
        const short = testMessage(ch, { expires: Date.now() + 100 });
        const forever = testMessage(ch, { expires: Date.now() + 3_600_000 });
        expect(await broker.publish(testMessage(ch, { expires: 0 }))).toBe(false);
        await broker.publish(short);
        await broker.publish(forever);
        await waitFor(() => Date.now() > short.expires, "the message to expire", 2000);
        const [rec] = await sub(broker, ch, { identity: ch });
        const [sentinel] = await publishAll(broker, ch, 1);
        await rec.waitForId(sentinel as string);
        expect(rec.ids).toEqual([forever.id, sentinel]);
      });

      it("a delivery that expires while queued behind a slow handler is dropped", async () => {
        const broker = await open();
        const ch = channels().live;
        const [rec] = await sub(broker, ch);
        const blocked = gate();
        rec.gate = blocked.promise;
        const [first] = await publishAll(broker, ch, 1);
        await rec.waitForId(first as string);
        const short = testMessage(ch, { expires: Date.now() + 100 });
        await broker.publish(short);
        const [last] = await publishAll(broker, ch, 1);
        await waitFor(() => broker.stats().queuedDeliveries === 2, "two queued deliveries");
        await waitFor(() => Date.now() > short.expires, "the message to expire", 2000);
        rec.gate = undefined;
        blocked.open();
        await rec.waitForId(last as string);
        expect(rec.ids).toEqual([first, last]);
      });
    });

    describe("subscriptions", () => {
      it.each(["live", "host", "service"] as const)("%s: unsubscribe stops delivery", async (kind) => {
        const broker = await open();
        const ch = channels()[kind];
        const [a, aSub] = await sub(broker, ch, kind === "host" ? { identity: ch } : {});
        const [m1] = await publishAll(broker, ch, 1);
        await a.waitForId(m1 as string);
        await aSub.unsubscribe();
        const [b] = await sub(broker, ch);
        const [m2] = await publishAll(broker, ch, 1);
        await b.waitForId(m2 as string);
        await pause(50);
        expect(a.ids).toEqual([m1]);
        expect(broker.stats().subscriptions).toBe(1);
      });

      it("rejects a second subscription of one subscriber to one channel, allows it after unsubscribe", async () => {
        const broker = await open();
        const ch = channels().live;
        const [, first] = await sub(broker, ch, { id: "conn-1" });
        await expect(sub(broker, ch, { id: "conn-1" })).rejects.toThrow(/conn-1 is already subscribed/);
        await first.unsubscribe();
        await first.unsubscribe();
        await first.kill();
        const [rec, second] = await sub(broker, ch, { id: "conn-1" });
        expect(second.mode).toBe("live");
        const [m] = await publishAll(broker, ch, 1);
        await rec.waitForId(m as string);
      });

      it("reports the delivery mode of the channel", async () => {
        const broker = await open();
        const ch = channels();
        expect((await sub(broker, ch.service))[1].mode).toBe("work-queue");
        expect((await sub(broker, ch.host))[1].mode).toBe("inbox");
        expect((await sub(broker, ch.user))[1].mode).toBe("inbox");
        expect((await sub(broker, ch.session))[1].mode).toBe("live");
        expect((await sub(broker, ch.live))[1].mode).toBe("live");
      });

      it("rejects invalid subscribe arguments with clear errors", async () => {
        const broker = await open();
        const handler = () => {};
        await expect(broker.subscribe("", { id: "x" }, handler)).rejects.toThrow(/channel must be a non-empty string/);
        await expect(broker.subscribe("event:test", { id: "" }, handler)).rejects.toThrow(/subscriber.id/);
        await expect(broker.subscribe("event:test", { id: "x", identity: "" }, handler)).rejects.toThrow(/identity/);
        await expect(broker.subscribe("event:test", { id: "x" }, undefined as never)).rejects.toThrow(BrokerError);
      });
    });

    describe("messages", () => {
      it("rejects messages without usable id, channel or expires, naming the field", async () => {
        const broker = await open();
        const ok = testMessage("event:test");
        const bad = (patch: Record<string, unknown>) => ({ ...ok, ...patch }) as BrokerMessage;
        await expect(broker.publish(bad({ id: undefined }))).rejects.toThrow(/field 'id' is missing/);
        await expect(broker.publish(bad({ id: 5 }))).rejects.toThrow(/field 'id' is of type number/);
        await expect(broker.publish(bad({ channel: "" }))).rejects.toThrow(/field 'channel'/);
        await expect(broker.publish(bad({ expires: "soon" }))).rejects.toThrow(/field 'expires'/);
        await expect(broker.publish(bad({ expires: 1.5 }))).rejects.toThrow(/field 'expires' must be an integer/);
        await expect(broker.publish(bad({ expires: -1 }))).rejects.toThrow(InvalidBrokerMessageError);
        await expect(broker.publish(null as never)).rejects.toThrow(InvalidBrokerMessageError);
      });

      it("delivers a faithful, independent copy to every subscriber", async () => {
        const broker = await open();
        const ch = channels().live;
        const a = new Recorder();
        const b = new Recorder();
        await broker.subscribe(ch, { id: "a" }, (d) => {
          (d.message as Record<string, unknown>).sender = "mutated";
          return a.handler(d);
        });
        await broker.subscribe(ch, { id: "b" }, b.handler);
        const message = testMessage(ch, {
          sender: "host:pc1.test.local",
          data: new Uint8Array([0, 1, 254, 255]),
          nested: { list: [1, "zwei", null, true, 2 ** 53 - 1], text: "üñí©ødé" },
          ref_id: null,
          big: 1_700_000_000_000,
        });
        await broker.publish(message);
        await a.waitForCount(1);
        await b.waitForCount(1);
        const got = b.deliveries[0]?.message as Record<string, unknown>;
        expect(got.sender).toBe("host:pc1.test.local");
        expect(new Uint8Array(got.data as Uint8Array)).toEqual(new Uint8Array([0, 1, 254, 255]));
        expect(got.nested).toEqual(message.nested);
        expect(got.ref_id).toBeNull();
        expect(got.big).toBe(1_700_000_000_000);
        expect(got.expires).toBe(message.expires);
      });
    });

    describe("concurrency", () => {
      it("many concurrent publishers: nothing lost or duplicated, per-publisher order kept", async () => {
        const broker = await open();
        const ch = channels();
        const liveRecs = [new Recorder(), new Recorder()];
        for (const [i, rec] of liveRecs.entries()) await broker.subscribe(ch.live, { id: `live-${i}` }, rec.handler);
        const workRecs = [new Recorder(), new Recorder(), new Recorder()];
        for (const [i, rec] of workRecs.entries()) await broker.subscribe(ch.service, { id: `worker-${i}` }, rec.handler);
        const publishers = 8;
        const perPublisher = 25;
        await Promise.all(
          Array.from({ length: publishers }, async (_, p) => {
            for (let i = 0; i < perPublisher; i++) {
              await Promise.all([
                broker.publish(testMessage(ch.live, { publisher: p, n: i })),
                broker.publish(testMessage(ch.service, { publisher: p, n: i })),
              ]);
            }
          }),
        );
        const total = publishers * perPublisher;
        for (const rec of liveRecs) {
          await rec.waitForCount(total);
          expect(new Set(rec.ids).size).toBe(total);
          for (let p = 0; p < publishers; p++) {
            const ns = rec.deliveries.filter((d) => d.message.publisher === p).map((d) => d.message.n);
            expect(ns).toEqual(Array.from({ length: perPublisher }, (_, i) => i));
          }
        }
        const work = () => workRecs.flatMap((r) => r.ids);
        await waitFor(() => work().length >= total, `${total} work-queue deliveries`);
        expect(new Set(work()).size).toBe(total);
        await pause(quietMs);
        expect(work()).toHaveLength(total);
      });
    });

    describe("close", () => {
      it("ends all subscriptions and rejects later calls; close is idempotent", async () => {
        const broker = await open();
        const ch = channels();
        const [rec, liveSub] = await sub(broker, ch.live);
        await sub(broker, ch.service);
        await sub(broker, ch.host, { identity: ch.host });
        expect(broker.stats().subscriptions).toBe(3);
        await broker.close();
        expect(broker.stats()).toEqual({ subscriptions: 0, queuedDeliveries: 0, unacked: 0 });
        await expect(broker.publish(testMessage(ch.live))).rejects.toThrow(BrokerClosedError);
        await expect(broker.subscribe(ch.live, { id: "late" }, () => {})).rejects.toThrow(/closed/);
        await liveSub.unsubscribe();
        await broker.close();
        expect(rec.deliveries).toHaveLength(0);
      });
    });
  });
}
