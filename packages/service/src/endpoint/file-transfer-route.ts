/**
 * @module endpoint/file-transfer-route
 * opsiconfd's temporary file storage `/file-transfer` (spec config-service §5.7): `POST /file-transfer` (and
 * `/raw`) stores the body raw, `POST /file-transfer/multipart` the form field `file`; both answer 201
 * `{"file_id"}`. `GET /file-transfer/<uuid>[?delete=true]` returns the file, `DELETE` removes it. Files live in
 * `<dir>/<uuid>` with `<uuid>.meta` (`{file_id, created, expires, filename, content_type, username}`) for 24 h.
 */
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { RequestContext } from "../http/context.js";
import { HttpError } from "../http/errors.js";
import type { Router } from "../http/router.js";

/** Validity of a stored file (opsiconfd: 24 h). */
export const FILE_TRANSFER_VALIDITY_MS = 24 * 3600 * 1000;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The metadata stored next to a file. */
export interface FileTransferMeta {
  readonly file_id: string;
  readonly created: string;
  readonly expires: string;
  readonly filename: string | null;
  readonly content_type: string | null;
  readonly username: string;
}

/** Options of {@link registerFileTransferRoutes}. */
export interface FileTransferOptions {
  /** Storage directory (opsiconfd: `/var/lib/opsi/tmp/file-transfer`). */
  readonly dir: string;
  /** Largest upload in bytes (default 10 GiB). */
  readonly maxBytes?: number;
  /** Clock in ms (default `Date.now`). */
  readonly clock?: () => number;
}

/**
 * The file name of a `Content-Disposition` header (`filename*=UTF-8''…` or `filename="…"`), without any directory.
 * Upstream reads a misspelled parameter ("filenname") and always stores null; we read the real one.
 * @example dispositionFilename('attachment; filename="backup.msgpack.lz4"') // "backup.msgpack.lz4"
 */
export function dispositionFilename(header: string | undefined): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  let name: string | undefined;
  if (star?.[1]) {
    try {
      name = decodeURIComponent(star[1].trim());
    } catch {
      name = undefined;
    }
  }
  name ??= /filename\s*=\s*"((?:[^"\\]|\\.)*)"/.exec(header)?.[1]?.replace(/\\(.)/g, "$1") ?? /filename\s*=\s*([^;\s]+)/.exec(header)?.[1];
  if (!name) return null;
  const base = name.split(/[\\/]/).pop() ?? "";
  return base === "" || base === "." || base === ".." ? null : base;
}

function sessionUser(ctx: RequestContext): string {
  const username = ctx.session?.data.username;
  if (!username) throw new HttpError(403, "Permission denied");
  return username;
}

/** Removes files whose `expires` has passed (and orphans without metadata); returns how many were removed. */
export async function cleanupFileTransfers(dir: string, now: number = Date.now()): Promise<number> {
  let removed = 0;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith(".meta")) continue;
    const id = name.slice(0, -".meta".length);
    try {
      const meta = JSON.parse(await readFile(join(dir, name), "utf8")) as FileTransferMeta;
      if (Date.parse(meta.expires) > now) continue;
    } catch {
      // unreadable metadata: the file cannot be served, remove it
    }
    await rm(join(dir, id), { force: true });
    await rm(join(dir, name), { force: true });
    removed += 1;
  }
  return removed;
}

async function store(
  options: FileTransferOptions,
  body: Readable,
  filename: string | null,
  contentType: string | null,
  username: string,
): Promise<string> {
  const fileId = randomUUID();
  const path = join(options.dir, fileId);
  const partial = `${path}.partial`;
  const limit = options.maxBytes ?? 10 * 1024 ** 3;
  let written = 0;
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  try {
    await pipeline(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          written += chunk.length;
          if (written > limit) throw new HttpError(413, `File too large (more than ${limit} bytes)`);
          yield chunk;
        }
      },
      createWriteStream(partial, { mode: 0o600 }),
    );
    const now = (options.clock ?? Date.now)();
    const meta: FileTransferMeta = {
      file_id: fileId,
      created: new Date(now).toISOString(),
      expires: new Date(now + FILE_TRANSFER_VALIDITY_MS).toISOString(),
      filename,
      content_type: contentType,
      username,
    };
    await writeFile(`${path}.meta`, JSON.stringify(meta), { mode: 0o600 });
    await rename(partial, path);
    return fileId;
  } catch (e: unknown) {
    await rm(partial, { force: true });
    throw e;
  }
}

