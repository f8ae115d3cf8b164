/**
 * @module test/messagebus.test
 * `/messagebus/v1` end to end: a config server over TLS (SQLite), real `ws` clients, JSON-RPC compared
 * with `/rpc`, events from CRUD writes, inbox replay, compression, limits. Runs with the in-process
 * MemoryBroker and with a RedisBroker (unique key prefix; fails with OPSI_TEST_REQUIRE_SERVICES=1 when
 * Redis is down, skipped otherwise).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode as msgpackEncode } from "@msgpack/msgpack";
import { openSqliteBackend } from "@opsi-ts/backend-sqlite";
import type { Backend } from "@opsi-ts/core";
import {
  type AnyMessage,
  type Broker,
  type Compression,
  createMessage,
  createMessageCodec,
  MemoryBroker,
  type MessageCodec,
  type MessageFields,
  type MessageType,
  RedisBroker,
} from "@opsi-ts/messagebus";
import { type ConfigServer, createConfigServer } from "@opsi-ts/service";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { basicAuth, decodeResponse, httpsRequest, sessionCookieOf } from "./e2e-https.js";
import { connectTestRedis, deleteKeysWithPrefix, REDIS_URL, redisAvailable, testKeyPrefix } from "./redis.js";

const SERVER_ID = "config.bus-test.tld";
const DOMAIN = "bus-test.tld";
const ADMIN = { username: "busadmin", password: "Admin-Pass-1" };
const USER = { username: "bususer", password: "User-Pass-1" };
const MAX_FRAME = 256 * 1024;

type Dict = Record<string, unknown>;

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What an upgrade that was refused answered. */
interface Refusal {
  readonly status: number;
  readonly body: string;
  readonly headers: IncomingMessage["headers"];
}

/** A bus client on a real WebSocket. */
class BusClient {
  readonly messages: AnyMessage[] = [];
  readonly frames: Buffer[] = [];
  closeInfo: { code: number; reason: string } | undefined;
  sessionChannel = "";
  readonly codec: MessageCodec;

  private constructor(
    readonly ws: WebSocket,
    compression: Compression | null,
  ) {
    this.codec = createMessageCodec({ compression });
    ws.on("message", (data: Buffer) => {
      this.frames.push(data);
      this.messages.push(this.codec.decode(data));
    });
    ws.on("close", (code, reason) => {
      this.closeInfo = { code, reason: reason.toString("utf8") };
    });
  }

  /** Opens a connection; rejects with a {@link Refusal} when the server answers with HTTP. */
  static open(
    env: BusEnv,
    options: { headers?: Record<string, string>; query?: string; compression?: Compression; path?: string } = {},
  ): Promise<BusClient> {
    const query = options.query ?? (options.compression ? `?compression=${options.compression}` : "");
    const path = options.path ?? "/messagebus/v1";
    const ws = new WebSocket(`wss://127.0.0.1:${env.port}${path}${query}`, { ca: env.ca, headers: options.headers ?? {} });
    const client = new BusClient(ws, options.compression ?? null);
    return new Promise((resolve, reject) => {
      ws.once("open", () => {
        client
          .next((m) => m.type === "channel_subscription_event")
          .then((first) => {
            client.sessionChannel = first.channel;
            resolve(client);
          }, reject);
      });
      ws.once("unexpected-response", (_req, res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          reject({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers } satisfies Refusal),
        );
      });
      ws.once("error", (err) => reject(err));
    });
  }

  static async refused(env: BusEnv, options: Parameters<typeof BusClient.open>[1]): Promise<Refusal> {
    try {
      const client = await BusClient.open(env, options);
      client.ws.terminate();
    } catch (e: unknown) {
      if (typeof e === "object" && e !== null && "status" in e) return e as Refusal;
      throw e;
    }
    throw new Error("connection was accepted");
  }

  send<T extends MessageType>(type: T, fields: Omit<MessageFields<T>, "sender">): AnyMessage {
    const message = createMessage(type, { sender: "@", ...fields } as MessageFields<T>);
    this.ws.send(this.codec.encode(message));
    return message;
  }

  async next(predicate: (m: AnyMessage) => boolean, timeoutMs = 5000): Promise<AnyMessage> {
    await waitUntil(() => this.messages.some(predicate), "a bus message", timeoutMs);
    return this.messages.find(predicate) as AnyMessage;
  }

  async subscribe(channels: string[], operation: "set" | "add" | "remove" = "add"): Promise<Dict> {
    const request = this.send("channel_subscription_request", { channel: "service:messagebus", channels, operation });
    return (await this.next((m) => m.type === "channel_subscription_event" && m.ref_id === request.id)) as unknown as Dict;
  }

  async rpc(method: string, params: unknown[] = []): Promise<Dict> {
    const request = this.send("jsonrpc_request", { channel: "service:config:jsonrpc", method, params, rpc_id: 7 });
    return (await this.next((m) => m.type === "jsonrpc_response" && m.ref_id === request.id, 10_000)) as unknown as Dict;
  }

  events(name: string): Dict[] {
    return this.messages.filter((m) => m.type === "event" && (m as unknown as Dict).event === name) as unknown as Dict[];
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once("close", () => resolve());
      this.ws.close(1000);
    });
  }
}

