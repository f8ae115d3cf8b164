/**
 * @module librsync/format — constants and checksums of librsync's file formats (librsync 2.x
 * `doc/format.md`): the signature magics with their rolling and strong checksums, the delta magic
 * and its command bytes, and the big-endian variable-width integers both use.
 */

import { md4 } from "../side-files/md4.js";
import { blake2b } from "./blake2b.js";

/** Delta file (`RS_DELTA_MAGIC`, "rs\x026"). */
export const RS_DELTA_MAGIC = 0x72730236;
/** Signature with the rsync rollsum and MD4 strong sums (`RS_MD4_SIG_MAGIC`): what opsi's librsync calls wrote. */
export const RS_MD4_SIG_MAGIC = 0x72730136;
/** Signature with the rsync rollsum and BLAKE2b-256 strong sums (`RS_BLAKE2_SIG_MAGIC`, librsync ≥ 1.0). */
export const RS_BLAKE2_SIG_MAGIC = 0x72730137;
/** Signature with the Rabin-Karp rolling hash and MD4 (`RS_RK_MD4_SIG_MAGIC`, librsync ≥ 2.2). */
export const RS_RK_MD4_SIG_MAGIC = 0x72730146;
/** Signature with the Rabin-Karp rolling hash and BLAKE2b-256 (`RS_RK_BLAKE2_SIG_MAGIC`, rdiff's default since 2.2). */
export const RS_RK_BLAKE2_SIG_MAGIC = 0x72730147;

/** One of the signature magics above. */
export type SignatureMagic =
  | typeof RS_MD4_SIG_MAGIC
  | typeof RS_BLAKE2_SIG_MAGIC
  | typeof RS_RK_MD4_SIG_MAGIC
  | typeof RS_RK_BLAKE2_SIG_MAGIC;

/** The rolling checksum a signature's weak sums use. */
export type WeakSumKind = "rollsum" | "rabinkarp";
/** The hash a signature's strong sums are prefixes of. */
export type StrongSumKind = "md4" | "blake2";

/** What a signature magic stands for. */
export interface SignatureKind {
  readonly magic: SignatureMagic;
  readonly weak: WeakSumKind;
  readonly strong: StrongSumKind;
  /** Longest strong sum the hash gives (MD4 16, BLAKE2 32 bytes). */
  readonly maxStrongLen: number;
}

const KINDS: ReadonlyMap<number, SignatureKind> = new Map<number, SignatureKind>([
  [RS_MD4_SIG_MAGIC, { magic: RS_MD4_SIG_MAGIC, weak: "rollsum", strong: "md4", maxStrongLen: 16 }],
  [RS_BLAKE2_SIG_MAGIC, { magic: RS_BLAKE2_SIG_MAGIC, weak: "rollsum", strong: "blake2", maxStrongLen: 32 }],
  [RS_RK_MD4_SIG_MAGIC, { magic: RS_RK_MD4_SIG_MAGIC, weak: "rabinkarp", strong: "md4", maxStrongLen: 16 }],
  [RS_RK_BLAKE2_SIG_MAGIC, { magic: RS_RK_BLAKE2_SIG_MAGIC, weak: "rabinkarp", strong: "blake2", maxStrongLen: 32 }],
]);

/**
 * The kind of a signature magic, or undefined for anything else.
 * @example signatureKind(0x72730136)?.strong // "md4"
 */
export function signatureKind(magic: number): SignatureKind | undefined {
  return KINDS.get(magic);
}

/** Largest block length accepted (64 MiB); keeps every checksum step inside exact double arithmetic. */
export const MAX_BLOCK_LEN = 1 << 26;

/** rsync rollsum's per-byte offset (`ROLLSUM_CHAR_OFFSET`). */
export const ROLLSUM_CHAR_OFFSET = 31;
/** Rabin-Karp multiplier (`RABINKARP_MULT`). */
export const RABINKARP_MULT = 0x08104225;
/** Inverse of the multiplier mod 2^32 (`RABINKARP_INVM`). */
export const RABINKARP_INVM = 0x98f009ad;
/** Seed adjustment when rolling a byte out: SEED × (MULT − 1) with SEED 1 (`RABINKARP_ADJ`). */
export const RABINKARP_ADJ = 0x08104224;
const RABINKARP_SEED = 1;

