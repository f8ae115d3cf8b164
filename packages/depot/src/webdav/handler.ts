/** @module webdav/handler: a framework-neutral WebDAV class 1+2 request handler serving one directory tree. */

import { randomUUID } from "node:crypto";
import type { Stats } from "node:fs";
import { createReadStream, createWriteStream } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, realpath, rename, rm, unlink, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, resolve as resolveFs, sep } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type DavLock, type IfList, LockManager, parseIfHeader, parseTimeout } from "./locks.js";
import { DavError, encodeHref, parseRequestPath, type ResolvedPath, resolvePath } from "./paths.js";
import { DeadPropStore } from "./props.js";
import { childElements, escapeXml, parseXml, serializeXml, type XmlElement, XmlError } from "./xml.js";

/** Options of {@link createWebdavHandler}. */
export interface WebdavOptions {
  /** Directory served as the share root. */
  root: string;
  /** Refuse all modifying methods with 405. */
  readOnly?: boolean;
  /** Match path segments case-insensitively when no exact match exists (opsi's `/depot`, `/boot`). */
  caseInsensitive?: boolean;
  /** Default and maximum lock timeout in seconds (default 3600). */
  lockTimeoutS?: number;
  /** Largest accepted PUT body in bytes (default unlimited). */
  maxUploadBytes?: number;
  /** Directory for handler state (dead properties); must be outside `root`. Default: a fresh temp directory. */
  stateDir?: string;
  /** URL path the share is mounted at, used for hrefs and Destination headers. Default: derived per request. */
  baseHref?: string;
}

/** A WebDAV request handler; `relativePath` is the raw (percent-encoded) request path below the mount point. */
export type WebdavHandler = (req: IncomingMessage, res: ServerResponse, relativePath: string) => Promise<void>;

const DAV_NS = "DAV:";
const TMP_PREFIX = ".~opsi-webdav-";
const MAX_XML_BODY = 1024 * 1024;
const READ_METHODS = ["OPTIONS", "GET", "HEAD", "PROPFIND"];
const WRITE_METHODS = ["PUT", "DELETE", "MKCOL", "COPY", "MOVE", "PROPPATCH", "LOCK", "UNLOCK"];
const LIVE_PROPS = [
  "resourcetype",
  "getcontentlength",
  "getlastmodified",
  "creationdate",
  "getetag",
  "getcontenttype",
  "displayname",
  "supportedlock",
  "lockdiscovery",
];
const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  424: "Failed Dependency",
};
const CONTENT_TYPES: Record<string, string> = {
  ".txt": "text/plain",
  ".ini": "text/plain",
  ".md5": "text/plain",
  ".log": "text/plain",
  ".htm": "text/html",
  ".html": "text/html",
  ".css": "text/css",
  ".js": "text/javascript",
  ".json": "application/json",
  ".xml": "application/xml",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".svg": "image/svg+xml",
  ".zip": "application/zip",
  ".gz": "application/gzip",
};

/** A resource with its key (on-disk segments joined with "/") and stat. */
interface Resource {
  segments: string[];
  key: string;
  stat: Stats;
  href: string;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  base: string;
  target: ResolvedPath;
  key: string;
}

/**
 * Creates the WebDAV handler for one share. It never throws: every failure is answered with a status code.
 * @example
 * const dav = createWebdavHandler({ root: "/var/lib/opsi/depot", caseInsensitive: true });
 * http.createServer((req, res) => void dav(req, res, (req.url ?? "/").slice("/depot".length)));
 */
