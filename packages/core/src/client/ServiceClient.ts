/**
 * @module client/ServiceClient
 * A typed opsi service client over `fetch`, speaking to opsiconfd 4.3 (or opsi-ts) the way
 * python-opsi-common's `ServiceClient` does: `HEAD /rpc` handshake with Basic auth, session cookie,
 * version-gated msgpack/lz4, JSON-RPC 2.0 with uuid4 ids.
 */
import type { BackendCrud } from "../backend/Backend.js";
import type { Backend, BackendExtensions } from "../backend/methods.js";
import { OpsiAuthenticationError, OpsiConnectionError, OpsiRpcError, OpsiServicePermissionError } from "../errors.js";
import type { OpsiObject } from "../model/classes.js";
import {
  type Compression,
  compressionFromHeader,
  decompressData,
  deserializeData,
  encodeBody,
  hasGzipHeader,
  hasZlibHeader,
  type Lz4Codec,
  type Serialization,
  serializationFromHeader,
} from "../rpc/codec.js";
import type { RpcErrorInfo } from "../rpc/errors.js";
import { RPC_METHODS } from "../rpc/interface.js";
import { type JsonRpcId, type ParsedJsonRpcResponse, parseJsonRpcResponse } from "../rpc/jsonrpc.js";

/** The serialisation a client prefers (used when the server is new enough). */
export type ServiceSerialization = Serialization;

/** The compression a client prefers (used when the server is new enough). */
export type ServiceCompression = Compression | "none";

/** The subset of `fetch` the client needs; inject undici's or a test double. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Extra `fetch` init members merged into every request (e.g. undici's `dispatcher` carrying a custom CA). */
export type FetchOptions = Omit<RequestInit, "method" | "headers" | "body"> & { readonly [key: string]: unknown };

/** Options of {@link ServiceClient}. */
export interface ServiceClientOptions {
  /** Service address, e.g. `https://config.example.org:4447`; a path other than `/rpc` becomes the RPC path; no port means 4447. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** A TOTP code sent as `X-opsi-MFA-OTP` on login. */
  readonly mfaOtp?: string;
  /** Preferred serialisation (default msgpack; JSON for servers older than 4.2.0.171). */
  readonly serialization?: ServiceSerialization;
  /** Preferred compression (default lz4 when `lz4` is given, else gzip); gated by the server version. */
  readonly compression?: ServiceCompression;
  /** LZ4 frame codec, required for lz4. */
  readonly lz4?: Lz4Codec;
  /** Requested session idle lifetime in seconds (`X-opsi-session-lifetime`, default 150). */
  readonly sessionLifetime?: number;
  readonly userAgent?: string;
  readonly fetch?: FetchLike;
  readonly fetchOptions?: FetchOptions;
}

/** Per-call options. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Merged over the client's `fetchOptions` for this request. */
  readonly fetchOptions?: FetchOptions;
}

/** One call of a batch. */
export interface RpcCall {
  readonly method: string;
  readonly params?: readonly unknown[] | Readonly<Record<string, unknown>>;
}

/** The outcome of one call of a batch, in request order. */
export type RpcBatchResult =
  | { readonly id: string; readonly result: unknown; readonly error: null }
  | { readonly id: string; readonly result: null; readonly error: RemoteRpcError };

/** An object as it travels on the wire: its hash plus `ident`. */
export type WireObject<T> = T extends OpsiObject ? T & { readonly ident: string } : T;

/** A backend method's result in wire form (void → null, objects with `ident`). */
// biome-ignore lint/suspicious/noConfusingVoidType: the Backend's write methods return Promise<void>.
export type WireResult<T> = [T] extends [void] ? null : T extends readonly (infer U)[] ? WireObject<U>[] : WireObject<T>;

/** Names of the opsi-named Backend methods. */
export type RemoteBackendMethod = keyof BackendCrud | keyof BackendExtensions;

