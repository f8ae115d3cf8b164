/**
 * @module services/common
 * Small helpers shared by the terminal, process and file-transfer services.
 */
import type { ErrorCode, MessageError } from "../messages.js";

/** An opsicommon `Error` object for a message. */
export function messageError(message: string, code: ErrorCode | null = null): MessageError {
  return { message, code, details: null };
}

/** The text of a thrown value. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Splits bytes into views of at most `size` bytes (no copy). An empty input yields no chunk. */
export function splitBytes(data: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < data.byteLength; offset += size) {
    chunks.push(data.subarray(offset, Math.min(offset + size, data.byteLength)));
  }
  return chunks;
}

/** Clamps an integer to `[min, max]`, using `fallback` for null/undefined. */
export function clampInt(value: number | null | undefined, min: number, max: number, fallback: number): number {
  if (value === null || value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.trunc(value)));
}

/**
 * Runs async jobs one after another (keeps the order of published messages, e.g. data before close).
 * A failing job is reported to `onError` and does not stop the queue.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (err: unknown) => void) {}

  push(job: () => Promise<void>): Promise<void> {
    const next = this.tail.then(job).catch(this.onError);
    this.tail = next;
    return next;
  }

  /** Resolves when every job pushed so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
