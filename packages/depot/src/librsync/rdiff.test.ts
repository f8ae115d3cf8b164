/**
 * @module librsync/rdiff.test Compatibility with the real librsync through Debian's `rdiff`: our
 * signatures equal rdiff's byte for byte, rdiff patches with our deltas, we patch with rdiff's.
 * rdiff missing: the file fails with OPSI_TEST_REQUIRE_SERVICES=1, otherwise it is skipped with a warning.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deltaFile, patchFile, signatureFile } from "./files.js";
import { RS_BLAKE2_SIG_MAGIC, RS_MD4_SIG_MAGIC, RS_RK_BLAKE2_SIG_MAGIC, RS_RK_MD4_SIG_MAGIC, type SignatureMagic } from "./format.js";

function rdiffAvailable(): boolean {
  const r = spawnSync("rdiff", ["--version"], { encoding: "utf8" });
  if (r.status === 0) return true;
  const reason = r.error ? r.error.message : `exit ${r.status}`;
  if (process.env.OPSI_TEST_REQUIRE_SERVICES === "1")
    throw new Error(`rdiff (Debian package rdiff) is required but not runnable: ${reason}`);
  console.warn(
    `Skipping rdiff compatibility tests: rdiff not runnable (${reason}). apt-get install rdiff, or set OPSI_TEST_REQUIRE_SERVICES=1 to fail.`,
  );
  return false;
}

const HASH: Record<SignatureMagic, readonly string[]> = {
  [RS_MD4_SIG_MAGIC]: ["-H", "md4", "-R", "rollsum"],
  [RS_BLAKE2_SIG_MAGIC]: ["-H", "blake2", "-R", "rollsum"],
  [RS_RK_MD4_SIG_MAGIC]: ["-H", "md4", "-R", "rabinkarp"],
  [RS_RK_BLAKE2_SIG_MAGIC]: ["-H", "blake2", "-R", "rabinkarp"],
};

const rdiff = (...args: string[]): void => {
  execFileSync("rdiff", ["-f", ...args], { stdio: ["ignore", "ignore", "pipe"] });
};

/** `size` bytes with repeated stretches, so blocks recur and weak sums collide. */
function mixedData(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  const rnd = randomBytes(Math.max(1, size));
  for (let i = 0; i < size; i++) out[i] = (i + seed) % 1000 < 300 ? (i * 7) & 0xff : (rnd[i] as number);
  return out;
}

/** `old` with a few edits: inserted, deleted and changed bytes. */
function edited(old: Buffer): Buffer {
  const parts = [old.subarray(0, Math.floor(old.length / 3)), randomBytes(777), old.subarray(Math.floor(old.length / 3) + 100)];
  const joined = Buffer.concat(parts);
  if (joined.length > 10) joined[joined.length - 5] = (joined[joined.length - 5] as number) ^ 0xff;
  return Buffer.concat([randomBytes(13), joined]);
}

