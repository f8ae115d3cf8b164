/** @module methods/depot The depot's local methods (`depot_*` package management and file access, `workbench_*`) on this config server's directories. */
import { readFile, realpath, stat, statfs } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import {
  type Backend,
  BackendBadValueError,
  type BackendCore,
  type BackendCrud,
  type BackendExtensions,
  BackendIOError,
  BackendMissingDataError,
  type Filter,
  forceBool,
  forceProductId,
  type HardwareAuditConfig,
  type Ident,
  type IdentReturnType,
  installBackendMethods,
  type ObjectInput,
  type ObjectPrefix,
  type ObjectsInput,
  type PrefixObject,
} from "@opsi-ts/core";
import {
  buildPackage,
  createPackageContentFile,
  createZsyncFile,
  deltaFile,
  installPackage,
  md5File,
  patchFile,
  signatureFile,
  uninstallPackage,
  writeMd5File,
} from "@opsi-ts/depot";
import type { MethodContext, MethodHandler } from "./context.js";

/** The full opsi-named {@link Backend} surface over any {@link BackendCore} (the event-emitting internal backend). */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the opsi-named methods are installed on the prototype by installBackendMethods.
class FullBackendView implements BackendCore {
  constructor(private readonly inner: BackendCore) {}
  get hardwareAudit(): HardwareAuditConfig | undefined {
    return this.inner.hardwareAudit;
  }
  insertObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void> {
    return this.inner.insertObject(prefix, obj);
  }
  updateObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void> {
    return this.inner.updateObject(prefix, obj);
  }
  createObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    return this.inner.createObjects(prefix, objs);
  }
  updateObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    return this.inner.updateObjects(prefix, objs);
  }
  getObjects<P extends ObjectPrefix>(prefix: P, attributes?: readonly string[] | null, filter?: Filter | null): Promise<PrefixObject<P>[]> {
    return this.inner.getObjects(prefix, attributes, filter);
  }
  getIdents<P extends ObjectPrefix>(prefix: P, returnType?: IdentReturnType | null, filter?: Filter | null): Promise<Ident[]> {
    return this.inner.getIdents(prefix, returnType, filter);
  }
  deleteObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    return this.inner.deleteObjects(prefix, objs);
  }
  /** The view never closes the server's backend. */
  async close(): Promise<void> {}
}
// biome-ignore lint/correctness/noUnusedVariables: merged into the class above.
interface FullBackendView extends BackendCrud, BackendExtensions {}
installBackendMethods(FullBackendView);

function fullBackend(ctx: MethodContext): Backend {
  return new FullBackendView(ctx.internal);
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel) && !rel.startsWith(sep));
}

/** Real path of `path`, or of its deepest existing ancestor joined with the rest (for files not written yet). */
async function realpathLenient(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException | undefined)?.code !== "ENOENT") throw e;
    const parent = resolve(path, "..");
    if (parent === path) return path;
    return join(await realpathLenient(parent), path.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
  }
}

/**
 * Resolves a file argument (absolute, or relative to `base`) and refuses anything outside the allowed
 * directories, symlinks and `..` included.
 */
async function confinedPath(value: unknown, what: string, base: string, allowed: readonly string[]): Promise<string> {
  if (typeof value !== "string" || value.trim() === "") throw new BackendBadValueError(`Invalid ${what}: ${String(value)}`);
  const path = resolve(base, value);
  const real = await realpathLenient(path);
  for (const dir of allowed) {
    const realDir = await realpathLenient(resolve(dir));
    if (isInside(realDir, real)) return path;
  }
  throw new BackendBadValueError(`Invalid ${what} '${value}': not inside ${allowed.join(", ")}`);
}

function fileDirs(ctx: MethodContext): string[] {
  const env = ctx.environment;
  return [env.repositoryDir, env.depotDir, env.workbenchDir, env.publicDir];
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw new BackendBadValueError(`Invalid ${what}: ${String(value)}`);
  return value;
}

