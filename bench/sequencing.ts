/**
 * @module bench/sequencing
 * Action sequencing of one client with 300 products and a realistic dependency graph: the pure
 * algorithm (ours vs. opsi's single-pass in-group sort, same process) and the full
 * `productOnClient_getObjectsWithSequence` path on a MemoryBackend.
 */
import { MemoryBackend } from "../packages/core/src/backend/MemoryBackend.js";
import type { ProductOnClient } from "../packages/core/src/model/classes.js";
import {
  type ClientSequence,
  opsiSinglePassOrder,
  type SequencingCatalog,
  type SequencingDependency,
  type SequencingOptions,
  type SequencingProduct,
  sequenceClientActions,
} from "../packages/core/src/sequencing/algorithm.js";
import { getObjectsWithSequence } from "../packages/core/src/sequencing/rpc.js";
import type { BenchResult } from "./types.js";

const PRODUCTS = 300;
const RUNS = 300;
const WARMUP = 30;
const CLIENT = "client1.bench.local";
const DEPOT = "config.bench.local";

/** mulberry32: a small seeded PRNG, so every run benchmarks the same graph. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Scenario {
  readonly products: SequencingProduct[];
  readonly dependencies: Map<string, SequencingDependency[]>;
  readonly pocs: ProductOnClient[];
}

/**
 * 300 products (10 % with a priority in −100..100), each with 1–3 dependencies on products that
 * come earlier in a random permutation (so the requirement graph is acyclic): 45 % `before`, 25 %
 * `after`, 30 % untyped, a third via `requiredInstallationStatus: installed`. The client has a POC
 * for every product: 60 % installed without action, 30 % `setup`, 5 % `update`, 5 % `uninstall`.
 */
function scenario(): Scenario {
  const random = prng(20240814);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const ids = Array.from({ length: PRODUCTS }, (_, i) => `product-${String(i).padStart(3, "0")}`);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
  }
  const products = ids.map(
    (id): SequencingProduct => ({
      id,
      type: "LocalbootProduct",
      productVersion: "1.0",
      packageVersion: "1",
      priority: random() < 0.1 ? Math.round(random() * 200 - 100) : 0,
      setupScript: "setup.opsiscript",
      uninstallScript: "uninstall.opsiscript",
      updateScript: random() < 0.5 ? "update.opsiscript" : "",
    }),
  );
  const dependencies = new Map<string, SequencingDependency[]>();
  ids.forEach((id, i) => {
    if (i === 0) return;
    const count = 1 + Math.floor(random() * 3);
    const targets = new Set<string>();
    for (let k = 0; k < count; k++) targets.add(ids[Math.floor(random() * i)] as string);
    dependencies.set(
      id,
      [...targets].map((requiredProductId) => {
        const byStatus = random() < 1 / 3;
        const r = random();
        return {
          productAction: "setup",
          requiredProductId,
          requiredAction: byStatus ? null : "setup",
          requiredInstallationStatus: byStatus ? "installed" : null,
          requirementType: r < 0.45 ? "before" : r < 0.7 ? "after" : null,
        };
      }),
    );
  });
  const pocs = ids.map((productId): ProductOnClient => {
    const r = random();
    const actionRequest = r < 0.6 ? "none" : r < 0.9 ? "setup" : pick(["update", "uninstall"]);
    return {
      type: "ProductOnClient",
      productId,
      productType: "LocalbootProduct",
      clientId: CLIENT,
      targetConfiguration: null,
      installationStatus: r < 0.6 || actionRequest !== "setup" ? "installed" : "not_installed",
      actionRequest,
      lastAction: null,
      actionProgress: null,
      actionResult: null,
      productVersion: "1.0",
      packageVersion: "1",
      modificationTime: null,
      actionSequence: -1,
    };
  });
  return { products, dependencies, pocs };
}

function percentile(sorted: readonly number[], p: number): number {
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)] ?? Number.NaN;
}

