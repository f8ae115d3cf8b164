/**
 * @module http/server
 * `createServiceServer`: the HTTPS server of the service kit. Every request gets the general headers,
 * legacy path rewrites and the client address, then runs through the middleware chain to the
 * router. A top-level error boundary answers every failure; the process never crashes on a request.
 */

import { type IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { hostname } from "node:os";
import type { Duplex } from "node:stream";
import pino, { type Logger } from "pino";
import { resolveClientAddress } from "./client-address.js";
import { RequestContext, type UpgradeRequest } from "./context.js";
import { sendError } from "./error-response.js";
import { HttpError } from "./errors.js";
import { generalHeaders } from "./headers.js";
import { IpNetworkList } from "./ip-network.js";
import { Router } from "./router.js";

/** A middleware: do work, call `next()` to continue the chain, or throw / respond to stop it. */
export type Middleware = (ctx: RequestContext, next: () => Promise<void>) => Promise<void>;

/** PEM credentials of the server. */
export interface TlsCredentials {
  readonly cert: string;
  readonly key: string;
  /** Extra chain certificates (only needed when the opsi CA is an intermediate CA). */
  readonly ca?: string | readonly string[];
}

/** Options of {@link createServiceServer}. */
export interface ServiceServerOptions {
  readonly tls: TlsCredentials;
  /** Bind address (default `0.0.0.0`; `::` for dual stack). */
  readonly host?: string;
  /** Port (default 4447; 0 = any free port). */
  readonly port?: number;
  /** Version advertised in `Server: opsiconfd <version> (opsi-ts)`, a `4.3.x.y` string. */
  readonly opsiVersion: string;
  /** `X-opsi-server-role` (default `configserver`). */
  readonly serverRole?: "configserver" | "depotserver";
  /** `X-opsi-worker-id` (default `<hostname>:1`). */
  readonly workerId?: string;
  /** `X-opsi-auth-methods` (default `["password"]`). */
  readonly authMethods?: readonly string[];
  /** `http-security-headers` (default true). */
  readonly securityHeaders?: boolean;
  /** Peers whose `X-Forwarded-For` is honoured (default `127.0.0.1/32`, `::1/128`). */
  readonly trustedProxies?: readonly string[];
  /** Default request body limit in bytes (default 100 MiB). */
  readonly bodyLimit?: number;
  /** Time a client has to send the request headers (default 60 000 ms). */
  readonly headersTimeoutMs?: number;
  /** Time a client has to send the whole request (default 300 000 ms). */
  readonly requestTimeoutMs?: number;
  /** Idle keep-alive timeout (default 5 000 ms). */
  readonly keepAliveTimeoutMs?: number;
  /** How often the two timeouts above are checked (default 1 000 ms). */
  readonly connectionsCheckingIntervalMs?: number;
  /** Minimum TLS version (default `TLSv1.2`, opsiconfd's `ssl-ciphers` default). */
  readonly minTlsVersion?: "TLSv1.2" | "TLSv1.3";
  /** Middleware chain, in order (maintenance first, then auth). */
  readonly middlewares?: readonly Middleware[];
  /** Router to use (default: a new one, reachable as `server.router`). */
  readonly router?: Router;
  readonly logger?: Logger;
  /** Clock in ms (default `Date.now`). */
  readonly clock?: () => number;
}

/** A created service server; call `start()` to listen. */
export interface ServiceServer {
  readonly router: Router;
  /** The underlying node server (for `upgrade` listeners, WebSockets). */
  readonly httpServer: Server;
  /** Port after `start()` (the real one when started with port 0). */
  readonly port: number;
  /** Appends a middleware to the chain. */
  use(middleware: Middleware): void;
  /**
   * Lets HTTP upgrade requests (WebSocket) for `prefix` and below run through the middleware chain and
   * the router; the handler takes the socket with `ctx.takeUpgrade()`, and errors are written to the
   * socket as HTTP responses. Upgrade requests for other paths get a 400 and are closed.
   */
  acceptUpgrades(prefix: string): void;
  /** Starts listening. */
  start(): Promise<AddressInfo>;
  /** Stops accepting, closes idle connections, then all connections after `graceMs` (default 5 000). */
  stop(graceMs?: number): Promise<void>;
  /** Replaces certificate and key for new connections (after a renewal). */
  setTlsCredentials(tls: TlsCredentials): void;
}

/** Legacy paths opsiconfd rewrites before routing (`BaseMiddleware.PATH_MAPPINGS`). */
const PATH_MAPPINGS: Readonly<Record<string, string>> = {
  "/dav": "/dav/",
  "/boot": "/boot/",
  "/depot": "/depot/",
  "/public": "/public/",
  "/repository": "/repository/",
  "/workbench": "/workbench/",
  "/session/login": "/auth/login",
  "/session/logout": "/auth/logout",
  "/session/authenticated": "/auth/authenticated",
  "/session/session_id": "/auth/session_id",
  "/session/wait_authenticated": "/auth/wait_authenticated",
};

const VERSION_RE = /^\d+\.\d+\.\d+\.\d+$/;
const DEFAULT_BODY_LIMIT = 100 * 1024 * 1024;

/** Splits `req.url` into decoded path and query; dot segments and bad encodings → 400. */
function parseTarget(url: string): { path: string; query: URLSearchParams } {
  let target = url;
  if (!target.startsWith("/")) {
    if (target === "*") return { path: "*", query: new URLSearchParams() };
    try {
      const u = new URL(target);
      target = `${u.pathname}${u.search}`;
    } catch {
      throw new HttpError(400, "Invalid request target");
    }
  }
  const q = target.indexOf("?");
  const rawPath = q >= 0 ? target.slice(0, q) : target;
  const query = new URLSearchParams(q >= 0 ? target.slice(q + 1) : "");
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new HttpError(400, "Invalid path encoding");
  }
  if (path.includes("\0") || path.split("/").some((seg) => seg === "." || seg === "..")) {
    throw new HttpError(400, "Invalid path");
  }
  return { path, query };
}

