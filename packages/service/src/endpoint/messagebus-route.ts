/**
 * @module endpoint/messagebus-route
 * The message bus endpoint (spec `messagebus-packages-sequencing.md` §1.2, `config-service.md` §5.6):
 * `GET /messagebus/` answers `<h1>messagebus</h1>`; a WebSocket upgrade on `/messagebus/v1[?compression=lz4|gzip]`
 * runs through the normal middleware (maintenance → 503 + Retry-After, auth → 401, networks → 403),
 * then only host sessions and admin users are accepted (others: 403 "Invalid session"). Accepted sockets
 * are handed to the {@link MessagebusHub}; binary frames only; ping every 30 s, dead sockets terminated;
 * the HTTP session is checked on the same tick ("Session deleted" → close 1000) and kept alive.
 */
import type { IncomingMessage } from "node:http";
import {
  type BusConnection,
  type BusIdentity,
  busIdentity,
  HubClosedError,
  InvalidCompressionError,
  type MessagebusHub,
  mayConnect,
  parseCompressionParam,
} from "@opsi-ts/messagebus";
import type { Logger } from "pino";
import { WebSocket, WebSocketServer } from "ws";
import type { RequestContext } from "../http/context.js";
import { HttpError } from "../http/errors.js";
import type { ServiceServer } from "../http/server.js";
import type { Identity } from "../identity.js";
import type { SessionManager } from "../session/SessionManager.js";

/** Options of {@link registerMessagebusRoute}. */
export interface MessagebusRouteOptions {
  readonly hub: MessagebusHub;
  /** Checks (and keeps alive) the HTTP session of each connection on every ping tick. */
  readonly sessions?: SessionManager;
  /** Ping interval; a socket that did not answer the previous ping is terminated. Default 30 000 ms. */
  readonly pingIntervalMs?: number;
  /** Largest WebSocket message accepted (`maxPayload`; bigger → close 1009). Default: the hub's `maxFrameBytes`. */
  readonly maxPayload?: number;
  readonly logger?: Logger;
}

/** The registered endpoint. */
export interface MessagebusEndpoint {
  /** Open WebSockets. */
  readonly connections: number;
  /** Closes the remaining sockets (1001), terminating those that do not close within `graceMs` (default 1 000). */
  close(graceMs?: number): Promise<void>;
}

const HTML = "<h1>messagebus</h1>";
/** Frames received and not yet processed before the socket stops reading. */
const MAX_PENDING_FRAMES = 64;

/**
 * The bus identity of an authenticated caller, or null if it may not connect (non-admin users).
 * @example busIdentityOf(ctx.caller.identity) // { kind: "client", name: "pc1.dom.tld", isAdmin: false }
 */
