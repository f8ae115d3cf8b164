/** @module depot/swap.test — atomic product directory swap, recovery of every intermediate state, and kill -9 during installs. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryBackend } from "@opsi-ts/core";
import { afterAll, describe, expect, it } from "vitest";
import { installPackage } from "./install.js";
import { newDirOf, oldDirOf, recoverInterruptedInstalls, removeProductDir, STAGING_PREFIX, swapProductDir } from "./swap.js";
import { makeTestPackage } from "./test-packages.js";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
function tempRoot(): string {
  const r = mkdtempSync(join(tmpdir(), "opsi-swap-"));
  roots.push(r);
  return r;
}

function tree(dir: string, marker: string, n = 3): void {
  mkdirSync(join(dir, "sub"), { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(join(dir, "sub", `f${i}.txt`), marker);
  writeFileSync(join(dir, `only-${marker}.txt`), marker);
}

/** The marker of a complete tree, or throws when the directory is mixed or incomplete. */
function markerOf(dir: string, n = 3): string {
  const top = readdirSync(dir).filter((n) => n.startsWith("only-"));
  expect(top).toHaveLength(1);
  const marker = (top[0] ?? "").slice(5, -4);
  expect(readdirSync(join(dir, "sub")).sort()).toEqual(Array.from({ length: n }, (_, i) => `f${i}.txt`).sort());
  for (let i = 0; i < n; i++) expect(readFileSync(join(dir, "sub", `f${i}.txt`), "utf8")).toBe(marker);
  return marker;
}

describe("swapProductDir / removeProductDir / recoverInterruptedInstalls", () => {
  it("swaps a complete directory in and leaves nothing behind", async () => {
    const depot = join(tempRoot(), "depot");
    const src = join(tempRoot(), "new");
    tree(join(depot, "demo"), "old");
    tree(src, "new");
    await swapProductDir(depot, "demo", src);
    expect(markerOf(join(depot, "demo"))).toBe("new");
    expect(readdirSync(depot)).toEqual(["demo"]);
    await removeProductDir(depot, "demo");
    expect(readdirSync(depot)).toEqual([]);
  });

  it("recovers every intermediate state to a complete old or new directory", async () => {
    const depot = tempRoot();
    // Staging left over: removed. Swap not started (new staged): rolled back to old.
    mkdirSync(join(depot, `${STAGING_PREFIX}abc`, "CLIENT_DATA"), { recursive: true });
    tree(join(depot, "a"), "old");
    tree(newDirOf(depot, "a"), "new");
    // Old moved away, new not yet in place: completed to new.
    tree(oldDirOf(depot, "b"), "old");
    tree(newDirOf(depot, "b"), "new");
    // Swapped, old partly deleted: old removed.
    tree(join(depot, "c"), "new");
    mkdirSync(oldDirOf(depot, "c"));
    // First install staged: completed. Interrupted removal: finished.
    tree(newDirOf(depot, "d"), "new");
    mkdirSync(oldDirOf(depot, "e"));
    const report = await recoverInterruptedInstalls(depot);
    expect(report.completed).toEqual(["b", "d"]);
    expect(readdirSync(depot).sort()).toEqual(["a", "b", "c", "d"]);
    expect([markerOf(join(depot, "a")), markerOf(join(depot, "b")), markerOf(join(depot, "c")), markerOf(join(depot, "d"))]).toEqual([
      "old",
      "new",
      "new",
      "new",
    ]);
    expect(await recoverInterruptedInstalls(join(depot, "missing"))).toEqual({ removed: [], completed: [] });
  });
});

const INSTALL_URL = new URL("./install.ts", import.meta.url).href;
const CORE_URL = new URL("../../../core/src/index.ts", import.meta.url).href;
const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const DEPOT = "depot.opsi.test";
const FILES = 120;

describe("kill -9 during installs", () => {
  it("always leaves the complete old or the complete new version after recovery", async () => {
    const root = tempRoot();
    const depotDir = join(root, "depot");
    const packages: Record<string, string> = {};
    for (const v of ["1", "2"]) {
      const files: Record<string, string | Buffer> = { [`only-${v}.txt`]: v };
      for (let i = 0; i < FILES; i++) files[`sub/f${i}.txt`] = v;
      files["big.bin"] = Buffer.alloc(24 * 1024 * 1024, v);
      packages[v] = await makeTestPackage({ id: "demo", productVersion: `${v}.0`, packageVersion: "1", files }, join(root, "repo"));
    }
    const script = join(root, "child.mjs");
    writeFileSync(
      script,
      `const { installPackage } = await import(${JSON.stringify(INSTALL_URL)});
const { MemoryBackend } = await import(${JSON.stringify(CORE_URL)});
const backend = new MemoryBackend();
await backend.host_createObjects([{ type: "OpsiDepotserver", id: ${JSON.stringify(DEPOT)}, isMasterDepot: true }]);
process.stdout.write("start\\n");
await installPackage(backend, { depotId: ${JSON.stringify(DEPOT)}, depotDir: ${JSON.stringify(depotDir)}, packageFile: process.argv[2], serverDataTargets: false });
process.stdout.write("done\\n");
`,
    );
    const backend = new MemoryBackend();
    await backend.host_createObjects([{ type: "OpsiDepotserver", id: DEPOT, isMasterDepot: true }]);
    await installPackage(backend, { depotId: DEPOT, depotDir, packageFile: packages["1"] ?? "", serverDataTargets: false });

    const check = (): string => {
      expect(readdirSync(depotDir)).toEqual(["demo"]);
      const dir = join(depotDir, "demo");
      const marker = markerOf(dir, FILES);
      const names = readdirSync(dir)
        .filter((n) => n !== "demo.files")
        .sort();
      expect(names).toEqual(["big.bin", `only-${marker}.txt`, "sub"]);
      expect(readFileSync(join(dir, "big.bin")).every((b) => b === marker.charCodeAt(0))).toBe(true);
      return marker;
    };

    /** Runs the child installing `version`; kills it `killAfterMs` after it started installing (null: never). */
    const runChild = (version: string, killAfterMs: number | null): Promise<{ ms: number; finished: boolean }> =>
      new Promise((resolve, reject) => {
        const child: ChildProcess = spawn(process.execPath, ["--conditions=source", "--import", "tsx", script, packages[version] ?? ""], {
          cwd: REPO_ROOT,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        let started = 0;
        child.stdout?.on("data", (d: Buffer) => {
          out += d.toString();
          if (!started && out.includes("start")) {
            started = Date.now();
            if (killAfterMs !== null) setTimeout(() => child.kill("SIGKILL"), killAfterMs);
          }
        });
        child.stderr?.on("data", (d: Buffer) => {
          err += d.toString();
        });
        child.on("error", reject);
        child.on("close", (code, signal) => {
          if (signal === null && code !== 0) reject(new Error(`child failed (${code}): ${err}`));
          else resolve({ ms: Date.now() - started, finished: out.includes("done") });
        });
      });

    const baseline = await runChild("2", null);
    expect(baseline.finished).toBe(true);
    expect(check()).toBe("2");
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) {
      const current = check();
      const next = current === "1" ? "2" : "1";
      const delay = Math.floor(Math.random() * baseline.ms * 1.1);
      const { finished } = await runChild(next, delay);
      await recoverInterruptedInstalls(depotDir);
      const now = check();
      if (finished) expect(now).toBe(next);
      outcomes.push(`${delay}ms:${finished ? "finished" : "killed"}:${current}->${now}`);
    }
    expect(outcomes).toHaveLength(8);
  }, 180_000);
});
