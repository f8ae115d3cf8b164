import { randomUUID } from "node:crypto";
import { decode as msgpackDecode, encode as msgpackEncode } from "@msgpack/msgpack";
import { RESP_TYPES } from "redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeBroker, Recorder, testMessage, waitFor } from "./conformance.js";
import { RedisBroker, type RedisBrokerOptions } from "./redis-broker.js";
import {
  connectTestRedis,
  deleteKeysWithPrefix,
  freePort,
  PrivateRedis,
  REDIS_URL,
  redisAvailable,
  type TestRedisClient,
  testKeyPrefix,
} from "./redis-test-helper.js";
import { BrokerError } from "./types.js";

const BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;
const available = await redisAvailable();
const runPrefix = testKeyPrefix("broker");
let prefixes = 0;

/** Retries `fn` until it resolves (for steps that depend on a reconnect). */
async function eventually<T>(fn: () => Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err: unknown) {
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}: ${String(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe.runIf(available)("RedisBroker", () => {
  let admin: TestRedisClient;
  beforeAll(async () => {
    admin = await connectTestRedis();
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(admin, runPrefix);
    admin.destroy();
  });

  describeBroker("conformance", (options) => RedisBroker.connect({ ...options, url: REDIS_URL, keyPrefix: `${runPrefix}:${++prefixes}` }));

  describe("Redis specifics", () => {
    const opened: RedisBroker[] = [];
    let errors: unknown[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close()));
      errors = [];
    });

    async function node(prefix: string, overrides: Partial<RedisBrokerOptions> = {}): Promise<RedisBroker> {
      const broker = await RedisBroker.connect({
        url: REDIS_URL,
        keyPrefix: prefix,
        claimIdleMs: 300,
        prefetch: 4,
        trimIntervalMs: 0,
        onError: (error) => errors.push(error),
        ...overrides,
      });
      opened.push(broker);
      return broker;
    }

    const freshPrefix = () => `${runPrefix}:${++prefixes}`;

    it("uses opsiconfd's key layout: channel streams with msgpack `message`, info hash, consumer group per channel", async () => {
      const prefix = freshPrefix();
      const broker = await node(prefix);
      const host = "host:pc1.test.local";
      const rec = new Recorder();
      await broker.subscribe(host, { id: randomUUID(), identity: host }, rec.handler);
      const message = testMessage(host, { sender: "user:adminuser" });
      await broker.publish(message);
      await rec.waitForCount(1);
      const stream = `${prefix}:messagebus:channels:${host}`;
      const raw = await admin.sendCommand<Array<[Buffer, Buffer[]]>>(["XRANGE", stream, "-", "+"], BUFFERS);
      expect(raw).toHaveLength(1);
      const [entryId, fields] = raw[0] as [Buffer, Buffer[]];
      expect(fields.map(String)[0]).toBe("message");
      expect(msgpackDecode(fields[1] as Buffer)).toEqual(message);
      await eventually(async () => {
        const stored = await admin.hGet(`${stream}:info`, "last-delivered-id");
        if (stored !== entryId.toString()) throw new Error(`last-delivered-id is ${stored}`);
      }, "last-delivered-id to be stored");

      const service = "service:depot:depot1.test.local:jsonrpc";
      const worker = new Recorder();
      await broker.subscribe(service, { id: "s1", identity: "host:depot1.test.local" }, worker.handler);
      const groups = await admin.sendCommand<unknown[]>(["XINFO", "GROUPS", `${prefix}:messagebus:channels:${service}`]);
      expect(JSON.stringify(groups)).toContain(service);
      await broker.publish(testMessage(service));
      await worker.waitForCount(1);
      const consumers = await admin.sendCommand<unknown[]>(["XINFO", "CONSUMERS", `${prefix}:messagebus:channels:${service}`, service]);
      expect(JSON.stringify(consumers)).toContain("host:depot1.test.local:s1");
    });

    it("delivers entries written by another producer (opsiconfd) and skips `ignore` markers", async () => {
      const prefix = freshPrefix();
      const broker = await node(prefix);
      const live = "event:host_created";
      const service = "service:config:jsonrpc";
      const liveRec = new Recorder();
      const workRec = new Recorder();
      await broker.subscribe(live, { id: "a" }, liveRec.handler);
      await broker.subscribe(service, { id: "b" }, workRec.handler);
      for (const channel of [live, service]) {
        const key = `${prefix}:messagebus:channels:${channel}`;
        await admin.sendCommand(["XADD", key, "*", "ignore", ""]);
        const message = { ...testMessage(channel), type: "event", event: "host_created", data: { id: "pc1.test.local" } };
        await admin.sendCommand(["XADD", key, "*", "message", Buffer.from(msgpackEncode(message))]);
      }
      await liveRec.waitForCount(1);
      await workRec.waitForCount(1);
      expect(liveRec.deliveries[0]?.message).toMatchObject({ event: "host_created", data: { id: "pc1.test.local" } });
      expect(workRec.deliveries[0]?.message.channel).toBe(service);
      expect(errors).toEqual([]);
    });

    describe("two nodes on one Redis", () => {
      it("fan out to each other's subscribers", async () => {
        const prefix = freshPrefix();
        const [a, b] = [await node(prefix), await node(prefix)];
        const ch = "event:test";
        const onA = new Recorder();
        const onB = new Recorder();
        await a.subscribe(ch, { id: "x" }, onA.handler);
        await b.subscribe(ch, { id: "y" }, onB.handler);
        const m1 = testMessage(ch);
        const m2 = testMessage(ch);
        await a.publish(m1);
        await b.publish(m2);
        await onA.waitForCount(2);
        await onB.waitForCount(2);
        expect(onA.ids).toEqual([m1.id, m2.id]);
        expect(onB.ids).toEqual([m1.id, m2.id]);
      });

      it("share a work queue: every message goes to exactly one consumer of either node", async () => {
        const prefix = freshPrefix();
        const [a, b] = [await node(prefix), await node(prefix)];
        const ch = "service:depot:depot1.test.local:jsonrpc";
        const recs = [new Recorder(), new Recorder(), new Recorder(), new Recorder()];
        await a.subscribe(ch, { id: "a1" }, recs[0]?.handler as Recorder["handler"]);
        await a.subscribe(ch, { id: "a2" }, recs[1]?.handler as Recorder["handler"]);
        await b.subscribe(ch, { id: "b1" }, recs[2]?.handler as Recorder["handler"]);
        await b.subscribe(ch, { id: "b2" }, recs[3]?.handler as Recorder["handler"]);
        const ids: string[] = [];
        for (let i = 0; i < 40; i++) {
          const m = testMessage(ch, { n: i });
          ids.push(m.id);
          await (i % 2 ? a : b).publish(m);
        }
        const all = () => recs.flatMap((r) => r.ids);
        await waitFor(() => all().length >= 40, "40 deliveries");
        expect([...all()].sort()).toEqual([...ids].sort());
        expect(recs.slice(0, 2).some((r) => r.deliveries.length > 0) && recs.slice(2).some((r) => r.deliveries.length > 0)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 800));
        expect(all()).toHaveLength(40);
      });

      it("replay an inbox on the other node", async () => {
        const prefix = freshPrefix();
        const [a, b] = [await node(prefix), await node(prefix)];
        const ch = "host:pc2.test.local";
        const first = new Recorder();
        const sub = await a.subscribe(ch, { id: "conn1", identity: ch }, first.handler);
        const m0 = testMessage(ch);
        await a.publish(m0);
        await first.waitForCount(1);
        await sub.unsubscribe();
        const offline = [testMessage(ch), testMessage(ch), testMessage(ch)];
        for (const m of offline) await a.publish(m);
        const second = new Recorder();
        await b.subscribe(ch, { id: "conn2", identity: ch }, second.handler);
        await second.waitForCount(3);
        expect(second.ids).toEqual(offline.map((m) => m.id));
      });

      it("redeliver the unacked messages of a consumer whose node died", async () => {
        const prefix = freshPrefix();
        const [a, b] = [await node(prefix), await node(prefix)];
        const ch = "service:depot:depot1.test.local:terminal";
        const dying = new Recorder();
        dying.autoAck = false;
        const sub = await a.subscribe(ch, { id: "dying" }, dying.handler);
        const m = testMessage(ch);
        await a.publish(m);
        await dying.waitForCount(1);
        const survivor = new Recorder();
        await b.subscribe(ch, { id: "survivor" }, survivor.handler);
        await sub.kill();
        const d = await survivor.waitForId(m.id, "the redelivery", 5000);
        expect(d.redelivered).toBe(true);
      });

      it("hand released messages to the other node at once when a consumer unsubscribes", async () => {
        const prefix = freshPrefix();
        // claimIdleMs 60 s: without the release the survivor would claim them after 60 s at the earliest.
        const [a, b] = [await node(prefix, { claimIdleMs: 60_000, prefetch: 2 }), await node(prefix, { claimIdleMs: 60_000 })];
        const ch = "service:depot:depot1.test.local:process";
        const leaving = new Recorder();
        leaving.autoAck = false;
        const sub = await a.subscribe(ch, { id: "leaving" }, leaving.handler);
        const ms = [testMessage(ch), testMessage(ch)];
        for (const m of ms) await a.publish(m);
        await leaving.waitForCount(2);
        const staying = new Recorder();
        await b.subscribe(ch, { id: "staying" }, staying.handler);
        // `leaving` is full (prefetch 2), so this goes to `staying`, whose start-up claim is then behind it.
        const sentinel = testMessage(ch);
        await a.publish(sentinel);
        await staying.waitForId(sentinel.id);
        await sub.unsubscribe();
        await staying.waitForCount(3, "the released messages", 5000);
        expect(staying.deliveries.slice(1).every((d) => d.redelivered)).toBe(true);
        expect([...staying.ids.slice(1)].sort()).toEqual(ms.map((m) => m.id).sort());
      });
    });

    it("does not take messages away from a live consumer that is slow to ack", async () => {
      const prefix = freshPrefix();
      // prefetch 1: the full consumer does not run XAUTOCLAIM itself, only its heartbeat keeps the message.
      const [a, b] = [await node(prefix, { claimIdleMs: 200, prefetch: 1 }), await node(prefix, { claimIdleMs: 200 })];
      const ch = "service:depot:depot1.test.local:jsonrpc";
      const slow = new Recorder();
      slow.autoAck = false;
      await a.subscribe(ch, { id: "slow" }, slow.handler);
      const m = testMessage(ch);
      await a.publish(m);
      await slow.waitForCount(1);
      const other = new Recorder();
      await b.subscribe(ch, { id: "other" }, other.handler);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // 7 × claimIdleMs without an ack
      await slow.deliveries[0]?.ack();
      const sentinel = testMessage(ch);
      await b.publish(sentinel);
      await waitFor(() => other.ids.includes(sentinel.id) || slow.ids.includes(sentinel.id), "the sentinel");
      expect(other.ids).not.toContain(m.id);
    });

    it("trims streams: MAXLEN ~ on publish; trim() drops old entries and unused empty streams", async () => {
      const prefix = freshPrefix();
      let now = Date.now();
      const broker = await node(prefix, { maxStreamLength: 10, retentionMs: 60_000, now: () => now });
      const live = "event:test";
      const service = "service:config:jsonrpc";
      const key = (channel: string) => `${prefix}:messagebus:channels:${channel}`;
      for (let i = 0; i < 350; i++) await broker.publish({ ...testMessage(live), expires: now + 3_600_000 });
      const afterPublish = await admin.xLen(key(live));
      expect(afterPublish).toBeGreaterThanOrEqual(10);
      expect(afterPublish).toBeLessThan(200);
      const rec = new Recorder();
      const sub = await broker.subscribe(service, { id: "w" }, rec.handler);
      await broker.publish({ ...testMessage(service), expires: now + 3_600_000 });
      await rec.waitForCount(1);
      await sub.unsubscribe();
      await broker.publish({ ...testMessage("host:pc1.test.local"), expires: now + 3_600_000 });
      now += 30_000;
      expect(await broker.trim()).toEqual({ streams: 3, deleted: 0 });
      expect(await admin.xLen(key(live))).toBe(afterPublish);
      now += 60_000;
      expect(await broker.trim()).toEqual({ streams: 3, deleted: 2 });
      expect(await admin.exists(key(live))).toBe(0);
      expect(await admin.exists(key("host:pc1.test.local"))).toBe(0);
      // The work queue keeps its (empty) stream: it carries the consumer group.
      expect(await admin.exists(key(service))).toBe(1);
      expect(await admin.xLen(key(service))).toBe(0);
    });

    it("close() releases all connections of the node", async () => {
      const broker = await node(freshPrefix());
      await broker.subscribe("event:test", { id: "a" }, () => {});
      await broker.subscribe("service:config:jsonrpc", { id: "b" }, () => {});
      const ours = async () => {
        const list = await admin.sendCommand<string>(["CLIENT", "LIST"]);
        return String(list)
          .split("\n")
          .filter((line) => line.includes(`name=opsi-ts-broker:${broker.nodeName}:`));
      };
      await eventually(async () => {
        const names = (await ours()).map((line) => /name=(\S+)/.exec(line)?.[1]);
        if (names.length !== 3) throw new Error(`connections: ${names.join(", ")}`);
      }, "cmd, reader and consumer connections");
      await broker.close();
      await eventually(async () => {
        const left = await ours();
        if (left.length > 0) throw new Error(`still open: ${left.join(" | ")}`);
      }, "all connections to be closed");
    });

    it("rejects an unreachable Redis quickly with an error naming it", async () => {
      const port = await freePort();
      const started = Date.now();
      const attempt = RedisBroker.connect({ url: `redis://:secret@127.0.0.1:${port}`, connectTimeoutMs: 1000 });
      await expect(attempt).rejects.toThrow(BrokerError);
      await expect(attempt).rejects.toThrow(new RegExp(`Cannot connect to Redis at redis://:\\*\\*\\*@127.0.0.1:${port}`));
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it("rejects bad options", async () => {
      await expect(RedisBroker.connect({ url: "" })).rejects.toThrow(/url is required/);
      await expect(RedisBroker.connect({ url: REDIS_URL, prefetch: 0 })).rejects.toThrow(/prefetch must be a positive integer/);
    });
  });

  describe("Redis restart (private redis-server)", () => {
    let redis: PrivateRedis | undefined;
    let broker: RedisBroker | undefined;
    afterEach(async () => {
      await broker?.close();
      await redis?.stop();
      broker = undefined;
      redis = undefined;
    });

    it("reconnects and resumes every subscription after Redis restarts", async () => {
      redis = await PrivateRedis.start();
      const errors: unknown[] = [];
      broker = await RedisBroker.connect({
        url: redis.url,
        keyPrefix: "opsiconfd",
        claimIdleMs: 500,
        commandTimeoutMs: 1000,
        blockMs: 2000,
        trimIntervalMs: 0,
        maxReconnectDelayMs: 200,
        onError: (error) => errors.push(error),
      });
      const channels = ["event:test", "host:pc1.test.local", "service:depot:depot1.test.local:jsonrpc"];
      const recs = channels.map(() => new Recorder());
      for (const [i, ch] of channels.entries()) {
        await broker.subscribe(ch, { id: `s${i}`, identity: "host:pc1.test.local" }, (recs[i] as Recorder).handler);
      }
      for (const [i, ch] of channels.entries()) {
        const m = testMessage(ch);
        await broker.publish(m);
        await (recs[i] as Recorder).waitForId(m.id);
      }

      await redis.stop();
      await expect(broker.publish(testMessage("event:test"))).rejects.toThrow(/Cannot publish message .* to event:test/);
      await redis.restart();

      for (const [i, ch] of channels.entries()) {
        const m = testMessage(ch);
        await eventually(() => (broker as RedisBroker).publish(m), `publish to ${ch} after the restart`);
        const d = await (recs[i] as Recorder).waitForId(m.id, `delivery on ${ch} after the restart`, 10_000);
        expect(d.redelivered).toBe(false);
      }
      expect(recs.map((r) => r.deliveries.length)).toEqual([2, 2, 2]);
      expect(errors.length).toBeGreaterThan(0);
    });
  });
});
