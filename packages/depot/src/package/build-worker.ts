/**
 * @module package/build-worker
 * The I/O and compression half of `buildPackage`, as `tar | zstd` does it, in two worker threads that
 * share a ring of buffers (no copies, no messages on the hot path):
 *  - the reader walks the source directories with synchronous file I/O (no per-file promise overhead)
 *    and writes the inner tar streams straight into the ring;
 *  - the writer compresses them (zstd level 3 single-threaded, which costs less CPU and compresses
 *    better than libzstd's multi-threaded mode, or gzip) and writes the uncompressed outer tar in one
 *    pass: a member's outer header is written last, into a reserved block, once its size is known.
 *    Then it computes the MD5 of the finished file, which is still in the page cache (it cannot be
 *    hashed earlier: the header of the big member precedes its data).
 * Memory stays flat: the ring (4 × 4 MiB) plus the compression context.
 *
 * {@link readerMain} and {@link writerMain} run in the workers from their source text, so they are
 * self-contained: they use only their parameters and the modules passed in `deps`.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type * as ZstdBinding from "zstd-napi/binding";

/** One inner archive to write. */
export interface BuildJobMember {
  /** Member name in the outer tar, e.g. `CLIENT_DATA.tar.zstd`. */
  readonly name: string;
  /** Source directory; null for an empty archive. */
  readonly dir: string | null;
  /** Files written first, replacing files of the same name at the top of `dir` (the control files). */
  readonly extra: readonly { readonly name: string; readonly content: string }[];
  /** Leave the member out if `dir` holds nothing but excluded files. */
  readonly optional: boolean;
}

/** What the workers do. */
export interface BuildJob {
  /** The package file to write (usually a temporary name, renamed by the caller). */
  readonly output: string;
  readonly members: readonly BuildJobMember[];
  readonly compression: "zstd" | "gzip";
  /** Replace every symlink by its target (opsi-makepackage `--follow-symlinks`). */
  readonly followSymlinks: boolean;
  /** Compute the MD5 of the package. */
  readonly md5: boolean;
  /** zstd level (3, as opsi) or gzip level. */
  readonly level: number;
  /** Modification time of the outer members (seconds). */
  readonly mtime: number;
}

/** What a build reports. */
export interface BuildJobResult {
  readonly size: number;
  readonly md5: string | null;
  readonly members: readonly { readonly name: string; readonly size: number; readonly entries: number }[];
}

/** The ring shared by reader and writer. */
export interface BuildRing {
  /** `[head, tail, writerFailed, readerFailed]`: slots published / slots consumed. */
  readonly control: SharedArrayBuffer;
  /** Per slot `[kind, length, member]`. */
  readonly meta: SharedArrayBuffer;
  readonly slots: readonly SharedArrayBuffer[];
}

/** The modules the workers may use. */
export interface BuildDeps {
  readonly fs: typeof import("node:fs");
  readonly path: typeof import("node:path");
  readonly crypto: typeof import("node:crypto");
  readonly zlib: typeof import("node:zlib");
  readonly zstd: typeof ZstdBinding;
}

/** Slot kinds (numbers inside the workers): 1 data, 2 start of a member, 3 end of a member (length 1 = leave it out), 4 end. */

/**
 * Reader: walks the members' directories and writes their tar streams into the ring. Returns the
 * number of entries per member. Throws errors with `badValue: true` for problems of the source tree.
 * Self-contained: runs in a worker from its source text.
 */
