/**
 * @module http/router
 * A small router: exact paths and prefix routes per method; HEAD falls back to GET (node drops the
 * body of HEAD responses); a path known under other methods answers 405 with `Allow`.
 */
import type { RequestContext } from "./context.js";

/** A route handler. */
export type Handler = (ctx: RequestContext) => Promise<void> | void;

/** Method name, a list of them, or `"*"` for any method. */
export type MethodSpec = string | readonly string[];

interface Route {
  readonly methods: ReadonlySet<string> | "*";
  readonly path: string;
  readonly prefix: boolean;
  readonly handler: Handler;
}

/** Result of {@link Router.match}. */
export type RouteMatch =
  | { readonly kind: "found"; readonly handler: Handler; readonly route: string }
  | { readonly kind: "method-not-allowed"; readonly allow: readonly string[] }
  | { readonly kind: "not-found" };

function normalizeMethods(spec: MethodSpec): ReadonlySet<string> | "*" {
  if (spec === "*") return "*";
  const list = typeof spec === "string" ? [spec] : spec;
  return new Set(list.map((m) => m.toUpperCase()));
}

function allows(route: Route, method: string): boolean {
  return route.methods === "*" || route.methods.has(method);
}

function prefixMatches(prefix: string, path: string): boolean {
  if (path === prefix) return true;
  const base = prefix.endsWith("/") ? prefix : `${prefix}/`;
  return path.startsWith(base) || (prefix.endsWith("/") && path === prefix.slice(0, -1));
}

/**
 * Method + path router. Exact routes win over prefix routes; among prefix routes the longest wins.
 * @example
 * const router = new Router();
 * router.get("/ssl/opsi-ca-cert.pem", (ctx) => ctx.text(200, pem));
 * router.prefix(["GET", "POST"], "/rpc", rpcHandler);
 */
export class Router {
  private readonly exact = new Map<string, Route[]>();
  private prefixes: Route[] = [];

  /** Registers a handler for an exact path. */
  add(methods: MethodSpec, path: string, handler: Handler): this {
    const route: Route = { methods: normalizeMethods(methods), path, prefix: false, handler };
    const list = this.exact.get(path) ?? [];
    list.push(route);
    this.exact.set(path, list);
    return this;
  }

  /** Registers a handler for a path and everything below it (`/rpc`, `/rpc/...`). */
  prefix(methods: MethodSpec, path: string, handler: Handler): this {
    this.prefixes.push({ methods: normalizeMethods(methods), path, prefix: true, handler });
    this.prefixes = [...this.prefixes].sort((a, b) => b.path.length - a.path.length);
    return this;
  }

  /** `add("GET", ...)`. */
  get(path: string, handler: Handler): this {
    return this.add("GET", path, handler);
  }

  /** `add("POST", ...)`. */
  post(path: string, handler: Handler): this {
    return this.add("POST", path, handler);
  }

  /** Finds the handler for a request. */
  match(method: string, path: string): RouteMatch {
    const m = method.toUpperCase();
    const candidates = [...(this.exact.get(path) ?? []), ...this.prefixes.filter((r) => prefixMatches(r.path, path))];
    if (candidates.length === 0) return { kind: "not-found" };
    const found = candidates.find((r) => allows(r, m)) ?? (m === "HEAD" ? candidates.find((r) => allows(r, "GET")) : undefined);
    if (found) return { kind: "found", handler: found.handler, route: found.path };
    const allow = new Set<string>();
    for (const r of candidates) {
      if (r.methods === "*") continue;
      for (const x of r.methods) allow.add(x);
    }
    if (allow.has("GET")) allow.add("HEAD");
    return { kind: "method-not-allowed", allow: [...allow].sort() };
  }
}