/** The server under test. */
class BusEnv {
  cs!: ConfigServer;
  dir = "";
  broker: Broker<AnyMessage> | undefined;
  client = { id: "", key: "" };
  depot = { id: "", key: "" };

  get port(): number {
    return this.cs.server.port;
  }

  get ca(): string {
    return this.cs.tls.caCertPem;
  }

  async start(broker: Broker<AnyMessage> | undefined, pingIntervalMs?: number): Promise<void> {
    this.broker = broker;
    this.dir = await mkdtemp(join(tmpdir(), "opsi-ts-bus-"));
    const backend = (await openSqliteBackend({ path: join(this.dir, "opsi.sqlite") })) as unknown as Backend;
    this.cs = await createConfigServer(backend, {
      dataDir: this.dir,
      serverId: SERVER_ID,
      interface: "127.0.0.1",
      port: 0,
      keyBits: 2048,
      messagebus: {
        ...(broker ? { broker } : {}),
        maxFrameBytes: MAX_FRAME,
        nodeName: "bus-node",
        ...(pingIntervalMs ? { pingIntervalMs } : {}),
      },
      logger: pino({ level: "silent" }),
    });
    await this.cs.start();
    await this.cs.users.add(ADMIN.username, ADMIN.password, ["opsiadmin"]);
    await this.cs.users.add(USER.username, USER.password, ["users"]);
    this.client = await this.createHost("OpsiClient", "pc");
    this.depot = await this.createHost("OpsiDepotserver", "depot", { depotRemoteUrl: "smb://depot/opsi_depot", isMasterDepot: true });
  }

