/**
 * @module bench/sql
 * SQL backends (MariaDB and SQLite) on opsi's schema with 10,000 clients × 100 products
 * (1,000,000 ProductOnClient rows) plus property and config states: latency of the hot reads and
 * bulk load rate, each against the same work done by hand with the raw driver in the same process.
 * Scale with BENCH_SQL_CLIENTS (default 10000). Engines: BENCH_SQL_ENGINES=mysql,sqlite (default both).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createConnection, createPool } from "mysql2/promise";
import { createMysqlBackend } from "../packages/backend-mysql/src/index.js";
import { openSqliteBackend } from "../packages/backend-sqlite/src/index.js";
import type { Backend } from "../packages/core/src/index.js";
import type { BenchResult } from "./types.js";

const CLIENTS = Number(process.env.BENCH_SQL_CLIENTS ?? 10_000);
const PRODUCTS = 100;
const DEPOT = "configserver.bench.test";
const LOOKUPS = 400;
const CHUNK = 10_000;

const clientId = (i: number) => `client-${String(i).padStart(5, "0")}.bench.test`;
const productId = (p: number) => `product-${String(p).padStart(3, "0")}`;

const POC_COLUMNS = [
  "productId",
  "clientId",
  "productType",
  "targetConfiguration",
  "installationStatus",
  "actionRequest",
  "actionProgress",
  "actionResult",
  "lastAction",
  "productVersion",
  "packageVersion",
  "modificationTime",
] as const;

function pocFor(c: number, p: number) {
  return {
    type: "ProductOnClient",
    productId: productId(p),
    productType: "LocalbootProduct",
    clientId: clientId(c),
    targetConfiguration: null,
    installationStatus: (c + p) % 3 === 0 ? "installed" : "not_installed",
    actionRequest: (c + p) % 17 === 0 ? "setup" : "none",
    actionProgress: "",
    actionResult: (c + p) % 3 === 0 ? "successful" : "none",
    lastAction: (c + p) % 3 === 0 ? "setup" : null,
    productVersion: "1.0",
    packageVersion: "1",
    modificationTime: "2026-11-26 10:00:00",
  };
}

function pocRow(c: number, p: number): unknown[] {
  const o = pocFor(c, p) as Record<string, unknown>;
  return POC_COLUMNS.map((k) => o[k]);
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/**
 * Runs `ours` and `base` alternately `n` times and returns p50/p95 in ms. Which one runs first
 * alternates too: the second query of a pair finds the rows the first pulled into the cache.
 */
async function interleaved(n: number, ours: (i: number) => Promise<unknown>, base: (i: number) => Promise<unknown>) {
  const a: number[] = [];
  const b: number[] = [];
  const timed = async (fn: (i: number) => Promise<unknown>, i: number, into: number[]) => {
    const t = performance.now();
    await fn(i);
    into.push(performance.now() - t);
  };
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      await timed(ours, i, a);
      await timed(base, i, b);
    } else {
      await timed(base, i, b);
      await timed(ours, i, a);
    }
  }
  a.sort((x, y) => x - y);
  b.sort((x, y) => x - y);
  return { ours: { p50: percentile(a, 0.5), p95: percentile(a, 0.95) }, base: { p50: percentile(b, 0.5), p95: percentile(b, 0.95) } };
}

function latencyResults(engine: string, name: string, baseline: string, r: Awaited<ReturnType<typeof interleaved>>): BenchResult[] {
  return (["p50", "p95"] as const).map((q) => ({
    name: `${engine}: ${name} ${q}`,
    unit: "ms",
    value: r.ours[q],
    baseline,
    baselineValue: r.base[q],
    ratio: r.ours[q] / r.base[q],
  }));
}

