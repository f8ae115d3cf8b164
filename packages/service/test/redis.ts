/**
 * @module test/redis
 * Test support: the Redis service check (mirrors backend-mysql's test/mariadb.ts) and a unique key
 * prefix per test run, removed again afterwards.
 */
import { randomBytes } from "node:crypto";
import { createClient } from "redis";

/** Server used by the tests (`OPSI_TEST_REDIS_URL`, default redis://127.0.0.1:6379). */
export const REDIS_URL = process.env.OPSI_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const requireServices = process.env.OPSI_TEST_REQUIRE_SERVICES === "1";

/** A connected node-redis client. */
export type TestRedisClient = ReturnType<typeof createClient>;

/**
 * A connected client for {@link REDIS_URL} that gives up quickly instead of reconnecting forever.
 * @example const client = await connectTestRedis(); … await client.close();
 */
export async function connectTestRedis(): Promise<TestRedisClient> {
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/**
 * Whether Redis answers PING. Unreachable: with OPSI_TEST_REQUIRE_SERVICES=1 this throws (the test
 * file fails), otherwise the tests are skipped with a message.
 * @example const ok = await redisAvailable(); describe.runIf(ok)("...", () => {});
 */
export async function redisAvailable(): Promise<boolean> {
  let client: TestRedisClient | undefined;
  try {
    client = await connectTestRedis();
    await client.ping();
    return true;
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err);
    if (requireServices) throw new Error(`Redis at ${REDIS_URL} is required (OPSI_TEST_REQUIRE_SERVICES=1) but unreachable: ${reason}`);
    console.warn(`Skipping Redis tests: ${REDIS_URL} is unreachable (${reason}). Set OPSI_TEST_REQUIRE_SERVICES=1 to fail instead.`);
    return false;
  } finally {
    if (client?.isOpen) await client.close();
  }
}

/**
 * A key prefix `opsi-ts-test:<tag>:<random>` unique to this run.
 * @example const prefix = testKeyPrefix("slots");
 */
export function testKeyPrefix(tag: string): string {
  return `opsi-ts-test:${tag}:${randomBytes(6).toString("hex")}`;
}

/**
 * Deletes every key under `prefix` (SCAN + UNLINK).
 * @example await deleteKeysWithPrefix(client, prefix);
 */
export async function deleteKeysWithPrefix(client: TestRedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const keys of client.scanIterator({ MATCH: `${prefix.replace(/[*?[\]\\]/g, "\\$&")}:*`, COUNT: 1000 })) {
    if (keys.length > 0) deleted += await client.unlink(keys);
  }
  return deleted;
}