  async stop(): Promise<void> {
    await this.cs?.stop();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  async createHost(type: string, prefix: string, extra: Dict = {}): Promise<{ id: string; key: string }> {
    const host = { id: `${prefix}-${randomBytes(3).toString("hex")}.${DOMAIN}`, key: randomBytes(16).toString("hex") };
    await this.cs.backend.createObjects("host", [{ type, id: host.id, opsiHostKey: host.key, ...extra }]);
    return host;
  }

  admin = () => ({ authorization: basicAuth(ADMIN.username, ADMIN.password) });
  host = (h: { id: string; key: string }) => ({ authorization: basicAuth(h.id, h.key) });

  /** One JSON-RPC 2.0 call over /rpc; returns the whole response object. */
  async rpc(headers: Record<string, string>, method: string, params: unknown[] = []): Promise<Dict> {
    const res = await httpsRequest(
      { port: this.port, ca: this.ca },
      {
        method: "POST",
        path: "/rpc",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      },
    );
    return decodeResponse(res) as Dict;
  }
}

function describeBus(
  name: string,
  makeBroker: () => Promise<{ broker?: Broker<AnyMessage>; cleanup?: () => Promise<void> }>,
  enabled = true,
) {
  describe.runIf(enabled)(`/messagebus/v1 (${name})`, () => {
    const env = new BusEnv();
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const made = await makeBroker();
      cleanup = made.cleanup;
      await env.start(made.broker);
    }, 60_000);
    afterAll(async () => {
      await env.stop();
      await cleanup?.();
    }, 30_000);

    it("GET /messagebus/ answers the HTML marker", async () => {
      const res = await httpsRequest({ port: env.port, ca: env.ca }, { path: "/messagebus/", headers: env.admin() });
      expect(res.status).toBe(200);
      expect(res.text()).toBe("<h1>messagebus</h1>");
    });

    it("accepts an admin user, a client and a depot; the subscription event comes first", async () => {
      const admin = await BusClient.open(env, { headers: env.admin() });
      const first = admin.messages[0] as unknown as Dict;
      expect(first.type).toBe("channel_subscription_event");
      expect(first.subscribed_channels).toEqual([`user:${ADMIN.username}`, admin.sessionChannel]);
      expect(admin.sessionChannel).toMatch(/^session:[0-9a-f-]{36}$/);
      const client = await BusClient.open(env, { headers: env.host(env.client) });
      expect((client.messages[0] as unknown as Dict).subscribed_channels).toEqual([`host:${env.client.id}`, client.sessionChannel]);
      const depot = await BusClient.open(env, { headers: env.host(env.depot) });
      expect(depot.messages[0]?.type).toBe("channel_subscription_event");
      await Promise.all([admin.close(), client.close(), depot.close()]);
    });

    it("authenticates with the session cookie and with ?session_id=", async () => {
      const res = await httpsRequest(
        { port: env.port, ca: env.ca },
        { method: "POST", path: "/auth/login", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) },
      );
      const cookie = sessionCookieOf(res);
      expect(cookie).toBeDefined();
      const byCookie = await BusClient.open(env, { headers: { cookie: cookie as string } });
      const byQuery = await BusClient.open(env, { query: `?session_id=${(cookie as string).split("=")[1]}` });
      expect(byQuery.messages[0]?.type).toBe("channel_subscription_event");
      await Promise.all([byCookie.close(), byQuery.close()]);
    });

    it("refuses before the upgrade: 401 for bad credentials, 403 for non-admin users, 400 for bad compression", async () => {
      const bad = await BusClient.refused(env, { headers: { authorization: basicAuth(ADMIN.username, "wrong") } });
      expect(bad.status).toBe(401);
      expect(bad.headers["x-opsi-error"]).toBeDefined();
      const none = await BusClient.refused(env, {});
      expect(none.status).toBe(401);
      const user = await BusClient.refused(env, { headers: { authorization: basicAuth(USER.username, USER.password) } });
      expect(user.status).toBe(403);
      expect(user.body).toContain("Invalid session");
      const compression = await BusClient.refused(env, { headers: env.admin(), query: "?compression=deflate" });
      expect(compression.status).toBe(400);
      expect(compression.body).toContain("valid compressions are lz4 and gzip");
      const elsewhere = await BusClient.refused(env, { headers: env.admin(), path: "/rpc" });
      expect(elsewhere.status).toBe(400);
      const unknown = await BusClient.refused(env, { headers: env.admin(), path: "/messagebus/v2" });
      expect(unknown.status).toBe(404);
    });

    it("handles subscription add/set/remove and refuses event channels to clients", async () => {
      const admin = await BusClient.open(env, { headers: env.admin() });
      const own = `user:${ADMIN.username}`;
      expect((await admin.subscribe(["event:host_created", "event:test"], "add")).subscribed_channels).toEqual([
        own,
        admin.sessionChannel,
        "event:host_created",
        "event:test",
      ]);
      expect((await admin.subscribe(["event:test"], "remove")).subscribed_channels).toEqual([
        own,
        admin.sessionChannel,
        "event:host_created",
      ]);
      expect((await admin.subscribe(["@", "event:config_created"], "set")).subscribed_channels).toEqual([
        admin.sessionChannel,
        own,
        "event:config_created",
      ]);
      const client = await BusClient.open(env, { headers: env.host(env.client) });
      const denied = await client.subscribe(["event:host_created"]);
      expect(denied.subscribed_channels).toEqual([]);
      expect((denied.error as Dict).message).toBe("Write access to channel 'event:host_created' denied");
      // a client may not send to other hosts either
      const msg = client.send("event", { channel: `host:${env.depot.id}`, event: "test" });
      const err = (await client.next((m) => m.type === "general_error" && m.ref_id === msg.id)) as unknown as Dict;
      expect((err.error as Dict).message).toBe(`Read access to channel 'host:${env.depot.id}' denied`);
      await Promise.all([admin.close(), client.close()]);
    });

