/**
 * @module repository/updater/download — resumable package download into the package directory
 * through `<file>.part` (HTTP `Range`), MD5 verification, side files (`.md5`, `.zsync`) and removal of
 * the product's other versions (spec §3.3 step 3).
 */
import { open, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { parsePackageFileName } from "../../package/version.js";
import { md5File, writeMd5File } from "../../side-files/md5.js";
import { createZsyncFile } from "../../side-files/zsync.js";
import { PackageChecksumError, PackageDownloadError } from "./errors.js";
import type { UpdaterFetch } from "./http.js";

/** Log levels the updater reports. */
export type UpdaterLogLevel = "debug" | "info" | "notice" | "warning" | "error";

/** Options of {@link downloadPackage}. */
export interface DownloadPackageOptions {
  readonly url: string;
  readonly packageDir: string;
  readonly fileName: string;
  /** For messages and for removing other versions. */
  readonly productId: string;
  /** Expected MD5 (null: "Cannot verify" warning). */
  readonly md5: string | null;
  /** Announced size, used as total when the server sends no length. */
  readonly size?: number | null;
  readonly fetch: UpdaterFetch;
  /** Extra request headers (Basic auth). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Called as bytes arrive (bytes of the whole file so far, total or null if unknown). */
  readonly onProgress?: (bytes: number, total: number | null) => void;
  readonly log?: (level: UpdaterLogLevel, message: string) => void;
  /** Tries in this call; an interrupted try is resumed from the `.part` file (default 3). */
  readonly attempts?: number;
  /** Write `.md5` and `.zsync` and delete other versions of the product (default true). */
  readonly finish?: boolean;
}

/** What {@link downloadPackage} did. */
export interface DownloadResult {
  readonly path: string;
  readonly md5: string;
  /** False when the repository announced no MD5. */
  readonly verified: boolean;
  /** Offsets at which an existing `.part` file was continued (empty: downloaded from the start). */
  readonly resumedAt: readonly number[];
  /** Files of other versions of the product that were deleted. */
  readonly removed: readonly string[];
}

/** An interruption worth another try from the `.part` file. */
class Interrupted extends Error {}

async function fileSize(path: string): Promise<number> {
  return (await stat(path).catch(() => null))?.size ?? 0;
}

function contentRange(header: string | null): { start: number; total: number | null } | null {
  const m = header === null ? null : /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(header.trim());
  if (!m) return null;
  return { start: Number(m[1]), total: m[2] === "*" ? null : Number(m[2]) };
}

async function fetchOnce(options: DownloadPackageOptions, part: string, resumedAt: number[]): Promise<void> {
  const { url, productId } = options;
  let offset = await fileSize(part);
  const headers: Record<string, string> = { ...options.headers };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  let res: Response;
  try {
    res = await options.fetch(url, { method: "GET", headers });
  } catch (e: unknown) {
    throw new Interrupted(`cannot reach ${url}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (offset > 0 && res.status === 416) {
    // The part is as long as (or longer than) the file: start over.
    await res.body?.cancel();
    await rm(part, { force: true });
    options.log?.("info", `${options.fileName}: server refused to resume at byte ${offset}, downloading from the start`);
    return fetchOnce(options, part, resumedAt);
  }
  let flags = "w";
  let total: number | null = null;
  if (res.status === 206 && offset > 0) {
    const range = contentRange(res.headers.get("content-range"));
    if (range === null || range.start !== offset) {
      await res.body?.cancel();
      await rm(part, { force: true });
      throw new Interrupted(`${url} answered a range other than bytes=${offset}- (${res.headers.get("content-range") ?? "none"})`);
    }
    flags = "a";
    total = range.total;
    resumedAt.push(offset);
    options.log?.("info", `${options.fileName}: resuming download at byte ${offset}`);
  } else if (res.status === 200) {
    offset = 0;
    const length = res.headers.get("content-length");
    total = length !== null && /^\d+$/.test(length) ? Number(length) : null;
  } else {
    await res.body?.cancel();
    throw new PackageDownloadError(`Download of ${productId} from ${url} failed: HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  if (total === null && options.size !== undefined && options.size !== null) total = options.size;
  if (res.body === null) throw new Interrupted(`${url} sent no body`);
  let received = offset;
  options.onProgress?.(received, total);
  // Each chunk is on disk before the next is read, so after an interruption the part holds exactly `received` bytes.
  const file = await open(part, flags);
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      await file.write(chunk);
      received += chunk.byteLength;
      options.onProgress?.(received, total);
    }
  } catch (e: unknown) {
    throw new Interrupted(`download of ${url} interrupted after ${received} bytes: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  } finally {
    await file.close();
  }
  if (total !== null && received !== total) {
    throw new Interrupted(`download of ${url} ended after ${received} of ${total} bytes`);
  }
}

/**
 * Removes the other versions of `productId` (same custom name) from `packageDir`, with their `.md5`,
 * `.zsync` and `.part` files; returns the removed package file names.
 * @example await removeOtherVersions("/var/lib/opsi/repository", "firefox_128.0-1.opsi")
 */
export async function removeOtherVersions(packageDir: string, keepFileName: string): Promise<string[]> {
  const keep = parsePackageFileName(keepFileName);
  const removed: string[] = [];
  for (const name of await readdir(packageDir)) {
    const base = name.replace(/\.part$/, "");
    if (!base.endsWith(".opsi") || base === keepFileName) continue;
    let other: ReturnType<typeof parsePackageFileName>;
    try {
      other = parsePackageFileName(base);
    } catch {
      continue;
    }
    if (other.productId !== keep.productId || other.customName !== keep.customName) continue;
    await rm(join(packageDir, name), { force: true });
    if (name === base) {
      await rm(join(packageDir, `${name}.md5`), { force: true });
      await rm(join(packageDir, `${name}.zsync`), { force: true });
      removed.push(name);
    }
  }
  return removed.sort();
}

/**
 * Downloads a package into `packageDir` through `<fileName>.part`: an existing part is continued with
 * `Range: bytes=<n>-` (appended on 206, restarted on 200); an interrupted transfer is retried from the
 * part up to `attempts` times and otherwise left for the next run. The result is checked against `md5`
 * (mismatch: the file is deleted and {@link PackageChecksumError} names the package), then renamed,
 * given `.md5` and `.zsync` side files, and the product's other versions are deleted.
 * @example await downloadPackage({ url, packageDir: "/var/lib/opsi/repository", fileName: "x_1.0-1.opsi", productId: "x", md5, fetch })
 */
export async function downloadPackage(options: DownloadPackageOptions): Promise<DownloadResult> {
  const target = join(options.packageDir, options.fileName);
  const part = `${target}.part`;
  const attempts = Math.max(1, options.attempts ?? 3);
  const resumedAt: number[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      await fetchOnce(options, part, resumedAt);
      break;
    } catch (e: unknown) {
      if (!(e instanceof Interrupted)) throw e;
      if (attempt >= attempts) {
        const kept = await fileSize(part);
        throw new PackageDownloadError(
          `Download of ${options.productId} failed: ${e.message}${kept > 0 ? ` (${kept} bytes kept in ${part}, the next run resumes)` : ""}`,
          { cause: e },
        );
      }
      options.log?.("warning", `${options.fileName}: ${e.message}; retrying (${attempt + 1}/${attempts})`);
    }
  }
  const md5 = await md5File(part);
  const expected = options.md5?.toLowerCase() ?? null;
  if (expected === null) {
    options.log?.("warning", `Cannot verify ${options.fileName}: the repository gives no MD5`);
  } else if (md5 !== expected) {
    await rm(part, { force: true });
    throw new PackageChecksumError(
      `Package ${options.productId} (${options.fileName}): MD5 of the download is ${md5}, the repository says ${expected}; file deleted`,
    );
  }
  await rename(part, target);
  let removed: string[] = [];
  if (options.finish !== false) {
    await writeMd5File(target);
    await createZsyncFile(target);
    removed = await removeOtherVersions(options.packageDir, options.fileName);
  }
  return { path: target, md5, verified: expected !== null, resumedAt, removed };
}