export function busIdentityOf(identity: Identity): BusIdentity | null {
  try {
    const bus =
      identity.kind === "user"
        ? busIdentity("user", identity.name, identity.isAdmin)
        : busIdentity(identity.kind, identity.hostId ?? identity.name);
    return mayConnect(bus) ? bus : null;
  } catch {
    return null;
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** Close reasons are limited to 123 bytes. */
function reason(text: string): string {
  const buf = Buffer.from(text, "utf8");
  return buf.length <= 123
    ? text
    : buf
        .subarray(0, 123)
        .toString("utf8")
        .replace(/\uFFFD+$/, "");
}

/**
 * Registers `/messagebus` on a service server.
 * @example const endpoint = registerMessagebusRoute(server, { hub, sessions, logger });
 */
export function registerMessagebusRoute(server: ServiceServer, options: MessagebusRouteOptions): MessagebusEndpoint {
  const { hub } = options;
  const log = options.logger;
  const pingIntervalMs = options.pingIntervalMs ?? 30_000;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? hub.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const extraHeaders = new WeakMap<IncomingMessage, string[]>();
  wss.on("headers", (headers, req) => {
    const extra = extraHeaders.get(req);
    if (extra) headers.push(...extra);
  });
  const sockets = new Set<WebSocket>();

  const accept = (ws: WebSocket, ctx: RequestContext, identity: BusIdentity, compression: ReturnType<typeof parseCompressionParam>) => {
    sockets.add(ws);
    const caller = ctx.caller;
    const session = ctx.session;
    let alive = true;
    let pending = 0;
    let paused = false;
    const send = (frame: Uint8Array) =>
      new Promise<void>((resolve, reject) => {
        if (ws.readyState !== WebSocket.OPEN) {
          reject(new Error("WebSocket is not open"));
          return;
        }
        ws.send(frame, { binary: true }, (err) => (err ? reject(err) : resolve()));
      });
    const connecting: Promise<BusConnection> = hub.connect({
      identity,
      clientAddress: ctx.clientAddress,
      compression,
      context: caller,
      send,
      close: (code, text) => ws.close(code, reason(text)),
    });
    connecting.catch((err: unknown) => {
      log?.warn({ err, identity: `${identity.kind}:${identity.name}` }, "message bus connection failed");
      if (err instanceof HubClosedError) ws.close(1013, reason(`${err.message}\nRetry-After: 10`));
      else ws.close(1011, "Internal server error");
    });
    const withConnection = (fn: (c: BusConnection) => Promise<void>) => {
      connecting.then(fn, () => {}).catch((err: unknown) => log?.error({ err }, "message bus connection handling failed"));
    };

    ws.on("message", (data, isBinary) => {
      if (!isBinary) {
        ws.close(1003, "Only binary frames are accepted");
        return;
      }
      const frame = toBytes(data);
      // Backpressure: stop reading from the socket while too many frames wait for processing.
      pending += 1;
      if (pending >= MAX_PENDING_FRAMES && !paused) {
        paused = true;
        ws.pause();
      }
      withConnection(async (c) => {
        try {
          await c.receive(frame);
        } finally {
          pending -= 1;
          if (paused && pending <= MAX_PENDING_FRAMES / 2) {
            paused = false;
            ws.resume();
          }
        }
      });
    });
    ws.on("pong", () => {
      alive = true;
    });
    ws.on("error", (err) => log?.debug({ err: err.message }, "message bus socket error"));

    const checkSession = async (c: BusConnection) => {
      if (!options.sessions || !session?.stored) return;
      const exists = await options.sessions.reload(session);
      if (!exists) {
        await c.sendError("Session deleted");
        await c.close(1000, "Session deleted");
        return;
      }
      const now = options.sessions.now();
      session.data.messagebusLastUsed = now;
      session.data.lastUsed = now;
      await options.sessions.save(session);
    };
    const timer = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (!alive) {
        log?.info({ identity: `${identity.kind}:${identity.name}` }, "terminating unresponsive message bus socket");
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
      withConnection(checkSession);
    }, pingIntervalMs);
    timer.unref();

    ws.on("close", () => {
      clearInterval(timer);
      sockets.delete(ws);
      withConnection((c) => c.closed());
    });
  };

  server.acceptUpgrades("/messagebus");
  server.router.prefix(["GET", "HEAD"], "/messagebus", async (ctx) => {
    const path = ctx.path.replace(/\/+$/, "");
    if (path === "/messagebus" && !ctx.upgrade) {
      ctx.send(200, HTML, { "content-type": "text/html; charset=utf-8" });
      return;
    }
    if (path !== "/messagebus/v1") throw new HttpError(404, "Not found");
    if (!ctx.upgrade) throw new HttpError(400, "WebSocket upgrade required");
    let compression: ReturnType<typeof parseCompressionParam>;
    try {
      compression = parseCompressionParam(ctx.query.get("compression"));
    } catch (e: unknown) {
      if (e instanceof InvalidCompressionError) throw new HttpError(400, e.message);
      throw e;
    }
    const caller = ctx.caller;
    if (!caller) throw new HttpError(401, "Authentication required");
    const identity = busIdentityOf(caller.identity);
    if (!identity) throw new HttpError(403, "Invalid session");
    if (hub.closing) throw new HttpError(503, "The message bus is shutting down", { headers: { "retry-after": "10" } });
    // Headers the middleware set (session cookie, X-opsi-user-id, server headers) go into the 101 response.
    const headers: string[] = [];
    for (const [name, value] of Object.entries(ctx.res.getHeaders())) {
      if (value === undefined || name === "content-length" || name === "connection") continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.push(`${name}: ${String(v)}`);
    }
    extraHeaders.set(ctx.req, headers);
    const { socket, head } = ctx.takeUpgrade();
    wss.handleUpgrade(ctx.req, socket, head, (ws) => accept(ws, ctx, identity, compression));
  });

  return {
    get connections() {
      return sockets.size;
    },
    async close(graceMs = 1_000) {
      const open = [...sockets];
      if (open.length === 0) return;
      await new Promise<void>((resolve) => {
        let pending = open.length;
        const done = () => {
          pending -= 1;
          if (pending === 0) resolve();
        };
        const timer = setTimeout(() => {
          for (const ws of open) ws.terminate();
        }, graceMs);
        timer.unref();
        for (const ws of open) {
          if (ws.readyState === WebSocket.CLOSED) {
            done();
            continue;
          }
          ws.once("close", done);
          if (ws.readyState === WebSocket.OPEN) ws.close(1001, "Server shutting down");
        }
      }).catch(() => {});
      wss.close();
    },
  };
}
