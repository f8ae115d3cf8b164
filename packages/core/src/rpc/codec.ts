/**
 * @module rpc/codec
 * Body codec of `/rpc` (spec §2.1): serialisation (JSON, MessagePack) and compression (lz4 frame,
 * deflate = zlib RFC 1950, gzip) with opsiconfd's header negotiation. Runs in browsers too: no
 * `node:*`; lz4 is pluggable because the fast implementations are native.
 */

import { gunzipSync, gzipSync, inflateSync, unzlibSync, zlibSync } from "fflate";
import { Packr, Unpackr } from "msgpackr";
import { JsonRpcRequestError } from "./errors.js";

/** Body serialisation. */
export type Serialization = "json" | "msgpack";

/** Body compression; `null` stands for identity. */
export type Compression = "lz4" | "deflate" | "gzip";

/**
 * An LZ4 **frame** codec (not the block format). With lz4-napi:
 * `{ compress: (b) => compressFrameSync(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), decompress: (b) => decompressFrameSync(Buffer.from(b.buffer, b.byteOffset, b.byteLength)) }`.
 * Frames must be decodable with linked blocks (python-opsi-common sends those); frames produced
 * with independent blocks are readable by every opsi client, including lz4-java in configed.
 */
export interface Lz4Codec {
  compress(bytes: Uint8Array): Uint8Array;
  decompress(bytes: Uint8Array): Uint8Array;
}

/** Thrown when lz4 is needed but no {@link Lz4Codec} was configured. */
export class Lz4CodecMissingError extends Error {
  constructor() {
    super("lz4 compression is needed but no Lz4Codec was given (pass e.g. lz4-napi's compressFrameSync/decompressFrameSync)");
    this.name = "Lz4CodecMissingError";
  }
}

/** Responses are compressed only when the serialised body is larger than this (opsiconfd's COMPRESS_MIN_SIZE). */
export const COMPRESS_MIN_SIZE = 10_000;

/** MIME type of a serialisation. */
export const CONTENT_TYPES: { readonly [S in Serialization]: string } = {
  json: "application/json",
  msgpack: "application/msgpack",
};

/**
 * Serialisation named by a Content-Type or Accept header (substring `msgpack`, then `json`), or null.
 * @example serializationFromHeader("application/msgpack; charset=binary") // "msgpack"
 */
export function serializationFromHeader(header: string | null | undefined): Serialization | null {
  if (!header) return null;
  const value = header.toLowerCase();
  if (value.includes("msgpack")) return "msgpack";
  if (value.includes("json")) return "json";
  return null;
}

/**
 * Compression named by a Content-Encoding or Accept-Encoding header, by substring in the priority
 * lz4 > deflate > gzip; empty or `identity` means none. Anything else throws
 * {@link JsonRpcRequestError} (HTTP 400), so `br` or `*` alone is an error and a browser's
 * `gzip, deflate, br` yields deflate.
 * @example compressionFromHeader("gzip, deflate, br") // "deflate"
 */
export function compressionFromHeader(header: string | null | undefined, headerName = "Content-Encoding"): Compression | null {
  if (!header) return null;
  const value = header.trim().toLowerCase();
  if (value === "" || value === "identity") return null;
  if (value.includes("lz4")) return "lz4";
  if (value.includes("deflate")) return "deflate";
  if (value.includes("gzip")) return "gzip";
  throw new JsonRpcRequestError(`Unhandled ${headerName} '${header}'`);
}

/** The request headers that drive negotiation (values as received, absent = null/undefined). */
export interface RpcHeaders {
  readonly contentType?: string | null;
  readonly accept?: string | null;
  readonly contentEncoding?: string | null;
  readonly acceptEncoding?: string | null;
}

/** The outcome of {@link negotiateRpc}. */
export interface RpcNegotiation {
  readonly requestSerialization: Serialization;
  /** Mirrors a recognised request Content-Type, else from Accept, else JSON. */
  readonly responseSerialization: Serialization;
  readonly requestCompression: Compression | null;
  readonly responseCompression: Compression | null;
  /** Set when Content-Encoding or Accept-Encoding named no supported coding: answer HTTP 400. */
  readonly error: JsonRpcRequestError | null;
}

