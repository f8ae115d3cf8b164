/**
 * @module librsync/delta — librsync deltas (`rs_delta_*`, `rdiff delta`): the new file is scanned
 * with the signature's rolling checksum; windows whose weak and strong sums match a block of the old
 * file become COPY commands (adjacent ones merged), everything else LITERAL commands. At the end of
 * the input the window shrinks byte by byte, so a short last block of the old file is matched too.
 * Input is streamed through a bounded buffer (literals are flushed every MiB).
 */
import {
  intLen,
  RABINKARP_ADJ,
  RABINKARP_INVM,
  RABINKARP_MULT,
  ROLLSUM_CHAR_OFFSET,
  RS_DELTA_MAGIC,
  RS_OP_COPY_N1_N1,
  RS_OP_END,
  RS_OP_LITERAL_64,
  RS_OP_LITERAL_N1,
  rabinKarpOf,
  rabinKarpPower,
  strongSum,
  widthIndex,
  writeUint,
} from "./format.js";
import { parseSignature, Signature } from "./signature.js";

/** A rolling checksum over a window that can slide (rotate) and shrink (roll out). */
interface RollingSum {
  init(data: Uint8Array, start: number, end: number): void;
  rotate(out: number, inByte: number): void;
  rollout(out: number): void;
  digest(): number;
  /**
   * Rotates the full window at `p` forward while the weak sum cannot be in the signature (its
   * filter bit is clear), up to `limit` (`buf[p + blockLen]` must exist below it); returns where it stopped.
   */
  scan(buf: Uint8Array, p: number, limit: number, blockLen: number, filter: Uint8Array, shift: number): number;
}

class Rollsum implements RollingSum {
  private s1 = 0;
  private s2 = 0;
  private count = 0;
  init(data: Uint8Array, start: number, end: number): void {
    let s1 = 0;
    let s2 = 0;
    for (let i = start; i < end; i++) {
      s1 = (s1 + (data[i] as number)) & 0xffff;
      s2 = (s2 + s1) & 0xffff;
    }
    const n = end - start;
    this.s1 = (s1 + n * ROLLSUM_CHAR_OFFSET) & 0xffff;
    this.s2 = (s2 + (((n * (n + 1)) / 2) % 0x10000) * ROLLSUM_CHAR_OFFSET) & 0xffff;
    this.count = n;
  }
  rotate(out: number, inByte: number): void {
    this.s1 = (this.s1 + inByte - out) & 0xffff;
    this.s2 = (this.s2 + this.s1 - this.count * (out + ROLLSUM_CHAR_OFFSET)) & 0xffff;
  }
  rollout(out: number): void {
    this.s1 = (this.s1 - (out + ROLLSUM_CHAR_OFFSET)) & 0xffff;
    this.s2 = (this.s2 - this.count * (out + ROLLSUM_CHAR_OFFSET)) & 0xffff;
    this.count--;
  }
  digest(): number {
    return ((this.s2 << 16) | this.s1) >>> 0;
  }
  scan(buf: Uint8Array, p: number, limit: number, blockLen: number, filter: Uint8Array, shift: number): number {
    let s1 = this.s1;
    let s2 = this.s2;
    const count = this.count;
    let i = p;
    while (i < limit) {
      const h = Math.imul(((s2 << 16) | s1) >>> 0, 0x9e3779b1) >>> shift;
      if (((filter[h >>> 3] as number) & (1 << (h & 7))) !== 0) break;
      const out = buf[i] as number;
      s1 = (s1 + (buf[i + blockLen] as number) - out) & 0xffff;
      s2 = (s2 + s1 - count * (out + ROLLSUM_CHAR_OFFSET)) & 0xffff;
      i++;
    }
    this.s1 = s1;
    this.s2 = s2;
    return i;
  }
}

class RabinKarp implements RollingSum {
  private hash = 1;
  /** MULT^count. */
  private mult = 1;
  init(data: Uint8Array, start: number, end: number): void {
    this.hash = rabinKarpOf(data, start, end);
    this.mult = rabinKarpPower(end - start);
  }
  rotate(out: number, inByte: number): void {
    this.hash = (Math.imul(this.hash, RABINKARP_MULT) + inByte - Math.imul(this.mult, out + RABINKARP_ADJ)) | 0;
  }
  rollout(out: number): void {
    this.mult = Math.imul(this.mult, RABINKARP_INVM);
    this.hash = (this.hash - Math.imul(this.mult, out + RABINKARP_ADJ)) | 0;
  }
  digest(): number {
    return this.hash >>> 0;
  }
  scan(buf: Uint8Array, p: number, limit: number, blockLen: number, filter: Uint8Array, shift: number): number {
    let hash = this.hash;
    const mult = this.mult;
    let i = p;
    while (i < limit) {
      const h = Math.imul(hash, 0x9e3779b1) >>> shift;
      if (((filter[h >>> 3] as number) & (1 << (h & 7))) !== 0) break;
      hash = (Math.imul(hash, RABINKARP_MULT) + (buf[i + blockLen] as number) - Math.imul(mult, (buf[i] as number) + RABINKARP_ADJ)) | 0;
      i++;
    }
    this.hash = hash;
    return i;
  }
}

/** Collects delta output and hands it out in chunks. */
class Output {
  private parts: Buffer[] = [];
  size = 0;
  private readonly scratch = Buffer.alloc(17);

  push(data: Buffer): void {
    this.parts.push(data);
    this.size += data.length;
  }

