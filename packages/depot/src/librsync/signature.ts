/**
 * @module librsync/signature — librsync signatures (`rs_sig_*`, `rdiff signature`): generation from a
 * byte stream and parsing into a lookup structure for delta calculation.
 *
 * Format: magic, block length and strong sum length (uint32 big-endian each), then per block of the
 * input (the last one may be short) the weak sum (uint32 BE) and the first `strongLen` bytes of the
 * strong sum.
 */
import { MAX_BLOCK_LEN, RS_MD4_SIG_MAGIC, type SignatureKind, type SignatureMagic, signatureKind, strongSum, weakSum } from "./format.js";

/** Block length opsi's librsync calls used (`RSYNC_BLOCK_LENGTH`). */
export const OPSI_BLOCK_LEN = 2048;
/** Strong sum length opsi's librsync calls used (`RSYNC_STRONG_LENGTH`). */
export const OPSI_STRONG_LEN = 8;

/** Parameters of a signature. */
export interface SignatureOptions {
  /** Signature magic (default {@link RS_MD4_SIG_MAGIC}, like opsi). */
  readonly magic?: SignatureMagic;
  /** Block length in bytes (default {@link OPSI_BLOCK_LEN} = 2048). */
  readonly blockLen?: number;
  /** Bytes of each strong sum (default {@link OPSI_STRONG_LEN} = 8; at most 16 for MD4, 32 for BLAKE2). */
  readonly strongLen?: number;
}

/** Validated signature parameters. */
export interface SignatureParams {
  readonly kind: SignatureKind;
  readonly blockLen: number;
  readonly strongLen: number;
}

/**
 * Checks and completes signature parameters; RangeError when out of range.
 * @example signatureParams({}) // { kind: {magic: 0x72730136, …}, blockLen: 2048, strongLen: 8 }
 */
export function signatureParams(options: SignatureOptions = {}): SignatureParams {
  const magic = options.magic ?? RS_MD4_SIG_MAGIC;
  const kind = signatureKind(magic);
  if (!kind) throw new RangeError(`librsync: unknown signature magic 0x${Number(magic).toString(16)}`);
  const blockLen = options.blockLen ?? OPSI_BLOCK_LEN;
  if (!Number.isInteger(blockLen) || blockLen < 1 || blockLen > MAX_BLOCK_LEN) {
    throw new RangeError(`librsync: block length ${blockLen} not in 1..${MAX_BLOCK_LEN}`);
  }
  const strongLen = options.strongLen ?? OPSI_STRONG_LEN;
  if (!Number.isInteger(strongLen) || strongLen < 1 || strongLen > kind.maxStrongLen) {
    throw new RangeError(`librsync: strong sum length ${strongLen} not in 1..${kind.maxStrongLen} for ${kind.strong}`);
  }
  return { kind, blockLen, strongLen };
}

function header(params: SignatureParams): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt32BE(params.kind.magic, 0);
  out.writeUInt32BE(params.blockLen, 4);
  out.writeUInt32BE(params.strongLen, 8);
  return out;
}

/** Output chunk size of the generators. */
const OUT_CHUNK = 64 * 1024;

/**
 * Streams the signature of `input` (any byte chunks), identical to `rdiff -H <hash> -R <rollsum>
 * -b <blockLen> -S <strongLen> signature`.
 * @example for await (const chunk of generateSignature(createReadStream(file))) out.write(chunk);
 */
export async function* generateSignature(
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: SignatureOptions = {},
): AsyncGenerator<Buffer> {
  const params = signatureParams(options);
  const { blockLen, strongLen, kind } = params;
  const recordLen = 4 + strongLen;
  const block = Buffer.alloc(blockLen);
  let filled = 0;
  const perChunk = Math.max(1, Math.floor(OUT_CHUNK / recordLen));
  let out = Buffer.alloc(perChunk * recordLen);
  let outLen = 0;
  const emitBlock = (data: Buffer): void => {
    out.writeUInt32BE(weakSum(kind.weak, data), outLen);
    strongSum(kind.strong, data).copy(out, outLen + 4, 0, strongLen);
    outLen += recordLen;
  };
  yield header(params);
  for await (const chunk of input) {
    let i = 0;
    while (i < chunk.length) {
      const n = Math.min(blockLen - filled, chunk.length - i);
      block.set(chunk.subarray(i, i + n), filled);
      filled += n;
      i += n;
      if (filled === blockLen) {
        emitBlock(block);
        filled = 0;
        if (outLen === out.length) {
          yield out;
          out = Buffer.alloc(perChunk * recordLen);
          outLen = 0;
        }
      }
    }
  }
  if (filled > 0) {
    if (outLen === out.length) {
      yield out;
      out = Buffer.alloc(perChunk * recordLen);
      outLen = 0;
    }
    emitBlock(block.subarray(0, filled));
  }
  if (outLen > 0) yield out.subarray(0, outLen);
}

