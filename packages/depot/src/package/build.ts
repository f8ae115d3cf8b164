/**
 * @module package/build
 * Builds `.opsi` packages from a source directory the way opsi 4.3's opsi-makepackage does: an
 * uncompressed outer tar holding `OPSI.tar.zstd`, `CLIENT_DATA.tar.zstd`, `SERVER_DATA.tar.zstd` (if
 * present) and the custom `OPSI.<c>.tar.zstd`, ... archives, both control formats in the OPSI archive,
 * and `.md5` / `.zsync` side files. Streamed end to end in a worker thread (see build-worker).
 */
import { mkdir, open, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackendBadValueError, BackendIOError } from "@opsi-ts/core";
import { createZsyncFile } from "../side-files/zsync.js";
import { BuildJobError, type BuildJobMember, runBuildJob } from "./build-worker.js";
import { type PackageControl, readControlDir, writeLegacyControl, writeTomlControl } from "./control.js";
import { packageFileName } from "./version.js";

/** Compression of the inner archives (bzip2 is not written: opsi calls such packages unsyncable, and it needs an external binary). */
export type BuildCompression = "zstd" | "gzip";

/** Options of {@link buildPackage}. */
export interface BuildOptions {
  /** Directory to write the package into (default: the source directory's parent). */
  readonly outDir?: string;
  /** Inner archive compression (default zstd level 3, as opsi 4.3; gzip uses level 6). */
  readonly compression?: BuildCompression;
  /**
   * Custom name (`opsi-makepackage -i`): also packs `OPSI.<c>/`, `CLIENT_DATA.<c>/`, `SERVER_DATA.<c>/` as
   * `OPSI.<c>.tar.zstd`, ...; the control file is taken from `OPSI.<c>` if it has one; the file name ends in `~<c>.opsi`.
   */
  readonly customName?: string;
  /** With `customName`: pack only the custom directories, plus the base `OPSI` if there is no `OPSI.<c>` (`-c`). */
  readonly customOnly?: boolean;
  /** New product version; the control file(s) in the source directory are rewritten (`--product-version`). */
  readonly productVersion?: string;
  /** New package version; the control file(s) in the source directory are rewritten (`--package-version`). */
  readonly packageVersion?: string;
  /** Replace every symlink by its target (`--follow-symlinks`); by default links to files stay links and links to directories are walked. */
  readonly followSymlinks?: boolean;
  /** Write `<package>.md5` (default true). The MD5 is computed and returned either way. */
  readonly md5File?: boolean;
  /** Write `<package>.zsync` (default false here; the CLI writes it by default, as opsi-makepackage). */
  readonly zsyncFile?: boolean;
  /**
   * Hold opsi-makepackage's lock `<dir>/.opsi-makepackage.lock.<productId>` (holding our pid) while
   * building: true for `os.tmpdir()`, or the directory. A lock of a running process is refused. Default off.
   */
  readonly lock?: boolean | string;
  /** Overwrite an existing package file (default false). */
  readonly overwrite?: boolean;
}

/** Result of {@link buildPackage}. */
export interface BuildResult {
  readonly path: string;
  readonly md5: string;
  readonly size: number;
  readonly control: PackageControl;
  /** Member names in package order, e.g. `["OPSI.tar.zstd", "CLIENT_DATA.tar.zstd"]`. */
  readonly members: readonly string[];
  /** The side files written (`.md5`, `.zsync`). */
  readonly sideFiles: readonly string[];
  /** The control files rewritten in the source directory by a version change. */
  readonly rewrittenControlFiles: readonly string[];
}

const EXT: Record<BuildCompression, string> = { zstd: "zstd", gzip: "gz" };
const PRODUCT_VERSION = /^[a-zA-Z0-9.]{1,32}$/;
const PACKAGE_VERSION = /^[a-zA-Z0-9.]{1,16}$/;
const CUSTOM_NAME = /^[a-zA-Z0-9]+$/;

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

