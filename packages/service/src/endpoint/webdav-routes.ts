/** @module endpoint/webdav-routes The WebDAV shares `/depot`, `/repository`, `/workbench` and `/public` (spec §5.8); access roles come from the auth middleware (§4.1). */
import { join } from "node:path";
import { createWebdavHandler } from "@opsi-ts/depot";
import type { RequestContext } from "../http/context.js";
import type { Router } from "../http/router.js";

/** Options of {@link registerWebdavShares}. */
export interface WebdavSharesOptions {
  readonly depot: string;
  readonly repository: string;
  readonly workbench: string;
  readonly public: string;
  /** Parent of each share's handler state (`<stateDir>/<share>`); must be outside the shares. */
  readonly stateDir: string;
}

/** Every method of WebDAV class 1 and 2. */
export const WEBDAV_METHODS = [
  "OPTIONS",
  "GET",
  "HEAD",
  "PROPFIND",
  "PUT",
  "DELETE",
  "MKCOL",
  "COPY",
  "MOVE",
  "PROPPATCH",
  "LOCK",
  "UNLOCK",
];

/** The path below the mount (`/x y/z`), percent-encoded again for the handler. */
function relativePath(ctx: RequestContext, mount: string): string {
  const rest = ctx.path.slice(mount.length);
  const encoded = rest
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
  return encoded.startsWith("/") ? encoded : `/${encoded}`;
}

/**
 * Mounts the four shares: `/depot` case-insensitive and `/public` read-only; reads and writes of
 * `/depot`, `/repository` and `/workbench` are limited by the role rules of the auth middleware.
 * @example registerWebdavShares(server.router, { depot, repository, workbench, public: pub, stateDir: join(dataDir, "webdav") })
 */
export function registerWebdavShares(router: Router, options: WebdavSharesOptions): void {
  const shares = [
    { mount: "/depot", root: options.depot, caseInsensitive: true, readOnly: false },
    { mount: "/repository", root: options.repository, caseInsensitive: false, readOnly: false },
    { mount: "/workbench", root: options.workbench, caseInsensitive: false, readOnly: false },
    { mount: "/public", root: options.public, caseInsensitive: false, readOnly: true },
  ] as const;
  for (const share of shares) {
    const handler = createWebdavHandler({
      root: share.root,
      readOnly: share.readOnly,
      caseInsensitive: share.caseInsensitive,
      stateDir: join(options.stateDir, share.mount.slice(1)),
      baseHref: `${share.mount}/`,
    });
    router.prefix(WEBDAV_METHODS, share.mount, (ctx) => handler(ctx.req, ctx.res, relativePath(ctx, share.mount)));
  }
}
