/** @module test/e2e-fetch A recording `fetch` for `ServiceClient` over node:https with the test CA (undici is not resolvable here). */
// Node 20's global fetch takes a custom CA only through an undici dispatcher. Bodies pass through
// undecoded, so the client's own decompression is exercised.
import { request } from "node:https";
import type { FetchLike } from "@opsi-ts/core";

/** The headers of one request/response pair seen by {@link recordingHttpsFetch}. */
export interface FetchExchange {
  readonly method: string;
  readonly url: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly status: number;
  readonly responseHeaders: Headers;
}

/** A fetch function plus the exchanges it performed. */
export interface RecordingFetch {
  readonly fetch: FetchLike;
  readonly exchanges: FetchExchange[];
}

function bodyBytes(body: RequestInit["body"]): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError("recordingHttpsFetch: only string, Uint8Array and ArrayBuffer bodies are supported");
}

/**
 * A `FetchLike` that sends each request on a fresh node:https connection trusting `ca`.
 * @example const { fetch, exchanges } = recordingHttpsFetch(caPem); new ServiceClient({ url, username, password, fetch });
 */
export function recordingHttpsFetch(ca: string): RecordingFetch {
  const exchanges: FetchExchange[] = [];
  const fetch: FetchLike = (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const method = (init.method ?? "GET").toUpperCase();
      const requestHeaders = Object.fromEntries(new Headers(init.headers).entries());
      const body = bodyBytes(init.body);
      if (body !== undefined) requestHeaders["content-length"] = String(body.length);
      const outgoing = request(
        {
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method,
          headers: requestHeaders,
          ca: [ca],
          agent: false,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (value === undefined) continue;
              for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
            }
            const status = res.statusCode ?? 0;
            exchanges.push({ method, url, requestHeaders, status, responseHeaders: headers });
            const data = Buffer.concat(chunks);
            const nullBody = status === 204 || status === 205 || status === 304;
            resolve(new Response(nullBody ? null : data, { status, statusText: res.statusMessage ?? "", headers }));
          });
        },
      );
      outgoing.on("error", reject);
      if (body !== undefined) outgoing.write(body);
      outgoing.end();
    });
  return { fetch, exchanges };
}
