/**
 * @module http-fetch
 * A small `fetch` over `node:https`/`node:http` with its own trust settings (a CA
 * bundle, or no verification), for `ServiceClient`. undici's `Agent` would do this, but undici is not
 * part of the workspace and Node's bundled copy takes no per-request CA.
 */
import http from "node:http";
import https from "node:https";
import type { FetchLike } from "@opsi-ts/core";

/** Options of {@link createHttpFetch}. */
export interface HttpFetchOptions {
  /** PEM CA certificate(s) to trust instead of the system's. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Skip server certificate verification. */
  readonly insecure?: boolean;
  /** Reuse connections (default true). */
  readonly keepAlive?: boolean;
}

/** A `fetch` with its own connection pools; `close()` drops idle and open connections. */
export interface HttpFetch extends FetchLike {
  close(): void;
}

function requestHeaders(init: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function requestBody(body: RequestInit["body"]): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError("http fetch: only string, Uint8Array and ArrayBuffer bodies are supported");
}

/**
 * Creates a `fetch` for `http:` and `https:` URLs that buffers the response body. Multiple
 * `Set-Cookie` headers stay separate (`headers.getSetCookie()`).
 * @example
 * const fetch = createHttpFetch({ ca: readFileSync("data/tls/opsi-ca-cert.pem", "utf8") });
 * const client = new ServiceClient({ url: "https://localhost:4447", username, password, fetch });
 */
export function createHttpFetch(options: HttpFetchOptions = {}): HttpFetch {
  const keepAlive = options.keepAlive ?? true;
  const ca =
    options.ca === undefined ? undefined : typeof options.ca === "string" || Buffer.isBuffer(options.ca) ? options.ca : [...options.ca];
  const httpsAgent = new https.Agent({ keepAlive, rejectUnauthorized: options.insecure !== true, ...(ca === undefined ? {} : { ca }) });
  const httpAgent = new http.Agent({ keepAlive });

  const fetchImpl = (url: string, init: RequestInit): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const transport = target.protocol === "https:" ? https : target.protocol === "http:" ? http : undefined;
      if (transport === undefined) {
        reject(new TypeError(`http fetch: unsupported protocol '${target.protocol}'`));
        return;
      }
      const method = (init.method ?? "GET").toUpperCase();
      let body: Uint8Array | undefined;
      const headers = requestHeaders(init.headers);
      try {
        body = requestBody(init.body);
      } catch (e: unknown) {
        reject(e);
        return;
      }
      if (body !== undefined) headers["content-length"] = String(body.byteLength);
      const req = transport.request(
        target,
        {
          method,
          headers,
          agent: transport === https ? httpsAgent : httpAgent,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const responseHeaders = new Headers();
            const raw = res.rawHeaders;
            for (let i = 0; i + 1 < raw.length; i += 2) responseHeaders.append(raw[i] ?? "", raw[i + 1] ?? "");
            const status = res.statusCode ?? 500;
            const noBody = method === "HEAD" || status === 204 || status === 304;
            try {
              resolve(
                new Response(noBody ? null : Buffer.concat(chunks), {
                  status,
                  statusText: res.statusMessage ?? "",
                  headers: responseHeaders,
                }),
              );
            } catch (e: unknown) {
              reject(e);
            }
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  return Object.assign(fetchImpl, {
    close(): void {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  });
}