    it("publishes CRUD events with opsiconfd's data shapes to admin subscribers", async () => {
      const admin = await BusClient.open(env, { headers: env.admin() });
      await admin.subscribe(["event:host_created", "event:host_deleted", "event:productOnClient_created"]);
      const id = `new-${randomBytes(3).toString("hex")}.${DOMAIN}`;
      const created = await env.rpc(env.admin(), "host_createOpsiClient", [id]);
      expect(created.error).toBeUndefined();
      const event = (await admin.next((m) => m.type === "event" && (m as unknown as Dict).event === "host_created")) as unknown as Dict;
      expect(event).toMatchObject({ channel: "event:host_created", sender: "service_worker:bus-node:1", data: { type: "OpsiClient", id } });
      await env.rpc(env.admin(), "host_delete", [id]);
      const deleted = (await admin.next((m) => (m as unknown as Dict).event === "host_deleted")) as unknown as Dict;
      expect(deleted.data).toEqual({ id });
      await admin.close();
    });

    it("announces host_connected for the first and host_disconnected for the last connection", async () => {
      const admin = await BusClient.open(env, { headers: env.admin() });
      await admin.subscribe(["event:host_connected", "event:host_disconnected"]);
      const host = await env.createHost("OpsiClient", "conn");
      const a = await BusClient.open(env, { headers: env.host(host) });
      const b = await BusClient.open(env, { headers: env.host(host) });
      const connected = await admin.next(
        (m) =>
          (m as unknown as Dict).event === "host_connected" &&
          ((m as unknown as Dict).data as Dict).host !== undefined &&
          (((m as unknown as Dict).data as Dict).host as Dict).id === host.id,
      );
      expect((connected as unknown as Dict).data).toMatchObject({
        client_address: "127.0.0.1",
        worker: "bus-node:1",
        host: { type: "OpsiClient", id: host.id },
      });
      await a.close();
      await new Promise((r) => setTimeout(r, 150));
      const of = (name: string) => admin.events(name).filter((e) => ((e.data as Dict).host as Dict).id === host.id);
      expect(of("host_disconnected")).toHaveLength(0);
      await b.close();
      await waitUntil(() => of("host_disconnected").length === 1, "host_disconnected");
      expect(of("host_connected")).toHaveLength(1);
      await admin.close();
    });

    it("answers JSON-RPC over the bus exactly like /rpc", async () => {
      const admin = await BusClient.open(env, { headers: env.admin() });
      for (const [method, params] of [
        ["host_getObjects", [[], { id: env.client.id }]],
        ["config_getObjects", [[], { id: "clientconfig.depot.id" }]],
        ["getDepotId", [env.client.id]],
      ] as [string, unknown[]][]) {
        const viaBus = await admin.rpc(method, params);
        const viaHttp = await env.rpc(env.admin(), method, params);
        expect(viaBus.error, method).toBeNull();
        expect(viaBus.result, method).toEqual(viaHttp.result);
        expect(viaBus).toMatchObject({ rpc_id: "7", sender: "service_worker:bus-node:1", channel: admin.sessionChannel });
      }
      const invalid = await admin.rpc("no_such_method");
      expect(invalid.error).toEqual({
        code: 0,
        message: "Invalid method 'no_such_method'",
        data: { class: "ValueError", details: expect.any(String) },
      });
      expect(invalid.result).toBeNull();
      // a client: its own host object, and the ACL denial with the same class and text as /rpc
      const client = await BusClient.open(env, { headers: env.host(env.client) });
      const own = await client.rpc("host_getObjects", [[], { id: env.client.id }]);
      // Each login (the bus connection, the /rpc call) sets lastSeen, which may fall into different seconds.
      const withoutLastSeen = (r: unknown) => (r as Dict[]).map(({ lastSeen: _seen, ...rest }) => rest);
      const ownHttp = await env.rpc(env.host(env.client), "host_getObjects", [[], { id: env.client.id }]);
      expect(withoutLastSeen(own.result)).toEqual(withoutLastSeen(ownHttp.result));
      const denied = await client.rpc("user_setCredentials", ["pcpatch", "secret"]);
      const deniedHttp = await env.rpc(env.host(env.client), "user_setCredentials", ["pcpatch", "secret"]);
      expect((denied.error as Dict).data).toEqual({ class: "OpsiServicePermissionError", details: null });
      expect((denied.error as Dict).message).toBe(((deniedHttp.error as Dict).message as string) ?? "");
      expect((denied.error as Dict).message).toMatch(/^Opsi service permission error: No permission for method/);
      await Promise.all([admin.close(), client.close()]);
    });