export function readerMain(deps: BuildDeps, job: BuildJob, ring: BuildRing): number[] {
  const { fs, path } = deps;
  const BLOCK = 512;
  const DATA = 1;
  const BEGIN = 2;
  const END = 3;
  const FINISH = 4;
  const EXCLUDE_DIRS = /^(\.svn|\.git)$/;
  const EXCLUDE_FILES = /(~$)|(^[Tt]humbs\.db$)|(^\.[Dd][Ss]_[Ss]tore$)/;
  const badValue = (message: string): Error => Object.assign(new Error(message), { badValue: true });
  const control = new Int32Array(ring.control);
  const meta = new Int32Array(ring.meta);
  const slots = ring.slots.map((s) => Buffer.from(s));
  const N = slots.length;
  const CHUNK = (slots[0] as Buffer).length;

  // ---------------------------------------------------------------- ring
  let head = 0;
  const acquire = (): Buffer => {
    for (;;) {
      if (Atomics.load(control, 2) !== 0) throw Object.assign(new Error("package writer failed"), { sibling: true });
      const tail = Atomics.load(control, 1);
      if (head - tail < N) return slots[head % N] as Buffer;
      Atomics.wait(control, 1, tail, 1000);
    }
  };
  let stage = acquire();
  let fill = 0;
  const publish = (kind: number, length: number, member: number): void => {
    const i = (head % N) * 3;
    meta[i] = kind;
    meta[i + 1] = length;
    meta[i + 2] = member;
    head++;
    Atomics.store(control, 0, head);
    Atomics.notify(control, 0);
    if (kind !== FINISH) stage = acquire();
    fill = 0;
  };
  const flushStage = (): void => {
    if (fill > 0) publish(DATA, fill, -1);
  };
  const room = (n: number): void => {
    if (fill + n > CHUNK) flushStage();
  };
  const zeros = (n: number): void => {
    while (n > 0) {
      if (fill === CHUNK) flushStage();
      const k = Math.min(n, CHUNK - fill);
      stage.fill(0, fill, fill + k);
      fill += k;
      n -= k;
    }
  };

  // ---------------------------------------------------------------- tar headers
  const putOctal = (h: Buffer, value: number, offset: number, length: number): void => {
    const text = Math.trunc(value).toString(8);
    if (text.length <= length - 1) {
      h.write(text.padStart(length - 1, "0"), offset, length - 1, "latin1");
      h[offset + length - 1] = 0;
      return;
    }
    // GNU base-256 for values that do not fit (files of 8 GiB and more).
    let v = BigInt(Math.trunc(value));
    for (let i = offset + length - 1; i > offset; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    h[offset] = 0x80;
  };
  /** Fills one 512-byte ustar header at `h` (owner nobody/nogroup). */
  const ustar = (h: Buffer, name: string, prefix: string, type: string, size: number, mode: number, mtime: number, link: string): void => {
    h.fill(0, 0, BLOCK);
    h.write(name, 0, 100, "utf8");
    putOctal(h, mode & 0o7777, 100, 8);
    putOctal(h, 65534, 108, 8);
    putOctal(h, 65534, 116, 8);
    putOctal(h, size, 124, 12);
    putOctal(h, mtime, 136, 12);
    h.write(type, 156, 1, "latin1");
    h.write(link, 157, 100, "utf8");
    h.write("ustar\u000000", 257, 8, "latin1");
    h.write("nobody", 265, 32, "latin1");
    h.write("nogroup", 297, 32, "latin1");
    putOctal(h, 0, 329, 8);
    putOctal(h, 0, 337, 8);
    h.write(prefix, 345, 155, "utf8");
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += h[i] as number;
    h.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "latin1");
  };
  /** Splits a name into the ustar name and prefix fields, or null if it needs a PAX header. */
  const splitName = (name: string): [string, string] | null => {
    if (Buffer.byteLength(name) <= 100) return [name, ""];
    for (let i = name.indexOf("/"); i !== -1; i = name.indexOf("/", i + 1)) {
      const rest = name.slice(i + 1);
      if (rest !== "" && Buffer.byteLength(name.slice(0, i)) <= 155 && Buffer.byteLength(rest) <= 100) return [rest, name.slice(0, i)];
    }
    return null;
  };
  const paxRecord = (key: string, value: string): string => {
    const body = ` ${key}=${value}\n`;
    const bodyLen = Buffer.byteLength(body);
    let len = bodyLen + 1;
    while (len !== bodyLen + String(len).length) len = bodyLen + String(len).length;
    return `${len}${body}`;
  };
  /** Appends the header block(s) of one entry; a PAX header first for long names or link targets. */
  const header = (name: string, type: string, size: number, mode: number, mtime: number, link = ""): void => {
    const split = splitName(name);
    const linkFits = Buffer.byteLength(link) <= 100;
    if (!split || !linkFits) {
      const data = Buffer.from((split ? "" : paxRecord("path", name)) + (linkFits ? "" : paxRecord("linkpath", link)), "utf8");
      const padded = Math.ceil(data.length / BLOCK) * BLOCK;
      room(BLOCK);
      ustar(stage.subarray(fill, fill + BLOCK), "././@PaxHeader", "", "x", data.length, 0o644, mtime, "");
      fill += BLOCK;
      for (let off = 0; off < data.length; ) {
        if (fill === CHUNK) flushStage();
        const k = Math.min(data.length - off, CHUNK - fill);
        data.copy(stage, fill, off, off + k);
        fill += k;
        off += k;
      }
      zeros(padded - data.length);
    }
    room(BLOCK);
    const [n, p] = split ?? ["", ""];
    ustar(stage.subarray(fill, fill + BLOCK), n, p, type, size, mode, mtime, linkFits ? link : "");
    fill += BLOCK;
  };
  const seconds = (st: { mtimeMs: number }): number => Math.floor(st.mtimeMs / 1000);
  const notSpecial = (abs: string): Error => badValue(`Cannot package '${abs}': only files, directories and symlinks are allowed`);
  /** Appends a regular file's header and content, read straight into the ring. */
  const fileEntry = (abs: string, rel: string): void => {
    const fd = fs.openSync(abs, "r");
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw notSpecial(abs);
      header(rel, "0", st.size, st.mode, seconds(st));
      let left = st.size;
      while (left > 0) {
        if (fill === CHUNK) flushStage();
        const n = fs.readSync(fd, stage, fill, Math.min(left, CHUNK - fill), null);
        if (n === 0) throw badValue(`'${abs}' shrank while it was packed`);
        fill += n;
        left -= n;
      }
      zeros((BLOCK - (st.size % BLOCK)) % BLOCK);
    } finally {
      fs.closeSync(fd);
    }
  };
  const contentEntry = (name: string, content: string, mtime: number): void => {
    const data = Buffer.from(content, "utf8");
    header(name, "0", data.length, 0o644, mtime);
    for (let off = 0; off < data.length; ) {
      if (fill === CHUNK) flushStage();
      const k = Math.min(data.length - off, CHUNK - fill);
      data.copy(stage, fill, off, off + k);
      fill += k;
      off += k;
    }
    zeros((BLOCK - (data.length % BLOCK)) % BLOCK);
  };

  // ---------------------------------------------------------------- directory walk
  const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  /**
   * Writes the entries below `dir` (named `rel/...`) and returns how many. Only empty directories get
   * entries of their own. `ancestors` holds the directories on the current path (dev:ino) against
   * symlink loops; `announced` is set when the directory already has an entry (a followed link).
   */
  const walk = (dir: string, rel: string, ancestors: Set<string>, skip: ReadonlySet<string>, announced: boolean): number => {
    const dirents = fs.readdirSync(dir, { withFileTypes: true }).sort(byName);
    if (dirents.length === 0) {
      if (rel === "" || announced) return 0;
      const st = fs.statSync(dir);
      header(`${rel}/`, "5", 0, st.mode, seconds(st));
      return 1;
    }
    let count = 0;
    const descend = (abs: string, name: string, st: import("node:fs").Stats, entry: boolean): void => {
      const key = `${st.dev}:${st.ino}`;
      if (ancestors.has(key)) throw badValue(`'${abs}' leads into a symlink loop`);
      if (entry) {
        header(`${name}/`, "5", 0, st.mode, seconds(st));
        count++;
      }
      ancestors.add(key);
      count += walk(abs, name, ancestors, new Set(), entry);
      ancestors.delete(key);
    };
    for (const d of dirents) {
      if (rel === "" && skip.has(d.name)) continue;
      const abs = path.join(dir, d.name);
      const name = rel === "" ? d.name : `${rel}/${d.name}`;
      if (d.isSymbolicLink()) {
        const target = fs.statSync(abs, { throwIfNoEntry: false });
        if (target?.isDirectory()) {
          // Walked by default (content stored under the link's path); dereferenced: plus a directory entry.
          if (!EXCLUDE_DIRS.test(d.name)) descend(abs, name, target, job.followSymlinks);
        } else if (EXCLUDE_FILES.test(d.name)) {
          // excluded like a file
        } else if (!job.followSymlinks) {
          header(name, "2", 0, 0o777, seconds(fs.lstatSync(abs)), fs.readlinkSync(abs));
          count++;
        } else if (!target) {
          throw badValue(`Symlink '${abs}' points to nothing`);
        } else if (target.isFile()) {
          fileEntry(abs, name);
          count++;
        } else {
          throw notSpecial(abs);
        }
      } else if (d.isDirectory()) {
        if (!EXCLUDE_DIRS.test(d.name)) descend(abs, name, fs.statSync(abs), false);
      } else if (d.isFile()) {
        if (EXCLUDE_FILES.test(d.name)) continue;
        fileEntry(abs, name);
        count++;
      } else {
        throw notSpecial(abs);
      }
    }
    return count;
  };

  // ---------------------------------------------------------------- members
  const entries: number[] = [];
  try {
    for (const [index, member] of job.members.entries()) {
      publish(BEGIN, 0, index);
      let count = 0;
      const now = Math.floor(Date.now() / 1000);
      for (const extra of member.extra) {
        contentEntry(extra.name, extra.content, now);
        count++;
      }
      let skip = false;
      if (member.dir !== null) {
        const root = fs.statSync(member.dir);
        const walked = walk(member.dir, "", new Set([`${root.dev}:${root.ino}`]), new Set(member.extra.map((e) => e.name)), false);
        count += walked;
        skip = member.optional && count === 0 && fs.readdirSync(member.dir).length > 0;
      }
      zeros(2 * BLOCK);
      flushStage();
      publish(END, skip ? 1 : 0, index);
      entries.push(count);
    }
    publish(FINISH, 0, -1);
  } catch (e: unknown) {
    Atomics.store(control, 3, 1);
    Atomics.notify(control, 0);
    throw e;
  }
  return entries;
}