function stats(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

function violations(result: ClientSequence): number {
  let count = 0;
  for (const group of result.groups) {
    const pos = new Map(group.product_on_clients.map((p, i) => [p.productId, i]));
    for (const c of group.constraints) if ((pos.get(c.earlier) ?? -1) >= (pos.get(c.later) ?? -1)) count++;
  }
  return count;
}

async function memoryBackendRuns(s: Scenario): Promise<number[]> {
  const backend = new MemoryBackend();
  await backend.createObjects("host", [
    { type: "OpsiConfigserver", id: DEPOT },
    { type: "OpsiClient", id: CLIENT },
  ]);
  await backend.createObjects(
    "product",
    s.products.map((p) => ({ ...p })),
  );
  await backend.createObjects(
    "productOnDepot",
    s.products.map((p) => ({
      productId: p.id,
      productType: "LocalbootProduct",
      productVersion: "1.0",
      packageVersion: "1",
      depotId: DEPOT,
    })),
  );
  await backend.createObjects(
    "productDependency",
    [...s.dependencies].flatMap(([productId, deps]) => deps.map((d) => ({ ...d, productId, productVersion: "1.0", packageVersion: "1" }))),
  );
  await backend.createObjects("productOnClient", s.pocs);
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const start = performance.now();
    await getObjectsWithSequence(backend, [], { clientId: CLIENT });
    if (i >= WARMUP) samples.push(performance.now() - start);
  }
  await backend.close();
  return samples;
}

/**
 * Runs the sequencing benchmark.
 * @example const results = await run();
 */
export async function run(): Promise<BenchResult[]> {
  const s = scenario();
  const catalog: SequencingCatalog = {
    products: new Map(s.products.map((p) => [p.id, p])),
    dependencies: s.dependencies,
    storedProductOnClients: new Map(s.pocs.map((p) => [p.productId, p])),
  };
  const variants: Record<"ours" | "opsi", SequencingOptions> = { ours: {}, opsi: { groupOrder: opsiSinglePassOrder } };
  const samples: Record<"ours" | "opsi", number[]> = { ours: [], opsi: [] };
  let last: Record<"ours" | "opsi", ClientSequence | undefined> = { ours: undefined, opsi: undefined };
  for (let i = 0; i < WARMUP + RUNS; i++) {
    // Alternate the order so neither variant profits from the other's warm caches.
    const order: ("ours" | "opsi")[] = i % 2 === 0 ? ["ours", "opsi"] : ["opsi", "ours"];
    for (const name of order) {
      const start = performance.now();
      const result = sequenceClientActions(CLIENT, s.pocs, catalog, variants[name]);
      const elapsed = performance.now() - start;
      if (i >= WARMUP) samples[name].push(elapsed);
      last = { ...last, [name]: result };
    }
  }
  const ours = stats(samples.ours);
  const opsi = stats(samples.opsi);
  const actions = last.ours?.groups.reduce((n, g) => n + g.product_on_clients.length, 0) ?? 0;
  const constraints = last.ours?.groups.reduce((n, g) => n + g.constraints.length, 0) ?? 0;
  const notes =
    `${PRODUCTS} products, ${actions} output actions in ${last.ours?.groups.length ?? 0} groups, ${constraints} in-group constraints; ` +
    `violated: ours ${last.ours ? violations(last.ours) : "?"}, opsi single pass ${last.opsi ? violations(last.opsi) : "?"}; ${RUNS} runs`;
  const full = stats(await memoryBackendRuns(s));
  return [
    {
      name: "sequenceClientActions, 300 products (median)",
      unit: "ms",
      value: ours.median,
      baseline: "opsi single pass",
      baselineValue: opsi.median,
      ratio: ours.median / opsi.median,
      notes,
    },
    {
      name: "sequenceClientActions, 300 products (p95)",
      unit: "ms",
      value: ours.p95,
      baseline: "opsi single pass",
      baselineValue: opsi.p95,
      ratio: ours.p95 / opsi.p95,
    },
    {
      name: "productOnClient_getObjectsWithSequence on MemoryBackend, 300 POCs (median)",
      unit: "ms",
      value: full.median,
      notes: `includes depot assignment and 4 getObjects calls; ${RUNS} runs`,
    },
    { name: "productOnClient_getObjectsWithSequence on MemoryBackend, 300 POCs (p95)", unit: "ms", value: full.p95 },
  ];
}