async function hasControl(dir: string): Promise<boolean> {
  return (await exists(join(dir, "control.toml"))) || (await exists(join(dir, "control")));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes opsi-makepackage's lock file for `productId` in `dir`; refused while the pid in it is alive.
 * @returns a function that releases the lock
 */
async function acquireLock(dir: string, productId: string): Promise<() => Promise<void>> {
  const path = join(dir, `.opsi-makepackage.lock.${productId}`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx", 0o644);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        const content = await readFile(path, "utf8").catch(() => "");
        if (content.trim() === String(process.pid)) await unlink(path).catch(() => undefined);
      };
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number.parseInt((await readFile(path, "utf8").catch(() => "")).trim(), 10);
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
        throw new BackendBadValueError(`Product '${productId}' is locked by process ${pid} (lock file ${path})`);
      }
      await unlink(path).catch(() => undefined); // stale
    }
  }
  throw new BackendIOError(`Cannot take the lock file ${path}`);
}

/** The control with new versions applied to the product and its properties and dependencies. */
function withVersions(control: PackageControl, productVersion: string, packageVersion: string): PackageControl {
  const v = { productVersion, packageVersion };
  return {
    ...control,
    product: { ...control.product, ...v },
    productProperties: control.productProperties.map((p) => ({ ...p, ...v })),
    productDependencies: control.productDependencies.map((d) => ({ ...d, ...v })),
  };
}

/**
 * Builds a package from `sourceDir` (`OPSI/` with `control.toml` and/or `control`, `CLIENT_DATA/`,
 * optional `SERVER_DATA/`, optional custom `OPSI.<c>/`, `CLIENT_DATA.<c>/`, `SERVER_DATA.<c>/`). Both control
 * files are written into the package from the resolved control data (opsi 4.3 regenerates the legacy
 * file); `CLIENT_DATA` is always included (a depot install needs it, an empty archive if the directory
 * is missing). Excluded, as opsi does: `.svn` and `.git` directories, `*~`, `[Tt]humbs.db` and
 * `.[Dd][Ss]_[Ss]tore` files. Writes `<id>_<pv>-<pkv>[~<c>].opsi` and `.md5` (plus `.zsync` on request).
 * @example const { path } = await buildPackage("firefox", { outDir: "/var/lib/opsi/workbench", customName: "acme" })
 */
