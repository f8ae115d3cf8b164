/** @module methods/logs Client log files: `log_write` and `log_read` under `<logDir>/<type>/<objectId>.log` (spec §5.9). */
import { appendFile, chmod, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BackendBadValueError, forceBool, forceInt, forceObjectId, OpsiServicePermissionError } from "@opsi-ts/core";
import { onlySelf } from "../acl/ace.js";
import type { LogLimits, MethodContext, MethodHandler } from "./context.js";
import { LOG_TYPES } from "./general.js";

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

async function fileSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch (e: unknown) {
    if (isMissing(e)) return null;
    throw e;
  }
}

function logType(value: unknown): string {
  const type = String(value);
  if (!Object.hasOwn(LOG_TYPES, type)) throw new BackendBadValueError(`Unknown log type '${type}'`);
  return type;
}

/** Under a `self`-only rule a host may only touch its own log files (upstream does not compare). */
function checkOwnLog(ctx: MethodContext, method: string, objectId: string | null): void {
  if (!onlySelf(ctx.require(method))) return;
  const own = (ctx.identity.hostId ?? ctx.identity.name).toLowerCase();
  if (objectId !== own) throw new OpsiServicePermissionError(`No permission for log of '${objectId ?? ""}'`);
}

/** Cuts UTF-8 data to `limit` bytes at the last newline, like opsiconfd's hard limit. */
function cutBytes(data: Buffer, limit: number): Buffer {
  if (data.length <= limit) return data;
  const cut = data.subarray(0, limit);
  const idx = cut.lastIndexOf(0x0a);
  return idx > 0 ? cut.subarray(0, idx + 1) : cut;
}

/** Rotates `file` → `file.1` → … keeping `keep` numbered copies; stray suffixes are removed. */
async function rotate(file: string, keep: number): Promise<void> {
  if (keep <= 0) {
    try {
      await unlink(file);
    } catch (e: unknown) {
      if (!isMissing(e)) throw e;
    }
  } else {
    for (let num = keep; num > 0; num--) {
      const src = num > 1 ? `${file}.${num - 1}` : file;
      try {
        await rename(src, `${file}.${num}`);
      } catch (e: unknown) {
        if (!isMissing(e)) throw e;
      }
    }
  }
  const dir = join(file, "..");
  const base = file.slice(dir.length + 1);
  for (const name of await readdir(dir)) {
    if (!name.startsWith(`${base}.`)) continue;
    const suffix = name.slice(base.length + 1);
    if (/^\d+$/.test(suffix) && Number(suffix) <= keep) continue;
    await unlink(join(dir, name));
  }
}

/**
 * `log_write(logType, data, objectId, append=false)`: writes (or appends to) a client log file.
 * One write is capped at {@link LogLimits.writeLimitBytes} (cut at the last newline); the file is
 * rotated when not appending or when it would exceed `maxLogSizeMb`. Emits `log_updated`.
 * @example await logWrite(ctx, "instlog", "line\n", "pc1.dom.tld", true)
 */
export async function logWrite(
  ctx: MethodContext,
  typeArg: unknown,
  data: unknown,
  objectIdArg: unknown,
  appendArg: unknown,
): Promise<null> {
  const type = logType(typeArg);
  if (objectIdArg === null || objectIdArg === undefined || objectIdArg === "") {
    throw new BackendBadValueError(`Writing ${type} log requires an objectId`);
  }
  const objectId = forceObjectId(objectIdArg);
  checkOwnLog(ctx, "log_write", objectId);
  const append = forceBool(appendArg ?? false);
  const limits: LogLimits = ctx.settings.logLimits;
  const bytes = cutBytes(Buffer.from(typeof data === "string" ? data : String(data ?? ""), "utf8"), limits.writeLimitBytes);
  const dir = join(ctx.environment.logDir, type);
  const file = join(dir, `${objectId}.log`);
  await mkdir(dir, { recursive: true, mode: 0o2770 });
  const size = await fileSize(file);
  if (!append || (size !== null && size + bytes.length > limits.maxLogSizeMb * 1_000_000)) {
    await rotate(file, limits.keepRotatedLogs);
    await writeFile(file, bytes, { mode: 0o644 });
  } else {
    await appendFile(file, bytes, { mode: 0o644 });
  }
  try {
    await chmod(file, 0o644);
  } catch (e: unknown) {
    // Permissions are best effort (e.g. on file systems without modes), as upstream.
    void e;
  }
  ctx.events.emit("log_updated", { type, object_id: objectId });
  return null;
}

/**
 * `log_read(logType, objectId, maxSize=0)`: the log file's content ("" when there is none), cut to
 * `maxSize` characters at the last newline. `objectId` is required except for `opsiconfd`.
 * @example await logRead(ctx, "instlog", "pc1.dom.tld", 0)
 */
export async function logRead(ctx: MethodContext, typeArg: unknown, objectIdArg: unknown, maxSizeArg: unknown): Promise<string> {
  const type = logType(typeArg);
  const maxSize = forceInt(maxSizeArg ?? 0);
  let file: string;
  let objectId: string | null = null;
  if (objectIdArg !== null && objectIdArg !== undefined && objectIdArg !== "") {
    objectId = forceObjectId(objectIdArg);
    file = join(ctx.environment.logDir, type, `${objectId}.log`);
  } else {
    if (LOG_TYPES[type]) throw new BackendBadValueError(`Log type '${type}' requires objectId`);
    file = join(ctx.environment.logDir, type, "opsiconfd.log");
  }
  checkOwnLog(ctx, "log_read", objectId);
  let data: string;
  try {
    data = await readFile(file, "utf8");
  } catch (e: unknown) {
    if (isMissing(e)) return "";
    throw e;
  }
  if (maxSize > 0 && data.length > maxSize) {
    data = data.slice(0, maxSize);
    const idx = data.lastIndexOf("\n");
    if (idx > 0) data = data.slice(0, idx + 1);
  }
  return data;
}

/**
 * Handlers of `log_write`, `log_read` and their legacy names `writeLog` (append by default) and `readLog`.
 * @example logHandlers().get("log_write")
 */
export function logHandlers(): Map<string, MethodHandler> {
  const h = new Map<string, MethodHandler>();
  h.set("log_write", (ctx, p) => logWrite(ctx, p.args.logType, p.args.data, p.args.objectId, p.args.append));
  h.set("log_read", (ctx, p) => logRead(ctx, p.args.logType, p.args.objectId, p.args.maxSize));
  h.set("writeLog", (ctx, p) =>
    ctx.call("log_write", { logType: p.args.type, data: p.args.data, objectId: p.args.objectId, append: p.args.append }),
  );
  h.set("readLog", (ctx, p) => ctx.call("log_read", { logType: p.args.type, objectId: p.args.objectId, maxSize: p.args.maxSize }));
  return h;
}
