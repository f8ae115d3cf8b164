/** @module package/archive — streaming, validating reader of `.opsi` files (outer tar or cpio, inner tar/cpio with zstd, gzip, bzip2 or no compression). */
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { type FileHandle, link, lstat, mkdir, open, symlink, unlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, posix } from "node:path";
import { Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { BackendBadValueError } from "@opsi-ts/core";
import { extract as tarExtract } from "tar-stream";
import type * as ZstdBinding from "zstd-napi/binding";
import { ArchiveSizeError, drain, limitBytes, peek } from "./bytes.js";
import { type PackageControl, resolveControl } from "./control.js";
import { readCpio } from "./cpio.js";
import type { ArchiveEntry, ArchiveEntryType } from "./entry.js";

/** Thrown when a package contains something unsafe or malformed; nothing has been written then. */
export class UnsafeArchiveError extends BackendBadValueError {
  static override readonly shortDescription: string = "Unsafe package archive";
}

/** Container formats. */
export type ArchiveFormat = "tar" | "cpio";
/** Compression of an inner archive; bzip2 is decompressed by the system `bzip2` binary. */
export type Compression = "zstd" | "gzip" | "bzip2" | "none";

/** Limits against decompression bombs. */
export interface ExtractLimits {
  /** Maximum decompressed bytes over all inner archives (default 64 GiB). */
  readonly maxTotalSize?: number;
  /** Maximum decompressed/compressed ratio of an inner archive, measured against at least 64 KiB (default 1000). */
  readonly maxRatio?: number;
}

/** One inner archive of a package. */
export interface PackageMember {
  readonly name: string;
  /** `OPSI`, `CLIENT_DATA` or `SERVER_DATA`. */
  readonly directory: "OPSI" | "CLIENT_DATA" | "SERVER_DATA";
  readonly customName: string | null;
  readonly format: ArchiveFormat;
  readonly compression: Compression;
  readonly size: number;
  readonly entries: number;
}

/** What {@link readPackageInfo} returns. */
export interface PackageInfo {
  readonly format: ArchiveFormat;
  readonly members: readonly PackageMember[];
  readonly control: PackageControl;
}

const zstd = createRequire(import.meta.url)("zstd-napi/binding") as typeof ZstdBinding;
/** Read size of the package file and output size of the zstd decoder. */
const IO_CHUNK = 1 << 20;

const MEMBER = /^(OPSI|CLIENT_DATA|SERVER_DATA)(?:\.([a-zA-Z0-9]+))?\.(tar|cpio)(?:\.(zstd|zst|gz|bz2))?$/;
const CONTROL_MAX = 1024 * 1024;

function detectCompression(head: Buffer): Compression {
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return "zstd";
  if (head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return "gzip";
  if (head.toString("latin1", 0, 3) === "BZh") return "bzip2";
  return "none";
}

function detectFormat(head: Buffer, what: string): ArchiveFormat {
  if (head.toString("latin1", 0, 5) === "07070") return "cpio";
  if (head.toString("latin1", 257, 262) === "ustar") return "tar";
  // An empty tar is just its zero end-of-archive blocks.
  if (head.length >= 262 && head.every((b) => b === 0)) return "tar";
  throw new UnsafeArchiveError(`${what} is neither tar nor cpio`);
}

async function* bunzip2(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const child = spawn("bzip2", ["-dc"], { stdio: ["pipe", "pipe", "pipe"] });
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  const feeding = pipeline(Readable.from(source), child.stdin).catch((e: unknown) => e);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await exit;
    const fed = await feeding;
    if (fed instanceof Error) throw fed;
    if (code !== 0) throw new UnsafeArchiveError(`bzip2 failed (${code}): ${stderr.trim()}`);
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

async function* throughTransform(source: AsyncIterable<Buffer>, transform: Transform): AsyncGenerator<Buffer> {
  const done = pipeline(Readable.from(source), transform).catch((e: unknown) => e);
  for await (const chunk of transform) yield chunk as Buffer;
  const result = await done;
  if (result instanceof Error) throw result;
}

/** zstd decoding straight on libzstd's streaming API (large output buffers, no stream machinery). */
async function* unzstd(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const dctx = new zstd.DCtx();
  let inFrame = false;
  // Output goes into consecutive regions of one buffer; a region is never written again once yielded.
  let dst = Buffer.allocUnsafe(IO_CHUNK);
  let off = 0;
  for await (const chunk of source) {
    let src = chunk;
    for (;;) {
      if (dst.length - off < 64 * 1024) {
        dst = Buffer.allocUnsafe(IO_CHUNK);
        off = 0;
      }
      const room = dst.length - off;
      const [ret, produced, consumed] = dctx.decompressStream(dst.subarray(off), src);
      src = src.subarray(consumed);
      if (produced > 0) {
        off += produced;
        yield dst.subarray(off - produced, off);
      }
      if (src.length === 0 && (produced < room || ret === 0)) {
        inFrame = ret !== 0;
        break;
      }
    }
  }
  if (inFrame) throw new UnsafeArchiveError("zstd stream ended in the middle of a frame");
}

function decompress(source: AsyncIterable<Buffer>, compression: Compression): AsyncIterable<Buffer> {
  if (compression === "zstd") return unzstd(source);
  if (compression === "gzip") return throughTransform(source, createGunzip());
  if (compression === "bzip2") return bunzip2(source);
  return source;
}

function tarType(type: string | null | undefined): ArchiveEntryType {
  if (type === "file" || type === "contiguous-file") return "file";
  if (type === "directory") return "directory";
  if (type === "symlink") return "symlink";
  if (type === "link") return "hardlink";
  return "other";
}

async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<ArchiveEntry> {
  const extractor = tarExtract();
  const feeding = pipeline(Readable.from(source), extractor).catch((e: unknown) => e);
  for await (const entry of extractor) {
    const h = entry.header;
    yield {
      name: h.name,
      type: tarType(h.type),
      size: h.size ?? 0,
      mode: h.mode ?? 0o644,
      linkname: h.linkname ?? null,
      body: entry as unknown as AsyncIterable<Buffer>,
    };
    entry.resume();
  }
  const result = await feeding;
  if (result instanceof Error) throw result;
}

/**
 * Reads a possibly compressed tar or cpio archive entry by entry.
 * @example for await (const e of readArchive(createReadStream("OPSI.tar.zstd"), "OPSI")) await drain(e.body)
 */
export async function* readArchive(
  source: AsyncIterable<Buffer>,
  what: string,
  onDetect?: (format: ArchiveFormat, compression: Compression) => void,
): AsyncGenerator<ArchiveEntry> {
  const outer = await peek(source, 4);
  const compression = detectCompression(outer.head);
  const inner = await peek(decompress(outer.stream, compression), 262);
  const format = detectFormat(inner.head, what);
  onDetect?.(format, compression);
  yield* format === "cpio" ? readCpio(inner.stream) : readTar(inner.stream);
}

/** Lexically normalises an entry name; rejects absolute paths and `..`. Returns "" for the root. */
function safeName(name: string, what: string): string {
  if (name.startsWith("/") || /^[a-zA-Z]:/.test(name)) throw new UnsafeArchiveError(`absolute path '${name}' in ${what}`);
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new UnsafeArchiveError(`path '${name}' in ${what} contains '..'`);
  return parts.join("/");
}

function checkLinkTarget(name: string, target: string, what: string): void {
  if (target.startsWith("/")) throw new UnsafeArchiveError(`link '${name}' in ${what} points to absolute path '${target}'`);
  const resolved = posix.normalize(posix.join(posix.dirname(name), target));
  if (resolved === ".." || resolved.startsWith("../"))
    throw new UnsafeArchiveError(`link '${name}' in ${what} points outside: '${target}'`);
}

interface Budget {
  readonly maxTotal: number;
  readonly maxRatio: number;
  total: number;
}

async function* countCompressed(source: AsyncIterable<Buffer>, counter: { n: number }): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    counter.n += chunk.length;
    yield chunk;
  }
}

async function* budgeted(source: AsyncIterable<Buffer>, budget: Budget, compressed: { n: number }, what: string): AsyncGenerator<Buffer> {
  let own = 0;
  for await (const chunk of source) {
    own += chunk.length;
    budget.total += chunk.length;
    if (budget.total > budget.maxTotal)
      throw new ArchiveSizeError(`decompressed data exceeds the limit of ${budget.maxTotal} bytes in ${what}`);
    if (own > budget.maxRatio * Math.max(compressed.n, 65536)) {
      throw new ArchiveSizeError(`${what} decompresses more than ${budget.maxRatio} times its size`);
    }
    yield chunk;
  }
}

interface Sink {
  /** Called per validated entry; returns true to receive the body. */
  entry(member: PackageMember, root: string, name: string, entry: ArchiveEntry): Promise<void>;
}

interface MemberState {
  readonly directory: PackageMember["directory"];
  readonly customName: string | null;
  readonly name: string;
  format: ArchiveFormat;
  compression: Compression;
  size: number;
  entries: number;
}

async function* readOuter(path: string, onFormat: (f: ArchiveFormat) => void): AsyncGenerator<ArchiveEntry> {
  const { head, stream } = await peek(createReadStream(path, { highWaterMark: IO_CHUNK }), 262);
  const format = detectFormat(head, path);
  onFormat(format);
  yield* format === "cpio" ? readCpio(stream) : readTar(stream);
}

/** Walks the whole package, validating every entry and calling the sink; throws on anything unsafe. */
async function walkPackage(
  path: string,
  limits: ExtractLimits,
  sink: Sink,
  only?: (m: MemberState) => boolean,
): Promise<{ format: ArchiveFormat; members: MemberState[] }> {
  let outerFormat: ArchiveFormat = "tar";
  const budget: Budget = { maxTotal: limits.maxTotalSize ?? 64 * 1024 ** 3, maxRatio: limits.maxRatio ?? 1000, total: 0 };
  const members: MemberState[] = [];
  const seenMembers = new Set<string>();
  for await (const outer of readOuter(path, (f) => {
    outerFormat = f;
  })) {
    if (outer.type !== "file") throw new UnsafeArchiveError(`package member '${outer.name}' is not a regular file`);
    const memberName = safeName(outer.name, path);
    const m = MEMBER.exec(memberName);
    if (!m) throw new UnsafeArchiveError(`unexpected package member '${outer.name}'`);
    if (seenMembers.has(memberName)) throw new UnsafeArchiveError(`duplicate package member '${memberName}'`);
    seenMembers.add(memberName);
    const state: MemberState = {
      directory: m[1] as PackageMember["directory"],
      customName: m[2] ?? null,
      name: memberName,
      format: "tar",
      compression: "none",
      size: outer.size,
      entries: 0,
    };
    members.push(state);
    if (only && !only(state)) {
      await drain(outer.body);
      continue;
    }
    const compressed = { n: 0 };
    const names = new Map<string, ArchiveEntryType>();
    const symlinks: [string, string][] = [];
    const source = countCompressed(outer.body, compressed);
    const entries = readArchive(source, memberName, (format, compression) => {
      state.format = format;
      state.compression = compression;
    });
    const what = `${memberName} of ${path}`;
    for await (const raw of entries) {
      const name = safeName(raw.name, what);
      if (names.has(name)) throw new UnsafeArchiveError(`duplicate entry '${name}' in ${what}`);
      if (raw.type === "other") throw new UnsafeArchiveError(`entry '${raw.name}' in ${what} is a device, fifo or other special file`);
      for (let i = name.indexOf("/"); i !== -1; i = name.indexOf("/", i + 1)) {
        if (names.get(name.slice(0, i)) === "symlink") throw new UnsafeArchiveError(`entry '${name}' in ${what} lies below a symlink`);
      }
      if (raw.type === "symlink" || raw.type === "hardlink") {
        if (!raw.linkname) throw new UnsafeArchiveError(`link '${name}' in ${what} has no target`);
        if (raw.type === "hardlink") {
          const target = safeName(raw.linkname, what);
          if (names.get(target) !== "file")
            throw new UnsafeArchiveError(`hardlink '${name}' in ${what} points to '${raw.linkname}', no earlier file`);
        } else {
          checkLinkTarget(name, raw.linkname, what);
          symlinks.push([name, raw.linkname]);
        }
      }
      if (name === "") {
        if (raw.type !== "directory") throw new UnsafeArchiveError(`entry without a name in ${what}`);
        continue;
      }
      names.set(name, raw.type);
      state.entries++;
      const limited = limitBytes(budgeted(raw.body, budget, compressed, what), raw.size, `entry '${name}' in ${what}`);
      await sink.entry(state, state.directory, name, { ...raw, name, body: limited });
    }
    for (const [name, target] of symlinks) {
      const parts = posix.join(posix.dirname(name), target).split("/");
      for (let i = 1; i < parts.length; i++) {
        if (names.get(parts.slice(0, i).join("/")) === "symlink") {
          throw new UnsafeArchiveError(`symlink '${name}' in ${what} points through another symlink`);
        }
      }
    }
  }
  if (!members.some((m) => m.directory === "OPSI")) throw new UnsafeArchiveError(`${path} has no OPSI archive`);
  return { format: outerFormat, members };
}

function dots(m: { customName: string | null }): number {
  return m.customName === null ? 0 : 1;
}

function toMember(m: MemberState): PackageMember {
  return { ...m };
}

/**
 * Reads and validates a whole `.opsi` file without writing anything: the members, their formats and
 * the control data (custom `OPSI.<c>` control files win).
 * @example const { control, members } = await readPackageInfo("hwaudit_4.3-1.opsi")
 */
export async function readPackageInfo(path: string, limits: ExtractLimits = {}): Promise<PackageInfo> {
  const controls = new Map<string, { toml: string | null; legacy: string | null }>();
  const { format, members } = await walkPackage(path, limits, {
    async entry(member, _root, name, entry) {
      if (member.directory !== "OPSI" || (name !== "control" && name !== "control.toml") || entry.type !== "file") {
        await drain(entry.body);
        return;
      }
      const chunks: Buffer[] = [];
      for await (const c of limitBytes(entry.body, CONTROL_MAX, `${name} in ${member.name}`)) chunks.push(c);
      const slot = controls.get(member.name) ?? { toml: null, legacy: null };
      if (name === "control") slot.legacy = Buffer.concat(chunks).toString("utf8");
      else slot.toml = Buffer.concat(chunks).toString("utf8");
      controls.set(member.name, slot);
    },
  });
  const opsi = members.filter((m) => m.directory === "OPSI" && controls.has(m.name)).sort((a, b) => dots(b) - dots(a))[0];
  const found = opsi ? controls.get(opsi.name) : undefined;
  if (!found) throw new UnsafeArchiveError(`${path} contains no control file`);
  return {
    format,
    members: members.map(toMember),
    control: resolveControl(found.toml, found.legacy),
  };
}

/** Files up to this size are read whole and written in the background, several at a time. */
const SMALL_FILE = 1 << 20;
const MAX_PENDING_WRITES = 32;
const MAX_PENDING_BYTES = 64 << 20;

/**
 * Writes validated entries: directories it created are remembered (no mkdir per file), a new file is
 * created with one `open(O_EXCL)` (an existing file or link is unlinked first, never followed), small
 * files are written in the background while the archive is read on, large ones are streamed.
 */
class EntryWriter {
  private readonly dirs = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private pendingBytes = 0;
  private failure: { error: unknown } | null = null;

  constructor(private readonly dest: string) {}

  private async ensureDir(path: string): Promise<void> {
    if (this.dirs.has(path)) return;
    await mkdir(path, { recursive: true });
    this.dirs.add(path);
  }

  /** Opens `target` for writing as a new file, replacing an existing non-directory. */
  private async create(target: string, mode: number): Promise<FileHandle> {
    try {
      return await open(target, "wx", mode);
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const existing = await lstat(target);
      if (existing.isDirectory()) throw e;
      await unlink(target);
      return await open(target, "wx", mode);
    }
  }

  private async writeSmall(target: string, data: Buffer, mode: number): Promise<void> {
    const handle = await this.create(target, mode);
    try {
      let done = 0;
      while (done < data.length) done += (await handle.write(data, done, data.length - done)).bytesWritten;
    } finally {
      await handle.close();
    }
  }

  private track(work: Promise<void>, bytes: number): void {
    this.pendingBytes += bytes;
    const p: Promise<void> = work
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.pending.delete(p);
        this.pendingBytes -= bytes;
      });
    this.pending.add(p);
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Waits for all background writes; throws the first failure. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    this.check();
  }

  async entry(root: string, name: string, entry: ArchiveEntry): Promise<void> {
    this.check();
    const target = join(this.dest, root, name);
    const parent = join(this.dest, root, posix.dirname(name));
    await this.ensureDir(parent);
    if (entry.type === "directory") {
      await this.ensureDir(target);
      return;
    }
    const mode = entry.mode & 0o777 || 0o644;
    if (entry.type === "symlink" || entry.type === "hardlink") {
      await this.flush();
      const existing = await lstat(target).catch(() => null);
      if (existing && !existing.isDirectory()) await unlink(target);
      if (entry.type === "symlink") await symlink(entry.linkname ?? "", target);
      else await link(join(this.dest, root, safeName(entry.linkname ?? "", name)), target);
      return;
    }
    if (entry.size <= SMALL_FILE) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry.body) chunks.push(chunk);
      // A copy: the chunks are views into the decoder's larger buffers.
      const data = Buffer.concat(chunks);
      while (this.pending.size >= MAX_PENDING_WRITES || this.pendingBytes > MAX_PENDING_BYTES) await Promise.race(this.pending);
      this.track(this.writeSmall(target, data, mode), data.length);
      return;
    }
    const handle = await this.create(target, mode);
    try {
      for await (const chunk of entry.body) {
        let done = 0;
        while (done < chunk.length) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
      }
    } finally {
      await handle.close();
    }
  }
}

/**
 * Validates the whole package first (nothing is written if anything is unsafe), then extracts every
 * inner archive into `<dir>/OPSI`, `<dir>/CLIENT_DATA`, `<dir>/SERVER_DATA`; custom archives after,
 * and over, the base ones.
 * @example const info = await extractPackage("hwaudit_4.3-1.opsi", "/tmp/hwaudit")
 */
export async function extractPackage(path: string, dir: string, limits: ExtractLimits = {}): Promise<PackageInfo> {
  const info = await readPackageInfo(path, limits);
  const levels = [...new Set(info.members.map(dots))].sort();
  for (const directory of new Set(info.members.map((m) => m.directory))) await mkdir(join(dir, directory), { recursive: true });
  for (const level of levels) {
    const writer = new EntryWriter(dir);
    try {
      await walkPackage(path, limits, { entry: (_m, root, name, entry) => writer.entry(root, name, entry) }, (m) => dots(m) === level);
    } catch (e: unknown) {
      await writer.flush().catch(() => undefined);
      throw e;
    }
    await writer.flush();
  }
  return info;
}