/**
 * The signature of `data` in one buffer.
 * @example signatureOf(Buffer.from("hello")) // 12-byte header + one 12-byte block record
 */
export async function signatureOf(data: Uint8Array, options: SignatureOptions = {}): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of generateSignature([data], options)) parts.push(part);
  return Buffer.concat(parts);
}

/** A parsed signature, indexed by weak sum for delta calculation. */
export class Signature {
  /** Number of blocks. */
  readonly blockCount: number;
  /** Weak sum of each block. */
  readonly weak: Uint32Array;
  /** Strong sums, `strongLen` bytes per block. */
  readonly strong: Buffer;
  private readonly head = new Map<number, number>();
  /** Next block with the same weak sum, −1 at the end of a chain. */
  private readonly next: Int32Array;
  /** Bloom-style filter over the weak sums: one bit per bucket `imul(weak, 0x9e3779b1) >>> filterShift`. */
  readonly filter: Uint8Array;
  readonly filterShift: number;

  constructor(
    readonly params: SignatureParams,
    weak: Uint32Array,
    strong: Buffer,
  ) {
    this.blockCount = weak.length;
    this.weak = weak;
    this.strong = strong;
    this.next = new Int32Array(this.blockCount).fill(-1);
    // Insert backwards so each chain lists blocks in file order (the first match is the earliest block).
    for (let b = this.blockCount - 1; b >= 0; b--) {
      const w = weak[b] as number;
      const prev = this.head.get(w);
      if (prev !== undefined) this.next[b] = prev;
      this.head.set(w, b);
    }
    let bits = 16;
    while (bits < 30 && 1 << bits < this.blockCount * 16) bits++;
    this.filterShift = 32 - bits;
    this.filter = new Uint8Array(1 << (bits - 3));
    for (let b = 0; b < this.blockCount; b++) {
      const h = Math.imul(weak[b] as number, 0x9e3779b1) >>> this.filterShift;
      this.filter[h >>> 3] = (this.filter[h >>> 3] as number) | (1 << (h & 7));
    }
  }

  /** False when no block has this weak sum (cheap pre-check before {@link firstBlock}). */
  mayContain(weakSum: number): boolean {
    const h = Math.imul(weakSum, 0x9e3779b1) >>> this.filterShift;
    return ((this.filter[h >>> 3] as number) & (1 << (h & 7))) !== 0;
  }

  /** The first block with this weak sum, or −1. */
  firstBlock(weakSum: number): number {
    return this.head.get(weakSum) ?? -1;
  }

  /** The next block after `b` with the same weak sum, or −1. */
  nextBlock(b: number): number {
    return this.next[b] as number;
  }

  /** Whether block `b`'s stored strong sum is a prefix of `sum`. */
  strongMatches(b: number, sum: Uint8Array): boolean {
    const len = this.params.strongLen;
    const off = b * len;
    for (let i = 0; i < len; i++) if (this.strong[off + i] !== sum[i]) return false;
    return true;
  }
}

/**
 * Parses a signature file (any of the four magics). The file length of the original is not part of
 * the format, so the last block's length is unknown; the delta matches it by checksums at the tail.
 * Error on a bad magic, parameters or length.
 * @example const sig = parseSignature(await readFile("old.sig"));
 */
export function parseSignature(data: Uint8Array): Signature {
  if (data.length < 12) throw new Error(`librsync: signature too short (${data.length} bytes)`);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const magic = buf.readUInt32BE(0);
  if (!signatureKind(magic)) throw new Error(`librsync: not a signature (magic 0x${magic.toString(16).padStart(8, "0")})`);
  const params = signatureParams({ magic: magic as SignatureMagic, blockLen: buf.readUInt32BE(4), strongLen: buf.readUInt32BE(8) });
  const recordLen = 4 + params.strongLen;
  const body = buf.length - 12;
  if (body % recordLen !== 0) throw new Error(`librsync: signature body of ${body} bytes is not a multiple of ${recordLen}`);
  const count = body / recordLen;
  const weak = new Uint32Array(count);
  const strong = Buffer.alloc(count * params.strongLen);
  for (let b = 0; b < count; b++) {
    const off = 12 + b * recordLen;
    weak[b] = buf.readUInt32BE(off);
    buf.copy(strong, b * params.strongLen, off + 4, off + recordLen);
  }
  return new Signature(params, weak, strong);
}