/**
 * Writer: compresses the tar streams from the ring and writes the outer tar to `job.output`, then
 * hashes it. Returns the package size, MD5 and member sizes (entries are the reader's).
 * Self-contained: runs in a worker from its source text.
 */
export async function writerMain(deps: BuildDeps, job: BuildJob, ring: BuildRing): Promise<BuildJobResult> {
  const { fs, crypto, zlib, zstd } = deps;
  const BLOCK = 512;
  const DATA = 1;
  const BEGIN = 2;
  const END = 3;
  const FINISH = 4;
  const OUT_CHUNK = 4 << 20;
  const control = new Int32Array(ring.control);
  const meta = new Int32Array(ring.meta);
  const slots = ring.slots.map((s) => Buffer.from(s));
  const N = slots.length;
  const waitAsync = (
    Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown } }
  ).waitAsync;

  const out = fs.openSync(job.output, "w", 0o644);
  let pos = 0;
  const writeAll = (buf: Uint8Array, len: number): void => {
    let done = 0;
    while (done < len) {
      const n = fs.writeSync(out, buf, done, len - done, pos);
      done += n;
      pos += n;
    }
  };
  const putOctal = (h: Buffer, value: number, offset: number, length: number): void => {
    const text = Math.trunc(value).toString(8);
    if (text.length <= length - 1) {
      h.write(text.padStart(length - 1, "0"), offset, length - 1, "latin1");
      return;
    }
    let v = BigInt(Math.trunc(value));
    for (let i = offset + length - 1; i > offset; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    h[offset] = 0x80;
  };
  /** The outer member header: mode 0644, nobody/nogroup, as opsi's temporary files. */
  const outerHeader = (name: string, size: number): Buffer => {
    const h = Buffer.alloc(BLOCK);
    h.write(name, 0, 100, "utf8");
    putOctal(h, 0o644, 100, 8);
    putOctal(h, 65534, 108, 8);
    putOctal(h, 65534, 116, 8);
    putOctal(h, size, 124, 12);
    putOctal(h, job.mtime, 136, 12);
    h.write("0", 156, 1, "latin1");
    h.write("ustar\u000000", 257, 8, "latin1");
    h.write("nobody", 265, 32, "latin1");
    h.write("nogroup", 297, 32, "latin1");
    putOctal(h, 0, 329, 8);
    putOctal(h, 0, 337, 8);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += h[i] as number;
    h.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "latin1");
    return h;
  };

  // ---------------------------------------------------------------- compression
  interface Compressor {
    push(buf: Buffer): void | Promise<void>;
    end(): void | Promise<void>;
  }
  const zout = job.compression === "zstd" ? Buffer.allocUnsafe(OUT_CHUNK) : Buffer.alloc(0);
  const cctx = job.compression === "zstd" ? new zstd.CCtx() : null;
  if (cctx) cctx.setParameter(zstd.CParameter.compressionLevel, job.level);
  const zstdCompressor = (c: InstanceType<typeof zstd.CCtx>): Compressor => {
    const run = (src: Buffer, end: boolean): void => {
      let off = 0;
      for (;;) {
        const [left, produced, consumed] = c.compressStream2(
          zout,
          off === 0 ? src : src.subarray(off),
          end ? zstd.EndDirective.end : zstd.EndDirective.continue,
        );
        off += consumed;
        if (produced > 0) writeAll(zout, produced);
        if (off >= src.length && (!end || left === 0)) return;
      }
    };
    return { push: (buf) => run(buf, false), end: () => run(Buffer.alloc(0), true) };
  };
  const gzipCompressor = (): Compressor => {
    const gz = zlib.createGzip({ level: job.level, chunkSize: 1 << 20 });
    gz.on("data", (d: Buffer) => writeAll(d, d.length));
    const ended = new Promise<void>((resolve, reject) => {
      gz.once("end", resolve);
      gz.once("error", reject);
    });
    ended.catch(() => undefined);
    return {
      push: (buf) =>
        new Promise<void>((resolve, reject) => {
          // The ring slot is released after the callback: zlib has consumed the data by then.
          gz.write(buf, (e) => (e ? reject(e) : resolve()));
        }),
      async end() {
        gz.end();
        await ended;
      },
    };
  };

  // ---------------------------------------------------------------- ring
  let tail = 0;
  const members: { name: string; size: number; entries: number }[] = [];
  let compressor: Compressor | null = null;
  let headerPos = 0;
  // Atomics.waitAsync does not keep a worker's event loop alive.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    for (;;) {
      while (Atomics.load(control, 0) === tail) {
        if (Atomics.load(control, 3) !== 0) throw Object.assign(new Error("package reader failed"), { sibling: true });
        const waited = waitAsync(control, 0, tail, 1000);
        if (waited.async) await waited.value;
      }
      const slot = tail % N;
      const kind = meta[slot * 3] as number;
      const length = meta[slot * 3 + 1] as number;
      const index = meta[slot * 3 + 2] as number;
      if (kind === DATA && compressor) {
        const pending = compressor.push((slots[slot] as Buffer).subarray(0, length));
        if (pending) await pending;
      } else if (kind === BEGIN) {
        headerPos = pos;
        pos += BLOCK;
        compressor = cctx ? zstdCompressor(cctx) : gzipCompressor();
      } else if (kind === END && compressor) {
        const ending = compressor.end();
        if (ending) await ending;
        compressor = null;
        const name = job.members[index]?.name ?? "";
        if (length === 1) {
          pos = headerPos;
          fs.ftruncateSync(out, pos);
        } else {
          const size = pos - headerPos - BLOCK;
          const pad = (BLOCK - (size % BLOCK)) % BLOCK;
          if (pad > 0) writeAll(Buffer.alloc(pad), pad);
          fs.writeSync(out, outerHeader(name, size), 0, BLOCK, headerPos);
          members.push({ name, size, entries: 0 });
        }
      }
      tail++;
      Atomics.store(control, 1, tail);
      Atomics.notify(control, 1);
      if (kind === FINISH) break;
    }
    writeAll(Buffer.alloc(2 * BLOCK), 2 * BLOCK);
    fs.ftruncateSync(out, pos);
  } catch (e: unknown) {
    Atomics.store(control, 2, 1);
    Atomics.notify(control, 1);
    throw e;
  } finally {
    clearInterval(keepAlive);
    fs.closeSync(out);
  }

  let md5: string | null = null;
  if (job.md5) {
    const hash = crypto.createHash("md5");
    const fd = fs.openSync(job.output, "r");
    try {
      const buf = Buffer.allocUnsafe(OUT_CHUNK);
      for (;;) {
        const n = fs.readSync(fd, buf, 0, OUT_CHUNK, null);
        if (n === 0) break;
        hash.update(n === OUT_CHUNK ? buf : buf.subarray(0, n));
      }
    } finally {
      fs.closeSync(fd);
    }
    md5 = hash.digest("hex");
  }
  return { size: pos, md5, members };
}

