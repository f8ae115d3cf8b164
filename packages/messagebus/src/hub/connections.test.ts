/**
 * @module hub/connections.test
 * Connection registries: the memory one and opsiconfd's Redis counters (real Redis, unique prefix; fails with
 * OPSI_TEST_REQUIRE_SERVICES=1 when Redis is down). Two hubs sharing Redis (two processes of a scale-out setup)
 * announce `host_connected` only for the first connection over both, and `host_disconnected` only for the last.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../broker/conformance.js";
import { RedisBroker } from "../broker/redis-broker.js";
import {
  connectTestRedis,
  deleteKeysWithPrefix,
  REDIS_URL,
  redisAvailable,
  type TestRedisClient,
  testKeyPrefix,
} from "../broker/redis-test-helper.js";
import { busIdentity } from "../channels.js";
import { createMessageCodec } from "../codec.js";
import type { AnyMessage } from "../messages.js";
import { type ConnectionRegistry, MemoryConnectionRegistry, RedisConnectionRegistry } from "./connections.js";
import { type ConnectOptions, MessagebusHub } from "./hub.js";

const withRedis = await redisAvailable();
let redis: TestRedisClient | undefined;
let prefix = "";

beforeAll(async () => {
  if (!withRedis) return;
  redis = await connectTestRedis();
  prefix = testKeyPrefix("connections");
});

afterAll(async () => {
  if (redis) {
    await deleteKeysWithPrefix(redis, prefix);
    await redis.close();
  }
});

function registrySuite(name: string, make: () => ConnectionRegistry) {
  describe(name, () => {
    it("counts per identity and kind, never below zero", async () => {
      const r = make();
      const pc = busIdentity("client", "pc1.conn.test");
      const depot = busIdentity("depot", "depot1.conn.test", true);
      const admin = busIdentity("user", "admin", true);
      expect(await r.added(pc)).toBe(1);
      expect(await r.added(pc)).toBe(2);
      expect(await r.added(depot)).toBe(1);
      expect(await r.added(admin)).toBe(1);
      expect(await r.connectedIds("client")).toEqual(["pc1.conn.test"]);
      expect(await r.connectedIds()).toEqual(["admin", "depot1.conn.test", "pc1.conn.test"]);
      expect(await r.removed(pc)).toBe(1);
      expect(await r.removed(pc)).toBe(0);
      expect(await r.removed(pc)).toBe(0);
      expect(await r.connectedIds("client")).toEqual([]);
      expect(await r.removed(depot)).toBe(0);
      expect(await r.removed(admin)).toBe(0);
      expect(await r.connectedIds()).toEqual([]);
    });
  });
}

registrySuite("MemoryConnectionRegistry", () => new MemoryConnectionRegistry());

describe.runIf(withRedis)("with Redis", () => {
  registrySuite(
    "RedisConnectionRegistry",
    () => new RedisConnectionRegistry(redis as TestRedisClient, { prefix: `${prefix}:r${Math.random()}` }),
  );

  it("uses opsiconfd's keys and can reset them", async () => {
    const r = new RedisConnectionRegistry(redis as TestRedisClient, { prefix });
    await r.added(busIdentity("client", "pc9.conn.test"));
    expect(await redis?.hGet(`${prefix}:messagebus:connections:clients:pc9.conn.test`, "websocket_count")).toBe("1");
    expect(await r.reset()).toBe(1);
    expect(await r.connectedIds()).toEqual([]);
  });

  it("two hubs sharing Redis announce the first connection and the last disconnection over both", async () => {
    const hubPrefix = `${prefix}:hubs`;
    const registry = () => new RedisConnectionRegistry(redis as TestRedisClient, { prefix: hubPrefix });
    const brokerA = await RedisBroker.connect<AnyMessage>({ url: REDIS_URL, keyPrefix: hubPrefix });
    const brokerB = await RedisBroker.connect<AnyMessage>({ url: REDIS_URL, keyPrefix: hubPrefix });
    const a = new MessagebusHub({ broker: brokerA, serverId: "config.conn.test", nodeName: "node-a", connections: registry() });
    const b = new MessagebusHub({ broker: brokerB, serverId: "config.conn.test", nodeName: "node-b", connections: registry() });
    const codec = createMessageCodec({ compression: null });
    const events: string[] = [];
    const watcher = await brokerA.subscribe("event:host_connected", { id: "watch1" }, (d) => {
      events.push(`connected ${(d.message as unknown as { data: { host: { id: string } } }).data.host.id}`);
    });
    const watcher2 = await brokerA.subscribe("event:host_disconnected", { id: "watch2" }, (d) => {
      events.push(`disconnected ${(d.message as unknown as { data: { host: { id: string } } }).data.host.id}`);
    });
    const options = (): ConnectOptions => ({
      identity: busIdentity("client", "pc1.conn.test"),
      clientAddress: "10.0.0.1",
      compression: null,
      send: (frame) => void codec.decode(frame),
      close: () => {},
    });
    try {
      const c1 = await a.connect(options());
      await waitFor(() => events.length === 1, "host_connected", 5000);
      const c2 = await b.connect(options());
      expect(await a.connectedIds("client")).toEqual(["pc1.conn.test"]);
      expect(await b.isConnected("host:pc1.conn.test")).toBe(true);
      await c1.closed();
      expect(await b.isConnected("host:pc1.conn.test")).toBe(true);
      await c2.closed();
      await waitFor(() => events.length === 2, "host_disconnected", 5000);
      expect(events).toEqual(["connected pc1.conn.test", "disconnected pc1.conn.test"]);
      expect(await a.connectedIds()).toEqual([]);
    } finally {
      await watcher.unsubscribe();
      await watcher2.unsubscribe();
      await a.close();
      await b.close();
      await brokerA.close();
      await brokerB.close();
    }
  }, 30_000);
});
