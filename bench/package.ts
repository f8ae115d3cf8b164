/** @module bench/package — buildPackage/extractPackage on a generated ~1 GB source tree vs. `tar --zstd` on the same data. */
import { spawn } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPackage, extractPackage } from "../packages/depot/src/index.js";
import type { BenchResult } from "./types.js";

const MB = 1024 * 1024;
const ROUNDS = 3;

/** mulberry32: a small seeded PRNG, so every run generates the same text files. */
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

const CONTROL_TOML = `[Package]
version = "1"
depends = []

[Product]
type = "LocalbootProduct"
id = "bench-package"
name = "bench package"
description = """generated benchmark package"""
advice = ""
version = "1.0"
priority = 0
licenseRequired = false
productClasses = []
setupScript = "setup.opsiscript"
uninstallScript = ""
updateScript = ""
alwaysScript = ""
onceScript = ""
customScript = ""
userLoginScript = ""
windowsSoftwareIds = []
`;

interface TreeSpec {
  readonly smallFiles: number;
  readonly mediumFiles: number;
  readonly mediumSize: number;
  readonly largeFiles: number;
  readonly largeSize: number;
}

/** ~1 GB at scale 1: 20,000 × 1–20 KB text, 100 × 2 MB random, 3 × 200 MB semi-compressible. */
function treeSpec(totalMb: number): TreeSpec {
  const s = totalMb / 1024;
  return {
    smallFiles: Math.max(10, Math.round(20_000 * s)),
    mediumFiles: Math.max(1, Math.round(100 * s)),
    mediumSize: 2 * MB,
    largeFiles: 3,
    largeSize: Math.max(1, Math.round(200 * s)) * MB,
  };
}

/** Writes OPSI/control.toml and CLIENT_DATA; returns the total bytes written. */
async function generateTree(src: string, spec: TreeSpec): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  await mkdir(join(src, "OPSI"), { recursive: true });
  await writeFile(join(src, "OPSI", "control.toml"), CONTROL_TOML);
  const client = join(src, "CLIENT_DATA");
  await mkdir(client, { recursive: true });
  await writeFile(join(client, "setup.opsiscript"), '[Actions]\nMessage "bench"\n');

  // Small compressible text: lines drawn from a vocabulary.
  const rand = prng(42);
  const words = Array.from({ length: 4000 }, () =>
    Array.from({ length: 3 + Math.floor(rand() * 8) }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join(""),
  );
  const lines = Array.from({ length: 2000 }, () =>
    Array.from({ length: 6 + Math.floor(rand() * 10) }, () => words[Math.floor(rand() * words.length)]).join(" "),
  );
  for (let i = 0; i < spec.smallFiles; i++) {
    const dir = join(client, "text", `d${String(Math.floor(i / 200)).padStart(3, "0")}`);
    if (i % 200 === 0) await mkdir(dir, { recursive: true });
    const size = 1024 + Math.floor(rand() * 19 * 1024);
    const parts: string[] = [];
    let n = 0;
    for (let line = 0; n < size; line++) {
      const text = `${line}: ${lines[Math.floor(rand() * lines.length)]}\n`;
      parts.push(text);
      n += text.length;
    }
    const content = parts.join("").slice(0, size);
    await writeFile(join(dir, `file${i}.txt`), content);
    bytes += size;
    files++;
  }

  // Medium incompressible binaries.
  await mkdir(join(client, "bin"), { recursive: true });
  const medium = Buffer.allocUnsafe(spec.mediumSize);
  for (let i = 0; i < spec.mediumFiles; i++) {
    randomFillSync(medium);
    await writeFile(join(client, "bin", `blob${i}.bin`), medium);
    bytes += medium.length;
    files++;
  }

  // Large semi-compressible: each 128 KiB block = 64 KiB fresh random + one of 8 fixed random 64 KiB blocks (~2:1).
  await mkdir(join(client, "large"), { recursive: true });
  const pool = Array.from({ length: 8 }, () => randomFillSync(Buffer.allocUnsafe(64 * 1024)));
  const chunk = Buffer.allocUnsafe(16 * MB);
  for (let i = 0; i < spec.largeFiles; i++) {
    const path = join(client, "large", `image${i}.img`);
    await writeFile(path, Buffer.alloc(0));
    for (let written = 0; written < spec.largeSize; written += chunk.length) {
      for (let off = 0; off < chunk.length; off += 128 * 1024) {
        randomFillSync(chunk, off, 64 * 1024);
        (pool[Math.floor(rand() * pool.length)] as Buffer).copy(chunk, off + 64 * 1024);
      }
      const part = chunk.subarray(0, Math.min(chunk.length, spec.largeSize - written));
      await writeFile(path, part, { flag: "a" });
      bytes += part.length;
    }
    files++;
  }
  return { bytes, files };
}