    it("replays a message sent to an offline host when it connects", async () => {
      const host = await env.createHost("OpsiClient", "inbox");
      const admin = await BusClient.open(env, { headers: env.admin() });
      const sent = admin.send("jsonrpc_request", { channel: `host:${host.id}`, method: "uptime" });
      await new Promise((r) => setTimeout(r, 150));
      const client = await BusClient.open(env, { headers: env.host(host) });
      const got = await client.next((m) => m.id === sent.id);
      expect(got).toMatchObject({
        type: "jsonrpc_request",
        method: "uptime",
        sender: `user:${ADMIN.username}`,
        back_channel: admin.sessionChannel,
      });
      expect("context" in got).toBe(false);
      // the client answers into the admin's session channel
      client.send("jsonrpc_response", {
        channel: got.back_channel as string,
        rpc_id: (got as unknown as Dict).rpc_id as string,
        result: 12,
        ref_id: got.id,
      });
      const answer = await admin.next((m) => m.type === "jsonrpc_response" && m.ref_id === sent.id);
      expect(answer).toMatchObject({ result: 12, sender: `host:${host.id}` });
      await Promise.all([admin.close(), client.close()]);
    });

    it("negotiates lz4 and gzip compression", async () => {
      for (const compression of ["lz4", "gzip"] as const) {
        const admin = await BusClient.open(env, { headers: env.admin(), compression });
        const magic = compression === "lz4" ? [0x04, 0x22, 0x4d, 0x18] : [0x1f, 0x8b];
        expect([...(admin.frames[0] as Buffer).subarray(0, magic.length)]).toEqual(magic);
        const response = await admin.rpc("getDepotId", [env.client.id]);
        expect(response.error).toBeNull();
        await admin.close();
      }
    });

    it("answers garbage with general_error and stays usable; closes on text and oversized frames", async () => {
      const admin = await BusClient.open(env, { headers: env.admin() });
      admin.ws.send(Buffer.from([0xc1, 0x00, 0x01]));
      const err = (await admin.next((m) => m.type === "general_error")) as unknown as Dict;
      expect(typeof (err.error as Dict).message).toBe("string");
      // a map without `id`: general_error without ref_id
      admin.ws.send(msgpackEncode({ type: "event", sender: "@", channel: "$", event: "test", created: 1, expires: Date.now() + 60_000 }));
      await waitUntil(() => admin.messages.filter((m) => m.type === "general_error").length >= 2, "second general_error");
      const second = admin.messages.filter((m) => m.type === "general_error")[1];
      expect(second?.ref_id).toBeNull();
      expect((await admin.rpc("getDepotId", [env.client.id])).error).toBeNull();
      admin.ws.send("text frame");
      await waitUntil(() => admin.closeInfo !== undefined, "close after text frame");
      expect(admin.closeInfo?.code).toBe(1003);

      const big = await BusClient.open(env, { headers: env.admin() });
      big.ws.send(randomBytes(MAX_FRAME + 1));
      await waitUntil(() => big.closeInfo !== undefined, "close after oversized frame");
      expect(big.closeInfo?.code).toBe(1009);
    });

