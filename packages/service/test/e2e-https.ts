/** @module test/e2e-https The hand-written HTTPS client of the end-to-end suite: node:https with explicit headers and bodies, and codecs independent of @opsi-ts/core's. */
import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import { deflateSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";
import { decode as msgpackDecode, encode as msgpackEncode } from "@msgpack/msgpack";
import { compressFrameSync, decompressFrameSync } from "lz4-napi";

/** Where the server under test listens and the CA its certificate chains to. */
export interface HttpsTarget {
  readonly port: number;
  readonly ca: string;
}

/** One request, sent exactly as given (no implicit content-type, encoding or cookies). */
export interface RawRequest {
  readonly method?: string;
  /** Path plus query string, sent verbatim. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
}

/** A complete response; the body is left as sent (still compressed if it was). */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body as UTF-8 text. */
  text(): string;
  /** The body as JSON. */
  json(): unknown;
}

/**
 * Sends one request on a fresh TLS connection to 127.0.0.1, trusting only the test CA.
 * @example const res = await httpsRequest(target, { method: "HEAD", path: "/rpc", headers: { authorization } });
 */
export function httpsRequest(target: HttpsTarget, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : typeof req.body === "string" ? Buffer.from(req.body, "utf8") : Buffer.from(req.body);
    const headers: Record<string, string> = { ...req.headers };
    if (body !== undefined) headers["content-length"] = String(body.length);
    let settled = false;
    const outgoing = request(
      { host: "127.0.0.1", port: target.port, path: req.path, method: req.method ?? "GET", headers, ca: [target.ca], agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          settled = true;
          const data = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: data,
            text: () => data.toString("utf8"),
            json: () => JSON.parse(data.toString("utf8")),
          });
        });
        res.on("error", (err) => {
          if (!settled) reject(err);
        });
      },
    );
    // A server that answers early (413) may reset the connection while the body is still being written.
    outgoing.on("error", (err) => {
      if (!settled) reject(err);
    });
    if (body !== undefined) outgoing.write(body);
    outgoing.end();
  });
}

/**
 * An HTTP Basic `Authorization` value (UTF-8).
 * @example basicAuth("pc1.dom.tld", hostKey) // "Basic cGMx..."
 */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/** Request/response body serialisations. */
export type WireSerialization = "json" | "msgpack";
/** Request/response body compressions. */
export type WireCompression = "lz4" | "deflate" | "gzip";

/**
 * Serialises a document (JSON text or MessagePack).
 * @example serialize({ method: "backend_info" }, "msgpack")
 */
export function serialize(document: unknown, serialization: WireSerialization): Buffer {
  return serialization === "msgpack" ? Buffer.from(msgpackEncode(document)) : Buffer.from(JSON.stringify(document), "utf8");
}

/**
 * Compresses bytes: lz4 frame, zlib stream (HTTP deflate) or gzip.
 * @example compress(serialize(doc, "json"), "lz4")
 */
export function compress(bytes: Uint8Array, compression: WireCompression): Buffer {
  const buffer = Buffer.from(bytes);
  if (compression === "lz4") return compressFrameSync(buffer);
  if (compression === "deflate") return deflateSync(buffer);
  return gzipSync(buffer);
}

/**
 * Undoes {@link compress}.
 * @example decompress(res.body, "gzip")
 */
export function decompress(bytes: Uint8Array, compression: WireCompression): Buffer {
  const buffer = Buffer.from(bytes);
  if (compression === "lz4") return decompressFrameSync(buffer);
  if (compression === "deflate") return inflateSync(buffer);
  return gunzipSync(buffer);
}

function isCompression(value: string): value is WireCompression {
  return value === "lz4" || value === "deflate" || value === "gzip";
}

/**
 * Decodes a response body by its own `content-encoding` and `content-type` headers.
 * @example decodeResponse(await httpsRequest(target, req)) // { id: 1, result: ..., error: null }
 */
export function decodeResponse(res: RawResponse): unknown {
  const encoding = String(res.headers["content-encoding"] ?? "");
  let bytes: Buffer = res.body;
  if (encoding !== "") {
    if (!isCompression(encoding)) throw new Error(`Unexpected content-encoding '${encoding}'`);
    bytes = decompress(bytes, encoding);
  }
  const type = String(res.headers["content-type"] ?? "");
  if (type.includes("msgpack")) return msgpackDecode(bytes);
  return JSON.parse(bytes.toString("utf8"));
}

/**
 * The `opsiconfd-session=<id>` pair of a response's `Set-Cookie`, if any.
 * @example sessionCookieOf(res) // "opsiconfd-session=7b9e..."
 */
export function sessionCookieOf(res: RawResponse): string | undefined {
  const line = (res.headers["set-cookie"] ?? []).find((c) => c.startsWith("opsiconfd-session="));
  return line?.split(";", 1)[0];
}

/**
 * The full `Set-Cookie` line of the session cookie, if any.
 * @example sessionCookieLine(res) // "opsiconfd-session=…; SameSite=Strict; Secure; path=/; Max-Age=120"
 */
export function sessionCookieLine(res: RawResponse): string | undefined {
  return (res.headers["set-cookie"] ?? []).find((c) => c.startsWith("opsiconfd-session="));
}