describe.runIf(rdiffAvailable())("rdiff compatibility", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "librsync-rdiff-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const f = (name: string): string => join(dir, name);

  const sizes = [0, 1, 2047, 2048, 2049, 4096, 10_000, 300_001];
  for (const magic of [RS_MD4_SIG_MAGIC, RS_BLAKE2_SIG_MAGIC, RS_RK_MD4_SIG_MAGIC, RS_RK_BLAKE2_SIG_MAGIC] as const) {
    for (const [blockLen, strongLen] of [
      [2048, 8],
      [256, 16],
      [1000, 5],
    ] as const) {
      it(`signature == rdiff ${HASH[magic].join(" ")} -b ${blockLen} -S ${strongLen}`, async () => {
        for (const size of sizes) {
          const data = mixedData(size, size);
          writeFileSync(f("in"), data);
          rdiff(...HASH[magic], "-b", String(blockLen), "-S", String(strongLen), "signature", f("in"), f("ref.sig"));
          const ours = await signatureFile(f("in"), { magic, blockLen, strongLen });
          expect(ours.equals(readFileSync(f("ref.sig"))), `size ${size}`).toBe(true);
        }
      });
    }
    it(`round trips with rdiff for ${HASH[magic].join(" ")}`, async () => {
      for (const size of [0, 100, 2048, 5000, 70_000]) {
        const old = mixedData(size, 3);
        const neu = edited(old);
        writeFileSync(f("old"), old);
        writeFileSync(f("new"), neu);
        // rdiff signature -> our delta -> rdiff patch
        rdiff(...HASH[magic], "-b", "512", "-S", "8", "signature", f("old"), f("old.sig"));
        await deltaFile(f("new"), readFileSync(f("old.sig")), f("ours.delta"));
        rdiff("patch", f("old"), f("ours.delta"), f("patched-by-rdiff"));
        expect(readFileSync(f("patched-by-rdiff")).equals(neu), `rdiff patch of our delta, size ${size}`).toBe(true);
        // rdiff delta -> our patch
        rdiff("delta", f("old.sig"), f("new"), f("ref.delta"));
        await patchFile(f("old"), f("ref.delta"), f("patched-by-us"));
        expect(readFileSync(f("patched-by-us")).equals(neu), `our patch of rdiff's delta, size ${size}`).toBe(true);
      }
    });
  }

  it("our delta is as small as rdiff's for a mostly unchanged file", async () => {
    const old = mixedData(1_000_000, 1);
    const neu = edited(old);
    writeFileSync(f("old"), old);
    writeFileSync(f("new"), neu);
    rdiff("-H", "md4", "-R", "rollsum", "-b", "2048", "-S", "8", "signature", f("old"), f("old.sig"));
    rdiff("delta", f("old.sig"), f("new"), f("ref.delta"));
    await deltaFile(f("new"), readFileSync(f("old.sig")), f("ours.delta"));
    const ours = readFileSync(f("ours.delta")).length;
    const theirs = readFileSync(f("ref.delta")).length;
    expect(ours).toBeLessThanOrEqual(theirs + 64);
    expect(ours).toBeLessThan(10_000);
  });

  it("random edits: rdiff applies our deltas and we apply rdiff's (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 6000 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 300 }), fc.uint8Array({ maxLength: 300 })), { maxLength: 5 }),
        fc.constantFrom(RS_MD4_SIG_MAGIC, RS_BLAKE2_SIG_MAGIC, RS_RK_MD4_SIG_MAGIC, RS_RK_BLAKE2_SIG_MAGIC),
        fc.constantFrom(1, 7, 64, 2048),
        async (oldBytes, edits, magic, blockLen) => {
          let neu = Buffer.from(oldBytes);
          for (const [at, del, ins] of edits) {
            const pos = neu.length === 0 ? 0 : at % (neu.length + 1);
            neu = Buffer.concat([neu.subarray(0, pos), Buffer.from(ins), neu.subarray(pos + del)]);
          }
          writeFileSync(f("p-old"), oldBytes);
          writeFileSync(f("p-new"), neu);
          rdiff(...HASH[magic], "-b", String(blockLen), "-S", "8", "signature", f("p-old"), f("p-old.sig"));
          const ours = await signatureFile(f("p-old"), { magic, blockLen, strongLen: 8 });
          expect(ours.equals(readFileSync(f("p-old.sig")))).toBe(true);
          await deltaFile(f("p-new"), ours, f("p-ours.delta"));
          rdiff("patch", f("p-old"), f("p-ours.delta"), f("p-rdiff-out"));
          expect(readFileSync(f("p-rdiff-out")).equals(neu)).toBe(true);
          rdiff("delta", f("p-old.sig"), f("p-new"), f("p-ref.delta"));
          await patchFile(f("p-old"), f("p-ref.delta"), f("p-our-out"));
          expect(readFileSync(f("p-our-out")).equals(neu)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
