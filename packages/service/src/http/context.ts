/**
 * @module http/context
 * `RequestContext`: one request with its resolved path, client address, session/caller slots, body
 * reading with a size limit, and response helpers.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { CallerContext } from "../identity.js";
import type { Session } from "../session/Session.js";
import type { AccessRole } from "./access-role.js";
import { HttpError } from "./errors.js";

/** Values a {@link RequestContext} is built from. */
export interface RequestContextInit {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Decoded path after legacy rewrites. */
  readonly path: string;
  /** Decoded path as the client sent it. */
  readonly originalPath: string;
  readonly query: URLSearchParams;
  /** Client address after trusted-proxy handling, normalised. */
  readonly clientAddress: string;
  /** Address of the TCP peer, normalised. */
  readonly peerAddress: string;
  /** Default body size limit in bytes. */
  readonly bodyLimit: number;
  readonly log: Logger;
  /** Set for an HTTP upgrade request (WebSocket): the raw socket, until a handler takes it. */
  readonly upgrade?: UpgradeRequest;
}

/** The raw connection of an upgrade request; `res` of such a request writes to this socket. */
export interface UpgradeRequest {
  readonly socket: Duplex;
  /** The first bytes after the request head. */
  readonly head: Buffer;
  /** Whether a handler took over the socket ({@link RequestContext.takeUpgrade}). */
  taken: boolean;
}

/**
 * Per-request state and helpers. Middleware fills `session`, `caller` and `requiredRole`; handlers
 * read the body with {@link RequestContext.readBody} and answer with `json`/`text`/`send`.
 * @example
 * router.post("/echo", async (ctx) => ctx.json(200, await ctx.readJson()));
 */
export class RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Upper-case request method. */
  readonly method: string;
  readonly path: string;
  readonly originalPath: string;
  readonly query: URLSearchParams;
  readonly clientAddress: string;
  readonly peerAddress: string;
  readonly log: Logger;
  /** Role the path requires; set by the auth middleware. */
  requiredRole: AccessRole | undefined;
  /** The session, if one was loaded or created for this request. */
  session: Session | undefined;
  /** The authenticated caller, if any. */
  caller: CallerContext | undefined;
  /** Set for upgrade requests (only on paths registered with `ServiceServer.acceptUpgrades`). */
  readonly upgrade: UpgradeRequest | undefined;
  /** Free slots for other middleware. */
  readonly locals = new Map<string, unknown>();
  private readonly bodyLimit: number;
  private bodyPromise: Promise<Buffer> | undefined;

  constructor(init: RequestContextInit) {
    this.req = init.req;
    this.res = init.res;
    this.method = (init.req.method ?? "GET").toUpperCase();
    this.path = init.path;
    this.originalPath = init.originalPath;
    this.query = init.query;
    this.clientAddress = init.clientAddress;
    this.peerAddress = init.peerAddress;
    this.bodyLimit = init.bodyLimit;
    this.log = init.log;
    this.upgrade = init.upgrade;
  }

  /**
   * Takes over the socket of an upgrade request (after the middleware accepted it): the response
   * object no longer writes to it, and the handler owns it (e.g. `WebSocketServer.handleUpgrade`).
   * Throws if this is not an upgrade request or the socket was taken or answered already.
   */
  takeUpgrade(): { socket: Duplex; head: Buffer } {
    const upgrade = this.upgrade;
    if (!upgrade || upgrade.taken || this.responded) throw new Error("No upgrade request to take over");
    upgrade.taken = true;
    this.res.detachSocket(upgrade.socket as Socket);
    return { socket: upgrade.socket, head: upgrade.head };
  }

  /** First value of a request header (name case-insensitive). */
  header(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  /** Whether the response has started. */
  get responded(): boolean {
    return this.upgrade?.taken === true || this.res.headersSent || this.res.writableEnded;
  }

  /**
   * Reads the whole request body. More than `limit` bytes (default: the server's `bodyLimit`) →
   * `HttpError(413)` and the connection is closed after the response. Reads once; later calls
   * return the same buffer.
   */
  readBody(options: { limit?: number } = {}): Promise<Buffer> {
    this.bodyPromise ??= this.consumeBody(options.limit ?? this.bodyLimit);
    return this.bodyPromise;
  }

  /** Reads the body as JSON; empty body → `undefined`; invalid JSON → `HttpError(400)`. */
  async readJson(options: { limit?: number } = {}): Promise<unknown> {
    const body = await this.readBody(options);
    if (body.length === 0) return undefined;
    try {
      return JSON.parse(body.toString("utf8"));
    } catch (e: unknown) {
      throw new HttpError(400, "Invalid JSON in request body", { cause: e });
    }
  }

  /** Sends a JSON response. */
  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.send(status, Buffer.from(JSON.stringify(body) ?? "null", "utf8"), { "content-type": "application/json", ...headers });
  }

  /** Sends a text response (`text/plain; charset=utf-8` unless given). */
  text(status: number, body: string, headers: Record<string, string> = {}): void {
    this.send(status, Buffer.from(body, "utf8"), { "content-type": "text/plain; charset=utf-8", ...headers });
  }

  /** Sends a complete response with `content-length`. */
  send(status: number, body: Buffer | string, headers: Record<string, string> = {}): void {
    const buf = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    this.res.statusCode = status;
    for (const [name, value] of Object.entries(headers)) this.res.setHeader(name, value);
    this.res.setHeader("content-length", String(buf.length));
    this.res.end(buf);
  }

  private consumeBody(limit: number): Promise<Buffer> {
    const req = this.req;
    const tooLarge = () => {
      this.res.setHeader("connection", "close");
      return new HttpError(413, `Request body too large (limit ${limit} bytes)`);
    };
    const declared = Number(req.headers["content-length"] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
    if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const cleanup = () => {
        req.off("data", onData);
        req.off("end", onEnd);
        req.off("error", onError);
        req.off("close", onClose);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          cleanup();
          req.pause();
          reject(tooLarge());
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => {
        cleanup();
        resolve(Buffer.concat(chunks, size));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(new HttpError(400, "Request body could not be read", { cause: err }));
      };
      const onClose = () => {
        if (req.complete) return;
        cleanup();
        reject(new HttpError(400, "Request aborted"));
      };
      req.on("data", onData);
      req.on("end", onEnd);
      req.on("error", onError);
      req.on("close", onClose);
    });
  }
}