  command(op: number, ...args: readonly (readonly [1 | 2 | 4 | 8, number])[]): void {
    this.scratch[0] = op;
    let len = 1;
    for (const [width, value] of args) {
      writeUint(this.scratch, len, width, value);
      len += width;
    }
    this.push(Buffer.from(this.scratch.subarray(0, len)));
  }

  take(): Buffer {
    const out = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return out;
  }
}

const OUT_CHUNK = 64 * 1024;
/** A pending literal is written out once it reaches this size. */
const LITERAL_FLUSH = 1 << 20;

/**
 * Streams the delta that turns the file described by `signature` into `input`; `rdiff patch` (and
 * {@link applyDelta}) rebuild `input` from it and the old file.
 * @example for await (const chunk of generateDelta(parseSignature(sig), createReadStream(newFile))) out.write(chunk);
 */
export async function* generateDelta(
  signature: Signature | Uint8Array,
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Buffer> {
  const sig = signature instanceof Signature ? signature : parseSignature(signature);
  const { blockLen: L, kind } = sig.params;
  const roll: RollingSum = kind.weak === "rollsum" ? new Rollsum() : new RabinKarp();
  const out = new Output();
  const magic = Buffer.alloc(4);
  magic.writeUInt32BE(RS_DELTA_MAGIC, 0);
  out.push(magic);

  let copyPos = -1;
  let copyLen = 0;
  const flushCopy = (): void => {
    if (copyPos < 0) return;
    const a = intLen(copyPos);
    const b = intLen(copyLen);
    out.command(RS_OP_COPY_N1_N1 + 4 * widthIndex(a) + widthIndex(b), [a, copyPos], [b, copyLen]);
    copyPos = -1;
    copyLen = 0;
  };
  const addCopy = (pos: number, len: number): void => {
    if (copyPos >= 0 && copyPos + copyLen === pos) {
      copyLen += len;
      return;
    }
    flushCopy();
    copyPos = pos;
    copyLen = len;
  };

  let buf = Buffer.alloc(LITERAL_FLUSH + 2 * L + OUT_CHUNK);
  let litStart = 0;
  let p = 0;
  let end = 0;
  let eof = false;

  const emitLiteral = (from: number, to: number): void => {
    if (to <= from) return;
    flushCopy();
    const len = to - from;
    if (len <= RS_OP_LITERAL_64) out.command(len);
    else {
      const w = intLen(len);
      out.command(RS_OP_LITERAL_N1 + widthIndex(w), [w, len]);
    }
    out.push(Buffer.from(buf.subarray(from, to)));
  };

  /** The matching block for the window [p, p + w) with weak sum `weak`, preferring the one that continues the pending COPY; −1 if none. */
  const findMatch = (weak: number, w: number): number => {
    let b = sig.firstBlock(weak);
    if (b < 0) return -1;
    const sum = strongSum(kind.strong, buf.subarray(p, p + w));
    const preferred = copyPos >= 0 && (copyPos + copyLen) % L === 0 ? (copyPos + copyLen) / L : -1;
    let found = -1;
    for (; b >= 0; b = sig.nextBlock(b)) {
      if (!sig.strongMatches(b, sum)) continue;
      if (b === preferred) return b;
      if (found < 0) found = b;
    }
    return found;
  };

  const iterator =
    Symbol.asyncIterator in input
      ? (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
      : (input as Iterable<Uint8Array>)[Symbol.iterator]();
  let chunk: Uint8Array | null = null;
  let chunkOff = 0;

  let sumValid = false;
  for (;;) {
    if (!eof && end - p < L + 1) {
      if (p - litStart >= LITERAL_FLUSH) {
        emitLiteral(litStart, p);
        litStart = p;
      }
      if (litStart > 0) {
        buf.copy(buf, 0, litStart, end);
        p -= litStart;
        end -= litStart;
        litStart = 0;
      }
      if (end === buf.length) {
        const bigger = Buffer.alloc(buf.length * 2);
        buf.copy(bigger, 0, 0, end);
        buf = bigger;
      }
      while (end < buf.length && end - p < L + 1) {
        if (chunk === null || chunkOff >= chunk.length) {
          const next = await iterator.next();
          if (next.done) {
            eof = true;
            break;
          }
          chunk = next.value;
          chunkOff = 0;
          continue;
        }
        const n = Math.min(buf.length - end, chunk.length - chunkOff);
        buf.set(chunk.subarray(chunkOff, chunkOff + n), end);
        end += n;
        chunkOff += n;
      }
      if (out.size >= OUT_CHUNK) yield out.take();
      continue;
    }
    const avail = end - p;
    if (avail === 0) break;
    const w = Math.min(avail, L);
    if (!sumValid) {
      roll.init(buf, p, p + w);
      sumValid = true;
    }
    if (avail > L) {
      // Fast path: roll past every window whose weak sum is certainly not in the signature.
      p = roll.scan(buf, p, end - L, L, sig.filter, sig.filterShift);
      if (p >= end - L) continue;
    }
    const weak = roll.digest();
    if (sig.mayContain(weak)) {
      const b = findMatch(weak, w);
      if (b >= 0) {
        emitLiteral(litStart, p);
        addCopy(b * L, w);
        p += w;
        litStart = p;
        sumValid = false;
        if (out.size >= OUT_CHUNK) yield out.take();
        continue;
      }
    }
    if (avail > L) roll.rotate(buf[p] as number, buf[p + L] as number);
    else roll.rollout(buf[p] as number);
    p++;
  }
  emitLiteral(litStart, end);
  flushCopy();
  out.command(RS_OP_END);
  yield out.take();
}
