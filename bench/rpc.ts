/**
 * @module bench/rpc
 * The config server under JSON-RPC load, replaying opsi's own perftest scenario
 * (`test_jsonrpc_opsi_client.json`: 50 clients, four calls each, in a loop) against the daemon in a child
 * process with the SQLite backend and 1,000 clients × 100 products. Measures requests/s and p95 latency
 * with msgpack+lz4 and with JSON, each against the transport ceiling (the same clients calling only
 * `accessControl_authenticated`), and the server's RSS after the load.
 * Env: BENCH_RPC_SECONDS (per variant, default 20), BENCH_RPC_CLIENTS (default 50), BENCH_RPC_SCENARIO
 * (path of an opsi perftest JSON file to replay instead of the built-in copy).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createHttpFetch } from "../packages/cli/src/index.js";
import { type RpcCall, ServiceClient } from "../packages/core/src/index.js";
import { LZ4_FRAME } from "../packages/service/src/index.js";
import { type BenchClient, closeClients, connectClients, type LoadResult, mergeLoads, runLoad, type WireFormat } from "./rpc-client.js";
import { type ServerProcess, startServerProcess } from "./rpc-server.js";
import type { BenchResult } from "./types.js";

const SECONDS = Number(process.env.BENCH_RPC_SECONDS ?? 20);
const WARMUP_SECONDS = 2;
/** Each variant runs SECONDS in total, split into this many interleaved rounds. */
const ROUNDS = 2;
const CLIENT_COUNT = Number(process.env.BENCH_RPC_CLIENTS ?? 50);
const CLIENTS = 1_000;
const PRODUCTS = 100;
const POC_BATCH = 10_000;
const SERVER_ID = "configserver.bench.test";
const ADMIN = "adminuser";
const ADMIN_PASSWORD = "bench-admin-secret";

/** The requests of opsi's `tests/perftest/test_jsonrpc_opsi_client.json` (opsiconfd), in order. */
const OPSI_CLIENT_SCENARIO: readonly RpcCall[] = [
  { method: "accessControl_authenticated", params: [] },
  { method: "productOnClient_getObjects", params: [[], { clientId: "pctest.uib.local" }] },
  { method: "productOnDepot_getObjects", params: [[], {}] },
  { method: "product_getObjects", params: [[], { id: "opsi-client-agent" }] },
];
const CEILING: readonly RpcCall[] = [{ method: "accessControl_authenticated", params: [] }];

/** Reads the JSON-RPC requests of an opsi perftest file (`test_cases[].requests.*[]` of `["jsonrpc", method, params]`). */
function scenarioFromFile(path: string): RpcCall[] {
  const doc = JSON.parse(readFileSync(path, "utf8")) as { test_cases?: { requests?: Record<string, unknown[][]> }[] };
  const calls: RpcCall[] = [];
  for (const testCase of doc.test_cases ?? []) {
    for (const list of Object.values(testCase.requests ?? {})) {
      for (const [kind, method, params] of list) {
        if (kind === "jsonrpc" && typeof method === "string") calls.push({ method, params: Array.isArray(params) ? params : [] });
      }
    }
  }
  if (calls.length === 0) throw new Error(`no jsonrpc requests in ${path}`);
  return calls;
}

const clientId = (c: number) => `client-${String(c).padStart(4, "0")}.bench.test`;
const productId = (p: number) => `product-${String(p).padStart(3, "0")}`;

function poc(client: string, product: string, n: number) {
  return {
    type: "ProductOnClient",
    productId: product,
    productType: "LocalbootProduct",
    clientId: client,
    installationStatus: n % 3 === 0 ? "installed" : "not_installed",
    actionRequest: n % 17 === 0 ? "setup" : "none",
    actionResult: n % 3 === 0 ? "successful" : "none",
    lastAction: n % 3 === 0 ? "setup" : null,
    productVersion: "1.0",
    packageVersion: "1",
  };
}