async function readMeta(dir: string, fileId: string): Promise<FileTransferMeta> {
  if (!UUID_RE.test(fileId)) throw new HttpError(400, `Invalid file id '${fileId}'`);
  try {
    return JSON.parse(await readFile(join(dir, `${fileId}.meta`), "utf8")) as FileTransferMeta;
  } catch {
    throw new HttpError(404, `File '${fileId}' not found`);
  }
}

/**
 * Registers `/file-transfer` (raw and multipart upload, download, delete) and removes expired files every hour.
 * Returns a function that stops the cleanup timer.
 * @example const stop = registerFileTransferRoutes(server.router, { dir: join(dataDir, "tmp", "file-transfer") });
 */
export function registerFileTransferRoutes(router: Router, options: FileTransferOptions): () => void {
  const raw = async (ctx: RequestContext) => {
    const username = sessionUser(ctx);
    const fileId = await store(
      options,
      ctx.req,
      dispositionFilename(ctx.header("content-disposition")),
      ctx.header("content-type") ?? null,
      username,
    );
    ctx.json(201, { file_id: fileId });
  };
  router.post("/file-transfer", raw);
  router.post("/file-transfer/raw", raw);
  router.post("/file-transfer/multipart", async (ctx) => {
    const username = sessionUser(ctx);
    const contentType = ctx.header("content-type") ?? "";
    if (!contentType.toLowerCase().startsWith("multipart/form-data")) throw new HttpError(400, "Expected multipart/form-data");
    // The WHATWG parser needs the whole body; uploads are bounded by the request body limit.
    const body = await ctx.readBody(options.maxBytes === undefined ? {} : { limit: options.maxBytes });
    let form: FormData;
    try {
      form = await new Request("http://localhost/", { method: "POST", headers: { "content-type": contentType }, body }).formData();
    } catch (e: unknown) {
      throw new HttpError(400, `Invalid multipart body: ${e instanceof Error ? e.message : String(e)}`);
    }
    const file = form.get("file");
    if (!file || typeof file === "string") throw new HttpError(400, "Form field 'file' missing");
    const name = file.name ? (file.name.split(/[\\/]/).pop() ?? null) : null;
    const fileId = await store(
      options,
      Readable.fromWeb(file.stream() as Parameters<typeof Readable.fromWeb>[0]),
      name || null,
      file.type || null,
      username,
    );
    ctx.json(201, { file_id: fileId });
  });
  router.prefix(["GET", "DELETE"], "/file-transfer/", async (ctx) => {
    sessionUser(ctx);
    const fileId = ctx.path.slice("/file-transfer/".length);
    const meta = await readMeta(options.dir, fileId);
    const path = join(options.dir, fileId);
    if (ctx.method === "DELETE") {
      await rm(path, { force: true });
      await rm(`${path}.meta`, { force: true });
      ctx.json(200, { file_id: fileId });
      return;
    }
    const size = (await stat(path)).size;
    const headers: Record<string, string> = {
      "content-type": meta.content_type ?? "application/octet-stream",
      "content-length": String(size),
    };
    if (meta.filename) headers["content-disposition"] = `attachment; filename*=UTF-8''${encodeURIComponent(meta.filename)}`;
    ctx.res.writeHead(200, headers);
    if (ctx.method === "HEAD") {
      ctx.res.end();
      return;
    }
    const stream = createReadStream(path);
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
    if (ctx.query.get("delete") === "true") {
      // The open descriptor keeps the data readable; the file is gone before the client has it all.
      await rm(`${path}.meta`, { force: true });
      await rm(path, { force: true });
    }
    await pipeline(stream, ctx.res);
  });
  const timer = setInterval(() => {
    cleanupFileTransfers(options.dir, (options.clock ?? Date.now)()).catch(() => {});
  }, 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