/**
 * Negotiates serialisation and compression like opsiconfd: the serialisations always resolve; an
 * unsupported Accept-Encoding or Content-Encoding is reported in `error` (the compressions
 * resolved before it stay set, so the 400 response can still be serialised).
 * @example negotiateRpc({ contentType: "application/msgpack", contentEncoding: "lz4", acceptEncoding: "lz4" })
 */
export function negotiateRpc(headers: RpcHeaders): RpcNegotiation {
  const requested = serializationFromHeader(headers.contentType);
  const requestSerialization = requested ?? "json";
  const responseSerialization = requested ?? serializationFromHeader(headers.accept) ?? "json";
  let responseCompression: Compression | null = null;
  let requestCompression: Compression | null = null;
  try {
    responseCompression = compressionFromHeader(headers.acceptEncoding, "Accept-Encoding");
    requestCompression = compressionFromHeader(headers.contentEncoding, "Content-Encoding");
  } catch (e: unknown) {
    if (!(e instanceof JsonRpcRequestError)) throw e;
    return { requestSerialization, responseSerialization, requestCompression, responseCompression, error: e };
  }
  return { requestSerialization, responseSerialization, requestCompression, responseCompression, error: null };
}

// Plain maps (no msgpackr records extension), 64-bit integers as numbers, undefined members left out.
const msgpackEncoder = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  encodeUndefinedAsNil: true,
  skipValues: [undefined],
} as ConstructorParameters<typeof Packr>[0]);
const msgpackDecoder = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: "number" });

/** msgpackr decodes the reserved byte 0xC1 into a marker object instead of failing; opsi's decoder rejects it. */
function containsReservedMarker(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object" || depth > 64) return false;
  if (value.constructor?.name === "C1Type") return true;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some((v) => containsReservedMarker(v, depth + 1));
}
const textEncoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Serialises a value. Undefined object members are left out in both formats (as JSON.stringify
 * does), undefined array items become null/nil.
 * @example serializeData({ id: 1, result: null, error: null }, "msgpack")
 */
export function serializeData(value: unknown, serialization: Serialization): Uint8Array {
  // Copy: msgpackr hands out views on a buffer it reuses for the next pack.
  if (serialization === "msgpack") return new Uint8Array(msgpackEncoder.pack(value));
  return textEncoder.encode(JSON.stringify(value === undefined ? null : value));
}

/**
 * Deserialises a body; integers beyond 2^53 in msgpack become (lossy) numbers, never BigInt.
 * Throws {@link JsonRpcRequestError} when the bytes are not valid for the serialisation.
 * @example deserializeData(new TextEncoder().encode('{"method":"backend_info"}'), "json")
 */
export function deserializeData(bytes: Uint8Array, serialization: Serialization): unknown {
  try {
    if (serialization === "msgpack") {
      const value: unknown = msgpackDecoder.unpack(bytes);
      if (containsReservedMarker(value)) throw new Error("reserved type byte 0xc1");
      return value;
    }
    return JSON.parse(utf8Decoder.decode(bytes));
  } catch (e: unknown) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new JsonRpcRequestError(`Failed to decode ${serialization === "msgpack" ? "msgpack" : "JSON"} data: ${reason}`, { cause: e });
  }
}

/** Options carrying the lz4 implementation. */
export interface Lz4Options {
  readonly lz4?: Lz4Codec | undefined;
}

function lz4Codec(options: Lz4Options): Lz4Codec {
  if (!options.lz4) throw new Lz4CodecMissingError();
  return options.lz4;
}

/**
 * Compresses bytes: lz4 frame, zlib stream (HTTP `deflate`) or gzip.
 * @example compressData(bytes, "gzip")
 */
export function compressData(
  bytes: Uint8Array,
  compression: Compression,
  options: Lz4Options & { readonly level?: 1 | 6 | 9 } = {},
): Uint8Array {
  const level = options.level ?? 1;
  if (compression === "lz4") return lz4Codec(options).compress(bytes);
  if (compression === "deflate") return zlibSync(bytes, { level });
  return gzipSync(bytes, { level });
}

