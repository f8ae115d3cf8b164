/** @module main.test The depot server daemon as a real process against an in-process config server, and its settings. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MemoryBackend } from "@opsi-ts/core";
import { freePort } from "@opsi-ts/core/testing";
import { type ConfigServer, createConfigServer } from "@opsi-ts/service";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The service package's Redis test support (fails under OPSI_TEST_REQUIRE_SERVICES=1 when Redis is down).
import { connectTestRedis, REDIS_URL, redisAvailable } from "../../../packages/service/test/redis.js";
import { loadDepotConfig } from "./config.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const ADMIN = { username: "appadmin", password: "App-Admin-1" };
let csDir: string;
let depotDir: string;
let cs: ConfigServer;
let backend: MemoryBackend;

function rpc(port: number, ca: string, method: string, params: unknown[] = []): Promise<{ result: unknown; error: unknown }> {
  return new Promise((done, fail) => {
    const body = JSON.stringify({ id: 1, method, params });
    const auth = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString("base64")}`;
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/rpc",
        method: "POST",
        ca,
        agent: false,
        headers: { authorization: auth, "content-type": "application/json" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => done(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
      },
    );
    req.on("error", fail);
    req.end(body);
  });
}

function waitForLine(child: ChildProcess, needle: string, timeoutMs: number): Promise<void> {
  return new Promise((done, fail) => {
    let seen = "";
    const timer = setTimeout(() => fail(new Error(`no '${needle}' within ${timeoutMs} ms; output: ${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      if (seen.includes(needle)) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`exited with ${code}; output: ${seen}`));
    });
  });
}

beforeAll(async () => {
  csDir = mkdtempSync(join(tmpdir(), "opsi-ts-depotapp-cs-"));
  depotDir = mkdtempSync(join(tmpdir(), "opsi-ts-depotapp-"));
  backend = new MemoryBackend();
  cs = await createConfigServer(backend, {
    dataDir: csDir,
    serverId: "config.app.test",
    interface: "127.0.0.1",
    port: 0,
    keyBits: 2048,
    logger: pino({ level: "silent" }),
  });
  await cs.start();
  await cs.users.add(ADMIN.username, ADMIN.password, ["opsiadmin"]);
}, 60_000);

afterAll(async () => {
  await cs?.stop();
  rmSync(csDir, { recursive: true, force: true });
  rmSync(depotDir, { recursive: true, force: true });
});

describe("opsi-depotserver daemon", () => {
  it("registers, listens, forwards RPCs, keeps transfer slots in Redis and stops cleanly on SIGTERM", async () => {
    const withRedis = await redisAvailable();
    const port = await freePort();
    const csPort = new URL(cs.url()).port;
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", join(ROOT, "apps/depotserver/src/main.ts")], {
      cwd: ROOT,
      env: {
        ...process.env,
        OPSI_TS_DATA_DIR: depotDir,
        OPSI_TS_DEPOT_ID: "depot.app.test",
        OPSI_TS_CONFIG_SERVER_URL: `https://localhost:${csPort}`,
        OPSI_TS_REGISTER_USERNAME: ADMIN.username,
        OPSI_TS_REGISTER_PASSWORD: ADMIN.password,
        OPSI_TS_PORT: String(port),
        OPSI_TS_EXTERNAL_URL: `https://localhost:${port}`,
        ...(withRedis ? { OPSI_TS_REDIS_URL: REDIS_URL } : {}),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      await waitForLine(child, "opsi depot server listening", 60_000);
      const hosts = await rpc(port, cs.tls.caCertPem, "host_getIdents");
      expect(hosts.error).toBeNull();
      expect(hosts.result).toEqual(expect.arrayContaining(["config.app.test", "depot.app.test"]));
      const [depot] = await backend.host_getObjects([], { id: "depot.app.test" });
      expect(depot?.type).toBe("OpsiDepotserver");
      if (withRedis) {
        const slot = (await rpc(port, cs.tls.caCertPem, "depot_acquireTransferSlot", ["depot.app.test", "pc9.app.test"])).result as {
          slot_id: string;
        };
        const redis = await connectTestRedis();
        try {
          const key = `opsiconfd:slot:depot.app.test:opsiclientd_product_sync:pc9.app.test:${slot.slot_id}`;
          expect(await redis.exists(key)).toBe(1);
          await redis.del(key);
        } finally {
          await redis.close();
        }
      }
    } finally {
      const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  }, 90_000);

  it("fails to start with a message naming the missing setting", async () => {
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", join(ROOT, "apps/depotserver/src/main.ts")], {
      cwd: ROOT,
      env: { ...process.env, OPSI_TS_DATA_DIR: join(depotDir, "empty"), OPSI_TS_CONFIG_SERVER_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString("utf8");
    });
    const code = await new Promise<number | null>((done) => child.once("exit", (c) => done(c)));
    expect(code).toBe(1);
    expect(err).toContain("No config server");
  }, 60_000);
});

describe("loadDepotConfig", () => {
  it("reads TOML and lets the environment override it", () => {
    const dir = mkdtempSync(join(tmpdir(), "opsi-ts-depotcfg-"));
    try {
      writeFileSync(
        join(dir, "depotserver.toml"),
        'depot-id = "d1.example.org"\nconfig-server-url = "https://cs.example.org:4447"\nport = 4448\n',
      );
      const config = loadDepotConfig({ OPSI_TS_DATA_DIR: dir, OPSI_TS_PORT: "4500", OPSI_TS_HOST_KEY: "0123456789abcdef0123456789abcdef" });
      expect(config).toMatchObject({
        "depot-id": "d1.example.org",
        "config-server-url": "https://cs.example.org:4447",
        port: 4500,
        "data-dir": dir,
      });
      expect(config["host-key"]).toBe("0123456789abcdef0123456789abcdef");
      expect(config.registration).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the bad setting", () => {
    const env = { OPSI_TS_DATA_DIR: "/nonexistent-opsi-ts", OPSI_TS_CONFIG_SERVER_URL: "https://cs:4447" };
    expect(() => loadDepotConfig({ ...env, OPSI_TS_HOST_KEY: "short" })).toThrow("Invalid setting 'host-key'");
    expect(() => loadDepotConfig({ ...env, OPSI_TS_REGISTER_USERNAME: "admin" })).toThrow("needs both");
    expect(() => loadDepotConfig({ OPSI_TS_DATA_DIR: "/nonexistent-opsi-ts" })).toThrow("No config server");
  });
});
