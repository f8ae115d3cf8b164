/**
 * @module bench/run
 * Runs the benchmark modules (`pnpm bench [name...]`) and prints their results as a table and JSON.
 */
import type { BenchResult } from "./types.js";

const modules: Record<string, () => Promise<{ run: () => Promise<BenchResult[]> }>> = {
  "memory-backend": () => import("./memory-backend.js"),
  sequencing: () => import("./sequencing.js"),
  rpc: () => import("./rpc.js"),
  sql: () => import("./sql.js"),
  package: () => import("./package.js"),
  bus: () => import("./bus.js"),
};

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(modules);
const all: Record<string, BenchResult[]> = {};
for (const name of names) {
  const load = modules[name];
  if (!load) {
    console.error(`unknown benchmark '${name}', known: ${Object.keys(modules).join(", ")}`);
    process.exitCode = 2;
    continue;
  }
  console.log(`\n## ${name}`);
  const results = await (await load()).run();
  all[name] = results;
  console.table(
    results.map((r) => ({
      name: r.name,
      value: `${r.value.toPrecision(4)} ${r.unit}`,
      baseline: r.baseline ? `${r.baseline}: ${r.baselineValue?.toPrecision(4)} ${r.unit}` : "",
      ratio: r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
    })),
  );
}
console.log(`\nJSON ${JSON.stringify({ node: process.version, date: new Date().toISOString(), results: all })}`);