/** A worker running `fn(deps, job, ring)`; `__name` covers transpilers that keep function names (tsx) via a module helper. */
function startWorker(fn: (...args: never[]) => unknown, job: BuildJob, ring: BuildRing, zstdPath: string): Worker {
  const source = [
    '"use strict";',
    "var __name = (target) => target;",
    'const { parentPort, workerData } = require("node:worker_threads");',
    'const deps = { fs: require("node:fs"), path: require("node:path"), crypto: require("node:crypto"), zlib: require("node:zlib"), zstd: require(workerData.zstdPath) };',
    `Promise.resolve().then(() => (${fn.toString()})(deps, workerData.job, workerData.ring)).then(`,
    "  (result) => parentPort.postMessage({ result }),",
    "  (e) => parentPort.postMessage({ error: { message: String((e && e.message) || e), badValue: Boolean(e && e.badValue), code: e && e.code, sibling: Boolean(e && e.sibling) } }),",
    ");",
  ].join("\n");
  return new Worker(source, { eval: true, workerData: { job, ring, zstdPath } });
}

/** Error of a build job; `badValue` marks problems of the source tree, `code` system errors. */
export class BuildJobError extends Error {
  constructor(
    message: string,
    readonly badValue: boolean,
    readonly code: string | undefined,
    /** Only a consequence of the other worker's failure. */
    readonly sibling = false,
  ) {
    super(message);
  }
}

