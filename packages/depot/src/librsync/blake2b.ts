/**
 * @module librsync/blake2b — BLAKE2b (RFC 7693) in pure TypeScript with a configurable digest
 * length. librsync's BLAKE2 signatures use BLAKE2b with a 32-byte digest, which is not a truncation
 * of BLAKE2b-512 (the length is part of the parameter block) and which node:crypto cannot produce.
 * 64-bit words are kept as (low, high) pairs of 32-bit numbers.
 */

const IV = new Uint32Array([
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a, 0xade682d1, 0x510e527f, 0x2b3e6c1f,
  0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
]);

const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
].map((row) => Uint8Array.from(row, (i) => i * 2));

/**
 * The BLAKE2b G function on v[a], v[b], v[c], v[d] (64-bit words as low/high pairs at even
 * offsets) with the message words at m[ix] and m[iy]. Everything stays in uint32 range so V8 keeps
 * integers unboxed.
 */
function mix(v: Uint32Array, m: Uint32Array, a: number, b: number, c: number, d: number, ix: number, iy: number): void {
  let al = v[a] as number;
  let ah = v[a + 1] as number;
  let bl = v[b] as number;
  let bh = v[b + 1] as number;
  let cl = v[c] as number;
  let ch = v[c + 1] as number;
  let dl = v[d] as number;
  let dh = v[d + 1] as number;
  let t: number;
  // a = a + b + m[ix]
  t = (al + bl) >>> 0;
  ah = (ah + bh + (t < al ? 1 : 0)) >>> 0;
  al = t;
  t = (al + (m[ix] as number)) >>> 0;
  ah = (ah + (m[ix + 1] as number) + (t < al ? 1 : 0)) >>> 0;
  al = t;
  // d = rotr64(d ^ a, 32)
  t = (dl ^ al) >>> 0;
  dl = (dh ^ ah) >>> 0;
  dh = t;
  // c = c + d
  t = (cl + dl) >>> 0;
  ch = (ch + dh + (t < cl ? 1 : 0)) >>> 0;
  cl = t;
  // b = rotr64(b ^ c, 24)
  t = bl ^ cl;
  bh = bh ^ ch;
  bl = ((t >>> 24) | (bh << 8)) >>> 0;
  bh = ((bh >>> 24) | (t << 8)) >>> 0;
  // a = a + b + m[iy]
  t = (al + bl) >>> 0;
  ah = (ah + bh + (t < al ? 1 : 0)) >>> 0;
  al = t;
  t = (al + (m[iy] as number)) >>> 0;
  ah = (ah + (m[iy + 1] as number) + (t < al ? 1 : 0)) >>> 0;
  al = t;
  // d = rotr64(d ^ a, 16)
  t = dl ^ al;
  dh = dh ^ ah;
  dl = ((t >>> 16) | (dh << 16)) >>> 0;
  dh = ((dh >>> 16) | (t << 16)) >>> 0;
  // c = c + d
  t = (cl + dl) >>> 0;
  ch = (ch + dh + (t < cl ? 1 : 0)) >>> 0;
  cl = t;
  // b = rotr64(b ^ c, 63) = rotl64(b ^ c, 1)
  t = bl ^ cl;
  bh = bh ^ ch;
  bl = ((t << 1) | (bh >>> 31)) >>> 0;
  bh = ((bh << 1) | (t >>> 31)) >>> 0;
  v[a] = al;
  v[a + 1] = ah;
  v[b] = bl;
  v[b + 1] = bh;
  v[c] = cl;
  v[c + 1] = ch;
  v[d] = dl;
  v[d + 1] = dh;
}

/**
 * Incremental BLAKE2b (unkeyed).
 * @example new Blake2b(32).update(data).digest() // 32-byte Buffer
 */
export class Blake2b {
  private readonly h = new Uint32Array(16);
  private readonly buf = new Uint8Array(128);
  private readonly v = new Uint32Array(32);
  private readonly m = new Uint32Array(32);
  private bufLen = 0;
  /** Bytes compressed so far (fits a double up to 2^53). */
  private total = 0;
  private done = false;

  constructor(private readonly outLen = 64) {
    if (!Number.isInteger(outLen) || outLen < 1 || outLen > 64) throw new RangeError(`BLAKE2b digest length ${outLen} not in 1..64`);
    this.h.set(IV);
    this.h[0] = (this.h[0] as number) ^ (0x01010000 | outLen);
  }

  private compress(last: boolean): void {
    const { v, m, h, buf } = this;
    for (let i = 0; i < 32; i++) {
      const o = i * 4;
      m[i] = ((buf[o] as number) | ((buf[o + 1] as number) << 8) | ((buf[o + 2] as number) << 16) | ((buf[o + 3] as number) << 24)) >>> 0;
    }
    v.set(h, 0);
    v.set(IV, 16);
    const t = this.total;
    v[24] = (v[24] as number) ^ (t >>> 0);
    v[25] = (v[25] as number) ^ Math.floor(t / 0x100000000);
    if (last) {
      v[28] = ~(v[28] as number);
      v[29] = ~(v[29] as number);
    }
    for (let r = 0; r < 12; r++) {
      const s = SIGMA[r] as Uint8Array;
      mix(v, m, 0, 8, 16, 24, s[0] as number, s[1] as number);
      mix(v, m, 2, 10, 18, 26, s[2] as number, s[3] as number);
      mix(v, m, 4, 12, 20, 28, s[4] as number, s[5] as number);
      mix(v, m, 6, 14, 22, 30, s[6] as number, s[7] as number);
      mix(v, m, 0, 10, 20, 30, s[8] as number, s[9] as number);
      mix(v, m, 2, 12, 22, 24, s[10] as number, s[11] as number);
      mix(v, m, 4, 14, 16, 26, s[12] as number, s[13] as number);
      mix(v, m, 6, 8, 18, 28, s[14] as number, s[15] as number);
    }
    for (let i = 0; i < 16; i++) h[i] = (h[i] as number) ^ (v[i] as number) ^ (v[i + 16] as number);
  }

  /** Feeds `data`; returns this. */
  update(data: Uint8Array): this {
    if (this.done) throw new Error("BLAKE2b: update after digest");
    for (let i = 0; i < data.length; ) {
      if (this.bufLen === 128) {
        this.total += 128;
        this.compress(false);
        this.bufLen = 0;
      }
      const n = Math.min(128 - this.bufLen, data.length - i);
      this.buf.set(data.subarray(i, i + n), this.bufLen);
      this.bufLen += n;
      i += n;
    }
    return this;
  }

  /** The digest (`outLen` bytes); the object cannot be updated afterwards. */
  digest(): Buffer {
    if (this.done) throw new Error("BLAKE2b: digest called twice");
    this.done = true;
    this.total += this.bufLen;
    this.buf.fill(0, this.bufLen);
    this.compress(true);
    const out = Buffer.alloc(64);
    for (let i = 0; i < 16; i++) out.writeUInt32LE(this.h[i] as number, i * 4);
    return out.subarray(0, this.outLen);
  }
}

/**
 * One-shot BLAKE2b of `data` with an `outLen`-byte digest.
 * @example blake2b(Buffer.from("abc"), 64).toString("hex").slice(0, 16) // "ba80a53f981c4d0d"
 */
export function blake2b(data: Uint8Array, outLen = 64): Buffer {
  return new Blake2b(outLen).update(data).digest();
}