export function createWebdavHandler(options: WebdavOptions): WebdavHandler {
  const rootAbs = resolveFs(options.root);
  if (options.stateDir !== undefined) {
    const st = resolveFs(options.stateDir);
    if (st === rootAbs || st.startsWith(rootAbs + sep)) throw new Error("stateDir must be outside the served root");
  }
  const lockMax = options.lockTimeoutS ?? 3600;
  const maxUpload = options.maxUploadBytes ?? Number.POSITIVE_INFINITY;
  const ci = options.caseInsensitive ?? false;
  const locks = new LockManager();
  let rootReal: Promise<string> | null = null;
  let store: Promise<DeadPropStore> | null = null;
  const getRoot = (): Promise<string> => {
    rootReal ??= realpath(rootAbs).catch((e: unknown) => {
      rootReal = null;
      throw e;
    });
    return rootReal;
  };
  const getStore = (): Promise<DeadPropStore> => {
    store ??= (async () => new DeadPropStore(options.stateDir ?? (await mkdtemp(join(tmpdir(), "opsi-webdav-")))))();
    return store;
  };

  const allowed = options.readOnly ? READ_METHODS : [...READ_METHODS, ...WRITE_METHODS];

  async function resolveRel(segs: string[]): Promise<ResolvedPath> {
    return resolvePath(await getRoot(), segs, ci);
  }

  function baseFor(req: IncomingMessage, relativePath: string): string {
    if (options.baseHref !== undefined) return options.baseHref.endsWith("/") ? options.baseHref : `${options.baseHref}/`;
    const urlPath = (req.url ?? "/").split("?")[0] ?? "/";
    const rel = relativePath.split("?")[0] ?? "";
    const prefix = rel && urlPath.endsWith(rel) ? urlPath.slice(0, urlPath.length - rel.length) : rel ? "/" : urlPath;
    return prefix.endsWith("/") ? prefix : `${prefix}/`;
  }

  /** Maps an absolute or path-absolute URL to segments of this share; 502 for foreign hosts or paths. */
  function urlToSegments(req: IncomingMessage, base: string, raw: string): string[] {
    let url: URL;
    try {
      url = new URL(raw, `http://${req.headers.host ?? "localhost"}`);
    } catch {
      throw new DavError(400, "malformed URL");
    }
    if (req.headers.host && url.host.toLowerCase() !== req.headers.host.toLowerCase()) throw new DavError(502, "foreign host");
    const p = url.pathname;
    const b = base.slice(0, -1);
    if (p !== b && !p.startsWith(base)) throw new DavError(502, "destination outside this share");
    return parseRequestPath(p.slice(b.length));
  }

  // ---------------------------------------------------------------- lock and If-header checks

  interface WriteTarget {
    key: string;
    deep: boolean;
    membership: boolean;
  }

  async function etagOfKey(key: string): Promise<string | null> {
    const r = await resolveRel(key ? key.split("/") : []);
    return r.stat ? etagOf(r.stat) : null;
  }

  async function checkConditions(ctx: Ctx, targets: WriteTarget[]): Promise<void> {
    const header = hdr(ctx.req, "if");
    const lists = header ? parseIfHeader(header) : [];
    const submitted = new Set(lists.flatMap((l) => l.conditions.filter((c) => c.kind === "token").map((c) => c.value)));
    if (lists.length > 0 && !(await ifHeaderHolds(ctx, lists))) throw new DavError(412, "If header evaluated to false");
    for (const t of targets) {
      const needed: DavLock[] = [...locks.covering(t.key), ...(t.deep ? locks.below(t.key) : [])];
      if (t.membership && t.key !== "") needed.push(...locks.covering(parentKey(t.key)));
      if (needed.some((l) => !submitted.has(l.token))) throw new DavError(423, "resource is locked", "lock-token-submitted");
    }
  }

  /** RFC 4918 §10.4: true if any list matches its resource's current state. */
  async function ifHeaderHolds(ctx: Ctx, lists: IfList[]): Promise<boolean> {
    for (const list of lists) {
      let key = ctx.key;
      if (list.resource !== null) {
        try {
          key = (await resolveRel(urlToSegments(ctx.req, ctx.base, list.resource))).segments.join("/");
        } catch {
          continue;
        }
      }
      const held = locks.covering(key);
      const etag = await etagOfKey(key);
      const ok = list.conditions.every((c) => {
        const match = c.kind === "token" ? held.some((l) => l.token === c.value) : etag !== null && stripWeak(c.value) === stripWeak(etag);
        return c.not ? !match : match;
      });
      if (ok) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- methods

  async function doGet(ctx: Ctx, head: boolean): Promise<void> {
    const { req, res, target } = ctx;
    const st = target.stat;
    if (!st) throw new DavError(404, "not found");
    if (st.isDirectory()) {
      const entries = (await readdir(target.fsPath, { withFileTypes: true })).filter((d) => !d.name.startsWith(TMP_PREFIX));
      const self = encodeHref(ctx.base, target.segments, true);
      const items = entries
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((d) => {
          const dir = d.isDirectory();
          return `<li><a href="${escapeXml(encodeHref(self, [d.name], dir))}">${escapeXml(d.name)}${dir ? "/" : ""}</a></li>`;
        });
      const body = Buffer.from(
        `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Index of ${escapeXml(self)}</title></head><body><h1>Index of ${escapeXml(self)}</h1><ul>${items.join("")}</ul></body></html>`,
      );
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": body.length });
      res.end(head ? undefined : body);
      return;
    }
    const etag = etagOf(st);
    const lastModified = st.mtime.toUTCString();
    const headers: Record<string, string | number> = {
      ETag: etag,
      "Last-Modified": lastModified,
      "Accept-Ranges": "bytes",
      "Content-Type": contentType(target.fsPath),
    };
    const inm = req.headers["if-none-match"];
    const ims = req.headers["if-modified-since"];
    if (inm !== undefined ? etagListMatches(inm, etag) : ims !== undefined && notModifiedSince(st, ims)) {
      res.writeHead(304, { ETag: etag, "Last-Modified": lastModified });
      res.end();
      return;
    }
    const im = req.headers["if-match"];
    if (im !== undefined && !etagListMatches(im, etag)) throw new DavError(412, "If-Match failed");
    let start = 0;
    let end = st.size - 1;
    let status = 200;
    const range = req.headers.range;
    const ifRange = req.headers["if-range"];
    const rangeApplies = range !== undefined && (ifRange === undefined || ifRange === etag || ifRange === lastModified);
    if (rangeApplies) {
      const parsed = parseRange(range, st.size);
      if (parsed === "unsatisfiable") {
        res.writeHead(416, { "Content-Range": `bytes */${st.size}`, "Content-Length": 0 });
        res.end();
        return;
      }
      if (parsed) {
        [start, end] = parsed;
        status = 206;
        headers["Content-Range"] = `bytes ${start}-${end}/${st.size}`;
      }
    }
    headers["Content-Length"] = st.size === 0 ? 0 : end - start + 1;
    res.writeHead(status, headers);
    if (head || st.size === 0) {
      res.end();
      return;
    }
    await pipeline(createReadStream(target.fsPath, { start, end }), res);
  }

  async function doPut(ctx: Ctx): Promise<void> {
    const { req, res, target } = ctx;
    if (req.headers["content-range"]) throw new DavError(400, "Content-Range is not allowed on PUT");
    if (target.stat?.isDirectory()) throw new DavError(405, "cannot PUT to a collection");
    if (!target.parentExists) throw new DavError(409, "parent collection does not exist");
    await checkConditions(ctx, [{ key: ctx.key, deep: false, membership: !target.stat }]);
    checkPreconditions(req, target.stat);
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > maxUpload) throw new DavError(413, "upload too large");
    const tmp = join(dirname(target.fsPath), `${TMP_PREFIX}${randomUUID()}.tmp`);
    let received = 0;
    const limiter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        received += chunk.length;
        if (received > maxUpload) cb(new DavError(413, "upload too large"));
        else cb(null, chunk);
      },
    });
    try {
      await pipeline(req, limiter, createWriteStream(tmp, { flags: "wx" }));
      await rename(tmp, target.fsPath);
    } catch (e: unknown) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    res.writeHead(target.stat ? 204 : 201, { "Content-Length": 0 });
    res.end();
  }

  async function doDelete(ctx: Ctx): Promise<void> {
    const { res, target } = ctx;
    if (!target.stat) throw new DavError(404, "not found");
    if (target.segments.length === 0) throw new DavError(403, "cannot delete the share root");
    await checkConditions(ctx, [{ key: ctx.key, deep: true, membership: true }]);
    checkPreconditions(ctx.req, target.stat);
    await rm(target.fsPath, { recursive: true, force: true });
    await (await getStore()).delete(ctx.key);
    locks.removeTree(ctx.key);
    res.writeHead(204, { "Content-Length": 0 });
    res.end();
  }

  async function doMkcol(ctx: Ctx): Promise<void> {
    const { req, res, target } = ctx;
    const body = await readBody(req);
    if (body.length > 0) throw new DavError(415, "MKCOL with a request body is not supported");
    if (target.stat) throw new DavError(405, "resource exists");
    if (!target.parentExists) throw new DavError(409, "parent collection does not exist");
    await checkConditions(ctx, [{ key: ctx.key, deep: false, membership: true }]);
    await mkdir(target.fsPath);
    res.writeHead(201, { "Content-Length": 0 });
    res.end();
  }

  async function doCopyMove(ctx: Ctx, move: boolean): Promise<void> {
    const { req, res, target } = ctx;
    const destHeader = hdr(req, "destination");
    if (!destHeader) throw new DavError(400, "Destination header missing");
    const depth = hdr(req, "depth")?.toLowerCase();
    if (move ? depth !== undefined && depth !== "infinity" : depth !== undefined && depth !== "0" && depth !== "infinity") {
      throw new DavError(400, "invalid Depth");
    }
    const ow = hdr(req, "overwrite")?.toUpperCase() ?? "T";
    if (ow !== "T" && ow !== "F") throw new DavError(400, "invalid Overwrite header");
    const destSegs = urlToSegments(req, ctx.base, destHeader);
    if (!target.stat) throw new DavError(404, "not found");
    if (target.segments.length === 0 && move) throw new DavError(403, "cannot move the share root");
    const dest = await resolveRel(destSegs);
    const destKey = dest.segments.join("/");
    const srcIsDir = target.stat.isDirectory();
    if (destKey === ctx.key || (ci && destKey.toLowerCase() === ctx.key.toLowerCase() && move === false)) {
      throw new DavError(403, "source and destination are the same");
    }
    if (srcIsDir && (ctx.key === "" || destKey.startsWith(`${ctx.key}/`))) throw new DavError(403, "destination is inside the source");
    if (dest.stat && ow === "F") throw new DavError(412, "destination exists");
    if (!dest.parentExists) throw new DavError(409, "destination parent does not exist");
    const checks: WriteTarget[] = [{ key: destKey, deep: true, membership: true }];
    if (move) checks.unshift({ key: ctx.key, deep: true, membership: true });
    await checkConditions(ctx, checks);
    const props = await getStore();
    if (dest.stat) {
      await rm(dest.fsPath, { recursive: true, force: true });
      await props.delete(destKey);
      locks.removeTree(destKey);
    }
    if (move) {
      await rename(target.fsPath, dest.fsPath);
      await props.copy(ctx.key, destKey, true, true);
      locks.removeTree(ctx.key);
    } else if (srcIsDir && depth === "0") {
      await mkdir(dest.fsPath);
      await props.copy(ctx.key, destKey, false);
    } else {
      await cp(target.fsPath, dest.fsPath, {
        recursive: true,
        errorOnExist: true,
        force: false,
        filter: (src) => !src.slice(dirname(src).length + 1).startsWith(TMP_PREFIX),
      });
      await props.copy(ctx.key, destKey, true);
    }
    res.writeHead(dest.stat ? 204 : 201, { "Content-Length": 0 });
    res.end();
  }

  async function liveProp(r: Resource, name: string, base: string): Promise<string | null> {
    const st = r.stat;
    const dir = st.isDirectory();
    switch (name) {
      case "resourcetype":
        return dir ? "<D:resourcetype><D:collection/></D:resourcetype>" : "<D:resourcetype/>";
      case "getcontentlength":
        return dir ? null : `<D:getcontentlength>${st.size}</D:getcontentlength>`;
      case "getlastmodified":
        return `<D:getlastmodified>${st.mtime.toUTCString()}</D:getlastmodified>`;
      case "creationdate": {
        const t = st.birthtimeMs > 0 ? st.birthtime : st.ctime;
        return `<D:creationdate>${t.toISOString().replace(/\.\d{3}Z$/, "Z")}</D:creationdate>`;
      }
      case "getetag":
        return dir ? null : `<D:getetag>${escapeXml(etagOf(st))}</D:getetag>`;
      case "getcontenttype":
        return dir ? null : `<D:getcontenttype>${contentType(r.key)}</D:getcontenttype>`;
      case "displayname":
        return `<D:displayname>${escapeXml(r.segments[r.segments.length - 1] ?? "")}</D:displayname>`;
      case "supportedlock":
        return (
          "<D:supportedlock>" +
          ["exclusive", "shared"]
            .map((s) => `<D:lockentry><D:lockscope><D:${s}/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>`)
            .join("") +
          "</D:supportedlock>"
        );
      case "lockdiscovery":
        return `<D:lockdiscovery>${locks
          .covering(r.key)
          .map((l) => activeLockXml(l, base))
          .join("")}</D:lockdiscovery>`;
      default:
        return null;
    }
  }
  function activeLockXml(l: DavLock, base: string): string {
    const remaining = Number.isFinite(l.expires) ? `Second-${Math.max(0, Math.ceil((l.expires - Date.now()) / 1000))}` : "Infinite";
    return (
      `<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:${l.scope}/></D:lockscope>` +
      `<D:depth>${l.depth === "0" ? "0" : "infinity"}</D:depth>${l.owner ? `<D:owner>${l.owner}</D:owner>` : ""}` +
      `<D:timeout>${remaining}</D:timeout><D:locktoken><D:href>${escapeXml(l.token)}</D:href></D:locktoken>` +
      `<D:lockroot><D:href>${escapeXml(encodeHref(base, l.path ? l.path.split("/") : [], false))}</D:href></D:lockroot></D:activelock>`
    );
  }

  async function doPropfind(ctx: Ctx): Promise<void> {
    const { req, res, target } = ctx;
    const body = await readBody(req);
    let mode = "allprop" as "allprop" | "propname" | "prop";
    let wanted: XmlElement[] = [];
    if (body.trim()) {
      const root = parseBody(body);
      if (root.ns !== DAV_NS || root.name !== "propfind") throw new DavError(400, "expected DAV:propfind");
      const kids = childElements(root, DAV_NS);
      const first = kids.find((k) => k.name === "allprop" || k.name === "propname" || k.name === "prop");
      if (!first) throw new DavError(400, "propfind needs allprop, propname or prop");
      mode = first.name as typeof mode;
      if (mode === "prop") wanted = childElements(first);
    }
    if (!target.stat) throw new DavError(404, "not found");
    const depth = hdr(req, "depth")?.toLowerCase() ?? "infinity";
    if (depth === "infinity") throw new DavError(403, "Depth: infinity is not supported", "propfind-finite-depth");
    if (depth !== "0" && depth !== "1") throw new DavError(400, "invalid Depth");
    const resources: Resource[] = [
      {
        segments: target.segments,
        key: ctx.key,
        stat: target.stat,
        href: encodeHref(ctx.base, target.segments, target.stat.isDirectory()),
      },
    ];
    if (depth === "1" && target.stat.isDirectory()) {
      const rootReal = await getRoot();
      for (const name of (await readdir(target.fsPath)).sort()) {
        if (name.startsWith(TMP_PREFIX)) continue;
        const segs = [...target.segments, name];
        try {
          const r = await resolvePath(rootReal, segs, false);
          if (r.stat)
            resources.push({ segments: segs, key: segs.join("/"), stat: r.stat, href: encodeHref(ctx.base, segs, r.stat.isDirectory()) });
        } catch {
          // unreadable entries and symlinks leaving the share are not listed
        }
      }
    }
    const props = await getStore();
    let out = "";
    for (const r of resources) {
      const dead = await props.get(r.key);
      const ok: string[] = [];
      const missing: string[] = [];
      if (mode === "propname") {
        for (const n of LIVE_PROPS) if ((await liveProp(r, n, ctx.base)) !== null) ok.push(`<D:${n}/>`);
        for (const k of Object.keys(dead)) ok.push(emptyElement(k));
      } else if (mode === "allprop") {
        for (const n of LIVE_PROPS) {
          const v = await liveProp(r, n, ctx.base);
          if (v !== null) ok.push(v);
        }
        ok.push(...Object.values(dead));
      } else {
        for (const w of wanted) {
          const k = `{${w.ns}}${w.name}`;
          const v = w.ns === DAV_NS ? await liveProp(r, w.name, ctx.base) : null;
          const d = dead[k];
          if (v !== null) ok.push(v);
          else if (d !== undefined) ok.push(d);
          else missing.push(emptyElement(k));
        }
      }
      out += `<D:response><D:href>${escapeXml(r.href)}</D:href>${propstat(ok, 200)}${propstat(missing, 404)}</D:response>`;
    }
    sendMultistatus(res, out);
  }

  async function doProppatch(ctx: Ctx): Promise<void> {
    const { req, res, target } = ctx;
    const body = await readBody(req);
    const root = parseBody(body);
    if (root.ns !== DAV_NS || root.name !== "propertyupdate") throw new DavError(400, "expected DAV:propertyupdate");
    const ops: { set: boolean; el: XmlElement }[] = [];
    for (const op of childElements(root, DAV_NS)) {
      if (op.name !== "set" && op.name !== "remove") continue;
      for (const p of childElements(op, DAV_NS, "prop")) for (const el of childElements(p)) ops.push({ set: op.name === "set", el });
    }
    if (!ops.length) throw new DavError(400, "propertyupdate without properties");
    if (!target.stat) throw new DavError(404, "not found");
    await checkConditions(ctx, [{ key: ctx.key, deep: false, membership: false }]);
    const protectedOps = ops.filter((o) => o.el.ns === DAV_NS && LIVE_PROPS.includes(o.el.name));
    let out: string;
    const href = escapeXml(encodeHref(ctx.base, target.segments, target.stat.isDirectory()));
    if (protectedOps.length) {
      const forbidden = protectedOps.map((o) => emptyElement(`{${o.el.ns}}${o.el.name}`));
      const failed = ops.filter((o) => !protectedOps.includes(o)).map((o) => emptyElement(`{${o.el.ns}}${o.el.name}`));
      out = `<D:response><D:href>${href}</D:href>${propstat(forbidden, 403)}${propstat(failed, 424)}</D:response>`;
    } else {
      const set: Record<string, string> = {};
      const remove: string[] = [];
      for (const o of ops) {
        const k = `{${o.el.ns}}${o.el.name}`;
        if (o.set) {
          set[k] = serializeXml(o.el);
          const i = remove.indexOf(k);
          if (i >= 0) remove.splice(i, 1);
        } else {
          delete set[k];
          remove.push(k);
        }
      }
      await (await getStore()).patch(ctx.key, set, remove);
      const names = [...new Set(ops.map((o) => `{${o.el.ns}}${o.el.name}`))].map(emptyElement);
      out = `<D:response><D:href>${href}</D:href>${propstat(names, 200)}</D:response>`;
    }
    sendMultistatus(res, out);
  }

  async function doLock(ctx: Ctx): Promise<void> {
    const { req, res, target } = ctx;
    const body = await readBody(req);
    const timeoutS = parseTimeout(hdr(req, "timeout"), lockMax);
    if (!body.trim()) {
      // refresh
      const header = hdr(req, "if");
      if (!header) throw new DavError(400, "lock refresh needs an If header");
      const tokens = parseIfHeader(header).flatMap((l) => l.conditions.filter((c) => c.kind === "token" && !c.not).map((c) => c.value));
      const lock = locks.covering(ctx.key).find((l) => tokens.includes(l.token));
      if (!lock) throw new DavError(412, "no matching lock to refresh", "lock-token-matches-request-uri");
      locks.refresh(lock, timeoutS);
      sendLockResponse(res, 200, lock, ctx.base);
      return;
    }
    const root = parseBody(body);
    if (root.ns !== DAV_NS || root.name !== "lockinfo") throw new DavError(400, "expected DAV:lockinfo");
    const scopeEl = childElements(root, DAV_NS, "lockscope")[0];
    const scopeName = scopeEl ? childElements(scopeEl, DAV_NS)[0]?.name : undefined;
    if (scopeName !== "exclusive" && scopeName !== "shared") throw new DavError(400, "lockscope must be exclusive or shared");
    const typeEl = childElements(root, DAV_NS, "locktype")[0];
    if (!typeEl || childElements(typeEl, DAV_NS)[0]?.name !== "write") throw new DavError(400, "locktype must be write");
    const ownerEl = childElements(root, DAV_NS, "owner")[0];
    const owner = ownerEl ? ownerEl.children.map((c) => (typeof c === "string" ? escapeXml(c) : serializeXml(c, ""))).join("") : "";
    const depth = hdr(req, "depth")?.toLowerCase() ?? "infinity";
    if (depth !== "0" && depth !== "infinity") throw new DavError(400, "Depth must be 0 or infinity");
    if (!target.stat && !target.parentExists) throw new DavError(409, "parent collection does not exist");
    if (!target.stat) await checkConditions(ctx, [{ key: ctx.key, deep: false, membership: true }]);
    else if (hdr(req, "if")) await checkConditions(ctx, []);
    const lock = locks.create({ path: ctx.key, scope: scopeName, depth: depth === "0" ? "0" : "infinity", owner, timeoutS });
    let created = false;
    if (!target.stat) {
      try {
        await writeFile(target.fsPath, "", { flag: "wx" });
        created = true;
      } catch (e: unknown) {
        locks.remove(lock.token);
        throw e;
      }
    }
    sendLockResponse(res, created ? 201 : 200, lock, ctx.base);
  }

  function sendLockResponse(res: ServerResponse, status: number, lock: DavLock, base: string): void {
    const body = Buffer.from(
      `<?xml version="1.0" encoding="utf-8"?>\n<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLockXml(lock, base)}</D:lockdiscovery></D:prop>`,
    );
    res.writeHead(status, {
      "Content-Type": "application/xml; charset=utf-8",
      "Content-Length": body.length,
      "Lock-Token": `<${lock.token}>`,
    });
    res.end(body);
  }

  async function doUnlock(ctx: Ctx): Promise<void> {
    const raw = hdr(ctx.req, "lock-token");
    const m = raw ? /^\s*<([^>]+)>\s*$/.exec(raw) : null;
    if (!m?.[1]) throw new DavError(400, "Lock-Token header missing or malformed");
    if (!ctx.target.stat) throw new DavError(404, "not found");
    const lock = locks.get(m[1]);
    if (!lock || !locks.covering(ctx.key).includes(lock))
      throw new DavError(409, "lock token does not apply", "lock-token-matches-request-uri");
    locks.remove(lock.token);
    ctx.res.writeHead(204, { "Content-Length": 0 });
    ctx.res.end();
  }

  // ---------------------------------------------------------------- dispatch

  async function dispatch(req: IncomingMessage, res: ServerResponse, relativePath: string): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const base = baseFor(req, relativePath);
    const segs = parseRequestPath(relativePath);
    if (method === "OPTIONS") {
      res.writeHead(200, { DAV: "1, 2", "MS-Author-Via": "DAV", Allow: allowed.join(", "), "Content-Length": 0 });
      res.end();
      return;
    }
    if (!allowed.includes(method)) {
      res.setHeader("Allow", allowed.join(", "));
      throw new DavError(WRITE_METHODS.includes(method) || READ_METHODS.includes(method) ? 405 : 501, `method ${method} not allowed`);
    }
    const target = await resolveRel(segs);
    const ctx: Ctx = { req, res, base, target, key: target.segments.join("/") };
    switch (method) {
      case "GET":
        return doGet(ctx, false);
      case "HEAD":
        return doGet(ctx, true);
      case "PUT":
        return doPut(ctx);
      case "DELETE":
        return doDelete(ctx);
      case "MKCOL":
        return doMkcol(ctx);
      case "COPY":
        return doCopyMove(ctx, false);
      case "MOVE":
        return doCopyMove(ctx, true);
      case "PROPFIND":
        return doPropfind(ctx);
      case "PROPPATCH":
        return doProppatch(ctx);
      case "LOCK":
        return doLock(ctx);
      default:
        return doUnlock(ctx);
    }
  }

  return async (req, res, relativePath) => {
    try {
      await dispatch(req, res, relativePath);
    } catch (e: unknown) {
      sendError(res, e);
    } finally {
      if (!req.readableEnded && !req.destroyed) req.resume();
    }
  };
}