export async function buildPackage(sourceDir: string, options: BuildOptions = {}): Promise<BuildResult> {
  const compression = options.compression ?? "zstd";
  if (compression !== "zstd" && compression !== "gzip") {
    throw new BackendBadValueError(`Compression '${String(compression)}' cannot be written: use zstd or gzip`);
  }
  const custom = options.customName ?? null;
  if (custom !== null && !CUSTOM_NAME.test(custom)) throw new BackendBadValueError(`Bad custom name '${custom}': expected [a-zA-Z0-9]+`);
  if (options.customOnly && custom === null) throw new BackendBadValueError("customOnly needs a customName");
  if (options.productVersion !== undefined && !PRODUCT_VERSION.test(options.productVersion)) {
    throw new BackendBadValueError(`Bad product version '${options.productVersion}': expected 1 to 32 of [a-zA-Z0-9.]`);
  }
  if (options.packageVersion !== undefined && !PACKAGE_VERSION.test(options.packageVersion)) {
    throw new BackendBadValueError(`Bad package version '${options.packageVersion}': expected 1 to 16 of [a-zA-Z0-9.]`);
  }

  const dirOf = (base: string, c: string | null): string => join(sourceDir, c === null ? base : `${base}.${c}`);
  const baseOpsi = dirOf("OPSI", null);
  const customOpsi = custom === null ? null : dirOf("OPSI", custom);
  const hasBaseOpsi = await isDir(baseOpsi);
  const hasCustomOpsi = customOpsi !== null && (await isDir(customOpsi));
  if (!hasBaseOpsi && !hasCustomOpsi) throw new BackendBadValueError(`'${sourceDir}' has no OPSI directory`);
  const controlDir = customOpsi !== null && hasCustomOpsi && (await hasControl(customOpsi)) ? customOpsi : baseOpsi;
  let control = await readControlDir(controlDir);

  const release = options.lock ? await acquireLock(typeof options.lock === "string" ? options.lock : tmpdir(), control.product.id) : null;
  let partial: string | null = null;
  try {
    const rewritten: string[] = [];
    if (options.productVersion !== undefined || options.packageVersion !== undefined) {
      control = withVersions(
        control,
        options.productVersion ?? control.product.productVersion,
        options.packageVersion ?? control.product.packageVersion,
      );
    }
    const fileName = packageFileName({
      productId: control.product.id,
      productVersion: control.product.productVersion,
      packageVersion: control.product.packageVersion,
      customName: custom,
    });
    const outDir = options.outDir ?? join(sourceDir, "..");
    await mkdir(outDir, { recursive: true });
    const target = join(outDir, fileName);
    if (!options.overwrite && (await exists(target))) throw new BackendBadValueError(`Package file '${target}' exists already`);

    if (options.productVersion !== undefined || options.packageVersion !== undefined) {
      // opsi-makepackage writes the new versions back into the source's control file(s).
      const toml = join(controlDir, "control.toml");
      const legacy = join(controlDir, "control");
      const hadToml = await exists(toml);
      if (hadToml) {
        await writeFile(toml, writeTomlControl(control));
        rewritten.push(toml);
      }
      if (!hadToml || (await exists(legacy))) {
        await writeFile(legacy, writeLegacyControl(control));
        rewritten.push(legacy);
      }
    }

    const ext = EXT[compression];
    const controlFiles = [
      { name: "control.toml", content: writeTomlControl(control) },
      { name: "control", content: writeLegacyControl(control) },
    ];
    const packBase = !options.customOnly;
    const opsiMembers: BuildJobMember[] = [];
    const packCustomOpsi = customOpsi !== null && hasCustomOpsi;
    const controlInCustom = packCustomOpsi && (controlDir === customOpsi || !packBase);
    if (packBase || !packCustomOpsi) {
      opsiMembers.push({ name: `OPSI.tar.${ext}`, dir: baseOpsi, extra: controlInCustom ? [] : controlFiles, optional: false });
    }
    const members: BuildJobMember[] = [...opsiMembers];
    if (packBase) {
      const clientData = dirOf("CLIENT_DATA", null);
      members.push({ name: `CLIENT_DATA.tar.${ext}`, dir: (await isDir(clientData)) ? clientData : null, extra: [], optional: false });
      const serverData = dirOf("SERVER_DATA", null);
      if (await isDir(serverData)) members.push({ name: `SERVER_DATA.tar.${ext}`, dir: serverData, extra: [], optional: true });
    }
    if (custom !== null) {
      if (packCustomOpsi && customOpsi !== null) {
        members.push({
          name: `OPSI.${custom}.tar.${ext}`,
          dir: customOpsi,
          extra: controlInCustom ? controlFiles : [],
          optional: !controlInCustom,
        });
      }
      for (const base of ["CLIENT_DATA", "SERVER_DATA"]) {
        const dir = dirOf(base, custom);
        const present = await isDir(dir);
        // Custom-only packages need some CLIENT_DATA archive for the depot install: an empty one if missing.
        const required = options.customOnly === true && base === "CLIENT_DATA";
        if (present || required)
          members.push({ name: `${base}.${custom}.tar.${ext}`, dir: present ? dir : null, extra: [], optional: !required });
      }
    }

    partial = join(outDir, `.${fileName}.${process.pid}.partial`);
    const result = await runBuildJob({
      output: partial,
      members,
      compression,
      followSymlinks: options.followSymlinks ?? false,
      md5: true,
      level: compression === "zstd" ? 3 : 6,
      mtime: Math.floor(Date.now() / 1000),
    }).catch((e: unknown) => {
      if (e instanceof BuildJobError) {
        if (e.badValue) throw new BackendBadValueError(e.message);
        if (e.code) throw new BackendIOError(e.message);
      }
      throw e;
    });
    await rename(partial, target);
    partial = null;
    const md5 = result.md5 ?? "";
    const sideFiles: string[] = [];
    if (options.md5File ?? true) {
      await writeFile(`${target}.md5.${process.pid}.partial`, md5, { mode: 0o644 });
      await rename(`${target}.md5.${process.pid}.partial`, `${target}.md5`);
      sideFiles.push(`${target}.md5`);
    } else {
      await rm(`${target}.md5`, { force: true });
    }
    if (options.zsyncFile ?? false) sideFiles.push((await createZsyncFile(target)).path);
    else await rm(`${target}.zsync`, { force: true });
    return {
      path: target,
      md5,
      size: result.size,
      control,
      members: result.members.map((m) => m.name),
      sideFiles,
      rewrittenControlFiles: rewritten,
    };
  } finally {
    if (partial !== null) await rm(partial, { force: true });
    if (release) await release();
  }
}