/** Fixture objects apart from the POCs: depot, clients, products, dependencies, properties, states. */
async function loadFixture(backend: Backend): Promise<void> {
  await backend.host_createObjects([{ type: "OpsiConfigserver", id: DEPOT }]);
  for (let start = 0; start < CLIENTS; start += CHUNK) {
    const hosts = [];
    for (let c = start; c < Math.min(CLIENTS, start + CHUNK); c++) {
      hosts.push({ type: "OpsiClient", id: clientId(c), hardwareAddress: null, description: `bench client ${c}` });
    }
    await backend.host_createObjects(hosts);
  }
  const products = [];
  const pods = [];
  const deps = [];
  const props = [];
  for (let p = 0; p < PRODUCTS; p++) {
    products.push({
      type: "LocalbootProduct",
      id: productId(p),
      productVersion: "1.0",
      packageVersion: "1",
      priority: (p % 7) * 10 - 30,
      setupScript: "setup.opsiscript",
      uninstallScript: "uninstall.opsiscript",
    });
    pods.push({ productId: productId(p), productType: "LocalbootProduct", productVersion: "1.0", packageVersion: "1", depotId: DEPOT });
    if (p > 0 && p % 3 === 0) {
      deps.push({
        productId: productId(p),
        productVersion: "1.0",
        packageVersion: "1",
        productAction: "setup",
        requiredProductId: productId(p - 1),
        requiredInstallationStatus: "installed",
        requirementType: "before",
      });
    }
    props.push({
      type: "UnicodeProductProperty",
      productId: productId(p),
      productVersion: "1.0",
      packageVersion: "1",
      propertyId: "mode",
      possibleValues: ["a", "b", "c"],
      defaultValues: ["a"],
    });
  }
  await backend.product_createObjects(products);
  await backend.productOnDepot_createObjects(pods);
  await backend.productDependency_createObjects(deps);
  await backend.productProperty_createObjects(props);
  await backend.config_createObjects([
    { type: "UnicodeConfig", id: "clientconfig.depot.id", possibleValues: [DEPOT], defaultValues: [DEPOT] },
    { type: "BoolConfig", id: "opsiclientd.event_timer.active", defaultValues: [false] },
    { type: "UnicodeConfig", id: "clientconfig.windows.domain", defaultValues: ["BENCH"] },
  ]);
  for (let start = 0; start < CLIENTS; start += 2_000) {
    const states = [];
    const propStates = [];
    for (let c = start; c < Math.min(CLIENTS, start + 2_000); c++) {
      states.push({ configId: "opsiclientd.event_timer.active", objectId: clientId(c), values: [c % 2 === 0] });
      states.push({ configId: "clientconfig.windows.domain", objectId: clientId(c), values: [`DOM${c % 5}`] });
      states.push({ configId: "clientconfig.depot.id", objectId: clientId(c), values: [DEPOT] });
      for (let p = 0; p < 5; p++) propStates.push({ productId: productId(p), propertyId: "mode", objectId: clientId(c), values: ["b"] });
    }
    await backend.configState_createObjects(states);
    await backend.productPropertyState_createObjects(propStates);
  }
}

/** Loads all POCs through the backend and returns rows/s. */
async function loadPocsThroughBackend(backend: Backend): Promise<number> {
  const t = performance.now();
  for (let start = 0; start < CLIENTS; start += CHUNK / PRODUCTS) {
    const chunk = [];
    for (let c = start; c < Math.min(CLIENTS, start + CHUNK / PRODUCTS); c++) for (let p = 0; p < PRODUCTS; p++) chunk.push(pocFor(c, p));
    await backend.productOnClient_createObjects(chunk);
  }
  return (CLIENTS * PRODUCTS) / ((performance.now() - t) / 1000);
}

const SEQ_ATTRS = [
  "productId",
  "productVersion",
  "packageVersion",
  "priority",
  "setupScript",
  "uninstallScript",
  "updateScript",
  "alwaysScript",
  "onceScript",
  "customScript",
];

