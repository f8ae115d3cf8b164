import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../broker/conformance.js";
import { MemoryBroker } from "../broker/memory-broker.js";
import { busIdentity } from "../channels.js";
import { type Compression, createMessageCodec } from "../codec.js";
import { type AnyMessage, createMessage, type MessageFields, type MessageType } from "../messages.js";
import type { ChannelService } from "../services/types.js";
import { CONTEXT_FIELD, type ConnectOptions, HubClosedError, MessagebusHub, messageContext } from "./hub.js";

const SERVER = "config.hub-test.tld";
let hubs: MessagebusHub[] = [];
let brokers: MemoryBroker<AnyMessage>[] = [];

function makeHub(options: Partial<ConstructorParameters<typeof MessagebusHub>[0]> = {}) {
  const broker = new MemoryBroker<AnyMessage>({ trimIntervalMs: 0 });
  brokers.push(broker);
  const hub = new MessagebusHub({ broker, serverId: SERVER, nodeName: "node1", ...options });
  hubs.push(hub);
  return hub;
}

afterEach(async () => {
  for (const hub of hubs) await hub.close();
  for (const broker of brokers) await broker.close();
  hubs = [];
  brokers = [];
});

/** An in-memory peer: decodes what the hub sends, encodes what the test sends. */
class Peer {
  readonly received: AnyMessage[] = [];
  closedWith: { code: number; reason: string } | undefined;
  readonly codec;
  constructor(compression: Compression | null = null) {
    this.codec = createMessageCodec({ compression });
  }
  options(identity: ConnectOptions["identity"], extra: Partial<ConnectOptions> = {}): ConnectOptions {
    return {
      identity,
      clientAddress: "10.0.0.1",
      compression: null,
      send: (frame) => {
        this.received.push(this.codec.decode(frame));
      },
      close: (code, reason) => {
        this.closedWith = { code, reason };
      },
      ...extra,
    };
  }
  frame<T extends MessageType>(type: T, fields: Omit<MessageFields<T>, "sender">): Uint8Array {
    return this.codec.encode(createMessage(type, { sender: "@", ...fields } as MessageFields<T>));
  }
  async next(predicate: (m: AnyMessage) => boolean): Promise<AnyMessage> {
    await waitFor(() => this.received.some(predicate), "a message", 3000);
    const found = this.received.find(predicate);
    if (!found) throw new Error("not received");
    return found;
  }
}

const client = busIdentity("client", "pc1.hub-test.tld");
const admin = busIdentity("user", "adminuser", true);

