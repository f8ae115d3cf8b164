/** @module librsync/librsync.test Signature, delta and patch in memory and on disk: round trips (fast-check), chunking, command encoding and errors. */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blake2b } from "./blake2b.js";
import { generateDelta } from "./delta.js";
import { deltaFile, patchFile, signatureFile } from "./files.js";
import {
  intLen,
  RS_BLAKE2_SIG_MAGIC,
  RS_DELTA_MAGIC,
  RS_MD4_SIG_MAGIC,
  RS_RK_BLAKE2_SIG_MAGIC,
  RS_RK_MD4_SIG_MAGIC,
  rabinKarpOf,
  rabinKarpPower,
  readUint,
  rollsumOf,
  writeUint,
} from "./format.js";
import { applyDelta, bufferBasis } from "./patch.js";
import { generateSignature, parseSignature, type SignatureOptions, signatureOf } from "./signature.js";

async function collect(gen: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of gen) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

/** Splits `data` into chunks of the given sizes (cycled). */
function* chunks(data: Uint8Array, sizes: readonly number[]): Generator<Uint8Array> {
  let i = 0;
  let k = 0;
  while (i < data.length) {
    const n = Math.max(1, sizes[k++ % sizes.length] ?? 1);
    yield data.subarray(i, i + n);
    i += n;
  }
}

async function roundTrip(old: Uint8Array, neu: Uint8Array, options: SignatureOptions, sizes: readonly number[] = [65536]): Promise<Buffer> {
  const sig = await collect(generateSignature(chunks(old, sizes), options));
  const delta = await collect(generateDelta(sig, chunks(neu, sizes)));
  return collect(applyDelta(bufferBasis(old), chunks(delta, sizes)));
}

/** The commands of a delta as [op, ...numbers] (literal data skipped). */
function commands(delta: Buffer): (readonly number[])[] {
  const out: (readonly number[])[] = [];
  let i = 4;
  const widths = [1, 2, 4, 8];
  while (i < delta.length) {
    const op = delta[i++] as number;
    if (op === 0) {
      out.push([0]);
      break;
    }
    if (op <= 0x40) {
      out.push([op]);
      i += op;
    } else if (op <= 0x44) {
      const w = widths[op - 0x41] as number;
      const len = readUint(delta, i, w);
      out.push([op, len]);
      i += w + len;
    } else {
      const k = op - 0x45;
      const a = widths[k >> 2] as number;
      const b = widths[k & 3] as number;
      out.push([op, readUint(delta, i, a), readUint(delta, i + a, b)]);
      i += a + b;
    }
  }
  return out;
}