async function benchMysql(): Promise<BenchResult[]> {
  const name = `opsi_bench_${Date.now()}`;
  const admin = await createConnection({ host: "127.0.0.1", user: "root" });
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.query(`CREATE DATABASE \`${name}_base\``);
  const results: BenchResult[] = [];
  const backend = (await createMysqlBackend({ url: `mysql://root@127.0.0.1:3306/${name}` })) as unknown as Backend;
  const baseBackend = (await createMysqlBackend({ url: `mysql://root@127.0.0.1:3306/${name}_base` })) as unknown as Backend;
  const raw = createPool({ host: "127.0.0.1", user: "root", database: name, dateStrings: true, connectionLimit: 4 });
  const rawBase = createPool({ host: "127.0.0.1", user: "root", database: `${name}_base`, dateStrings: true, connectionLimit: 4 });
  try {
    await loadFixture(backend);
    await baseBackend.host_createObjects([{ type: "OpsiConfigserver", id: DEPOT }]);
    for (let start = 0; start < CLIENTS; start += CHUNK) {
      const hosts = [];
      for (let c = start; c < Math.min(CLIENTS, start + CHUNK); c++) hosts.push({ type: "OpsiClient", id: clientId(c) });
      await baseBackend.host_createObjects(hosts);
    }

    // Bulk load: hand-written multi-row INSERT (1,000 rows per statement, 10,000 per transaction).
    const t = performance.now();
    const cols = POC_COLUMNS.map((c) => `\`${c}\``).join(",");
    const rowSql = `(${POC_COLUMNS.map(() => "?").join(",")})`;
    for (let start = 0; start < CLIENTS; start += CHUNK / PRODUCTS) {
      const conn = await rawBase.getConnection();
      await conn.beginTransaction();
      for (let s = start; s < Math.min(CLIENTS, start + CHUNK / PRODUCTS); s += 10) {
        const params: unknown[] = [];
        let rows = 0;
        for (let c = s; c < Math.min(CLIENTS, s + 10); c++)
          for (let p = 0; p < PRODUCTS; p++) {
            params.push(...pocRow(c, p));
            rows++;
          }
        await conn.query(`INSERT INTO \`PRODUCT_ON_CLIENT\` (${cols}) VALUES ${new Array(rows).fill(rowSql).join(",")}`, params);
      }
      await conn.commit();
      conn.release();
    }
    const baseRate = (CLIENTS * PRODUCTS) / ((performance.now() - t) / 1000);
    const ourRate = await loadPocsThroughBackend(backend);
    results.push({
      name: `mysql: productOnClient_createObjects (${CLIENTS * PRODUCTS} rows)`,
      unit: "rows/s",
      value: ourRate,
      baseline: "hand-written multi-row INSERT",
      baselineValue: baseRate,
      ratio: ourRate / baseRate,
    });

    const pick = (i: number) => clientId((i * 7919) % CLIENTS);
    results.push(
      ...latencyResults(
        "mysql",
        "productOnClient_getObjects(client)",
        "SELECT … WHERE clientId = ? (mysql2)",
        await interleaved(
          LOOKUPS,
          (i) => backend.productOnClient_getObjects(null, { clientId: pick(i) }),
          async (i) => {
            const [rows] = await raw.query(`SELECT ${cols} FROM \`PRODUCT_ON_CLIENT\` WHERE \`clientId\` = ?`, [pick(i)]);
            return (rows as Record<string, unknown>[]).map((r) => ({ type: "ProductOnClient", ...r, actionSequence: -1 }));
          },
        ),
      ),
    );
    results.push(
      ...latencyResults(
        "mysql",
        "host_getObjects() all hosts",
        "SELECT * FROM HOST (mysql2)",
        await interleaved(
          20,
          () => backend.host_getObjects(),
          async () => {
            const [rows] = await raw.query("SELECT * FROM `HOST`");
            return (rows as Record<string, unknown>[]).map((r) => ({
              ...r,
              isMasterDepot: r.isMasterDepot === null ? null : r.isMasterDepot === 1,
            }));
          },
        ),
      ),
    );
    results.push(
      ...latencyResults(
        "mysql",
        "productOnClient_getObjectsWithSequence(client)",
        "the same four reads by hand (mysql2)",
        await interleaved(
          LOOKUPS / 4,
          (i) => backend.productOnClient_getObjectsWithSequence(null, { clientId: pick(i) }),
          async (i) => {
            await raw.query(`SELECT ${cols} FROM \`PRODUCT_ON_CLIENT\` WHERE \`clientId\` = ?`, [pick(i)]);
            await raw.query("SELECT * FROM `PRODUCT_ON_DEPOT` WHERE `depotId` = ?", [DEPOT]);
            await raw.query(`SELECT ${SEQ_ATTRS.map((a) => (a === "productId" ? "`productId`" : `\`${a}\``)).join(",")} FROM \`PRODUCT\``);
            return raw.query("SELECT * FROM `PRODUCT_DEPENDENCY`");
          },
        ),
      ),
    );
  } finally {
    await backend.close();
    await baseBackend.close();
    await raw.end();
    await rawBase.end();
    await admin.query(`DROP DATABASE \`${name}\``);
    await admin.query(`DROP DATABASE \`${name}_base\``);
    await admin.end();
  }
  return results;
}