    it("lists connected clients in host_getMessagebusConnectedIds", async () => {
      const host = await env.createHost("OpsiClient", "online");
      const client = await BusClient.open(env, { headers: env.host(host) });
      const all = await env.rpc(env.admin(), "host_getMessagebusConnectedIds", []);
      expect(all.result).toContain(host.id);
      const filtered = await env.rpc(env.admin(), "host_getMessagebusConnectedIds", [[host.id, env.depot.id]]);
      expect(filtered.result).toEqual([host.id]);
      expect(await env.cs.messagebus?.isConnected(`host:${host.id}`)).toBe(true);
      await client.close();
      for (let i = 0; i < 500 && (await env.cs.messagebus?.isConnected(`host:${host.id}`)); i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(await env.cs.messagebus?.isConnected(`host:${host.id}`)).toBe(false);
      expect((await env.rpc(env.admin(), "host_getMessagebusConnectedIds", [[host.id]])).result).toEqual([]);
    });

    it("runs hostControl_* over the bus for connected clients", async () => {
      const host = await env.createHost("OpsiClient", "ctl");
      const client = await BusClient.open(env, { headers: env.host(host) });
      // opsiclientd's side: answer every jsonrpc_request on the host channel, echoing rpc_id, without ref_id
      client.ws.on("message", (data: Buffer) => {
        const m = client.codec.decode(data) as unknown as Dict;
        if (m.type !== "jsonrpc_request" || m.method !== "uptime") return;
        client.send("jsonrpc_response", { channel: (m.back_channel ?? m.sender) as string, rpc_id: m.rpc_id as string, result: 4711 });
      });
      const response = await env.rpc(env.admin(), "hostControl_uptime", [[host.id]]);
      expect(response.result).toEqual({ [host.id]: { result: 4711, error: null } });
      await client.close();
    });

    it("answers 503 with Retry-After in maintenance mode and publishes app_state_changed", async () => {
      const admin = await BusClient.open(env, { headers: env.admin() });
      await admin.subscribe(["event:app_state_changed"]);
      await env.cs.appState.set({ type: "maintenance", retry_after: 33, address_exceptions: [] });
      try {
        const refused = await BusClient.refused(env, { headers: env.admin() });
        expect(refused.status).toBe(503);
        expect(refused.headers["retry-after"]).toBe("33");
      } finally {
        await env.cs.appState.set({ type: "normal" });
      }
      const event = (await admin.next((m) => (m as unknown as Dict).event === "app_state_changed")) as unknown as Dict;
      expect(event.sender).toBe("service_node:bus-node");
      expect(event.data).toMatchObject({ old_state: { type: "normal" }, state: { type: "maintenance", retry_after: 33 } });
      await admin.close();
    });
  });
}

describeBus("MemoryBroker", async () => ({}));

const redisUp = await redisAvailable();
describeBus(
  "RedisBroker",
  async () => {
    const keyPrefix = testKeyPrefix("bus");
    const broker = await RedisBroker.connect<AnyMessage>({ url: REDIS_URL, keyPrefix, trimIntervalMs: 0, onError: () => {} });
    return {
      broker,
      cleanup: async () => {
        await broker.close();
        const redis = await connectTestRedis();
        try {
          await deleteKeysWithPrefix(redis, keyPrefix);
        } finally {
          await redis.close();
        }
      },
    };
  },
  redisUp,
);

describe("/messagebus/v1 session check and shutdown", () => {
  it("closes with 'Session deleted' after logout and with 1001 when the server stops", async () => {
    const env = new BusEnv();
    await env.start(new MemoryBroker<AnyMessage>(), 200);
    const login = await httpsRequest(
      { port: env.port, ca: env.ca },
      { method: "POST", path: "/auth/login", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) },
    );
    const cookie = sessionCookieOf(login) as string;
    const loggedIn = await BusClient.open(env, { headers: { cookie } });
    await new Promise((r) => setTimeout(r, 500));
    expect(loggedIn.closeInfo).toBeUndefined();
    const logout = await httpsRequest({ port: env.port, ca: env.ca }, { method: "POST", path: "/auth/logout", headers: { cookie } });
    expect(logout.status).toBe(200);
    await waitUntil(() => loggedIn.closeInfo !== undefined, "close after logout");
    expect(loggedIn.closeInfo).toEqual({ code: 1000, reason: "Session deleted" });
    const error = loggedIn.messages.find((m) => m.type === "general_error") as unknown as Dict;
    expect((error.error as Dict).message).toBe("Session deleted");

    const admin = await BusClient.open(env, { headers: env.admin() });
    await env.stop();
    await waitUntil(() => admin.closeInfo !== undefined, "close");
    expect(admin.closeInfo).toEqual({ code: 1001, reason: "Server shutting down" });
    await env.broker?.close();
  }, 60_000);
});
