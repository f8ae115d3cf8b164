/** @module webdav/locks: in-memory WebDAV write locks (exclusive/shared, depth 0/infinity, timeouts) and If-header parsing. */

import { randomUUID } from "node:crypto";
import { DavError } from "./paths.js";

/** An active write lock. `path` is the resource key: on-disk segments joined with "/" ("" is the share root). */
export interface DavLock {
  token: string;
  path: string;
  scope: "exclusive" | "shared";
  depth: "0" | "infinity";
  /** Serialized owner XML content (may be empty). */
  owner: string;
  /** Timeout in seconds, or null for Infinite. */
  timeoutS: number | null;
  /** Expiry (ms since epoch), Infinity for no timeout. */
  expires: number;
}

const isBelow = (ancestor: string, p: string): boolean => (ancestor === "" ? p !== "" : p.startsWith(`${ancestor}/`));

/**
 * Holds locks of one share.
 * @example
 * const m = new LockManager();
 * const lock = m.create({ path: "a.txt", scope: "exclusive", depth: "0", owner: "", timeoutS: 60 });
 */
export class LockManager {
  private readonly locks = new Map<string, DavLock>();

  private purge(): void {
    const now = Date.now();
    for (const [t, l] of this.locks) if (l.expires <= now) this.locks.delete(t);
  }

  /** Locks that apply to `path`: on it or on an ancestor with depth infinity. */
  covering(path: string): DavLock[] {
    this.purge();
    return [...this.locks.values()].filter((l) => l.path === path || (l.depth === "infinity" && isBelow(l.path, path)));
  }

  /** Locks rooted strictly below `path`. */
  below(path: string): DavLock[] {
    this.purge();
    return [...this.locks.values()].filter((l) => isBelow(path, l.path));
  }

  /** Locks rooted exactly at `path`. */
  at(path: string): DavLock[] {
    this.purge();
    return [...this.locks.values()].filter((l) => l.path === path);
  }

  get(token: string): DavLock | undefined {
    this.purge();
    return this.locks.get(token);
  }

  /** Creates a lock, or throws DavError 423 on a conflicting lock. */
  create(req: Omit<DavLock, "token" | "expires">): DavLock {
    const conflicts = [...this.covering(req.path), ...(req.depth === "infinity" ? this.below(req.path) : [])];
    if (conflicts.some((l) => l.scope === "exclusive" || req.scope === "exclusive")) {
      throw new DavError(423, "resource is locked", "no-conflicting-lock");
    }
    const lock: DavLock = { ...req, token: `opaquelocktoken:${randomUUID()}`, expires: expiry(req.timeoutS) };
    this.locks.set(lock.token, lock);
    return lock;
  }

  refresh(lock: DavLock, timeoutS: number | null): void {
    lock.timeoutS = timeoutS;
    lock.expires = expiry(timeoutS);
  }

  remove(token: string): boolean {
    return this.locks.delete(token);
  }

  /** Removes every lock rooted at or below `path` (after DELETE or MOVE). */
  removeTree(path: string): void {
    for (const l of [...this.locks.values()]) if (l.path === path || isBelow(path, l.path)) this.locks.delete(l.token);
  }
}

function expiry(timeoutS: number | null): number {
  return timeoutS === null ? Number.POSITIVE_INFINITY : Date.now() + timeoutS * 1000;
}

/**
 * Parses a `Timeout` header ("Second-600, Infinite") into seconds (null = Infinite), capped at `maxS`.
 * @example
 * parseTimeout("Second-30", 3600); // 30
 */
export function parseTimeout(header: string | undefined, maxS: number): number {
  if (!header) return maxS;
  for (const part of header.split(",")) {
    const t = part.trim();
    if (/^infinite$/i.test(t)) return maxS;
    const m = /^second-(\d+)$/i.exec(t);
    if (m) return Math.max(1, Math.min(maxS, Number(m[1])));
  }
  return maxS;
}

/** One condition of an If-header list. */
export interface IfCondition {
  not: boolean;
  kind: "token" | "etag";
  value: string;
}

/** One list of an If header, optionally tagged with a resource URL. */
export interface IfList {
  resource: string | null;
  conditions: IfCondition[];
}

/**
 * Parses an RFC 4918 If header into lists; throws DavError 400 on a malformed header.
 * @example
 * parseIfHeader('<http://h/a> (<opaquelocktoken:x> ["etag"])'); // [{ resource: "http://h/a", conditions: [...] }]
 */
export function parseIfHeader(header: string): IfList[] {
  const lists: IfList[] = [];
  let i = 0;
  let resource: string | null = null;
  let tagged: boolean | null = null;
  const s = header;
  const bad = (why: string): never => {
    throw new DavError(400, `malformed If header: ${why}`);
  };
  const skip = (): void => {
    while (i < s.length && /\s/.test(s[i] ?? "")) i++;
  };
  for (;;) {
    skip();
    if (i >= s.length) break;
    const c = s[i];
    if (c === "<") {
      if (tagged === false) bad("mixed tagged and untagged lists");
      tagged = true;
      const end = s.indexOf(">", i);
      if (end < 0) bad("unterminated resource tag");
      resource = s.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c !== "(") bad(`unexpected "${c}"`);
    if (tagged === null) tagged = false;
    i++;
    const conditions: IfCondition[] = [];
    for (;;) {
      skip();
      if (i >= s.length) bad("unterminated list");
      if (s[i] === ")") {
        i++;
        break;
      }
      let not = false;
      if (/^not\b/i.test(s.slice(i, i + 4)) || s.slice(i, i + 3).toLowerCase() === "not") {
        not = true;
        i += 3;
        skip();
      }
      const o = s[i];
      if (o === "<") {
        const end = s.indexOf(">", i);
        if (end < 0) bad("unterminated state token");
        conditions.push({ not, kind: "token", value: s.slice(i + 1, end) });
        i = end + 1;
      } else if (o === "[") {
        const end = s.indexOf("]", i);
        if (end < 0) bad("unterminated entity tag");
        conditions.push({ not, kind: "etag", value: s.slice(i + 1, end).trim() });
        i = end + 1;
      } else bad(`unexpected "${o ?? ""}" in list`);
    }
    if (conditions.length === 0) bad("empty list");
    lists.push({ resource: tagged ? resource : null, conditions });
  }
  if (lists.length === 0) bad("no lists");
  return lists;
}
