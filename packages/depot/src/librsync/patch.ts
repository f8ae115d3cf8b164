/**
 * @module librsync/patch — applies a librsync delta (`rs_patch_*`, `rdiff patch`) to a basis file.
 * The delta is read as a stream, COPY commands read the basis by position in bounded pieces and
 * LITERAL data is passed through in pieces, so neither file has to fit in memory.
 */
import { RS_DELTA_MAGIC, RS_OP_COPY_N1_N1, RS_OP_COPY_N8_N8, RS_OP_END, RS_OP_LITERAL_64, RS_OP_LITERAL_N1, readUint } from "./format.js";

/** Random access to the basis (old) file. */
export interface BasisReader {
  /** Up to `length` bytes at `position`; fewer only at the end of the file. */
  read(position: number, length: number): Promise<Uint8Array>;
}

/** Largest piece read from the basis or passed through from a literal at once. */
const PIECE = 1 << 20;

/** Sequential reads of exact byte counts from a chunk stream. */
class DeltaReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private off = 0;
  private done = false;
  /** Bytes consumed so far (for error messages). */
  consumed = 0;
  private readonly iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;

  constructor(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    this.iterator =
      Symbol.asyncIterator in input
        ? (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        : (input as Iterable<Uint8Array>)[Symbol.iterator]();
  }

  /** False at the end of the delta. */
  private async more(): Promise<boolean> {
    while (this.off >= this.chunk.length) {
      if (this.done) return false;
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        return false;
      }
      this.chunk = next.value;
      this.off = 0;
    }
    return true;
  }

  /** Exactly `n` (≤ 8) bytes as a number, or an error naming what was being read. */
  async uint(n: number, what: string): Promise<number> {
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (!(await this.more())) throw new Error(`librsync: delta truncated in ${what} at byte ${this.consumed}`);
      bytes[i] = this.chunk[this.off++] as number;
      this.consumed++;
    }
    return readUint(bytes, 0, n);
  }

  /** The next byte, or −1 at the end of the delta. */
  async byte(): Promise<number> {
    if (!(await this.more())) return -1;
    this.consumed++;
    return this.chunk[this.off++] as number;
  }

  /** `n` bytes in pieces of at most {@link PIECE}. */
  async *bytes(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (!(await this.more())) throw new Error(`librsync: delta truncated in literal data at byte ${this.consumed}`);
      const take = Math.min(left, this.chunk.length - this.off, PIECE);
      yield this.chunk.subarray(this.off, this.off + take);
      this.off += take;
      this.consumed += take;
      left -= take;
    }
  }
}

const WIDTHS = [1, 2, 4, 8] as const;

/**
 * Streams the new file rebuilt from `basis` and the librsync `delta` (as written by `rdiff delta`
 * or {@link generateDelta}). Errors on a bad magic, an unknown command, a truncated delta or a COPY
 * beyond the end of the basis.
 * @example for await (const piece of applyDelta(basis, createReadStream(deltaFile))) out.write(piece);
 */
export async function* applyDelta(basis: BasisReader, delta: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = new DeltaReader(delta);
  let magic: number;
  try {
    magic = await reader.uint(4, "magic");
  } catch {
    throw new Error("librsync: delta too short (no magic)");
  }
  if (magic !== RS_DELTA_MAGIC) throw new Error(`librsync: not a delta (magic 0x${magic.toString(16).padStart(8, "0")})`);
  for (;;) {
    const op = await reader.byte();
    if (op < 0) throw new Error(`librsync: delta truncated (no END command) at byte ${reader.consumed}`);
    if (op === RS_OP_END) return;
    if (op <= RS_OP_LITERAL_64) {
      yield* reader.bytes(op);
    } else if (op < RS_OP_COPY_N1_N1) {
      const len = await reader.uint(WIDTHS[op - RS_OP_LITERAL_N1] as number, "literal length");
      yield* reader.bytes(len);
    } else if (op <= RS_OP_COPY_N8_N8) {
      const k = op - RS_OP_COPY_N1_N1;
      const start = await reader.uint(WIDTHS[k >> 2] as number, "copy start");
      const len = await reader.uint(WIDTHS[k & 3] as number, "copy length");
      let done = 0;
      while (done < len) {
        const want = Math.min(PIECE, len - done);
        const piece = await basis.read(start + done, want);
        if (piece.length === 0) throw new Error(`librsync: COPY of ${len} bytes at ${start} goes beyond the end of the basis file`);
        yield piece;
        done += piece.length;
      }
    } else {
      throw new Error(`librsync: unknown delta command 0x${op.toString(16)} at byte ${reader.consumed - 1}`);
    }
  }
}

/**
 * A {@link BasisReader} over an in-memory buffer.
 * @example applyDelta(bufferBasis(old), [delta])
 */
export function bufferBasis(data: Uint8Array): BasisReader {
  return {
    async read(position: number, length: number): Promise<Uint8Array> {
      return data.subarray(Math.min(position, data.length), Math.min(position + length, data.length));
    },
  };
}
