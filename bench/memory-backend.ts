/**
 * @module bench/memory-backend
 * MemoryBackend at opsi scale: 10,000 clients × 100 products (1,000,000 ProductOnClient). Measures
 * the bulk load and `productOnClient_getObjects([], { clientId })` latency against a hand-written
 * `Map<clientId, object[]>` lookup over the same objects, in the same process.
 * Run with `node --max-old-space-size=6144` (the load needs a few GB).
 */
import { performance } from "node:perf_hooks";
import { MemoryBackend } from "../packages/core/src/index.js";
import type { BenchResult } from "./types.js";

const CLIENTS = 10_000;
const PRODUCTS = 100;
/** Clients per `productOnClient_createObjects` call (× PRODUCTS rows). */
const CLIENTS_PER_CHUNK = 100;
const WARMUP = 500;
const LOOKUPS = 5_000;

const clientId = (i: number) => `client${String(i).padStart(5, "0")}.bench.opsi.org`;
const productId = (i: number) => `product-${String(i).padStart(3, "0")}`;

/** Deterministic PRNG (mulberry32) so runs pick the same clients. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function latencies(lookup: (id: string) => Promise<unknown[]>, ids: readonly string[]): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await lookup(ids[i % ids.length] as string);
  const out: number[] = [];
  for (const id of ids) {
    const t0 = performance.now();
    const rows = await lookup(id);
    out.push((performance.now() - t0) * 1000);
    if (rows.length !== PRODUCTS) throw new Error(`expected ${PRODUCTS} rows for ${id}, got ${rows.length}`);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Runs the benchmark (about a minute; needs `--max-old-space-size=6144`).
 * @example const results = await run();
 */
export async function run(): Promise<BenchResult[]> {
  const backend = new MemoryBackend();
  await backend.host_createObjects(Array.from({ length: CLIENTS }, (_, i) => ({ type: "OpsiClient", id: clientId(i) })));
  await backend.product_createObjects(
    Array.from({ length: PRODUCTS }, (_, i) => ({
      type: "LocalbootProduct",
      id: productId(i),
      productVersion: "1.0",
      packageVersion: "1",
    })),
  );

  let loadMs = 0;
  for (let c0 = 0; c0 < CLIENTS; c0 += CLIENTS_PER_CHUNK) {
    const chunk: Record<string, unknown>[] = [];
    for (let c = c0; c < c0 + CLIENTS_PER_CHUNK; c++) {
      for (let p = 0; p < PRODUCTS; p++) {
        chunk.push({
          productId: productId(p),
          productType: "LocalbootProduct",
          clientId: clientId(c),
          installationStatus: p % 3 === 0 ? "installed" : "not_installed",
          actionRequest: p % 7 === 0 ? "setup" : "none",
          productVersion: p % 3 === 0 ? "1.0" : null,
          packageVersion: p % 3 === 0 ? "1" : null,
        });
      }
    }
    const t0 = performance.now();
    await backend.productOnClient_createObjects(chunk);
    loadMs += performance.now() - t0;
  }
  const rows = CLIENTS * PRODUCTS;
  const heapMb = process.memoryUsage().heapUsed / 1024 / 1024;

  // Baseline: the same objects (as the backend returns them) grouped by hand.
  const t0 = performance.now();
  const all = await backend.productOnClient_getObjects();
  const fullReadMs = performance.now() - t0;
  if (all.length !== rows) throw new Error(`expected ${rows} rows, got ${all.length}`);
  const byClient = new Map<string, Record<string, unknown>[]>();
  for (const poc of all) {
    const list = byClient.get(poc.clientId);
    if (list) list.push(poc);
    else byClient.set(poc.clientId, [poc]);
  }
  all.length = 0;

  const rnd = random(4711);
  const ids = Array.from({ length: LOOKUPS }, () => clientId(Math.floor(rnd() * CLIENTS)));
  const ours = await latencies((id) => backend.productOnClient_getObjects([], { clientId: id }), ids);
  const baseline = await latencies(async (id) => (byClient.get(id) ?? []).map((o) => ({ ...o })), ids);

  const baselineName = "Map<clientId, object[]> + shallow copies (same process, same objects)";
  const p50 = percentile(ours, 50);
  const p95 = percentile(ours, 95);
  const b50 = percentile(baseline, 50);
  const b95 = percentile(baseline, 95);
  const lookupNotes = `${LOOKUPS} random clients after ${WARMUP} warm-up calls; each call returns ${PRODUCTS} objects; both sides awaited`;
  await backend.close();
  return [
    {
      name: `productOnClient_createObjects load (${rows.toLocaleString("en")} rows, ${CLIENTS_PER_CHUNK * PRODUCTS} per call)`,
      unit: "rows/s",
      value: rows / (loadMs / 1000),
      notes: `decode + defaults + FK check + indexes; heap after load ${heapMb.toFixed(0)} MB`,
    },
    {
      name: "productOnClient_getObjects([], { clientId }) p50",
      unit: "µs",
      value: p50,
      baseline: baselineName,
      baselineValue: b50,
      ratio: p50 / b50,
      notes: lookupNotes,
    },
    {
      name: "productOnClient_getObjects([], { clientId }) p95",
      unit: "µs",
      value: p95,
      baseline: baselineName,
      baselineValue: b95,
      ratio: p95 / b95,
      notes: lookupNotes,
    },
    {
      name: "productOnClient_getObjects() full read",
      unit: "rows/s",
      value: rows / (fullReadMs / 1000),
      notes: "all 1,000,000 rows copied",
    },
  ];
}