describe("checksums", () => {
  it("BLAKE2b equals node's blake2b512 for 64-byte digests and the RFC 7693 'abc' vector", () => {
    for (const n of [0, 1, 127, 128, 129, 1000, 4096]) {
      const d = randomBytes(n);
      expect(blake2b(d).toString("hex")).toBe(createHash("blake2b512").update(d).digest("hex"));
    }
    expect(blake2b(Buffer.from("abc")).toString("hex").slice(0, 32)).toBe("ba80a53f981c4d0d6a2797b69f12f6e9");
    // BLAKE2b-256 ("abc"): the digest length is part of the parameter block, not a truncation
    expect(blake2b(Buffer.from("abc"), 32).toString("hex")).toBe("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  });

  it("rollsum and Rabin-Karp of the empty input", () => {
    expect(rollsumOf(new Uint8Array())).toBe(0);
    expect(rabinKarpOf(new Uint8Array())).toBe(1);
    expect(rabinKarpPower(0)).toBe(1);
    expect(rabinKarpPower(3)).toBe(Number(BigInt(0x08104225) ** 3n % 2n ** 32n));
  });

  it("integer widths and big-endian encoding up to 8 bytes", () => {
    expect([0, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 40].map(intLen)).toEqual([1, 1, 2, 2, 4, 4, 8, 8]);
    const b = Buffer.alloc(8);
    writeUint(b, 0, 8, 2 ** 40 + 5);
    expect(b.toString("hex")).toBe("0000010000000005");
    expect(readUint(b, 0, 8)).toBe(2 ** 40 + 5);
    expect(() => readUint(Buffer.alloc(8, 0xff), 0, 8)).toThrow(/2\^53/);
  });
});

describe("signature", () => {
  it("has opsi's defaults: MD4 magic, 2048-byte blocks, 8-byte strong sums", async () => {
    const data = randomBytes(5000);
    const sig = await signatureOf(data);
    expect(sig.subarray(0, 12).toString("hex")).toBe("727301360000080000000008");
    expect(sig.length).toBe(12 + 3 * 12);
    expect(sig.readUInt32BE(12)).toBe(rollsumOf(data, 0, 2048));
    expect(sig.readUInt32BE(12 + 2 * 12)).toBe(rollsumOf(data, 4096, 5000));
    expect(await signatureOf(new Uint8Array())).toHaveLength(12);
  });

  it("does not depend on how the input is chunked", async () => {
    const data = randomBytes(10_000);
    const whole = await signatureOf(data, { blockLen: 100 });
    expect((await collect(generateSignature(chunks(data, [1, 7, 99, 100, 101, 3000]), { blockLen: 100 }))).equals(whole)).toBe(true);
  });

  it("rejects bad parameters and malformed signatures", async () => {
    await expect(signatureOf(Buffer.from("x"), { strongLen: 17 })).rejects.toThrow(/strong sum length 17/);
    await expect(signatureOf(Buffer.from("x"), { magic: RS_BLAKE2_SIG_MAGIC, strongLen: 33 })).rejects.toThrow(/strong sum length 33/);
    await expect(signatureOf(Buffer.from("x"), { blockLen: 0 })).rejects.toThrow(/block length/);
    expect(() => parseSignature(Buffer.from("7273013600000800", "hex"))).toThrow(/too short/);
    expect(() => parseSignature(Buffer.from("727302360000080000000008", "hex"))).toThrow(/not a signature/);
    expect(() => parseSignature(Buffer.from("72730136000008000000000801", "hex"))).toThrow(/not a multiple/);
    expect(() => parseSignature(Buffer.from("727301360000080000000011", "hex"))).toThrow(/strong sum length 17/);
  });
});

describe("delta and patch", () => {
  const magics = [RS_MD4_SIG_MAGIC, RS_BLAKE2_SIG_MAGIC, RS_RK_MD4_SIG_MAGIC, RS_RK_BLAKE2_SIG_MAGIC] as const;

  it("round-trips arbitrary old/new pairs for every signature kind and chunking (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.uint8Array({ maxLength: 3000 }),
        fc.constantFrom(...magics),
        fc.integer({ min: 1, max: 600 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 4 }),
        async (old, neu, magic, blockLen, sizes) => {
          const out = await roundTrip(old, neu, { magic, blockLen, strongLen: magic === RS_MD4_SIG_MAGIC ? 8 : 16 }, sizes);
          expect(out.equals(Buffer.from(neu))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("round-trips edited versions of a file (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 20_000 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 500 }), fc.uint8Array({ maxLength: 500 })), { maxLength: 6 }),
        fc.constantFrom(...magics),
        fc.constantFrom(16, 512, 2048),
        async (old, edits, magic, blockLen) => {
          let neu = Buffer.from(old);
          for (const [at, del, ins] of edits) {
            const pos = at % (neu.length + 1);
            neu = Buffer.concat([neu.subarray(0, pos), Buffer.from(ins), neu.subarray(pos + del)]);
          }
          expect((await roundTrip(old, neu, { magic, blockLen })).equals(neu)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("copies an unchanged file with one merged COPY and matches a short last block", async () => {
    const old = randomBytes(2048 * 10 + 500);
    const sig = await signatureOf(old);
    const delta = await collect(generateDelta(sig, [old]));
    expect(delta.readUInt32BE(0)).toBe(RS_DELTA_MAGIC);
    // COPY start 0 (1 byte), length 20980 (2 bytes) = 0x46; then END
    expect(commands(delta)).toEqual([[0x46, 0, old.length], [0]]);
  });

  it("prefers continuing the pending COPY among identical blocks", async () => {
    const block = randomBytes(64);
    const old = Buffer.concat([block, block, block, block]);
    const sig = await signatureOf(old, { blockLen: 64 });
    expect(commands(await collect(generateDelta(sig, [old])))).toEqual([[0x46, 0, 256], [0]]);
  });

  it("encodes literals inline up to 64 bytes and with a length beyond", async () => {
    const sig = await signatureOf(Buffer.alloc(0));
    expect(commands(await collect(generateDelta(sig, [randomBytes(64)])))).toEqual([[64], [0]]);
    expect(commands(await collect(generateDelta(sig, [randomBytes(65)])))).toEqual([[0x41, 65], [0]]);
    expect(commands(await collect(generateDelta(sig, [randomBytes(3000)])))).toEqual([[0x42, 3000], [0]]);
    // an empty new file is just magic + END
    expect((await collect(generateDelta(sig, []))).toString("hex")).toBe("7273023600");
  });

  it("splits long literals at 1 MiB so memory stays bounded", async () => {
    const sig = await signatureOf(Buffer.alloc(0));
    const neu = randomBytes(3 * 1024 * 1024 + 10);
    const delta = await collect(generateDelta(sig, chunks(neu, [65536])));
    const lens = commands(delta)
      .filter((c) => c[0] === 0x43)
      .map((c) => c[1]);
    expect(lens.every((n) => (n as number) <= 1024 * 1024 + 2 * 2048 + 65536)).toBe(true);
    expect(lens.reduce((a, b) => (a as number) + (b as number), 0)).toBe(neu.length);
    expect((await collect(applyDelta(bufferBasis(new Uint8Array()), [delta]))).equals(neu)).toBe(true);
  });

  it("applies COPY commands with 4- and 8-byte operands", async () => {
    const old = Buffer.from("0123456789");
    const delta = Buffer.from(
      "72730236" + "53" + "0000000000000002" + "00000003" + "54" + "0000000000000000" + "0000000000000001" + "00",
      "hex",
    );
    expect((await collect(applyDelta(bufferBasis(old), [delta]))).toString()).toBe("2340");
  });

  it("rejects malformed deltas with a clear error", async () => {
    const basis = bufferBasis(Buffer.from("abc"));
    const run = (hex: string) => collect(applyDelta(basis, [Buffer.from(hex, "hex")]));
    await expect(run("")).rejects.toThrow(/too short/);
    await expect(run("72730136")).rejects.toThrow(/not a delta/);
    await expect(run("72730236")).rejects.toThrow(/no END/);
    await expect(run("7273023603616263")).rejects.toThrow(/no END/);
    await expect(run("727302360561")).rejects.toThrow(/truncated in literal/);
    await expect(run("7273023642ff")).rejects.toThrow(/truncated in literal length/);
    await expect(run("727302364500")).rejects.toThrow(/truncated in copy length/);
    await expect(run("72730236450a0100")).rejects.toThrow(/beyond the end of the basis/);
    await expect(run("727302365500")).rejects.toThrow(/unknown delta command 0x55/);
    expect((await run("7273023645010200")).toString()).toBe("bc");
  });
});

describe("files", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "librsync-files-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const f = (name: string): string => join(dir, name);

  it("signature, delta and patch through files; refuses identical paths", async () => {
    const old = randomBytes(100_000);
    const neu = Buffer.concat([old.subarray(0, 40_000), randomBytes(1000), old.subarray(41_000)]);
    writeFileSync(f("old"), old);
    writeFileSync(f("new"), neu);
    const sig = await signatureFile(f("old"));
    expect(sig.equals(await signatureOf(old))).toBe(true);
    await deltaFile(f("new"), sig, f("delta"));
    expect(readFileSync(f("delta")).length).toBeLessThan(5000);
    await patchFile(f("old"), f("delta"), f("out"));
    expect(readFileSync(f("out")).equals(neu)).toBe(true);
    await expect(patchFile(f("old"), f("delta"), f("old"))).rejects.toThrow(/oldfile and newfile are the same/);
    await expect(patchFile(f("old"), f("delta"), f("delta"))).rejects.toThrow(/deltafile and newfile are the same/);
    await expect(patchFile(f("old"), f("old"), f("x"))).rejects.toThrow(/oldfile and deltafile are the same/);
    await expect(deltaFile(f("new"), sig, f("new"))).rejects.toThrow(/same file/);
  });

  it("leaves no partial output when patching fails", async () => {
    writeFileSync(f("bad.delta"), Buffer.from("72730236450a01", "hex"));
    writeFileSync(f("small"), "abc");
    await expect(patchFile(f("small"), f("bad.delta"), f("never"))).rejects.toThrow(/librsync/);
    expect(() => readFileSync(f("never"))).toThrow(/ENOENT/);
  });

  it("patches a 200 MB file from a sparse basis in bounded memory", async () => {
    const size = 200 * 1024 * 1024;
    const h = await open(f("big-old"), "w");
    await h.truncate(size);
    await h.write(Buffer.from("head"), 0, 4, 0);
    await h.close();
    // new = old with the first 4 bytes replaced: one literal + one COPY of the rest
    const delta = Buffer.alloc(4 + 1 + 4 + 1 + 1 + 4 + 4 + 1);
    let o = delta.writeUInt32BE(RS_DELTA_MAGIC, 0);
    o = delta.writeUInt8(4, o);
    o += delta.write("HEAD", o);
    o = delta.writeUInt8(0x45 + 4 * 0 + 2, o); // COPY start 1 byte, length 4 bytes
    o = delta.writeUInt8(4, o);
    o = delta.writeUInt32BE(size - 4, o);
    delta.writeUInt8(0, o);
    writeFileSync(f("big.delta"), delta.subarray(0, o + 1));
    const before = process.memoryUsage().rss;
    await patchFile(f("big-old"), f("big.delta"), f("big-new"));
    const grown = process.memoryUsage().rss - before;
    const out = await open(f("big-new"), "r");
    try {
      expect((await out.stat()).size).toBe(size);
      const head = Buffer.alloc(8);
      await out.read(head, 0, 8, 0);
      expect(head.toString("latin1")).toBe("HEAD\0\0\0\0");
    } finally {
      await out.close();
    }
    expect(grown).toBeLessThan(100 * 1024 * 1024);
    rmSync(f("big-old"));
    rmSync(f("big-new"));
  }, 60_000);
});