/** The Backend's opsi-named methods as remote calls with wire-form results. */
export type RemoteBackend = {
  readonly [K in RemoteBackendMethod]: (...args: Parameters<Backend[K]>) => Promise<WireResult<Awaited<ReturnType<Backend[K]>>>>;
};

/** An RPC error reported by the server; `opsiClass` is the server's class, `message` its message verbatim. */
export class RemoteRpcError extends OpsiRpcError {
  /** The server's exception class (`BackendMissingDataError`, `ValueError`, ...). */
  readonly remoteClass: string;
  /** The server's traceback (admin sessions only), else null. */
  readonly details: string | null;
  readonly rpcId: JsonRpcId | null;

  constructor(error: RpcErrorInfo, rpcId: JsonRpcId | null = null) {
    super(error.message);
    this.message = error.message;
    this.remoteClass = error.class;
    this.details = error.details;
    this.rpcId = rpcId;
  }

  override get opsiClass(): string {
    return this.remoteClass;
  }
}

/** An HTTP-level failure other than 401/403 (e.g. 503 maintenance, 400 without an RPC error body). */
export class ServiceHttpError extends OpsiConnectionError {
  readonly status: number;
  /** Seconds from `Retry-After`, if sent. */
  readonly retryAfter: number | null;

  constructor(status: number, text: string, retryAfter: number | null = null) {
    super(`${status} - ${text}`);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** Lowest server versions of the features (python-opsi-common's MIN_VERSION_*). */
export const MIN_SERVER_VERSIONS = { msgpack: "4.2.0.171", lz4: "4.2.0.171", gzip: "4.2.0.0" } as const;

/**
 * The version in a `Server` header (python-opsi-common's `^opsi\D+([\d.]+)`), or null.
 * @example parseServerVersion("opsiconfd 4.3.0.0 (uvicorn)") // "4.3.0.0"
 */
export function parseServerVersion(server: string | null | undefined): string | null {
  const match = /^opsi\D+([\d.]+)/.exec(server ?? "");
  return match?.[1] ?? null;
}

/**
 * Compares dotted numeric versions (missing parts count as 0).
 * @example compareVersions("4.3.0.0", "4.2.0.171") // 1
 */
export function compareVersions(a: string, b: string): number {
  const pa = a
    .split(".")
    .filter((p) => p !== "")
    .map(Number);
  const pb = b
    .split(".")
    .filter((p) => p !== "")
    .map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

const SESSION_COOKIE = "opsiconfd-session";
const DEFAULT_PORT = "4447";

function basicAuth(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

function retryAfterSeconds(res: Response): number | null {
  const value = Number.parseInt(res.headers.get("retry-after") ?? "", 10);
  return Number.isFinite(value) ? value : null;
}

/** Positional params for a proxy call: trailing `undefined`s dropped, inner ones replaced by the default, a null kwargs dict dropped. */
function proxyParams(method: string, args: readonly unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end -= 1;
  const info = RPC_METHODS.get(method);
  if (info?.kwargs !== null && info !== undefined && end === info.params.length + 1 && args[end - 1] === null) end -= 1;
  return args.slice(0, end).map((arg, i) => (arg === undefined ? (info?.params[i]?.default ?? null) : arg));
}

/**
 * An opsi service client. Connects lazily on the first call; re-authenticates once when a request
 * gets 401 (expired session). In browsers, cookies are the browser's business (pass
 * `fetchOptions: { credentials: "include" }`); in Node the client keeps the session cookie itself.
 * @example
 * const client = new ServiceClient({ url: "https://config.example.org:4447", username: "admin", password: "secret", lz4 });
 * const clients = await client.backend.host_getObjects([], { type: "OpsiClient" });
 */
export class ServiceClient {
  /** The opsi-named Backend methods as remote calls: `client.backend.host_getObjects([], { type: "OpsiClient" })`. */
  readonly backend: RemoteBackend;

  readonly #origin: string;
  readonly #rpcPath: string;
  readonly #username: string;
  readonly #password: string;
  readonly #mfaOtp: string | undefined;
  readonly #preferredSerialization: Serialization;
  readonly #preferredCompression: Compression | null;
  readonly #lz4: Lz4Codec | undefined;
  readonly #sessionLifetime: number;
  readonly #userAgent: string;
  readonly #fetch: FetchLike;
  readonly #fetchOptions: FetchOptions;
  readonly #cookies = new Map<string, string>();
  #connected = false;
  #connecting: Promise<void> | null = null;
  #serverName: string | null = null;
  #serverVersion: string | null = null;
  #newHostId: string | null = null;

  constructor(options: ServiceClientOptions) {
    const url = new URL(options.url.includes("://") ? options.url : `https://${options.url}`);
    const path = url.pathname.replace(/\/+$/, "");
    this.#rpcPath = path === "" ? "/rpc" : path;
    if (url.port === "") url.port = DEFAULT_PORT;
    this.#origin = url.origin;
    this.#username = options.username;
    this.#password = options.password;
    this.#mfaOtp = options.mfaOtp;
    this.#preferredSerialization = options.serialization ?? "msgpack";
    const compression = options.compression ?? (options.lz4 ? "lz4" : "gzip");
    if (compression === "lz4" && !options.lz4) throw new TypeError("ServiceClient: compression 'lz4' needs an lz4 codec (option lz4)");
    this.#preferredCompression = compression === "none" ? null : compression;
    this.#lz4 = options.lz4;
    this.#sessionLifetime = Math.max(1, Math.trunc(options.sessionLifetime ?? 150));
    this.#userAgent = options.userAgent ?? "opsi-ts-service-client/0.1.0";
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#fetchOptions = options.fetchOptions ?? {};
    this.backend = new Proxy({} as RemoteBackend, {
      get: (_target, prop) => {
        // Not `then`: `await client.backend` must not look like a promise.
        if (typeof prop !== "string" || prop === "then") return undefined;
        return (...args: unknown[]) => this.call(prop, proxyParams(prop, args));
      },
    });
  }

  /** Whether `connect()` succeeded and `disconnect()` was not called since. */
  get connected(): boolean {
    return this.#connected;
  }

  /** The `Server` header of the handshake. */
  get serverName(): string | null {
    return this.#serverName;
  }

  /** The server version parsed from the `Server` header (null: not an opsi server header). */
  get serverVersion(): string | null {
    return this.#serverVersion;
  }

  /** `x-opsi-new-host-id` from the handshake (MAC/UUID logins). */
  get newHostId(): string | null {
    return this.#newHostId;
  }

  /** The session cookie as `name=value`, or null. */
  get sessionCookie(): string | null {
    const value = this.#cookies.get(SESSION_COOKIE);
    return value === undefined ? null : `${SESSION_COOKIE}=${value}`;
  }

  /** The serialisation in use: the preferred one if the server supports msgpack (≥ 4.2.0.171), else JSON. */
  get serialization(): Serialization {
    return this.#preferredSerialization === "msgpack" && this.#serverAtLeast(MIN_SERVER_VERSIONS.msgpack) ? "msgpack" : "json";
  }

  /** The request compression in use: lz4 needs ≥ 4.2.0.171 (else gzip), gzip/deflate ≥ 4.2.0.0 (else none). */
  get compression(): Compression | null {
    const preferred = this.#preferredCompression;
    if (preferred === "lz4" && this.#serverAtLeast(MIN_SERVER_VERSIONS.lz4)) return "lz4";
    if (preferred !== null && this.#serverAtLeast(MIN_SERVER_VERSIONS.gzip)) return preferred === "lz4" ? "gzip" : preferred;
    return null;
  }

  #serverAtLeast(version: string): boolean {
    return this.#serverVersion !== null && compareVersions(this.#serverVersion, version) >= 0;
  }

  /**
   * `HEAD /rpc` with Basic auth: authenticates, stores the session cookie, reads the server
   * version and `x-opsi-new-host-id`. Status 200 and 405 (old servers) count as success.
   * @example await client.connect(); client.serverVersion // "4.3.0.0"
   */
  connect(): Promise<void> {
    this.#connecting ??= this.#handshake().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #handshake(): Promise<void> {
    const headers: Record<string, string> = { authorization: basicAuth(this.#username, this.#password) };
    if (this.#mfaOtp) headers["x-opsi-mfa-otp"] = this.#mfaOtp;
    const res = await this.#request("HEAD", this.#rpcPath, headers, undefined);
    await res.arrayBuffer();
    if (res.status !== 200 && res.status !== 405) throw this.#statusError(res, res.statusText || "Connect failed");
    this.#serverName = res.headers.get("server");
    this.#serverVersion = parseServerVersion(this.#serverName);
    this.#newHostId = res.headers.get("x-opsi-new-host-id");
    this.#connected = true;
  }

  /**
   * Calls one RPC method (JSON-RPC 2.0, uuid4 id) and returns its result in wire form. Throws
   * {@link RemoteRpcError} for RPC errors, `OpsiAuthenticationError` (401), `OpsiServicePermissionError`
   * (403), {@link ServiceHttpError} for other HTTP failures, `OpsiConnectionError` for network errors.
   * @example await client.call("host_getObjects", [[], { type: "OpsiClient" }])
   */
  async call<T = unknown>(method: string, params: RpcCall["params"] = [], options: CallOptions = {}): Promise<T> {
    const id = crypto.randomUUID();
    const { res, document } = await this.#post({ jsonrpc: "2.0", id, method, params }, options);
    if (Array.isArray(document)) throw new OpsiRpcError(`Expected one JSON-RPC response, got a list of ${document.length}`);
    const response = parseJsonRpcResponse(document);
    if (response.error !== null) throw this.#responseError(response, res);
    return response.result as T;
  }

  /**
   * Sends several calls as one batch; results come back in call order, RPC errors as values. HTTP
   * and middleware errors throw. Handles the server answering a one-element batch with a bare object.
   * @example const [a, b] = await client.jsonrpc([{ method: "backend_info" }, { method: "getDomain" }]);
   */
  async jsonrpc(calls: readonly RpcCall[], options: CallOptions = {}): Promise<RpcBatchResult[]> {
    if (calls.length === 0) return [];
    const requests = calls.map((c) => ({ jsonrpc: "2.0", id: crypto.randomUUID(), method: c.method, params: c.params ?? [] }));
    const { res, document } = await this.#post(requests, options);
    const list = Array.isArray(document) ? document : [document];
    const ids = new Set<unknown>(requests.map((r) => r.id));
    const byId = new Map<unknown, ParsedJsonRpcResponse>();
    for (const item of list) {
      const response = parseJsonRpcResponse(item);
      // A middleware error or a whole-document error (HTTP 400, id 0) answers no single call.
      if (response.error !== null && (typeof response.error === "string" || !ids.has(response.id)))
        throw this.#responseError(response, res);
      byId.set(response.id, response);
    }
    return requests.map((req): RpcBatchResult => {
      const response = byId.get(req.id);
      if (!response) throw new OpsiRpcError(`No response for request ${req.id} (${req.method})`);
      if (response.error === null) return { id: req.id, result: response.result, error: null };
      const error = this.#responseError(response, res);
      if (!(error instanceof RemoteRpcError)) throw error;
      return { id: req.id, result: null, error };
    });
  }

  /**
   * Ends the session (`POST /auth/logout`, errors ignored) and forgets cookie and server info.
   * @example await client.disconnect()
   */
  async disconnect(): Promise<void> {
    if (this.#connected) {
      try {
        const res = await this.#request("POST", "/auth/logout", {}, undefined);
        await res.arrayBuffer();
      } catch {
        // Logging out is best effort: the session expires on its own.
      }
    }
    this.#cookies.clear();
    this.#connected = false;
    this.#serverName = null;
    this.#serverVersion = null;
    this.#newHostId = null;
  }

  async #post(document: unknown, options: CallOptions): Promise<{ res: Response; document: unknown }> {
    if (!this.#connected) await this.connect();
    let res = await this.#postOnce(document, options);
    if (res.status === 401) {
      await res.arrayBuffer();
      this.#connected = false;
      this.#cookies.delete(SESSION_COOKIE);
      await this.connect();
      res = await this.#postOnce(document, options);
    }
    return { res, document: await this.#decodeResponse(res) };
  }

  #postOnce(document: unknown, options: CallOptions): Promise<Response> {
    const serialization = this.serialization;
    const compression = this.compression;
    const encoded = encodeBody(document, { serialization, compression, lz4: this.#lz4, minSize: 0 });
    const headers: Record<string, string> = { "content-type": encoded.contentType, accept: encoded.contentType };
    if (encoded.contentEncoding) headers["content-encoding"] = encoded.contentEncoding;
    if (compression) headers["accept-encoding"] = compression;
    return this.#request("POST", this.#rpcPath, headers, encoded.body, options);
  }

  async #decodeResponse(res: Response): Promise<unknown> {
    let bytes: Uint8Array = new Uint8Array(await res.arrayBuffer());
    if (bytes.length === 0) {
      if (!res.ok) throw this.#statusError(res, res.statusText);
      throw new OpsiRpcError("Empty response from service");
    }
    let encoding: Compression | null = null;
    try {
      encoding = compressionFromHeader(res.headers.get("content-encoding"));
    } catch {
      // A coding we cannot name (br): fetch has decoded it already.
    }
    // fetch implementations decode gzip/deflate themselves; only undo what is still compressed.
    if (encoding === "lz4" || (encoding === "gzip" && hasGzipHeader(bytes)) || (encoding === "deflate" && hasZlibHeader(bytes))) {
      bytes = decompressData(bytes, encoding, { lz4: this.#lz4 });
    }
    const serialization = serializationFromHeader(res.headers.get("content-type")) ?? "json";
    try {
      return deserializeData(bytes, serialization);
    } catch (e: unknown) {
      if (!res.ok) throw this.#statusError(res, res.statusText);
      throw new OpsiRpcError(`Invalid response from service: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  #responseError(response: ParsedJsonRpcResponse, res: Response): Error {
    if (response.error !== null && typeof response.error === "object") return new RemoteRpcError(response.error, response.id);
    const text = typeof response.error === "string" ? response.error : "Unknown error";
    return res.ok ? new OpsiRpcError(text) : this.#statusError(res, text);
  }

  #statusError(res: Response, text: string): Error {
    if (res.status === 401) return new OpsiAuthenticationError(text);
    if (res.status === 403) return new OpsiServicePermissionError(text);
    return new ServiceHttpError(res.status, text, retryAfterSeconds(res));
  }

  async #request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
    options: CallOptions = {},
  ): Promise<Response> {
    const all: Record<string, string> = {
      "user-agent": this.#userAgent,
      "x-opsi-session-lifetime": String(this.#sessionLifetime),
      ...headers,
    };
    if (this.#cookies.size > 0) all.cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const init: RequestInit = { ...this.#fetchOptions, ...options.fetchOptions, method, headers: all };
    if (body !== undefined) init.body = body;
    if (options.signal) init.signal = options.signal;
    let res: Response;
    try {
      res = await this.#fetch(`${this.#origin}${path}`, init);
    } catch (e: unknown) {
      throw new OpsiConnectionError(`${method} ${this.#origin}${path} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    this.#storeCookies(res.headers);
    return res;
  }

  #storeCookies(headers: Headers): void {
    const lines =
      typeof headers.getSetCookie === "function" ? headers.getSetCookie() : (headers.get("set-cookie")?.split(/,(?=\s*[^;,=\s]+=)/) ?? []);
    for (const line of lines) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
      if (value === "" || expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}
