/**
 * @module repository/updater/http — the updater's HTTP access: a `fetch`-shaped function over
 * `node:http(s)` that streams the body (downloads of gigabyte packages), follows redirects and honours a
 * repository's TLS settings (`verifyCert`, client certificate) and the socket timeout.
 */
import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";

/** The `fetch` signature the updater uses (the global `fetch` fits). */
export type UpdaterFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Options of {@link createUpdaterFetch}. */
export interface UpdaterFetchOptions {
  /** Verify the server certificate (opsi's repository default is false). */
  readonly verifyCert?: boolean;
  /** PEM CA(s) to trust instead of the system's. */
  readonly ca?: string | Buffer;
  /** PEM client certificate and key (`authcertfile` / `authkeyfile`). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Socket idle timeout in milliseconds (default 60 000). */
  readonly timeoutMs?: number;
  /** Redirects followed (default 5). */
  readonly maxRedirects?: number;
  /** User-Agent header (default `opsi-ts-package-updater`). */
  readonly userAgent?: string;
}

function headerRecord(init: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/**
 * A streaming `fetch` for `http:`/`https:` (GET/HEAD only; no request bodies). The body is a web stream
 * fed from the socket, so a dropped connection surfaces as a stream error after the bytes received.
 * @example const fetch = createUpdaterFetch({ verifyCert: true, timeoutMs: 60_000 }); const res = await fetch(url, {});
 */
export function createUpdaterFetch(options: UpdaterFetchOptions = {}): UpdaterFetch {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const userAgent = options.userAgent ?? "opsi-ts-package-updater";
  const tls = {
    rejectUnauthorized: options.verifyCert === true,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.cert === undefined ? {} : { cert: options.cert }),
    ...(options.key === undefined ? {} : { key: options.key }),
  };

  const once = (target: URL, method: string, headers: Record<string, string>, signal: AbortSignal | undefined) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const transport = target.protocol === "https:" ? https : target.protocol === "http:" ? http : undefined;
      if (transport === undefined) {
        reject(new TypeError(`Unsupported protocol '${target.protocol}' in '${target.href}'`));
        return;
      }
      const req = transport.request(target, {
        method,
        headers: { "user-agent": userAgent, ...headers },
        ...(transport === https ? tls : {}),
        ...(signal ? { signal } : {}),
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${timeoutMs / 1000} s from '${target.href}'`)));
      req.on("response", (res) => {
        res.setTimeout(timeoutMs, () => res.destroy(new Error(`no data for ${timeoutMs / 1000} s from '${target.href}'`)));
        resolve(res);
      });
      req.on("error", reject);
      req.end();
    });

  return async (url: string, init: RequestInit): Promise<Response> => {
    const method = (init.method ?? "GET").toUpperCase();
    if (init.body !== undefined && init.body !== null) throw new TypeError("updater fetch: request bodies are not supported");
    const headers = headerRecord(init.headers);
    let target = new URL(url);
    for (let redirects = 0; ; redirects++) {
      const res = await once(target, method, headers, init.signal ?? undefined);
      const status = res.statusCode ?? 500;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location && redirects < maxRedirects) {
        res.resume();
        const next = new URL(location, target);
        // Credentials stay with their origin.
        if (next.origin !== target.origin) delete headers.authorization;
        target = next;
        continue;
      }
      const responseHeaders = new Headers();
      const raw = res.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) responseHeaders.append(raw[i] ?? "", raw[i + 1] ?? "");
      const noBody = method === "HEAD" || status === 204 || status === 304;
      if (noBody) res.resume();
      const body = noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      const response = new Response(body, { status, statusText: res.statusMessage ?? "", headers: responseHeaders });
      Object.defineProperty(response, "url", { value: target.href });
      return response;
    }
  };
}

/**
 * The `Authorization` header of HTTP Basic auth, or none without a user name.
 * @example basicAuthHeaders("user", "pw") // { authorization: "Basic dXNlcjpwdw==" }
 */
export function basicAuthHeaders(username: string, password: string): Record<string, string> {
  if (!username) return {};
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}` };
}