function result<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.once("message", (m: { result?: T; error?: { message: string; badValue: boolean; code?: string; sibling?: boolean } }) => {
      settled = true;
      if (m.error) reject(new BuildJobError(m.error.message, m.error.badValue, m.error.code ?? undefined, m.error.sibling ?? false));
      else resolve(m.result as T);
    });
    worker.once("error", (e) => {
      settled = true;
      reject(e);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`package build worker exited with code ${code}`));
    });
  });
}

/**
 * Runs a build in a reader and a writer worker thread.
 * @example const { md5, size } = await runBuildJob({ output: "x.opsi.partial", members, compression: "zstd", ... })
 */
export async function runBuildJob(job: BuildJob): Promise<BuildJobResult> {
  const zstdPath = createRequire(import.meta.url).resolve("zstd-napi/binding");
  const SLOTS = 4;
  const ring: BuildRing = {
    control: new SharedArrayBuffer(4 * 4),
    meta: new SharedArrayBuffer(SLOTS * 3 * 4),
    slots: Array.from({ length: SLOTS }, () => new SharedArrayBuffer(4 << 20)),
  };
  const reader = startWorker(readerMain, job, ring, zstdPath);
  const writer = startWorker(writerMain, job, ring, zstdPath);
  try {
    // After a failure the other side stops too ("reader/writer failed"); report the cause.
    const [r, w] = await Promise.allSettled([result<number[]>(reader), result<BuildJobResult>(writer)]);
    if (r.status === "rejected" || w.status === "rejected") {
      const errors = [r, w].flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
      throw errors.find((e) => !(e instanceof BuildJobError && e.sibling)) ?? errors[0];
    }
    const entries = r.value;
    const written = w.value;
    const kept = job.members.map((m, i) => ({ name: m.name, entries: entries[i] ?? 0 }));
    return {
      ...written,
      members: written.members.map((m) => ({ ...m, entries: kept.find((k) => k.name === m.name)?.entries ?? 0 })),
    };
  } finally {
    await Promise.all([reader.terminate(), writer.terminate()]);
  }
}
