/**
 * @module test/messagebus-client.test
 * messagebus's `MessagebusClient` against a real config server over TLS: connect, subscriptions, events,
 * JSON-RPC over the bus (equal to /rpc), refused logins, and a reconnect that restores the subscriptions
 * after the server was restarted on the same port.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBackend } from "@opsi-ts/core";
import { type AnyMessage, MessagebusClient, MessagebusRpcError, type MessageOf } from "@opsi-ts/messagebus";
import { type ConfigServer, createConfigServer } from "@opsi-ts/service";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SERVER_ID = "config.bus-client.test";
const ADMIN = { username: "clientadmin", password: "Client-Admin-1" };
let dataDir: string;
let backend: MemoryBackend;
let cs: ConfigServer;
let port: number;

async function startServer(atPort: number): Promise<ConfigServer> {
  // stop() closes the backend: every start gets a new one (users live in the data directory).
  backend = new MemoryBackend();
  const server = await createConfigServer(backend, {
    dataDir,
    serverId: SERVER_ID,
    interface: "127.0.0.1",
    port: atPort,
    keyBits: 2048,
    logger: pino({ level: "silent" }),
  });
  await server.start();
  return server;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function client(options: Partial<ConstructorParameters<typeof MessagebusClient>[0]> = {}): MessagebusClient {
  return new MessagebusClient({
    url: `https://localhost:${port}`,
    ...ADMIN,
    ca: cs.tls.caCertPem,
    reconnectMinMs: 50,
    reconnectMaxMs: 200,
    ...options,
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "opsi-ts-bus-client-"));
  cs = await startServer(0);
  port = Number(new URL(cs.url()).port);
  await cs.users.add(ADMIN.username, ADMIN.password, ["opsiadmin"]);
}, 60_000);

afterAll(async () => {
  await cs?.stop().catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
});

describe("MessagebusClient", () => {
  it("connects (lz4 and gzip), knows its session and user channels, and receives subscribed events", async () => {
    for (const compression of ["lz4", "gzip", null] as const) {
      const bus = client({ compression });
      try {
        await bus.connect();
        expect(bus.state).toBe("open");
        expect(bus.sessionChannel).toMatch(/^session:[0-9a-f-]{36}$/);
        expect(bus.subscribedChannels).toContain(`user:${ADMIN.username}`);
        const events: AnyMessage[] = [];
        bus.onMessage((m) => {
          if (m.type === "event") events.push(m);
        });
        expect(await bus.subscribe(["event:host_created"])).toContain("event:host_created");
        const id = `pc-${compression ?? "none"}.bus-client.test`;
        await bus.jsonrpc("host_createOpsiClient", [id]);
        await until(() => events.length > 0, "host_created");
        expect((events[0] as MessageOf<"event">).data).toMatchObject({ type: "OpsiClient", id });
      } finally {
        await bus.close();
      }
      expect(bus.state).toBe("closed");
    }
  });

  it("answers JSON-RPC over the bus like /rpc, with opsi error classes", async () => {
    const bus = client();
    try {
      await bus.connect();
      const viaBus = await bus.jsonrpc("host_getObjects", [["id", "type"], { type: "OpsiConfigserver" }]);
      expect(viaBus).toEqual([expect.objectContaining({ id: SERVER_ID, type: "OpsiConfigserver" })]);
      const error = await bus.jsonrpc("no_such_method").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MessagebusRpcError);
      expect(error).toMatchObject({ opsiClass: "ValueError", message: "Invalid method 'no_such_method'" });
    } finally {
      await bus.close();
    }
  });

  it("refuses wrong credentials at once, without reconnecting", async () => {
    const bus = client({ password: "wrong" });
    await expect(bus.connect()).rejects.toThrow(/HTTP 401/);
    expect(bus.state).toBe("closed");
    await expect(client({ username: undefined, password: undefined }).connect()).rejects.toThrow(/HTTP 401/);
  });

  it("reconnects after a server restart and restores its subscriptions", async () => {
    const bus = client();
    const states: string[] = [];
    bus.onStateChange((s) => states.push(s));
    const events: AnyMessage[] = [];
    bus.onMessage((m) => {
      if (m.type === "event") events.push(m);
    });
    try {
      await bus.connect();
      await bus.subscribe(["event:host_created"]);
      const firstSession = bus.sessionChannel;
      await cs.stop();
      await until(() => states.includes("reconnecting"), "reconnecting");
      cs = await startServer(port);
      await until(() => bus.state === "open" && bus.sessionChannel !== firstSession, "the reconnect", 20_000);
      await until(() => bus.subscribedChannels.includes("event:host_created"), "the restored subscription");
      await bus.jsonrpc("host_createOpsiClient", ["pc-after-restart.bus-client.test"]);
      await until(
        () => events.some((e) => (e as MessageOf<"event">).data.id === "pc-after-restart.bus-client.test"),
        "the event after reconnect",
      );
    } finally {
      await bus.close();
    }
  }, 60_000);
});
