/**
 * @module bench/bus
 * The message bus under load: one config server process (apps/configserver, SQLite, in-process broker) holding
 * BENCH_BUS_CLIENTS (default 10,000) TLS WebSocket connections of client hosts opened by this process (the
 * simulator). Measures the server's RSS per connection, the p50/p99 latency of one message fanned out to every
 * connection (all subscribe one shared `session:` channel, which any connection may read), and JSON-RPC over
 * the bus against `/rpc` with the same method, callers and concurrency in the same run.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { createHttpFetch } from "../packages/cli/src/index.js";
import { ServiceClient } from "../packages/core/src/index.js";
import { type AnyMessage, createMessage, createMessageCodec } from "../packages/messagebus/src/index.js";
import { LZ4_FRAME } from "../packages/service/src/index.js";
import { startServerProcess } from "./rpc-server.js";
import type { BenchResult } from "./types.js";

const DOMAIN = "bus.bench.test";
const ADMIN_PASSWORD = "bench-admin-password";
const codec = createMessageCodec({ compression: null });

interface Peer {
  readonly id: string;
  readonly socket: WebSocket;
  /** The first channel_subscription_event arrived. */
  readonly ready: Promise<void>;
  onMessage: ((message: AnyMessage, receivedAt: number) => void) | null;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function connect(url: string, id: string, key: string, agent: Agent): Peer {
  const socket = new WebSocket(`${url.replace("https:", "wss:")}/messagebus/v1`, {
    headers: { authorization: `Basic ${Buffer.from(`${id}:${key}`).toString("base64")}` },
    agent,
    perMessageDeflate: false,
  });
  socket.binaryType = "nodebuffer";
  const peer: Peer = {
    id,
    socket,
    onMessage: null,
    ready: new Promise<void>((resolve, reject) => {
      let first = true;
      socket.on("message", (data: Buffer) => {
        const receivedAt = performance.timeOrigin + performance.now();
        const message = codec.decode(data);
        if (first && message.type === "channel_subscription_event") {
          first = false;
          resolve();
        }
        peer.onMessage?.(message, receivedAt);
      });
      socket.once("error", reject);
      socket.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode} for ${id}`)));
    }),
  };
  return peer;
}

function send(peer: Peer, message: AnyMessage): void {
  peer.socket.send(codec.encode(message));
}

/** Runs `total` calls with `concurrency` callers; returns calls per second. */
async function closedLoop(concurrency: number, total: number, call: (worker: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_v, worker) => {
      while (next < total) {
        next += 1;
        await call(worker);
      }
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

export async function run(): Promise<BenchResult[]> {
  const clients = Number(process.env.BENCH_BUS_CLIENTS ?? 10_000);
  const rpcCallers = 50;
  const rpcCalls = Number(process.env.BENCH_BUS_RPC_CALLS ?? 20_000);
  const dataDir = await mkdtemp(join(tmpdir(), "opsi-bench-bus-"));
  // Every connection is its own session from one address: lift the per-address session limit.
  await writeFile(join(dataDir, "configserver.toml"), `max-session-per-ip = ${clients + 1000}\n`);
  const server = await startServerProcess({
    dataDir,
    serverId: `configserver.${DOMAIN}`,
    adminPassword: ADMIN_PASSWORD,
    timeoutMs: 300_000,
  });
  const fetch = createHttpFetch({ ca: server.caPem });
  const admin = new ServiceClient({ url: server.url, username: "adminuser", password: ADMIN_PASSWORD, fetch, lz4: LZ4_FRAME });
  const agent = new Agent({ ca: server.caPem, keepAlive: false, maxCachedSessions: 0 });
  const peers: Peer[] = [];
  try {
    const hosts = Array.from({ length: clients }, (_v, i) => ({
      type: "OpsiClient",
      id: `pc${String(i).padStart(5, "0")}.${DOMAIN}`,
      opsiHostKey: randomBytes(16).toString("hex"),
    }));
    for (let i = 0; i < hosts.length; i += 1000) await admin.call("host_createObjects", [hosts.slice(i, i + 1000)]);
    await new Promise((r) => setTimeout(r, 1000));
    const before = server.memory().rss;

    // Connect in waves of 100 concurrent handshakes.
    const connectStart = performance.now();
    for (let i = 0; i < hosts.length; i += 100) {
      const wave = hosts.slice(i, i + 100).map((h) => connect(server.url, h.id, h.opsiHostKey, agent));
      peers.push(...wave);
      await Promise.all(wave.map((p) => p.ready));
    }
    const connectSeconds = (performance.now() - connectStart) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    const after = server.memory().rss;
    const perConnection = (after - before) / clients;
    console.log(
      `${clients} connections in ${connectSeconds.toFixed(1)} s; server RSS ${(before / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MB`,
    );

    // Fan-out: everyone subscribes one session channel, one peer publishes to it.
    const shared = `session:${randomUUID()}`;
    await Promise.all(
      peers.map(
        (p) =>
          new Promise<void>((resolve, reject) => {
            const req = createMessage("channel_subscription_request", {
              sender: "@",
              channel: "service:messagebus",
              channels: [shared],
              operation: "add",
            });
            p.onMessage = (m) => {
              if (m.type === "channel_subscription_event" && m.ref_id === req.id) {
                p.onMessage = null;
                if ((m as { error?: unknown }).error) reject(new Error(`subscription of ${p.id} refused`));
                else resolve();
              }
            };
            send(p, req);
          }),
      ),
    );
    const latencies: number[] = [];
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      const got: number[] = [];
      const message = createMessage("event", { sender: "@", channel: shared, event: "test", data: { round } });
      const all = new Promise<void>((resolve) => {
        for (const p of peers) {
          p.onMessage = (m, at) => {
            if (m.id !== message.id) return;
            got.push(at);
            if (got.length === peers.length) resolve();
          };
        }
      });
      const sentAt = performance.timeOrigin + performance.now();
      send(peers[0] as Peer, message);
      await all;
      latencies.push(...got.map((t) => t - sentAt));
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const p of peers) p.onMessage = null;
    latencies.sort((a, b) => a - b);

    // JSON-RPC over the bus vs /rpc: the same method, 50 callers, closed loop.
    const callers = peers.slice(0, rpcCallers);
    const pending = new Map<string, () => void>();
    for (const p of callers) {
      p.onMessage = (m) => {
        if (m.type !== "jsonrpc_response" && m.type !== "general_error") return;
        const key = m.type === "jsonrpc_response" ? String((m as { rpc_id: unknown }).rpc_id) : String(m.ref_id);
        pending.get(key)?.();
        pending.delete(key);
      };
    }
    const busRate = await closedLoop(rpcCallers, rpcCalls, (worker) => {
      const p = callers[worker] as Peer;
      const rpcId = randomUUID();
      const message = createMessage("jsonrpc_request", {
        sender: "@",
        channel: "service:config:jsonrpc",
        method: "host_getObjects",
        params: [[], { id: p.id }],
        rpc_id: rpcId,
      });
      return new Promise<void>((resolve) => {
        pending.set(rpcId, resolve);
        pending.set(message.id, resolve);
        send(p, message);
      });
    });
    const httpClients = hosts.slice(0, rpcCallers).map(
      (h) =>
        new ServiceClient({
          url: server.url,
          username: h.id,
          password: h.opsiHostKey,
          fetch: createHttpFetch({ ca: server.caPem }),
          lz4: LZ4_FRAME,
        }),
    );
    const rpcRate = await closedLoop(rpcCallers, rpcCalls, async (worker) => {
      const h = hosts[worker] as (typeof hosts)[number];
      await (httpClients[worker] as ServiceClient).call("host_getObjects", [[], { id: h.id }]);
    });
    for (const c of httpClients) await c.disconnect().catch(() => {});

    const notes = `${clients} client hosts over TLS (RSA-4096 server key), no compression, in-process broker, SQLite`;
    return [
      {
        name: "server RSS per connection",
        unit: "KB",
        value: perConnection / 1024,
        notes: `${notes}; RSS ${(before / 2 ** 20).toFixed(0)} MB before, ${(after / 2 ** 20).toFixed(0)} MB with all connected; connect ${connectSeconds.toFixed(1)} s`,
      },
      {
        name: `fan-out to ${clients} connections p50`,
        unit: "ms",
        value: percentile(latencies, 50),
        notes: `${rounds} messages to a shared session channel; send → receive in the simulator`,
      },
      { name: `fan-out to ${clients} connections p99`, unit: "ms", value: percentile(latencies, 99), notes: `${rounds} messages` },
      {
        name: "JSON-RPC over the bus",
        unit: "req/s",
        value: busRate,
        baseline: "/rpc (same method, callers, run)",
        baselineValue: rpcRate,
        ratio: busRate / rpcRate,
        notes: `host_getObjects(self) by ${rpcCallers} client hosts, ${rpcCalls} calls each way; /rpc via ServiceClient msgpack+lz4 keep-alive`,
      },
    ];
  } finally {
    await Promise.all(
      peers.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.socket.readyState === WebSocket.CLOSED) return resolve();
            p.socket.once("close", () => resolve());
            p.socket.terminate();
          }),
      ),
    );
    agent.destroy();
    await admin.disconnect().catch(() => {});
    fetch.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