// ---------------------------------------------------------------- helpers

function hdr(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

function parentKey(key: string): string {
  const i = key.lastIndexOf("/");
  return i < 0 ? "" : key.slice(0, i);
}

function stripWeak(etag: string): string {
  return etag.replace(/^W\//, "");
}

/**
 * The ETag of a file: changes with inode (every PUT renames a new file in), size and modification time.
 * @example
 * etagOf(await stat("/tmp/x")); // '"1a2b-10-18f3c..."'
 */
export function etagOf(st: Stats): string {
  return `"${st.ino.toString(16)}-${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
}

function etagListMatches(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => stripWeak(t.trim()) === stripWeak(etag));
}

function notModifiedSince(st: Stats, header: string): boolean {
  const t = Date.parse(header);
  return Number.isFinite(t) && Math.floor(st.mtimeMs / 1000) * 1000 <= t;
}

function checkPreconditions(req: IncomingMessage, st: Stats | null): void {
  const im = req.headers["if-match"];
  if (im !== undefined && (!st || !etagListMatches(im, etagOf(st)))) throw new DavError(412, "If-Match failed");
  const inm = req.headers["if-none-match"];
  if (inm !== undefined && st && etagListMatches(inm, etagOf(st))) throw new DavError(412, "If-None-Match failed");
  const ius = req.headers["if-unmodified-since"];
  if (ius !== undefined && st && !notModifiedSince(st, ius)) throw new DavError(412, "If-Unmodified-Since failed");
}

/**
 * Parses a single-range `Range` header. Returns [start, end] (inclusive), null to ignore it (multiple or
 * malformed ranges: the full body is sent), or "unsatisfiable".
 * @example
 * parseRange("bytes=0-9", 100); // [0, 9]
 */
export function parseRange(header: string, size: number): [number, number] | null | "unsatisfiable" {
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header.trim());
  if (!m) return null;
  const [, a = "", b = ""] = m;
  if (a === "" && b === "") return null;
  if (a === "") {
    const n = Number(b);
    if (n === 0 || size === 0) return "unsatisfiable";
    return [Math.max(0, size - n), size - 1];
  }
  const start = Number(a);
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  if (b !== "" && Number(b) < start) return null;
  if (start >= size) return "unsatisfiable";
  return [start, end];
}

function contentType(p: string): string {
  return CONTENT_TYPES[extname(p).toLowerCase()] ?? "application/octet-stream";
}

function emptyElement(key: string): string {
  const m = /^\{(.*)\}(.*)$/.exec(key);
  const ns = m?.[1] ?? "";
  const name = m?.[2] ?? key;
  return ns === DAV_NS ? `<D:${name}/>` : `<${name} xmlns="${escapeXml(ns)}"/>`;
}

function propstat(props: string[], status: number): string {
  if (!props.length) return "";
  return `<D:propstat><D:prop>${props.join("")}</D:prop><D:status>HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}</D:status></D:propstat>`;
}

function sendMultistatus(res: ServerResponse, inner: string): void {
  const body = Buffer.from(`<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">${inner}</D:multistatus>`);
  res.writeHead(207, { "Content-Type": "application/xml; charset=utf-8", "Content-Length": body.length });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > MAX_XML_BODY) throw new DavError(413, "request body too large");
    chunks.push(b);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new DavError(400, "request body is not valid UTF-8");
  }
}

function parseBody(body: string): XmlElement {
  try {
    return parseXml(body);
  } catch (e: unknown) {
    if (e instanceof XmlError) throw new DavError(400, `malformed XML: ${e.message}`);
    throw e;
  }
}

function sendError(res: ServerResponse, e: unknown): void {
  let status = 500;
  let message = "internal error";
  let condition: string | undefined;
  if (e instanceof DavError) {
    status = e.status;
    message = e.message;
    condition = e.condition;
  } else if (e instanceof XmlError) {
    status = 400;
    message = e.message;
  } else if (typeof e === "object" && e !== null && "code" in e) {
    const code = String(e.code);
    status =
      code === "ENOENT" || code === "ENOTDIR"
        ? 404
        : code === "EACCES" || code === "EPERM"
          ? 403
          : code === "ENOSPC"
            ? 507
            : code === "EEXIST"
              ? 409
              : 500;
    message = code;
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(
    condition ? `<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:"><D:${condition}/></D:error>` : `${status} ${message}\n`,
  );
  res.writeHead(status, {
    "Content-Type": condition ? "application/xml; charset=utf-8" : "text/plain; charset=utf-8",
    "Content-Length": body.length,
  });
  res.end(body);
}