/** Runs `fn` while sampling this process's RSS every 100 ms; returns seconds and peak RSS in bytes. */
async function measureOurs(fn: () => Promise<unknown>): Promise<{ seconds: number; peakRss: number }> {
  await syncDisks();
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const start = process.hrtime.bigint();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds, peakRss: peak };
}

/** Runs a command under `/usr/bin/time -v`; returns seconds and "Maximum resident set size" in bytes. */
async function measureCommand(cmd: string, args: readonly string[]): Promise<{ seconds: number; peakRss: number }> {
  await syncDisks();
  const useTime = existsSync("/usr/bin/time");
  const [file, argv] = useTime ? ["/usr/bin/time", ["-v", cmd, ...args]] : [cmd, [...args]];
  const start = process.hrtime.bigint();
  const child = spawn(file, argv, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  let vmHwm = 0;
  const timer = useTime
    ? undefined
    : setInterval(() => {
        readFile(`/proc/${child.pid}/status`, "utf8")
          .then((s) => {
            const m = /VmHWM:\s+(\d+) kB/.exec(s);
            if (m) vmHwm = Math.max(vmHwm, Number(m[1]) * 1024);
          })
          .catch((_e: unknown) => undefined);
      }, 100);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (timer) clearInterval(timer);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${code}): ${stderr.slice(-2000)}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  return { seconds, peakRss: m ? Number(m[1]) * 1024 : vmHwm };
}

/** Flushes dirty pages so that one step's writeback does not slow the next measured step (both sides alike). */
function syncDisks(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("sync", [], { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", () => resolve());
  });
}

async function duBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

interface Best {
  seconds: number;
  peakRss: number;
}

/** Best time of the rounds; peak RSS is the highest of the rounds (conservative). */
function better(a: Best | undefined, b: Best): Best {
  const seconds = a === undefined ? b.seconds : Math.min(a.seconds, b.seconds);
  return { seconds, peakRss: Math.max(a?.peakRss ?? 0, b.peakRss) };
}

