/** @module package/bytes — exact reads, peeking and byte budgets over async byte streams. */
import { BackendBadValueError } from "@opsi-ts/core";

/** A Buffer view of `u` (no copy). */
export function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** Thrown when an archive ends early or grows past a configured limit. */
export class ArchiveSizeError extends BackendBadValueError {
  static override readonly shortDescription: string = "Bad archive size";
}

/** Reads exact byte counts from an async iterable of chunks. */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private buffer: Buffer = Buffer.alloc(0);
  private done = false;
  /** Bytes handed out so far. */
  position = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.buffer = this.buffer.length === 0 ? asBuffer(next.value) : Buffer.concat([this.buffer, next.value]);
    return true;
  }

  /** Exactly `n` bytes; an {@link ArchiveSizeError} naming `what` if the stream ends first. */
  async readExactly(n: number, what: string): Promise<Buffer> {
    while (this.buffer.length < n) {
      if (!(await this.fill())) throw new ArchiveSizeError(`unexpected end of data reading ${what} (${n} bytes wanted)`);
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    this.position += n;
    return out;
  }

  /** Streams exactly `n` bytes. */
  async *stream(n: number, what: string): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buffer.length === 0 && !(await this.fill())) {
        throw new ArchiveSizeError(`unexpected end of data reading ${what} (${left} of ${n} bytes missing)`);
      }
      const take = Math.min(left, this.buffer.length);
      const out = this.buffer.subarray(0, take);
      this.buffer = this.buffer.subarray(take);
      this.position += take;
      left -= take;
      yield out;
    }
  }
}

/**
 * Reads up to `n` leading bytes and returns them with a stream that still yields everything.
 * @example const { head, stream } = await peek(source, 262)
 */
export async function peek(source: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < n) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    chunks.push(asBuffer(next.value));
    length += next.value.length;
  }
  const head = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield asBuffer(next.value);
    }
  }
  return { head: head.subarray(0, n), stream: all() };
}

/** Fails a stream that yields more than `max` bytes, naming `what`. */
export async function* limitBytes(source: AsyncIterable<Uint8Array>, max: number, what: string): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > max) throw new ArchiveSizeError(`${what} exceeds ${max} bytes`);
    yield asBuffer(chunk);
  }
}

/** Consumes a stream and discards it. */
export async function drain(source: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of source);
}
