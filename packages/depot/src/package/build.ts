/**
 * @module package/build
 * Builds `.opsi` packages from a source directory the way opsi 4.3's opsi-makepackage does: an
 * uncompressed outer tar holding `OPSI.tar.zstd`, `CLIENT_DATA.tar.zstd` and (if present)
 * `SERVER_DATA.tar.zstd`, both control formats in OPSI, and a `.md5` side file; streamed end to end.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, mkdir, mkdtemp, readdir, readlink, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { BackendBadValueError } from "@opsi-ts/core";
import { pack } from "tar-stream";
import { CompressStream } from "zstd-napi";
import { type PackageControl, readControlDir, writeLegacyControl, writeTomlControl } from "./control.js";
import { packageFileName } from "./version.js";

/** Compression of the inner archives. */
export type BuildCompression = "zstd" | "gzip";

/** Options of {@link buildPackage}. */
export interface BuildOptions {
  /** Directory to write the package into (default: the source directory's parent). */
  readonly outDir?: string;
  /** Inner archive compression (default zstd, as opsi 4.3). */
  readonly compression?: BuildCompression;
  /** Custom name appended as `~<name>` (uses the `OPSI.<name>`/`CLIENT_DATA.<name>` directories if present). */
  readonly customName?: string;
  /** Overwrite an existing package file (default false). */
  readonly overwrite?: boolean;
}

/** Result of {@link buildPackage}. */
export interface BuildResult {
  readonly path: string;
  readonly md5: string;
  readonly size: number;
  readonly control: PackageControl;
  readonly members: readonly string[];
}

const EXT: Record<BuildCompression, string> = { zstd: "zstd", gzip: "gz" };

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Files, directories and symlinks below `dir` in a stable order (directories before their content). */
async function* walk(dir: string, base = dir): AsyncGenerator<{ abs: string; rel: string; kind: "file" | "directory" | "symlink" }> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const abs = join(dir, entry.name);
    const rel = relative(base, abs).split(sep).join("/");
    if (entry.isSymbolicLink()) yield { abs, rel, kind: "symlink" };
    else if (entry.isDirectory()) {
      yield { abs, rel, kind: "directory" };
      yield* walk(abs, base);
    } else if (entry.isFile()) yield { abs, rel, kind: "file" };
    else throw new BackendBadValueError(`Cannot package '${abs}': only files, directories and symlinks are allowed`);
  }
}

/** Writes a tar of `dir` (entries relative to it, owner nobody/nogroup) compressed to `target`. */
async function writeInnerArchive(
  dir: string,
  target: string,
  compression: BuildCompression,
  extraFiles: Record<string, string> = {},
): Promise<number> {
  const tar = pack();
  const compressor: Transform = compression === "zstd" ? new CompressStream() : createGzip({ level: 6 });
  const done = pipeline(tar as unknown as Readable, compressor, createWriteStream(target));
  const header = { uid: 65534, gid: 65534, uname: "nobody", gname: "nogroup" };
  const fillTar = async () => {
    let count = 0;
    const written = new Set(Object.keys(extraFiles));
    for (const [name, content] of Object.entries(extraFiles)) {
      await new Promise<void>((resolve, reject) =>
        tar.entry({ ...header, name, mode: 0o644, size: Buffer.byteLength(content) }, content, (e) => (e ? reject(e) : resolve())),
      );
      count++;
    }
    for await (const item of walk(dir)) {
      if (written.has(item.rel)) continue;
      const info = await lstat(item.abs);
      if (item.kind === "directory") {
        tar.entry({ ...header, name: `${item.rel}/`, type: "directory", mode: info.mode & 0o7777, mtime: info.mtime });
      } else if (item.kind === "symlink") {
        tar.entry({ ...header, name: item.rel, type: "symlink", linkname: await readlink(item.abs), mode: 0o777, mtime: info.mtime });
      } else {
        const entry = tar.entry({ ...header, name: item.rel, size: info.size, mode: info.mode & 0o7777, mtime: info.mtime });
        await pipeline(createReadStream(item.abs), entry);
      }
      count++;
    }
    tar.finalize();
    return count;
  };
  const [count] = await Promise.all([fillTar(), done]);
  return count;
}

async function md5OfFile(path: string): Promise<string> {
  const hash = createHash("md5");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/**
 * Builds a package from `sourceDir` (`OPSI/` with `control.toml` and/or `control`, `CLIENT_DATA/`,
 * optional `SERVER_DATA/`). Both control files are written into the package from the resolved control
 * data (opsi 4.3 regenerates the legacy file); `CLIENT_DATA` is always included (a depot install needs
 * it). Writes `<name>.opsi` and `<name>.opsi.md5`.
 * @example const { path } = await buildPackage("firefox", { outDir: "/var/lib/opsi/workbench" })
 */
export async function buildPackage(sourceDir: string, options: BuildOptions = {}): Promise<BuildResult> {
  const compression = options.compression ?? "zstd";
  const opsiDir = join(sourceDir, "OPSI");
  if (!(await exists(opsiDir))) throw new BackendBadValueError(`'${sourceDir}' has no OPSI directory`);
  const control = await readControlDir(opsiDir);
  const product = control.product;
  const fileName = packageFileName({
    productId: product.id,
    productVersion: product.productVersion,
    packageVersion: product.packageVersion,
    customName: options.customName ?? null,
  });
  const outDir = options.outDir ?? join(sourceDir, "..");
  await mkdir(outDir, { recursive: true });
  const target = join(outDir, fileName);
  if (!options.overwrite && (await exists(target))) throw new BackendBadValueError(`Package file '${target}' exists already`);

  const work = await mkdtemp(join(outDir, ".opsi-build-"));
  try {
    const members: string[] = [];
    const controlFiles = { "control.toml": writeTomlControl(control), control: writeLegacyControl(control) };
    const parts: [string, string, Record<string, string>][] = [["OPSI", opsiDir, controlFiles]];
    const clientData = join(sourceDir, "CLIENT_DATA");
    if (!(await exists(clientData))) await mkdir(join(work, "CLIENT_DATA"));
    parts.push(["CLIENT_DATA", (await exists(clientData)) ? clientData : join(work, "CLIENT_DATA"), {}]);
    const serverData = join(sourceDir, "SERVER_DATA");
    if (await exists(serverData)) parts.push(["SERVER_DATA", serverData, {}]);
    if (options.customName) {
      for (const base of ["OPSI", "CLIENT_DATA", "SERVER_DATA"]) {
        const customDir = join(sourceDir, `${base}.${options.customName}`);
        if (await exists(customDir)) parts.push([`${base}.${options.customName}`, customDir, {}]);
      }
    }
    for (const [name, dir, extra] of parts) {
      const member = `${name}.tar.${EXT[compression]}`;
      await writeInnerArchive(dir, join(work, member), compression, extra);
      members.push(member);
    }

    // Outer tar: uncompressed, inner archives streamed in with their final sizes.
    const partial = join(work, fileName);
    const outer = pack();
    const written = pipeline(outer as unknown as Readable, createWriteStream(partial));
    for (const member of members) {
      const info = await stat(join(work, member));
      const entry = outer.entry({ name: member, size: info.size, mode: 0o644, uid: 65534, gid: 65534, uname: "nobody", gname: "nogroup" });
      await pipeline(createReadStream(join(work, member)), entry);
    }
    outer.finalize();
    await written;

    const md5 = await md5OfFile(partial);
    await rename(partial, target);
    await writeFile(`${target}.md5`, md5);
    const size = (await stat(target)).size;
    return { path: target, md5, size, control, members };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
