/** @module side-files/zsync — `.zsync` control files (zsync 0.6.2), byte-identical to what `zsyncmake` writes. */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { basename } from "node:path";
import { md4 } from "./md4.js";

/** The `Hash-Lengths` triple and block size of a zsync file. */
export interface ZsyncParameters {
  readonly blockSize: number;
  readonly seqMatches: 1 | 2;
  readonly rsumBytes: number;
  readonly checksumBytes: number;
}

/** Options of {@link createZsyncFile}. */
export interface ZsyncOptions {
  /** `URL` line (default: the file name, a relative URL, as zsyncmake and opsi write it). */
  readonly url?: string;
  /** Where to write (default `<packagePath>.zsync`). */
  readonly outPath?: string;
  /** `Filename` line (default: the base name of `packagePath`). */
  readonly fileName?: string;
  /** `MTime` line (default: the file's modification time). */
  readonly mtime?: Date;
}

/** What {@link createZsyncFile} wrote. */
export interface ZsyncResult extends ZsyncParameters {
  readonly path: string;
  readonly length: number;
  readonly sha1: string;
}

/**
 * Block size and hash lengths exactly as zsyncmake 0.6.2 computes them for a file of `length` bytes.
 * @example zsyncParameters(10240) // { blockSize: 2048, seqMatches: 2, rsumBytes: 2, checksumBytes: 3 }
 */
export function zsyncParameters(length: number): ZsyncParameters {
  const blockSize = length < 100_000_000 ? 2048 : 4096;
  const seqMatches = length > blockSize ? 2 : 1;
  const blocks = Math.floor(length / blockSize); // C integer division (off_t / size_t)
  const rsumRaw = Math.ceil(((Math.log(length) + Math.log(blockSize)) / Math.LN2 - 8.6) / seqMatches / 8);
  const rsumBytes = Number.isFinite(rsumRaw) ? Math.min(4, Math.max(2, rsumRaw)) : 2;
  const c1 = Math.ceil((20 + (Math.log(length) + Math.log(1 + blocks)) / Math.LN2) / seqMatches / 8);
  const c2 = Math.trunc((7.9 + (20 + Math.log(1 + blocks) / Math.LN2)) / 8);
  const checksumBytes = Number.isFinite(c1) && c1 > c2 ? c1 : c2;
  return { blockSize, seqMatches, rsumBytes, checksumBytes };
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

/** `strftime("%a, %d %b %Y %H:%M:%S %z")` on gmtime, as zsyncmake formats `MTime`. */
function rfc2822(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  const day = DAYS[date.getUTCDay()] ?? "";
  const month = MONTHS[date.getUTCMonth()] ?? "";
  return `${day}, ${p(date.getUTCDate())} ${month} ${date.getUTCFullYear()} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/** rsync's weak checksum of one (zero-padded) block, big-endian `a` then `b`, 16 bits each. */
function rsum(block: Uint8Array): Buffer {
  let a = 0;
  let b = 0;
  let n = block.length;
  for (const c of block) {
    a += c;
    b += n * c;
    n--;
  }
  const out = Buffer.alloc(4);
  out.writeUInt16BE(a & 0xffff, 0);
  out.writeUInt16BE(b & 0xffff, 2);
  return out;
}

/**
 * Writes the zsync 0.6.2 control file of `packagePath` (streamed in one pass; only the truncated block
 * sums, ~0.3 % of the file size, are held in memory) atomically to `<packagePath>.zsync`.
 * @example const { path } = await createZsyncFile("/var/lib/opsi/repository/hwaudit_4.3-1.opsi")
 */
export async function createZsyncFile(packagePath: string, options: ZsyncOptions = {}): Promise<ZsyncResult> {
  const info = await stat(packagePath);
  const length = info.size;
  const params = zsyncParameters(length);
  const { blockSize, rsumBytes, checksumBytes } = params;
  const per = rsumBytes + checksumBytes;
  const sums = Buffer.alloc(Math.ceil(length / blockSize) * per);
  const sha1 = createHash("sha1");
  const block = Buffer.alloc(blockSize);
  let fill = 0;
  let blocks = 0;
  let read = 0;
  const emit = (): void => {
    block.fill(0, fill);
    rsum(block).copy(sums, blocks * per, 4 - rsumBytes);
    md4(block).copy(sums, blocks * per + rsumBytes, 0, checksumBytes);
    blocks++;
    fill = 0;
  };
  for await (const chunk of createReadStream(packagePath, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    read += chunk.length;
    if (read > length) throw new Error(`${packagePath} grew while creating its zsync file`);
    sha1.update(chunk);
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(blockSize - fill, chunk.length - off);
      chunk.copy(block, fill, off, off + n);
      fill += n;
      off += n;
      if (fill === blockSize) emit();
    }
  }
  if (fill > 0) emit();
  if (read !== length) throw new Error(`${packagePath} changed size while creating its zsync file`);

  const fileName = options.fileName ?? basename(packagePath);
  const sha1Hex = sha1.digest("hex");
  const header = [
    "zsync: 0.6.2",
    `Filename: ${fileName}`,
    `MTime: ${rfc2822(options.mtime ?? info.mtime)}`,
    `Blocksize: ${blockSize}`,
    `Length: ${length}`,
    `Hash-Lengths: ${params.seqMatches},${rsumBytes},${checksumBytes}`,
    `URL: ${options.url ?? fileName}`,
    `SHA-1: ${sha1Hex}`,
    "",
    "",
  ].join("\n");
  const path = options.outPath ?? `${packagePath}.zsync`;
  const partial = `${path}.${process.pid}.partial`;
  try {
    const handle = await open(partial, "w", 0o644);
    try {
      await handle.write(header);
      await handle.write(sums);
    } finally {
      await handle.close();
    }
    await rename(partial, path);
  } catch (e: unknown) {
    await rm(partial, { force: true });
    throw e;
  }
  return { ...params, path, length, sha1: sha1Hex };
}