/**
 * The rsync rollsum of `data[start, end)` (`RollsumUpdate` + `RollsumDigest`).
 * @example rollsumOf(Buffer.from("abc")) // (s2 << 16) | s1
 */
export function rollsumOf(data: Uint8Array, start = 0, end = data.length): number {
  let s1 = 0;
  let s2 = 0;
  for (let i = start; i < end; i++) {
    s1 = (s1 + (data[i] as number)) & 0xffff;
    s2 = (s2 + s1) & 0xffff;
  }
  const n = end - start;
  s1 = (s1 + n * ROLLSUM_CHAR_OFFSET) & 0xffff;
  // n(n+1)/2 stays below 2^51 for n ≤ MAX_BLOCK_LEN; reduce before multiplying by the offset.
  s2 = (s2 + (((n * (n + 1)) / 2) % 0x10000) * ROLLSUM_CHAR_OFFSET) & 0xffff;
  return ((s2 << 16) | s1) >>> 0;
}

/**
 * The Rabin-Karp hash of `data[start, end)` (`rabinkarp_update` + digest).
 * @example rabinKarpOf(new Uint8Array()) // 1
 */
export function rabinKarpOf(data: Uint8Array, start = 0, end = data.length): number {
  let h = RABINKARP_SEED;
  for (let i = start; i < end; i++) h = (Math.imul(h, RABINKARP_MULT) + (data[i] as number)) | 0;
  return h >>> 0;
}

/**
 * MULT^n mod 2^32 (the weight of the byte leaving a Rabin-Karp window of n bytes).
 * @example rabinKarpPower(1) === RABINKARP_MULT
 */
export function rabinKarpPower(n: number): number {
  let result = 1;
  let base = RABINKARP_MULT;
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
  }
  return result >>> 0;
}

/**
 * The weak sum of a block for a signature kind.
 * @example weakSum("rollsum", block)
 */
export function weakSum(kind: WeakSumKind, data: Uint8Array, start = 0, end = data.length): number {
  return kind === "rollsum" ? rollsumOf(data, start, end) : rabinKarpOf(data, start, end);
}

/**
 * The full strong sum of a block (MD4: 16 bytes; BLAKE2b with a 32-byte digest); signatures store a prefix.
 * @example strongSum("md4", block).subarray(0, 8)
 */
export function strongSum(kind: StrongSumKind, block: Uint8Array): Buffer {
  return kind === "md4" ? md4(block) : blake2b(block, 32);
}

/** Delta command: end of delta. */
export const RS_OP_END = 0x00;
/** Delta commands 0x01..0x40: a literal of that many bytes follows. */
export const RS_OP_LITERAL_64 = 0x40;
/** Delta command: literal with a 1-byte length (0x42, 0x43, 0x44: 2, 4, 8 bytes). */
export const RS_OP_LITERAL_N1 = 0x41;
/** Delta command: COPY with 1-byte start and length (0x45 + 4 × width index of start + width index of length). */
export const RS_OP_COPY_N1_N1 = 0x45;
/** Last COPY command (8-byte start and length). */
export const RS_OP_COPY_N8_N8 = 0x54;

/**
 * Bytes librsync uses for an unsigned integer in a delta command: 1, 2, 4 or 8 (`rs_int_len`).
 * @example intLen(300) // 2
 */
export function intLen(value: number): 1 | 2 | 4 | 8 {
  if (value <= 0xff) return 1;
  if (value <= 0xffff) return 2;
  if (value <= 0xffffffff) return 4;
  return 8;
}

/** Index 0..3 of an integer width 1, 2, 4, 8. */
export function widthIndex(width: 1 | 2 | 4 | 8): number {
  return width === 1 ? 0 : width === 2 ? 1 : width === 4 ? 2 : 3;
}

/**
 * Writes `value` big-endian into `width` bytes at `offset` (widths up to 8; values up to 2^53).
 * @example writeUint(buf, 0, 4, 2048)
 */
export function writeUint(target: Uint8Array, offset: number, width: 1 | 2 | 4 | 8, value: number): void {
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    target[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/**
 * Reads a big-endian unsigned integer of `width` bytes; RangeError beyond 2^53 − 1.
 * @example readUint(Buffer.from([1, 0]), 0, 2) // 256
 */
export function readUint(source: Uint8Array, offset: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + (source[offset + i] as number);
  if (!Number.isSafeInteger(v)) throw new RangeError(`librsync: ${width}-byte integer beyond 2^53`);
  return v;
}