/** 1,000 clients + pctest.uib.local, 100 products + opsi-client-agent on the config server's depot, 100,101 POCs. */
async function populate(admin: ServiceClient): Promise<number> {
  const clients = [...Array.from({ length: CLIENTS }, (_, c) => clientId(c)), "pctest.uib.local"];
  const products = [...Array.from({ length: PRODUCTS }, (_, p) => productId(p)), "opsi-client-agent"];
  await admin.call("host_createObjects", [clients.map((id) => ({ type: "OpsiClient", id, description: "bench client" }))]);
  await admin.call("product_createObjects", [
    products.map((id) => ({
      type: "LocalbootProduct",
      id,
      name: id,
      productVersion: "1.0",
      packageVersion: "1",
      setupScript: "setup.opsiscript",
      uninstallScript: "uninstall.opsiscript",
    })),
  ]);
  await admin.call("productOnDepot_createObjects", [
    products.map((productId) => ({
      productId,
      productType: "LocalbootProduct",
      productVersion: "1.0",
      packageVersion: "1",
      depotId: SERVER_ID,
    })),
  ]);
  let batch: ReturnType<typeof poc>[] = [];
  let total = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await admin.call("productOnClient_createObjects", [batch]);
    total += batch.length;
    batch = [];
  };
  for (let c = 0; c < clients.length; c += 1) {
    const client = clients[c] ?? "";
    // Regular clients get the 100 products, pctest.uib.local also opsi-client-agent.
    const own = client === "pctest.uib.local" ? products : products.slice(0, PRODUCTS);
    for (let p = 0; p < own.length; p += 1) batch.push(poc(client, own[p] ?? "", c + p));
    if (batch.length >= POC_BATCH) await flush();
  }
  await flush();
  return total;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Checks that the scenario's reads see the populated data (pctest: 101 POCs, 101 PODs, one product). */
async function verify(admin: ServiceClient): Promise<void> {
  const counts = await Promise.all([
    admin.call<unknown[]>("productOnClient_getObjects", [[], { clientId: "pctest.uib.local" }]),
    admin.call<unknown[]>("productOnDepot_getObjects", [[], {}]),
    admin.call<unknown[]>("product_getObjects", [[], { id: "opsi-client-agent" }]),
    admin.call<unknown[]>("productOnClient_getObjects", [[], { clientId: clientId(CLIENTS - 1) }]),
  ]).then((lists) => lists.map((l) => l.length));
  const expected = [PRODUCTS + 1, PRODUCTS + 1, 1, PRODUCTS];
  if (counts.join() !== expected.join()) throw new Error(`populated data is off: got ${counts.join("/")}, expected ${expected.join("/")}`);
}

/** One measured combination of wire format and request list. */
interface Variant {
  readonly name: string;
  readonly calls: readonly RpcCall[];
  readonly clients: readonly BenchClient[];
  readonly runs: LoadResult[];
  serverCpuMs: number;
  benchCpuMs: number;
}

interface Measured {
  readonly load: LoadResult;
  readonly rps: number;
  readonly p50: number;
  readonly p95: number;
  readonly serverCpu: number;
  readonly benchCpu: number;
}

async function round(server: ServerProcess, variant: Variant, seconds: number, record: boolean): Promise<void> {
  const server0 = server.cpuMs();
  const bench0 = process.cpuUsage();
  const load = await runLoad(variant.clients, variant.calls, seconds * 1000);
  if (!record) return;
  const bench = process.cpuUsage(bench0);
  variant.runs.push(load);
  variant.serverCpuMs += server.cpuMs() - server0;
  variant.benchCpuMs += (bench.user + bench.system) / 1000;
}

function summary(variant: Variant): Measured {
  const load = mergeLoads(variant.runs);
  if (load.all.length === 0)
    throw new Error(`${variant.name}: no successful request (${load.errors} errors, first: ${load.firstError ?? "-"})`);
  return {
    load,
    rps: (load.requests - load.errors) / (load.elapsedMs / 1000),
    p50: percentile(load.all, 0.5),
    p95: percentile(load.all, 0.95),
    serverCpu: variant.serverCpuMs / load.elapsedMs,
    benchCpu: variant.benchCpuMs / load.elapsedMs,
  };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);

function notes(m: Measured, perMethod: boolean): string {
  const parts = [`${m.load.requests} requests in ${(m.load.elapsedMs / 1000).toFixed(1)} s`, `p50 ${ms(m.p50)} ms`];
  if (perMethod) {
    const methods = [...m.load.latencies].map(([method, l]) => `${method} ${ms(percentile(l, 0.5))}/${ms(percentile(l, 0.95))}`);
    parts.push(`p50/p95 ms: ${methods.join(", ")}`);
  }
  parts.push(`CPU server ${pct(m.serverCpu)}, bench clients ${pct(m.benchCpu)}`);
  if (m.load.errors > 0) parts.push(`${m.load.errors} errors, first: ${m.load.firstError}`);
  return parts.join("; ");
}

