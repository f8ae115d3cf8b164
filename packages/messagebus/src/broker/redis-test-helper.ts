/**
 * @module broker/redis-test-helper
 * Test support for the Redis broker: the service check (like backend-mysql's test/mariadb.ts: fails
 * with OPSI_TEST_REQUIRE_SERVICES=1, skips otherwise), unique key prefixes, and a private,
 * restartable redis-server for reconnect tests.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { freePort } from "@opsi-ts/core/testing";
import { createClient } from "redis";

/** Server used by the tests (`OPSI_TEST_REDIS_URL`, default redis://127.0.0.1:6379). */
export const REDIS_URL = process.env.OPSI_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const requireServices = process.env.OPSI_TEST_REQUIRE_SERVICES === "1";

/** A connected node-redis client. */
export type TestRedisClient = ReturnType<typeof createClient>;

/**
 * A connected client that gives up at once instead of reconnecting for ever.
 * @example const admin = await connectTestRedis(); … admin.destroy();
 */
export async function connectTestRedis(url = REDIS_URL): Promise<TestRedisClient> {
  const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/**
 * Whether Redis answers PING. Unreachable: with OPSI_TEST_REQUIRE_SERVICES=1 this throws (the test
 * file fails), otherwise the tests are skipped with a message.
 * @example const ok = await redisAvailable(); describe.runIf(ok)("...", () => {});
 */
export async function redisAvailable(url = REDIS_URL): Promise<boolean> {
  let client: TestRedisClient | undefined;
  try {
    client = await connectTestRedis(url);
    await client.ping();
    return true;
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err);
    if (requireServices) throw new Error(`Redis at ${url} is required (OPSI_TEST_REQUIRE_SERVICES=1) but unreachable: ${reason}`);
    console.warn(`Skipping Redis tests: ${url} is unreachable (${reason}). Set OPSI_TEST_REQUIRE_SERVICES=1 to fail instead.`);
    return false;
  } finally {
    if (client?.isOpen) client.destroy();
  }
}

/**
 * A key prefix `opsi-ts-test:<tag>:<random>` unique to this run.
 * @example const prefix = testKeyPrefix("broker");
 */
export function testKeyPrefix(tag: string): string {
  return `opsi-ts-test:${tag}:${randomBytes(6).toString("hex")}`;
}

/**
 * Deletes every key under `prefix` (SCAN + UNLINK); returns how many.
 * @example await deleteKeysWithPrefix(admin, prefix);
 */
export async function deleteKeysWithPrefix(client: TestRedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const keys of client.scanIterator({ MATCH: `${prefix.replace(/[*?[\]\\]/g, "\\$&")}:*`, COUNT: 1000 })) {
    if (keys.length > 0) deleted += await client.unlink(keys);
  }
  return deleted;
}

export { freePort };

/** A redis-server child process of this test, without persistence, that can be stopped and started again. */
export class PrivateRedis {
  #child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly binary: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts `redis-server` (from PATH or `OPSI_TEST_REDIS_SERVER`) on a free port.
   * @example const redis = await PrivateRedis.start(); … await redis.stop();
   */
  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), process.env.OPSI_TEST_REDIS_SERVER ?? "redis-server");
    await redis.restart();
    return redis;
  }

  /** Starts the server again (same port) and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.#child) throw new Error(`private redis-server on port ${this.port} is already running`);
    const child = spawn(
      this.binary,
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", ""],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<never>((_, reject) => {
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`redis-server on port ${this.port} exited with ${code}: ${stderr.trim()}`)));
    });
    exited.catch(() => {});
    this.#child = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await Promise.race([this.#ping(), exited]);
        return;
      } catch (err: unknown) {
        if (child.exitCode !== null || Date.now() > deadline) {
          this.#child = undefined;
          child.kill("SIGKILL");
          throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  async #ping(): Promise<void> {
    const client = await connectTestRedis(this.url);
    try {
      await client.ping();
    } finally {
      client.destroy();
    }
  }

  /** Kills the server (SIGKILL: like a crash; nothing is kept) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
  }
}
