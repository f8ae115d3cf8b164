/** @module side-files/md4 — a small pure-TypeScript MD4 (RFC 1320); node:crypto only offers it with OpenSSL's legacy provider. */

const S1 = [3, 7, 11, 19] as const;
const S2 = [3, 5, 9, 13] as const;
const S3 = [3, 9, 11, 15] as const;
const ORDER3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15] as const;

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

function at<T>(list: readonly T[], i: number): T {
  const v = list[i];
  if (v === undefined) throw new RangeError(`index ${i} out of range`);
  return v;
}

function compress(state: Uint32Array, block: Uint8Array, offset: number, x: Uint32Array): void {
  for (let i = 0; i < 16; i++) {
    const o = offset + i * 4;
    x[i] = ((block[o] ?? 0) | ((block[o + 1] ?? 0) << 8) | ((block[o + 2] ?? 0) << 16) | ((block[o + 3] ?? 0) << 24)) >>> 0;
  }
  let a = state[0] ?? 0;
  let b = state[1] ?? 0;
  let c = state[2] ?? 0;
  let d = state[3] ?? 0;
  const w = (i: number): number => x[i] ?? 0;
  for (let i = 0; i < 16; i++) {
    const f = (b & c) | (~b & d);
    const t = rotl((a + f + w(i)) | 0, at(S1, i % 4));
    a = d;
    d = c;
    c = b;
    b = t;
  }
  for (let i = 0; i < 16; i++) {
    const g = (b & c) | (b & d) | (c & d);
    const k = (i % 4) * 4 + Math.floor(i / 4);
    const t = rotl((a + g + w(k) + 0x5a827999) | 0, at(S2, i % 4));
    a = d;
    d = c;
    c = b;
    b = t;
  }
  for (let i = 0; i < 16; i++) {
    const h = b ^ c ^ d;
    const t = rotl((a + h + w(at(ORDER3, i)) + 0x6ed9eba1) | 0, at(S3, i % 4));
    a = d;
    d = c;
    c = b;
    b = t;
  }
  state[0] = ((state[0] ?? 0) + a) >>> 0;
  state[1] = ((state[1] ?? 0) + b) >>> 0;
  state[2] = ((state[2] ?? 0) + c) >>> 0;
  state[3] = ((state[3] ?? 0) + d) >>> 0;
}

/**
 * MD4 digest (16 bytes) of `data`, as RFC 1320 defines it; zsync uses it for its block checksums.
 * @example md4(Buffer.from("abc")).toString("hex") // "a448017aaf21d8525fc10ae87aa6729d"
 */
export function md4(data: Uint8Array): Buffer {
  const state = new Uint32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
  const x = new Uint32Array(16);
  const full = data.length - (data.length % 64);
  for (let off = 0; off < full; off += 64) compress(state, data, off, x);
  const restLen = data.length - full;
  const tail = new Uint8Array(restLen < 56 ? 64 : 128);
  tail.set(data.subarray(full));
  tail[restLen] = 0x80;
  const bits = data.length * 8;
  const view = new DataView(tail.buffer);
  view.setUint32(tail.length - 8, bits >>> 0, true);
  view.setUint32(tail.length - 4, Math.floor(bits / 0x100000000), true);
  for (let off = 0; off < tail.length; off += 64) compress(state, tail, off, x);
  const out = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) out.writeUInt32LE(state[i] ?? 0, i * 4);
  return out;
}