function propertyDefaults(value: unknown): Record<string, readonly unknown[] | null> {
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new BackendBadValueError(`Invalid propertyDefaultValues: ${String(value)}`);
  const result: Record<string, readonly unknown[] | null> = {};
  for (const [key, values] of Object.entries(value)) {
    result[key] = values === null ? null : Array.isArray(values) ? values : [values];
  }
  return result;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

interface InstallArgs {
  readonly force?: unknown;
  readonly propertyDefaultValues?: unknown;
  readonly tempDir?: unknown;
  readonly forceProductId?: unknown;
  readonly suppressPackageContentFileGeneration?: unknown;
}

async function installFile(ctx: MethodContext, packageFile: string, args: InstallArgs): Promise<null> {
  const tempDir = optionalString(args.tempDir, "tempDir");
  const productId = optionalString(args.forceProductId, "forceProductId");
  await installPackage(fullBackend(ctx), {
    depotId: ctx.environment.serverId,
    depotDir: ctx.environment.depotDir,
    packageFile,
    force: forceBool(args.force ?? false),
    propertyDefaultValues: propertyDefaults(args.propertyDefaultValues),
    ...(tempDir ? { tempDir } : {}),
    ...(productId ? { forceProductId: forceProductId(productId) } : {}),
    suppressPackageContentFileGeneration: forceBool(args.suppressPackageContentFileGeneration ?? false),
    opsiServerVersion: ctx.environment.opsiVersion,
  });
  return null;
}

/**
 * `depot_installPackage(filename, force, propertyDefaultValues, tempDir, forceProductId,
 * suppressPackageContentFileGeneration)`: installs an `.opsi` file from the repository (relative to
 * it or absolute inside it) onto this server's depot.
 * @example await depotInstallPackage(ctx, p.args) // null
 */
export async function depotInstallPackage(ctx: MethodContext, args: Record<string, unknown>): Promise<null> {
  const repo = ctx.environment.repositoryDir;
  const file = await confinedPath(args.filename, "package file", repo, [repo]);
  return installFile(ctx, file, args);
}

/**
 * `depot_getMD5Sum(filename, forceCalculation)`: the hash in `<filename>.md5` if present (and not
 * forced), else computed. Files must lie in the depot, repository, workbench or public directory.
 * @example await depotGetMd5Sum(ctx, "/var/lib/opsi/repository/x_1.0-1.opsi", false)
 */
export async function depotGetMd5Sum(ctx: MethodContext, filenameArg: unknown, forceArg: unknown): Promise<string> {
  const file = await confinedPath(filenameArg, "filename", ctx.environment.repositoryDir, fileDirs(ctx));
  if (!forceBool(forceArg ?? false)) {
    try {
      const side = (await readFile(`${file}.md5`, "utf8")).trim().split(/\s+/)[0] ?? "";
      if (/^[0-9a-f]{32}$/i.test(side)) return side.toLowerCase();
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException | undefined)?.code !== "ENOENT") throw e;
    }
  }
  try {
    return await md5File(file);
  } catch (e: unknown) {
    throw new BackendIOError(`Failed to get md5sum of '${file}': ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * `depot_getDiskSpaceUsage(path)`: `{capacity, available, used, usage}` of the file system holding
 * `path` (bytes; `usage` = used / capacity), like opsi's `statvfs` answer.
 * @example await diskSpaceUsage("/var/lib/opsi/repository") // { capacity: …, available: …, used: …, usage: 0.42 }
 */
export async function diskSpaceUsage(pathArg: unknown): Promise<{ capacity: number; available: number; used: number; usage: number }> {
  if (typeof pathArg !== "string" || pathArg === "") throw new BackendBadValueError(`Invalid path: ${String(pathArg)}`);
  try {
    const info = await statfs(pathArg);
    const capacity = info.bsize * info.blocks;
    const available = info.bsize * info.bavail;
    const used = info.bsize * (info.blocks - info.bavail);
    return { capacity, available, used, usage: capacity > 0 ? used / capacity : 0 };
  } catch (e: unknown) {
    throw new BackendIOError(`Failed to get disk space usage of '${pathArg}': ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * `workbench_buildPackage(package_dir)`: builds the package source (relative to the workbench or
 * absolute inside it) into that directory, writes `.md5` and `.zsync` beside it, returns its path.
 * @example await workbenchBuildPackage(ctx, "hwaudit") // "/var/lib/opsi/workbench/hwaudit/hwaudit_4.3-1.opsi"
 */
export async function workbenchBuildPackage(ctx: MethodContext, dirArg: unknown): Promise<string> {
  const workbench = ctx.environment.workbenchDir;
  const dir = await confinedPath(dirArg, "package dir", workbench, [workbench]);
  if (!(await isDirectory(dir))) throw new BackendBadValueError(`Invalid package dir '${dir}'`);
  const built = await buildPackage(dir, { outDir: dir, overwrite: true });
  await writeMd5File(built.path);
  await createZsyncFile(built.path);
  return built.path;
}

/**
 * `workbench_installPackage(package_file_or_dir)`: installs a package file from the workbench, or
 * builds a package directory first and installs the result.
 * @example await workbenchInstallPackage(ctx, "hwaudit") // null
 */
export async function workbenchInstallPackage(ctx: MethodContext, pathArg: unknown): Promise<null> {
  const workbench = ctx.environment.workbenchDir;
  const path = await confinedPath(pathArg, "package file or dir", workbench, [workbench]);
  const file = (await isDirectory(path)) ? await workbenchBuildPackage(ctx, path) : path;
  return installFile(ctx, file, {});
}

/** Directories the librsync methods may read and write: depot, repository, workbench. */
function librsyncDirs(ctx: MethodContext): string[] {
  const env = ctx.environment;
  return [env.repositoryDir, env.depotDir, env.workbenchDir];
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Base64 in lines of 76 characters, each ending in a newline: Python's `base64.encodebytes`, which
 * opsi's `librsyncSignature` returns (clients decode it with `b64decode`, which skips the newlines).
 * @example encodeBytesPython(Buffer.from("rs")) // "cnM=\n"
 */
export function encodeBytesPython(data: Uint8Array): string {
  const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
  let out = "";
  for (let i = 0; i < b64.length; i += 76) out += `${b64.slice(i, i + 76)}\n`;
  return out;
}

/** Decodes a base64 signature argument (whitespace allowed); BackendBadValueError otherwise. */
function decodeSignatureArg(value: unknown): Buffer {
  if (typeof value !== "string")
    throw new BackendBadValueError(`Invalid signature: expected a base64 string, got ${value === null ? "null" : typeof value}`);
  const compact = value.replace(/\s+/g, "");
  if (compact === "" || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new BackendBadValueError("Invalid signature: not base64 (as returned by depot_librsyncSignature)");
  }
  return Buffer.from(compact, "base64");
}

/**
 * `depot_librsyncSignature(filename)`: the librsync signature (MD4, 2048-byte blocks, 8-byte strong
 * sums, like opsi) of a file in the depot, repository or workbench, base64 encoded in 76-character lines.
 * @example await librsyncSignature(ctx, "/var/lib/opsi/repository/x_1.0-1.opsi") // "cnMBNgAACAAAAAAI…\n"
 */
export async function librsyncSignature(ctx: MethodContext, filenameArg: unknown): Promise<string> {
  const file = await confinedPath(filenameArg, "filename", ctx.environment.repositoryDir, librsyncDirs(ctx));
  try {
    return encodeBytesPython(await signatureFile(file));
  } catch (e: unknown) {
    throw new BackendIOError(`Failed to get librsync signature of '${file}': ${errorText(e)}`);
  }
}

/**
 * `depot_librsyncDeltaFile(filename, signature, deltafile)`: writes the librsync delta from the file
 * described by `signature` (base64, any of librsync's signature formats) to `filename` into `deltafile`.
 * @example await librsyncDeltaFile(ctx, "new.opsi", sigBase64, "new.delta") // null
 */
export async function librsyncDeltaFile(ctx: MethodContext, filenameArg: unknown, signatureArg: unknown, deltaArg: unknown): Promise<null> {
  const base = ctx.environment.repositoryDir;
  const file = await confinedPath(filenameArg, "filename", base, librsyncDirs(ctx));
  const out = await confinedPath(deltaArg, "deltafile", base, librsyncDirs(ctx));
  if (file === out) throw new BackendBadValueError("filename and deltafile are the same file");
  const signature = decodeSignatureArg(signatureArg);
  try {
    await deltaFile(file, signature, out);
  } catch (e: unknown) {
    throw new BackendIOError(`Failed to create librsync delta file '${out}': ${errorText(e)}`);
  }
  return null;
}

/**
 * `depot_librsyncPatchFile(oldfile, deltafile, newfile)`: rebuilds `newfile` from `oldfile` and a
 * librsync delta (streamed; the three paths must differ and lie in the depot, repository or workbench).
 * @example await librsyncPatchFile(ctx, "x_1.0-1.opsi", "x_depot.delta", "x_1.0-2.opsi") // null
 */
export async function librsyncPatchFile(ctx: MethodContext, oldArg: unknown, deltaArg: unknown, newArg: unknown): Promise<null> {
  const base = ctx.environment.repositoryDir;
  const dirs = librsyncDirs(ctx);
  const oldFile = await confinedPath(oldArg, "oldfile", base, dirs);
  const delta = await confinedPath(deltaArg, "deltafile", base, dirs);
  const newFile = await confinedPath(newArg, "newfile", base, dirs);
  if (oldFile === newFile) throw new BackendBadValueError("oldfile and newfile are the same file");
  if (delta === newFile) throw new BackendBadValueError("deltafile and newfile are the same file");
  if (delta === oldFile) throw new BackendBadValueError("oldfile and deltafile are the same file");
  try {
    await patchFile(oldFile, delta, newFile);
  } catch (e: unknown) {
    throw new BackendIOError(`Failed to patch file '${oldFile}': ${errorText(e)}`);
  }
  return null;
}

/**
 * Handlers of the depot's local methods.
 * @example depotHandlers().get("depot_installPackage")
 */
export function depotHandlers(): Map<string, MethodHandler> {
  const h = new Map<string, MethodHandler>();
  h.set("depot_installPackage", (ctx, p) => depotInstallPackage(ctx, p.args));
  h.set("depot_uninstallPackage", async (ctx, p) => {
    await uninstallPackage(fullBackend(ctx), {
      depotId: ctx.environment.serverId,
      depotDir: ctx.environment.depotDir,
      productId: forceProductId(p.args.productId),
      force: forceBool(p.args.force ?? false),
      deleteFiles: forceBool(p.args.deleteFiles ?? true),
    });
    return null;
  });
  h.set("depot_getMD5Sum", (ctx, p) => depotGetMd5Sum(ctx, p.args.filename, p.args.forceCalculation));
  h.set("depot_createMd5SumFile", async (ctx, p) => {
    const base = ctx.environment.repositoryDir;
    const file = await confinedPath(p.args.filename, "filename", base, fileDirs(ctx));
    const out = await confinedPath(p.args.get_file_md5sumFilename, "md5sum filename", base, fileDirs(ctx));
    await writeMd5File(file, out);
    return null;
  });
  h.set("depot_createZsyncFile", async (ctx, p) => {
    const base = ctx.environment.repositoryDir;
    const file = await confinedPath(p.args.filename, "filename", base, fileDirs(ctx));
    const out = await confinedPath(p.args.zsyncFilename, "zsync filename", base, fileDirs(ctx));
    await createZsyncFile(file, { outPath: out });
    return null;
  });
  h.set("depot_createPackageContentFile", async (ctx, p) => {
    const productId = forceProductId(p.args.productId);
    const dir = join(ctx.environment.depotDir, productId);
    if (!(await isDirectory(dir))) throw new BackendMissingDataError(`Product dir '${dir}' not found`);
    await createPackageContentFile(dir);
    return null;
  });
  h.set("depot_getDiskSpaceUsage", (_ctx, p) => diskSpaceUsage(p.args.path));
  h.set("depot_librsyncSignature", (ctx, p) => librsyncSignature(ctx, p.args.filename));
  h.set("depot_librsyncDeltaFile", (ctx, p) => librsyncDeltaFile(ctx, p.args.filename, p.args.signature, p.args.deltafile));
  h.set("depot_librsyncPatchFile", (ctx, p) => librsyncPatchFile(ctx, p.args.oldfile, p.args.deltafile, p.args.newfile));
  h.set("librsyncSignature", (ctx, p) => ctx.call("depot_librsyncSignature", { filename: p.args.filename }));
  h.set("workbench_buildPackage", (ctx, p) => workbenchBuildPackage(ctx, p.args.package_dir));
  h.set("workbench_installPackage", (ctx, p) => workbenchInstallPackage(ctx, p.args.package_file_or_dir));
  return h;
}
