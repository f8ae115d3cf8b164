/** @module webdav/paths: request path decoding and safe (optionally case-insensitive) resolution below a share root. */

import type { Stats } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";

/** An error carrying the HTTP status the WebDAV handler answers with. */
export class DavError extends Error {
  override name = "DavError";
  constructor(
    readonly status: number,
    message: string,
    /** Optional DAV: precondition element name for a `<D:error>` body. */
    readonly condition?: string,
  ) {
    super(message);
  }
}

/**
 * Decodes a raw (percent-encoded) request path relative to the share into normalized segments. Query strings are
 * dropped, percent-decoding happens exactly once, `.`/`..` are resolved; escaping above the root is 403, a NUL byte,
 * a fragment, an encoded slash or bad percent-encoding is 400.
 * @example
 * parseRequestPath("/a/./b%20c/../d"); // ["a", "d"]
 */
export function parseRequestPath(raw: string): string[] {
  let p = raw;
  const q = p.indexOf("?");
  if (q >= 0) p = p.slice(0, q);
  if (p.includes("#")) throw new DavError(400, "fragment in request path");
  const out: string[] = [];
  for (const part of p.split("/")) {
    let seg: string;
    try {
      seg = decodeURIComponent(part);
    } catch (e: unknown) {
      throw new DavError(400, `bad percent-encoding in path: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (seg.includes("\0")) throw new DavError(400, "NUL in path");
    if (seg.includes("/")) throw new DavError(400, "encoded slash in path segment");
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) throw new DavError(403, "path escapes the share root");
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out;
}

/** The outcome of resolving request segments against the file system. */
export interface ResolvedPath {
  /** Segments as they exist on disk (case-corrected), the missing tail as requested. */
  segments: string[];
  /** Absolute file system path (lexical, below the root). */
  fsPath: string;
  /** Stat of the target (symlinks followed), null if it does not exist. */
  stat: Stats | null;
  /** Whether the parent directory exists. */
  parentExists: boolean;
}

const isInside = (root: string, p: string): boolean => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

function errCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined;
}

/**
 * Resolves normalized segments below `root` (which must already be a real path). Symlinks are followed but never
 * outside the root (403). With `caseInsensitive`, a segment not found verbatim matches an entry differing in case.
 * @example
 * const r = await resolvePath("/var/lib/opsi/depot", ["win10", "setup.exe"], true); // r.segments[1] === "Setup.EXE"
 */
export async function resolvePath(root: string, segments: string[], caseInsensitive = false): Promise<ResolvedPath> {
  const actual: string[] = [];
  let realDir = root;
  let lexical = root;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] ?? "";
    let name: string | null = seg;
    let lst: Stats | null = null;
    try {
      lst = await lstat(join(realDir, seg));
    } catch (e: unknown) {
      const code = errCode(e);
      if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
      name = null;
      if (caseInsensitive && code === "ENOENT") {
        const lower = seg.toLowerCase();
        let entries: string[] = [];
        try {
          entries = await readdir(realDir);
        } catch (e2: unknown) {
          if (errCode(e2) !== "ENOTDIR" && errCode(e2) !== "ENOENT") throw e2;
        }
        const found = entries.find((n) => n.toLowerCase() === lower);
        if (found !== undefined) {
          name = found;
          lst = await lstat(join(realDir, found));
        }
      }
    }
    if (name === null || lst === null) {
      const rest = segments.slice(i);
      const fsPath = join(lexical, ...rest);
      return { segments: [...actual, ...rest], fsPath, stat: null, parentExists: i === segments.length - 1 && (await isDir(realDir)) };
    }
    actual.push(name);
    lexical = join(lexical, name);
    let next = join(realDir, name);
    if (lst.isSymbolicLink()) {
      try {
        next = await realpath(next);
      } catch (e: unknown) {
        throw new DavError(403, `dangling symlink: ${errCode(e) ?? "error"}`);
      }
      if (!isInside(root, next)) throw new DavError(403, "symlink points outside the share");
    }
    realDir = next;
  }
  let st: Stats | null = null;
  try {
    st = await stat(realDir);
  } catch (e: unknown) {
    if (errCode(e) !== "ENOENT") throw e;
  }
  return { segments: actual, fsPath: lexical, stat: st, parentExists: true };
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Encodes segments as an href path (each segment percent-encoded, `/` separated, trailing slash for collections).
 * @example
 * encodeHref("/dav/", ["a b", "c"], true); // "/dav/a%20b/c/"
 */
export function encodeHref(base: string, segments: string[], collection: boolean): string {
  const b = base.endsWith("/") ? base : `${base}/`;
  const p = segments.map((s) => encodeURIComponent(s).replace(/%3A/gi, ":").replace(/%40/g, "@")).join("/");
  return b + p + (collection && segments.length > 0 ? "/" : "");
}