describe("MessagebusHub", () => {
  it("subscribes user and session channel and sends channel_subscription_event first", async () => {
    const hub = makeHub();
    const peer = new Peer();
    const conn = await hub.connect(peer.options(client));
    const first = peer.received[0];
    expect(first?.type).toBe("channel_subscription_event");
    expect(first?.channel).toBe(conn.sessionChannel);
    expect((first as unknown as { subscribed_channels: string[] }).subscribed_channels).toEqual([
      "host:pc1.hub-test.tld",
      conn.sessionChannel,
    ]);
    expect(await hub.isConnected("host:pc1.hub-test.tld")).toBe(true);
    expect(await hub.connectedIds("client")).toEqual(["pc1.hub-test.tld"]);
    await conn.closed();
    expect(await hub.connectedIds()).toEqual([]);
  });

  it("publishes connected/disconnected for the first and last connection only", async () => {
    const hub = makeHub();
    const watcher = new Peer();
    const w = await hub.connect(watcher.options(admin));
    await w.receive(
      watcher.frame("channel_subscription_request", {
        channel: "service:messagebus",
        channels: ["event:host_connected", "event:host_disconnected"],
        operation: "add",
      }),
    );
    await watcher.next((m) => m.type === "channel_subscription_event" && m.ref_id !== null);
    const a = await hub.connect(new Peer().options(client));
    const b = await hub.connect(new Peer().options(client));
    const connected = await watcher.next((m) => m.type === "event" && (m as { event: string }).event === "host_connected");
    expect((connected as { data: unknown }).data).toEqual({
      client_address: "10.0.0.1",
      worker: "node1:1",
      host: { type: "OpsiClient", id: "pc1.hub-test.tld" },
    });
    expect(connected.sender).toBe("service_worker:node1:1");
    await a.closed();
    await new Promise((r) => setTimeout(r, 50));
    expect(watcher.received.filter((m) => (m as { event?: string }).event === "host_disconnected")).toHaveLength(0);
    await b.closed();
    await watcher.next((m) => (m as { event?: string }).event === "host_disconnected");
    expect(watcher.received.filter((m) => (m as { event?: string }).event === "host_connected")).toHaveLength(1);
  });

  it("answers decode errors and denied sends with general_error and stays usable", async () => {
    const hub = makeHub();
    const peer = new Peer();
    const conn = await hub.connect(peer.options(client));
    await conn.receive(Uint8Array.of(1, 2, 3));
    const err = await peer.next((m) => m.type === "general_error");
    expect((err as { error: { message: string } }).error.message).toMatch(/msgpack|map/i);
    const denied = createMessage("event", { sender: "@", channel: "event:test", event: "test" });
    await conn.receive(peer.codec.encode(denied));
    const err2 = await peer.next((m) => m.type === "general_error" && m.ref_id === denied.id);
    expect((err2 as { error: { message: string } }).error.message).toBe("Read access to channel 'event:test' denied");
    await conn.receive(peer.frame("channel_subscription_request", { channel: "service:messagebus", channels: ["event:test"] }));
    const sub = await peer.next((m) => m.type === "channel_subscription_event" && m.ref_id !== null);
    expect(sub).toMatchObject({ subscribed_channels: [], error: { message: "Write access to channel 'event:test' denied" } });
    expect(conn.subscriptions()).toHaveLength(2);
    // still usable: a message to the own session channel comes back
    await conn.receive(peer.frame("trace_request", { channel: "$", trace: { sender_ws_send: 1 } }));
    const trace = await peer.next((m) => m.type === "trace_request");
    expect(Object.keys((trace as { trace: object }).trace).sort()).toEqual(
      ["broker_redis_receive", "broker_redis_send", "broker_ws_receive", "broker_ws_send", "sender_ws_send"].sort(),
    );
  });

  it("replays the inbox of a host that reconnects, after the subscription event", async () => {
    const hub = makeHub();
    const adminPeer = new Peer();
    const a = await hub.connect(adminPeer.options(admin));
    const first = await hub.connect(new Peer().options(client));
    await first.closed();
    const msg = createMessage("event", { sender: "@", channel: "host:pc1.hub-test.tld", event: "test", data: { n: 1 } });
    await a.receive(adminPeer.codec.encode(msg));
    const peer = new Peer();
    await hub.connect(peer.options(client));
    await peer.next((m) => m.id === msg.id);
    expect(peer.received[0]?.type).toBe("channel_subscription_event");
    expect(peer.received[1]?.sender).toBe("user:adminuser");
  });

  it("hosts services as work queues with the sender's context", async () => {
    const hub = makeHub();
    const seen: unknown[] = [];
    const service: ChannelService = {
      name: "jsonrpc",
      async handle(message, _delivery, ctx) {
        seen.push(messageContext(message));
        await ctx.publish(
          createMessage("jsonrpc_response", {
            sender: "x",
            channel: message.back_channel ?? message.sender,
            rpc_id: "1",
            result: 42,
            ref_id: message.id,
          }),
        );
      },
    };
    await hub.registerService(service);
    await expect(hub.registerService(service)).rejects.toThrow("already registered");
    const peer = new Peer();
    const conn = await hub.connect(peer.options(client, { context: { who: "pc1" } }));
    const request = createMessage("jsonrpc_request", {
      sender: "@",
      channel: "service:config:jsonrpc",
      method: "backend_info",
      [CONTEXT_FIELD]: "forged",
    } as MessageFields<"jsonrpc_request">);
    await conn.receive(peer.codec.encode(request));
    const response = await peer.next((m) => m.type === "jsonrpc_response");
    expect(response).toMatchObject({ result: 42, sender: "service_worker:node1:1", ref_id: request.id, channel: conn.sessionChannel });
    expect(seen).toEqual([{ who: "pc1" }]);
  });

  it("delivers work-queue messages to a depot subscriber without the context and acks them", async () => {
    const hub = makeHub();
    const depot = busIdentity("depot", "depot1.hub-test.tld");
    const depotPeer = new Peer("lz4");
    const d = await hub.connect(depotPeer.options(depot, { compression: "lz4" }));
    await d.receive(
      depotPeer.frame("channel_subscription_request", {
        channel: "service:messagebus",
        channels: ["service:depot:depot1.hub-test.tld:jsonrpc"],
        operation: "add",
      }),
    );
    await depotPeer.next((m) => m.type === "channel_subscription_event" && m.ref_id !== null);
    const adminPeer = new Peer();
    const a = await hub.connect(adminPeer.options(admin, { context: { secret: true } }));
    const req = createMessage("jsonrpc_request", { sender: "@", channel: "service:depot:depot1.hub-test.tld:jsonrpc", method: "x" });
    await a.receive(adminPeer.codec.encode(req));
    const got = await depotPeer.next((m) => m.id === req.id);
    expect(CONTEXT_FIELD in got).toBe(false);
    await waitFor(() => hub.broker.stats().unacked === 0, "acks", 2000);
  });

  it("replaces an answer too large for a frame by an error answer", async () => {
    const hub = makeHub({ maxFrameBytes: 4096 });
    await hub.registerService({
      name: "jsonrpc",
      async handle(message, _delivery, ctx) {
        await ctx.publish(
          createMessage("jsonrpc_response", {
            sender: "x",
            channel: message.back_channel ?? message.sender,
            rpc_id: "1",
            result: "x".repeat(10_000),
            ref_id: message.id,
          }),
        );
      },
    });
    const peer = new Peer();
    const conn = await hub.connect(peer.options(admin, { context: {} }));
    const request = createMessage("jsonrpc_request", { sender: "@", channel: "service:config:jsonrpc", method: "big" });
    await conn.receive(peer.codec.encode(request));
    const response = (await peer.next((m) => m.type === "jsonrpc_response")) as unknown as {
      error: { message: string; data: unknown };
      ref_id: string;
    };
    expect(response.ref_id).toBe(request.id);
    expect(response.error.message).toMatch(/cannot be delivered: .*exceeds the maximum frame size of 4096 bytes/);
    expect(response.error.data).toEqual({ class: "OpsiRpcError", details: null });
  });

  it("publishes whitelisted events only and closes connections on close()", async () => {
    const hub = makeHub();
    await expect(hub.publishEvent("nope", {})).rejects.toThrow(/unknown event/);
    const peer = new Peer();
    await hub.connect(peer.options(client));
    await hub.close();
    expect(peer.closedWith).toEqual({ code: 1001, reason: "Server shutting down" });
    expect(hub.connectionCount).toBe(0);
    await expect(hub.connect(peer.options(client))).rejects.toBeInstanceOf(HubClosedError);
  });
});