/** Builds and extracts the generated tree with opsi-ts and with `tar --zstd`, alternating, best of two each. */
export async function run(): Promise<BenchResult[]> {
  const totalMb = Number(process.env.BENCH_PACKAGE_MB ?? 1024);
  const root = await mkdtemp(join(tmpdir(), "opsi-bench-package-"));
  try {
    const src = join(root, "src");
    const genStart = Date.now();
    const { bytes: genBytes, files } = await generateTree(src, treeSpec(totalMb));
    const sourceBytes = await duBytes(src);
    console.log(
      `generated ${files} files, ${(genBytes / MB).toFixed(0)} MB (${(sourceBytes / MB).toFixed(0)} MB on disk) in ${((Date.now() - genStart) / 1000).toFixed(1)} s`,
    );
    const baseRss = process.memoryUsage().rss;

    let oursBuild: Best | undefined;
    let oursExtract: Best | undefined;
    let tarBuild: Best | undefined;
    let tarMd5Build: Best | undefined;
    let tarExtract: Best | undefined;
    let ourSize = 0;
    let tarSize = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // ours
      const outDir = join(root, "out");
      const extractDir = join(root, "ours-x");
      let pkgPath = "";
      // The package as opsi-makepackage writes it: archive + .md5 (buildPackage always computes the MD5).
      const b = await measureOurs(async () => {
        pkgPath = (await buildPackage(src, { outDir })).path;
      });
      ourSize = (await stat(pkgPath)).size;
      const x = await measureOurs(() => extractPackage(pkgPath, extractDir));
      const extracted = await duBytes(join(extractDir, "CLIENT_DATA"));
      if (extracted !== (await duBytes(join(src, "CLIENT_DATA")))) throw new Error(`ours extracted ${extracted} bytes of CLIENT_DATA`);
      oursBuild = better(oursBuild, b);
      oursExtract = better(oursExtract, x);
      console.log(
        `round ${round + 1} ours: build+md5 ${b.seconds.toFixed(2)} s, extract ${x.seconds.toFixed(2)} s, package ${(ourSize / MB).toFixed(1)} MB`,
      );
      await rm(outDir, { recursive: true, force: true });
      await rm(extractDir, { recursive: true, force: true });

      // theirs
      const archive = join(root, "out.tar.zst");
      const tarDir = join(root, "tar-x");
      const tb = await measureCommand("tar", ["--zstd", "-cf", archive, "-C", src, "CLIENT_DATA", "OPSI"]);
      tarSize = (await stat(archive)).size;
      await rm(archive, { force: true });
      const tm = await measureCommand("sh", [
        "-c",
        `tar --zstd -cf '${archive}' -C '${src}' CLIENT_DATA OPSI && md5sum '${archive}' > '${archive}.md5'`,
      ]);
      tarMd5Build = better(tarMd5Build, tm);
      await mkdir(tarDir);
      const tx = await measureCommand("tar", ["--zstd", "-xf", archive, "-C", tarDir]);
      tarBuild = better(tarBuild, tb);
      tarExtract = better(tarExtract, tx);
      console.log(
        `round ${round + 1} tar:  archive ${tb.seconds.toFixed(2)} s, archive+md5sum ${tm.seconds.toFixed(2)} s, extract ${tx.seconds.toFixed(2)} s, archive ${(tarSize / MB).toFixed(1)} MB`,
      );
      await rm(archive, { force: true });
      await rm(`${archive}.md5`, { force: true });
      await rm(tarDir, { recursive: true, force: true });
    }
    if (!oursBuild || !oursExtract || !tarBuild || !tarMd5Build || !tarExtract) throw new Error("no rounds ran");

    const mbps = (seconds: number) => sourceBytes / MB / seconds;
    const size = `source ${(sourceBytes / MB).toFixed(0)} MB in ${files} files`;
    const levels =
      "zstd level 3 both sides (ours: single-threaded libzstd in a writer worker fed by a reader worker; tar→zstd CLI default -3, -T1)";
    const rows: BenchResult[] = [];
    const buildValue = mbps(oursBuild.seconds);
    rows.push({
      name: `buildPackage incl. .md5 vs bare tar (best of ${ROUNDS})`,
      unit: "MB/s",
      value: buildValue,
      baseline: "tar --zstd -cf (no checksum)",
      baselineValue: mbps(tarBuild.seconds),
      ratio: buildValue / mbps(tarBuild.seconds),
      notes: `${size}; ${levels}; ours ${oursBuild.seconds.toFixed(2)} s (archive + MD5 pass), tar ${tarBuild.seconds.toFixed(2)} s`,
    });
    for (const [what, ours, theirs, baseline] of [
      ["build", oursBuild, tarMd5Build, "tar --zstd -cf && md5sum"],
      ["extract", oursExtract, tarExtract, "tar --zstd -xf"],
    ] as const) {
      const value = mbps(ours.seconds);
      const baselineValue = mbps(theirs.seconds);
      rows.push({
        name: `${what}Package throughput (best of ${ROUNDS})`,
        unit: "MB/s",
        value,
        baseline,
        baselineValue,
        ratio: value / baselineValue,
        notes: `${size}; ${levels}; ours ${ours.seconds.toFixed(2)} s, tar ${theirs.seconds.toFixed(2)} s`,
      });
      rows.push({
        name: `${what} peak RSS`,
        unit: "MB",
        value: ours.peakRss / MB,
        baseline: `${baseline} (max RSS of tar, its zstd child or md5sum)`,
        baselineValue: theirs.peakRss / MB,
        ratio: ours.peakRss / theirs.peakRss,
        notes: `our whole Node process (RSS before build/extract ${(baseRss / MB).toFixed(0)} MB), sampled every 100 ms; tar via /usr/bin/time -v`,
      });
    }
    rows.push({
      name: "output size",
      unit: "MB",
      value: ourSize / MB,
      baseline: "out.tar.zst",
      baselineValue: tarSize / MB,
      ratio: ourSize / tarSize,
      notes: "ours: outer tar with OPSI.tar.zstd + CLIENT_DATA.tar.zstd",
    });
    for (const r of rows) console.log(`${r.name}: ${r.notes ?? ""}`);
    return rows;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