function compose(middlewares: readonly Middleware[], final: (ctx: RequestContext) => Promise<void>) {
  return (ctx: RequestContext): Promise<void> => {
    let last = -1;
    const run = async (i: number): Promise<void> => {
      if (i <= last) throw new Error("next() called more than once");
      last = i;
      const mw = middlewares[i];
      if (!mw) return final(ctx);
      await mw(ctx, () => run(i + 1));
    };
    return run(0);
  };
}

/**
 * Creates the HTTPS server. Register routes on `server.router`, add middleware, then `start()`.
 * @example
 * const server = createServiceServer({ tls: { cert, key }, opsiVersion: "4.3.24.1", port: 4447 });
 * server.router.get("/hello", (ctx) => ctx.text(200, "hi"));
 * await server.start();
 */
export function createServiceServer(options: ServiceServerOptions): ServiceServer {
  if (!VERSION_RE.test(options.opsiVersion)) {
    throw new TypeError(`opsiVersion must look like 4.3.x.y, got '${options.opsiVersion}'`);
  }
  const log = options.logger ?? pino({ level: "silent" });
  const clock = options.clock ?? Date.now;
  const router = options.router ?? new Router();
  const middlewares: Middleware[] = [...(options.middlewares ?? [])];
  const trustedProxies = new IpNetworkList(options.trustedProxies ?? ["127.0.0.1/32", "::1/128"]);
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const headerOptions = {
    opsiVersion: options.opsiVersion,
    serverRole: options.serverRole ?? "configserver",
    workerId: options.workerId ?? `${hostname()}:1`,
    authMethods: options.authMethods,
    securityHeaders: options.securityHeaders,
  } as const;

  const dispatch = async (ctx: RequestContext): Promise<void> => {
    const match = router.match(ctx.method, ctx.path);
    if (match.kind === "not-found") throw new HttpError(404, "Not found");
    if (match.kind === "method-not-allowed") {
      throw new HttpError(405, "Method not allowed", { headers: { allow: match.allow.join(", ") } });
    }
    await match.handler(ctx);
  };
  const pipeline = () => compose(middlewares, dispatch);

  const handle = async (req: IncomingMessage, res: ServerResponse, upgrade?: UpgradeRequest): Promise<void> => {
    req.on("error", (err) => log.debug({ err }, "Request stream error"));
    res.on("error", (err) => log.debug({ err }, "Response stream error"));
    res.sendDate = false;
    const { clientAddress, peerAddress } = resolveClientAddress(req, trustedProxies);
    for (const [name, value] of Object.entries(generalHeaders(headerOptions, req.headers, clock()))) res.setHeader(name, value);
    let parsed: { path: string; query: URLSearchParams } | undefined;
    let parseError: unknown;
    try {
      parsed = parseTarget(req.url ?? "/");
    } catch (e: unknown) {
      parseError = e;
    }
    const originalPath = parsed?.path ?? "";
    const ctx = new RequestContext({
      req,
      res,
      path: PATH_MAPPINGS[originalPath] ?? originalPath,
      originalPath,
      query: parsed?.query ?? new URLSearchParams(),
      clientAddress,
      peerAddress,
      bodyLimit,
      log: log.child({ client: clientAddress }),
      ...(upgrade ? { upgrade } : {}),
    });
    try {
      if (parseError !== undefined) throw parseError;
      await pipeline()(ctx);
      if (!ctx.responded) throw new Error(`Handler for ${ctx.method} ${ctx.path} did not respond`);
    } catch (e: unknown) {
      sendError(ctx, e);
    }
  };

  const server = createServer(
    {
      cert: options.tls.cert,
      key: options.tls.key,
      ca: options.tls.ca as string | string[] | undefined,
      minVersion: options.minTlsVersion ?? "TLSv1.2",
      requestTimeout: options.requestTimeoutMs ?? 300_000,
      headersTimeout: options.headersTimeoutMs ?? 60_000,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
      connectionsCheckingInterval: options.connectionsCheckingIntervalMs ?? 1_000,
    },
    (req, res) => {
      handle(req, res).catch((e: unknown) => {
        log.error({ err: e }, "Request handling failed");
        res.destroy();
      });
    },
  );
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    log.debug({ err: err.message, code: err.code }, "HTTP client error");
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? "408 Request Timeout"
        : err.code === "HPE_HEADER_OVERFLOW"
          ? "431 Request Header Fields Too Large"
          : "400 Bad Request";
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroySoon?.();
  });
  const upgradePrefixes: string[] = [];
  const upgradeAllowed = (url: string | undefined): boolean => {
    try {
      const { path } = parseTarget(url ?? "/");
      return upgradePrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix.replace(/\/+$/, "")}/`));
    } catch {
      return false;
    }
  };
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", (err: Error) => log.debug({ err: err.message }, "Upgrade socket error"));
    if (!upgradeAllowed(req.url)) {
      const body = "Upgrade not supported";
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      return;
    }
    // A response object on the raw socket, so middleware errors become normal HTTP responses.
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    const upgrade: UpgradeRequest = { socket, head, taken: false };
    res.on("finish", () => {
      if (!upgrade.taken) socket.end();
    });
    handle(req, res, upgrade).then(
      () => {
        if (!upgrade.taken && !res.writableEnded) socket.destroy();
      },
      (e: unknown) => {
        log.error({ err: e }, "Upgrade handling failed");
        if (!upgrade.taken) socket.destroy();
      },
    );
  });
  server.on("tlsClientError", (err: Error) => log.debug({ err: err.message }, "TLS client error"));

  let port = 0;
  return {
    router,
    httpServer: server,
    get port() {
      return port;
    },
    use(middleware) {
      middlewares.push(middleware);
    },
    acceptUpgrades(prefix) {
      upgradePrefixes.push(prefix);
    },
    start() {
      return new Promise<AddressInfo>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.once("error", onError);
        server.listen(options.port ?? 4447, options.host ?? "0.0.0.0", () => {
          server.off("error", onError);
          server.on("error", (err) => log.error({ err }, "Server error"));
          const address = server.address() as AddressInfo;
          port = address.port;
          log.info({ address: address.address, port: address.port }, "HTTPS server listening");
          resolve(address);
        });
      });
    },
    stop(graceMs = 5_000) {
      return new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
    setTlsCredentials(tls) {
      server.setSecureContext({ cert: tls.cert, key: tls.key, ca: tls.ca as string | string[] | undefined });
    },
  };
}