/**
 * Whether bytes start with a zlib (RFC 1950) header using deflate.
 * @example hasZlibHeader(compressData(bytes, "deflate")) // true
 */
export function hasZlibHeader(bytes: Uint8Array): boolean {
  const cmf = bytes[0];
  const flg = bytes[1];
  return cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

/**
 * Whether bytes start with the gzip magic.
 * @example hasGzipHeader(compressData(bytes, "gzip")) // true
 */
export function hasGzipHeader(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses bytes. `deflate` accepts the zlib stream HTTP specifies and, leniently, a raw
 * deflate stream. Throws {@link JsonRpcRequestError} for corrupt data.
 * @example decompressData(compressData(bytes, "deflate"), "deflate")
 */
export function decompressData(bytes: Uint8Array, compression: Compression, options: Lz4Options = {}): Uint8Array {
  const codec = compression === "lz4" ? lz4Codec(options) : null;
  try {
    if (codec) return codec.decompress(bytes);
    if (compression === "deflate") return hasZlibHeader(bytes) ? unzlibSync(bytes) : inflateSync(bytes);
    return gunzipSync(bytes);
  } catch (e: unknown) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new JsonRpcRequestError(`Failed to decompress ${compression} data: ${reason}`, { cause: e });
  }
}

/**
 * Python's `urllib.parse.unquote`: %XX runs decoded as UTF-8 (bad bytes → U+FFFD), `+` and stray `%` kept.
 * @example unquoteQueryString("%7B%22id%22%3A1%7D") // '{"id":1}'
 */
export function unquoteQueryString(text: string): string {
  const lenient = new TextDecoder("utf-8");
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number.parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return lenient.decode(bytes);
  });
}

/** Options of {@link decodeBody}. */
export interface DecodeBodyOptions extends Lz4Options {
  readonly serialization: Serialization;
  readonly compression: Compression | null;
  /** The URL query string (without `?`): the request document when the body is empty (`GET /rpc?{...}`); never decompressed. */
  readonly query?: string | null;
}

/**
 * Decodes a request (or response) body: decompress, then deserialise. An empty body falls back to
 * the percent-decoded query string; if that is empty too, throws {@link JsonRpcRequestError}
 * "Request data empty".
 * @example decodeBody(body, { ...negotiateRpc(headers), serialization: "msgpack", compression: "lz4", lz4 })
 */
export function decodeBody(body: Uint8Array, options: DecodeBodyOptions): unknown {
  let bytes = body;
  if (bytes.length > 0) {
    if (options.compression) bytes = decompressData(bytes, options.compression, options);
  } else if (options.query) {
    bytes = textEncoder.encode(unquoteQueryString(options.query));
  }
  if (bytes.length === 0) throw new JsonRpcRequestError("Request data empty");
  return deserializeData(bytes, options.serialization);
}

/** Options of {@link encodeBody}. */
export interface EncodeBodyOptions extends Lz4Options {
  readonly serialization: Serialization;
  readonly compression: Compression | null;
  /** Compress only bodies larger than this many bytes (default {@link COMPRESS_MIN_SIZE}; 0 = always). */
  readonly minSize?: number;
  /** deflate/gzip level (default 1: fast). */
  readonly level?: 1 | 6 | 9;
}

/** An encoded body with the headers describing it. */
export interface EncodedBody {
  readonly body: Uint8Array;
  readonly contentType: string;
  /** The Content-Encoding to send, or null when the body was left uncompressed. */
  readonly contentEncoding: Compression | null;
}

/**
 * Serialises and, above the size threshold, compresses a document.
 * @example encodeBody(jsonRpcResponseDocument(responses), { serialization: "msgpack", compression: "lz4", lz4 })
 */
export function encodeBody(value: unknown, options: EncodeBodyOptions): EncodedBody {
  const serialized = serializeData(value, options.serialization);
  const contentType = CONTENT_TYPES[options.serialization];
  const minSize = options.minSize ?? COMPRESS_MIN_SIZE;
  if (!options.compression || serialized.length <= minSize) return { body: serialized, contentType, contentEncoding: null };
  return { body: compressData(serialized, options.compression, options), contentType, contentEncoding: options.compression };
}