/**
 * Runs the benchmark (under two minutes with the defaults: 4 variants × (2 s warm-up + 20 s)).
 * @example const results = await run();
 */
export async function run(): Promise<BenchResult[]> {
  const scenario = process.env.BENCH_RPC_SCENARIO ? scenarioFromFile(process.env.BENCH_RPC_SCENARIO) : OPSI_CLIENT_SCENARIO;
  const dataDir = mkdtempSync(join(tmpdir(), "opsi-ts-bench-rpc-"));
  let server: ServerProcess | undefined;
  const sets: BenchClient[][] = [];
  try {
    const t0 = performance.now();
    server = await startServerProcess({ dataDir, serverId: SERVER_ID, adminPassword: ADMIN_PASSWORD });
    const startSeconds = (performance.now() - t0) / 1000;
    const idle = server.memory();
    const adminFetch = createHttpFetch({ ca: server.caPem });
    const admin = new ServiceClient({ url: server.url, username: ADMIN, password: ADMIN_PASSWORD, lz4: LZ4_FRAME, fetch: adminFetch });
    const t1 = performance.now();
    const pocs = await populate(admin);
    const populateSeconds = (performance.now() - t1) / 1000;
    await verify(admin);
    await admin.disconnect();
    adminFetch.close();
    const loaded = server.memory();
    console.log(
      `rpc: server up in ${startSeconds.toFixed(1)} s, populated in ${populateSeconds.toFixed(1)} s (${CLIENTS + 1} clients, ${PRODUCTS + 1} products, ${pocs} POCs)`,
    );

    const connection = { url: server.url, username: ADMIN, password: ADMIN_PASSWORD, caPem: server.caPem };
    const variants: Variant[] = [];
    for (const format of ["msgpack+lz4", "json"] as const satisfies readonly WireFormat[]) {
      const clients = await connectClients(CLIENT_COUNT, { ...connection, format });
      sets.push(clients);
      for (const [kind, calls] of [
        ["scenario", scenario],
        ["ceiling", CEILING],
      ] as const) {
        variants.push({ name: `${kind} ${format}`, calls, clients, runs: [], serverCpuMs: 0, benchCpuMs: 0 });
      }
    }
    // Warm up every path, then interleave the variants so drift and neighbours on a shared machine hit all alike.
    for (const variant of variants) await round(server, variant, WARMUP_SECONDS, false);
    for (let r = 0; r < ROUNDS; r += 1) for (const variant of variants) await round(server, variant, SECONDS / ROUNDS, true);

    const results: BenchResult[] = [];
    for (const format of ["msgpack+lz4", "json"] as const) {
      const find = (prefix: string) => variants.find((v) => v.name === `${prefix} ${format}`);
      const scenarioVariant = find("scenario");
      const ceilingVariant = find("ceiling");
      if (!scenarioVariant || !ceilingVariant) continue;
      const load = summary(scenarioVariant);
      const ceiling = summary(ceilingVariant);
      const ceilingName = `ceiling (accessControl_authenticated only), ${format}`;
      results.push(
        {
          name: `${scenario.length}-call opsi-client scenario, ${CLIENT_COUNT} clients, ${format}: throughput`,
          unit: "req/s",
          value: load.rps,
          baseline: ceilingName,
          baselineValue: ceiling.rps,
          ratio: load.rps / ceiling.rps,
          notes: notes(load, true),
        },
        {
          name: `${scenario.length}-call opsi-client scenario, ${CLIENT_COUNT} clients, ${format}: p95 latency`,
          unit: "ms",
          value: load.p95,
          baseline: ceilingName,
          baselineValue: ceiling.p95,
          ratio: load.p95 / ceiling.p95,
        },
        { name: `${ceilingName}: throughput`, unit: "req/s", value: ceiling.rps, notes: notes(ceiling, false) },
        { name: `${ceilingName}: p95 latency`, unit: "ms", value: ceiling.p95 },
      );
    }
    const after = server.memory();
    results.push({
      name: "server RSS after load",
      unit: "MB",
      value: after.rss / 2 ** 20,
      baseline: "RSS right after start (empty database)",
      baselineValue: idle.rss / 2 ** 20,
      ratio: after.rss / idle.rss,
      notes: `RSS after populating ${(loaded.rss / 2 ** 20).toFixed(0)} MB; peak RSS ${(after.peak / 2 ** 20).toFixed(0)} MB`,
    });
    return results;
  } finally {
    for (const clients of sets) await closeClients(clients).catch(() => undefined);
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