async function benchSqlite(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "opsi-bench-"));
  const results: BenchResult[] = [];
  const backend = (await openSqliteBackend({ path: join(dir, "ours.sqlite") })) as unknown as Backend;
  const baseBackend = (await openSqliteBackend({ path: join(dir, "base.sqlite") })) as unknown as Backend;
  try {
    await loadFixture(backend);
    await baseBackend.host_createObjects([{ type: "OpsiConfigserver", id: DEPOT }]);
    for (let start = 0; start < CLIENTS; start += CHUNK) {
      const hosts = [];
      for (let c = start; c < Math.min(CLIENTS, start + CHUNK); c++) hosts.push({ type: "OpsiClient", id: clientId(c) });
      await baseBackend.host_createObjects(hosts);
    }
    await baseBackend.close();
    const rawBase = new Database(join(dir, "base.sqlite"));
    rawBase.pragma("journal_mode = WAL");
    rawBase.pragma("foreign_keys = ON");
    const cols = POC_COLUMNS.map((c) => `"${c}"`).join(",");
    const rowSql = `(${POC_COLUMNS.map(() => "?").join(",")})`;
    const insert100 = rawBase.prepare(`INSERT INTO "PRODUCT_ON_CLIENT" (${cols}) VALUES ${new Array(PRODUCTS).fill(rowSql).join(",")}`);
    let t = performance.now();
    for (let start = 0; start < CLIENTS; start += CHUNK / PRODUCTS) {
      rawBase.transaction(() => {
        for (let c = start; c < Math.min(CLIENTS, start + CHUNK / PRODUCTS); c++) {
          const params: unknown[] = [];
          for (let p = 0; p < PRODUCTS; p++) params.push(...pocRow(c, p));
          insert100.run(params);
        }
      })();
    }
    const baseRate = (CLIENTS * PRODUCTS) / ((performance.now() - t) / 1000);
    rawBase.close();
    const ourRate = await loadPocsThroughBackend(backend);
    results.push({
      name: `sqlite: productOnClient_createObjects (${CLIENTS * PRODUCTS} rows)`,
      unit: "rows/s",
      value: ourRate,
      baseline: "hand-written multi-row INSERT (better-sqlite3)",
      baselineValue: baseRate,
      ratio: ourRate / baseRate,
    });

    const raw = new Database(join(dir, "ours.sqlite"), { readonly: true });
    const byClient = raw.prepare(`SELECT ${cols} FROM "PRODUCT_ON_CLIENT" WHERE "clientId" = ?`);
    const allHosts = raw.prepare(`SELECT * FROM "HOST"`);
    const pods = raw.prepare(`SELECT * FROM "PRODUCT_ON_DEPOT" WHERE "depotId" = ?`);
    const prods = raw.prepare(`SELECT ${SEQ_ATTRS.map((a) => `"${a}"`).join(",")} FROM "PRODUCT"`);
    const deps = raw.prepare(`SELECT * FROM "PRODUCT_DEPENDENCY"`);
    const pick = (i: number) => clientId((i * 7919) % CLIENTS);
    t = performance.now();
    results.push(
      ...latencyResults(
        "sqlite",
        "productOnClient_getObjects(client)",
        "prepared SELECT … WHERE clientId = ? (better-sqlite3)",
        await interleaved(
          LOOKUPS,
          (i) => backend.productOnClient_getObjects(null, { clientId: pick(i) }),
          async (i) =>
            (byClient.all(pick(i)) as Record<string, unknown>[]).map((r) => ({ type: "ProductOnClient", ...r, actionSequence: -1 })),
        ),
      ),
    );
    results.push(
      ...latencyResults(
        "sqlite",
        "host_getObjects() all hosts",
        "prepared SELECT * FROM HOST (better-sqlite3)",
        await interleaved(
          20,
          () => backend.host_getObjects(),
          async () =>
            (allHosts.all() as Record<string, unknown>[]).map((r) => ({
              ...r,
              isMasterDepot: r.isMasterDepot === null ? null : r.isMasterDepot === 1,
            })),
        ),
      ),
    );
    results.push(
      ...latencyResults(
        "sqlite",
        "productOnClient_getObjectsWithSequence(client)",
        "the same four reads by hand (better-sqlite3)",
        await interleaved(
          LOOKUPS / 4,
          (i) => backend.productOnClient_getObjectsWithSequence(null, { clientId: pick(i) }),
          async (i) => {
            byClient.all(pick(i));
            pods.all(DEPOT);
            prods.all();
            return deps.all();
          },
        ),
      ),
    );
    raw.close();
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Runs the engines named in BENCH_SQL_ENGINES (default: mysql and sqlite). */
export async function run(): Promise<BenchResult[]> {
  const engines = (process.env.BENCH_SQL_ENGINES ?? "mysql,sqlite").split(",").map((e) => e.trim());
  const results: BenchResult[] = [];
  if (engines.includes("mysql")) results.push(...(await benchMysql()));
  if (engines.includes("sqlite")) results.push(...(await benchSqlite()));
  return results;
}
