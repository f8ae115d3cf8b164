/**
 * @module methods/transfer-slots.redis.test RedisTransferSlotStore against the real Redis
 * (OPSI_TEST_REDIS_URL, default 127.0.0.1:6379): the shared conformance suite on real time with a
 * short retention, opsi's key layout, and atomicity across several clients. Unreachable Redis fails
 * the file with OPSI_TEST_REQUIRE_SERVICES=1, otherwise the tests are skipped with a warning.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestRedis, deleteKeysWithPrefix, redisAvailable, type TestRedisClient, testKeyPrefix } from "../../test/redis.js";
import { describeTransferSlotStore } from "./transfer-slots.conformance.js";
import { RedisTransferSlotStore } from "./transfer-slots.js";

const available = await redisAvailable();

describe.runIf(available)("RedisTransferSlotStore", () => {
  let client: TestRedisClient;
  const runPrefix = testKeyPrefix("transfer-slots");
  let stores = 0;

  beforeAll(async () => {
    client = await connectTestRedis();
  });
  afterAll(async () => {
    if (!client) return;
    await deleteKeysWithPrefix(client, runPrefix);
    await client.close();
  });

  describeTransferSlotStore("RedisTransferSlotStore", {
    create: () => {
      let ids = 0;
      return new RedisTransferSlotStore(client, { prefix: `${runPrefix}:${++stores}`, newId: () => `id-${++ids}` });
    },
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    retentionSeconds: 1,
    clockToleranceMs: 250,
  });

  it("stores opsiconfd's key layout <prefix>:slot:<depot>:<type>:<host>:<slot_id> = host with a 60 s TTL", async () => {
    const prefix = `${runPrefix}:layout`;
    const store = new RedisTransferSlotStore(client, { prefix });
    const slot = await store.acquire({
      depotId: "depot1.opsi.test",
      hostId: "client1.opsi.test",
      slotType: "opsiclientd_product_sync",
      slotId: null,
      max: 10,
      retentionSeconds: 60,
    });
    expect(slot?.slotId).toMatch(/^[0-9a-f-]{36}$/);
    const key = `${prefix}:slot:depot1.opsi.test:opsiclientd_product_sync:client1.opsi.test:${slot?.slotId}`;
    expect(await client.get(key)).toBe("client1.opsi.test");
    const ttl = await client.pTTL(key);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(new RedisTransferSlotStore(client).key("d", "t", "h", "s")).toBe("opsiconfd:slot:d:t:h:s");
  });

  it("counts slots written by another process (opsiconfd-style keys) and stays atomic across clients", async () => {
    const prefix = `${runPrefix}:shared`;
    await client.set(
      `${prefix}:slot:depot1.opsi.test:opsi_package_updater:other.opsi.test:11111111-2222-3333-4444-555555555555`,
      "other.opsi.test",
      {
        PX: 60_000,
      },
    );
    const others = await Promise.all([connectTestRedis(), connectTestRedis(), connectTestRedis()]);
    try {
      const stores = [client, ...others].map((c) => new RedisTransferSlotStore(c, { prefix }));
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (stores[i % stores.length] as RedisTransferSlotStore).acquire({
            depotId: "depot1.opsi.test",
            hostId: `client${i}.opsi.test`,
            slotType: "opsi_package_updater",
            slotId: null,
            max: 5,
            retentionSeconds: 60,
          }),
        ),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(4);
      const listed = await (stores[1] as RedisTransferSlotStore).list("depot1.opsi.test");
      expect(listed).toHaveLength(5);
      expect(listed.find((s) => s.hostId === "other.opsi.test")).toMatchObject({ slotType: "opsi_package_updater" });
    } finally {
      await Promise.all(others.map((c) => c.close()));
    }
  });
});
