/**
 * @module codec
 * Framing of the message bus (spec §1.3): one message per WebSocket binary frame, the frame holds
 * one msgpack map; with `?compression=lz4|gzip` the whole msgpack payload of every frame is an
 * LZ4 *frame* (magic `04 22 4D 18`) or gzip stream. Validation with the zod schemas of
 * {@link module:messages} happens here, at the edge, and fails with {@link MessageDecodeError}.
 *
 * A JSON codec with the same API exists for tools, logs and tests (JSON is never used on the bus):
 * top-level bytes fields are base64 strings there.
 */

import { gunzipSync, gzipSync } from "node:zlib";
import { compressFrameSync, decompressFrameSync } from "lz4-napi";
import { Packr, Unpackr } from "msgpackr";
import { InvalidCompressionError, InvalidMessageError, MessageDecodeError, MessageEncodeError } from "./errors.js";
import {
  type AnyMessage,
  BYTES_FIELDS,
  describeValue,
  isMessageType,
  isPlainMap,
  MESSAGE_TYPE_ALIASES,
  messageToWire,
  type ParseMessageOptions,
  parseMessage,
} from "./messages.js";

/** Frame compression negotiated with `?compression=`. */
export type Compression = "lz4" | "gzip";
/** Payload serialization: `msgpack` on the bus; `json` for tools and tests only. */
export type Serialization = "msgpack" | "json";

/** The compressions the bus accepts. */
export const COMPRESSIONS: readonly Compression[] = ["lz4", "gzip"];

/**
 * Default upper bound for a frame and for its decompressed payload: 16 MiB, the WebSocket message
 * limit of uvicorn (`ws_max_size`) that opsiconfd runs under.
 */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

/** The magic number that starts every LZ4 frame (little-endian 0x184D2204). */
export const LZ4_FRAME_MAGIC = Uint8Array.of(0x04, 0x22, 0x4d, 0x18);

/**
 * Parses the `compression` query parameter of `/messagebus/v1`: absent or empty → no compression,
 * `lz4`/`gzip` → that compression, anything else → {@link InvalidCompressionError} (HTTP 400).
 * @example parseCompressionParam(new URL(req.url, "https://x").searchParams.get("compression"))
 */
export function parseCompressionParam(value: string | null | undefined): Compression | null {
  if (value === null || value === undefined || value === "") return null;
  if (value === "lz4" || value === "gzip") return value;
  throw new InvalidCompressionError(value);
}

/** Options shared by encoding and decoding. */
export interface FrameOptions {
  /** Whole-frame compression; null/absent = none. */
  readonly compression?: Compression | null | undefined;
  /** Default `msgpack`. */
  readonly serialization?: Serialization | undefined;
  /** Largest frame and largest decompressed payload in bytes; default {@link DEFAULT_MAX_FRAME_SIZE}. */
  readonly maxFrameSize?: number | undefined;
}

/** Options of {@link decodeMessage}. */
export interface DecodeOptions extends FrameOptions, ParseMessageOptions {}

type OptionsArg<O> = Compression | null | undefined | O;

function resolve<O extends FrameOptions>(options: OptionsArg<O>): O {
  if (options === null || options === undefined) return {} as O;
  if (typeof options === "string") return { compression: options } as O;
  return options;
}

// ---------------------------------------------------------------------------------------------
// msgpack

// Plain maps (no msgpackr records), compact map headers, undefined members left out.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true, skipValues: [undefined] } as ConstructorParameters<
  typeof Packr
>[0]);
// 64-bit integers as numbers (msgpackr would return BigInt for uint64 timestamps otherwise).
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: "number" });

/**
 * msgpackr writes integers beyond 32 bits as float64; opsi (msgspec) writes them as int64/uint64
 * and Python would see floats. Safe integers outside the 32-bit range are therefore passed to
 * msgpackr as BigInt, which it writes as int64.
 */
function widenIntegers(value: unknown): unknown {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && (value > 0xffffffff || value < -0x80000000) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map(widenIntegers);
  if (isPlainMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: widenIntegers(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function packMsgpack(value: unknown): Uint8Array {
  // Copy: msgpackr hands out views on a buffer it reuses for the next pack.
  return new Uint8Array(packr.pack(widenIntegers(value)));
}

/** msgpackr turns the reserved byte 0xC1 into a marker object instead of failing. */
function containsReservedMarker(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object" || depth > 64 || ArrayBuffer.isView(value)) return false;
  if (value.constructor?.name === "C1Type") return true;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some((v) => containsReservedMarker(v, depth + 1));
}

function unpackMsgpack(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw new MessageDecodeError("not_msgpack", "Invalid msgpack data: the payload is empty");
  let value: unknown;
  try {
    value = unpackr.unpack(bytes);
  } catch (e: unknown) {
    const reason = e instanceof Error ? e.message : String(e);
    const detail = /end of buffer not reached/.test(reason)
      ? "trailing bytes after the first msgpack value (one message per frame)"
      : /Unexpected end|outside the bounds/.test(reason)
        ? "the data is truncated"
        : reason;
    throw new MessageDecodeError("not_msgpack", `Invalid msgpack data: ${detail}`, { cause: e });
  }
  if (containsReservedMarker(value)) throw new MessageDecodeError("not_msgpack", "Invalid msgpack data: reserved type byte 0xc1");
  return value;
}

// ---------------------------------------------------------------------------------------------
// JSON (tools and tests only)

const textEncoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function packJson(value: unknown): Uint8Array {
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, item: unknown) {
    const original = this[key]; // before toJSON (Buffer would turn into {type, data})
    if (original instanceof Uint8Array) return Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString("base64");
    if (typeof item === "bigint") return Number(item);
    return item;
  });
  return textEncoder.encode(text);
}

function unpackJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8Decoder.decode(bytes));
  } catch (e: unknown) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new MessageDecodeError("not_json", `Invalid JSON data: ${reason}`, { cause: e });
  }
}

/** JSON carries bytes as base64 strings: turn the top-level bytes fields of known types back into bytes. */
function jsonBytesToBinary(raw: unknown): unknown {
  if (!isPlainMap(raw) || typeof raw.type !== "string") return raw;
  const type = MESSAGE_TYPE_ALIASES[raw.type] ?? raw.type;
  if (!isMessageType(type)) return raw;
  const fields = BYTES_FIELDS[type];
  if (!fields) return raw;
  const out: Record<string, unknown> = { ...raw };
  for (const field of fields) {
    const value = out[field];
    if (typeof value !== "string") continue;
    if (value.length % 4 !== 0 || !BASE64.test(value)) {
      throw new MessageDecodeError(
        "invalid_field",
        `Invalid ${type} message: field '${field}': expected base64 encoded bytes (received ${describeValue(value)})`,
        {
          issues: [{ path: field, problem: "invalid", detail: "expected base64 encoded bytes" }],
          messageId: typeof raw.id === "string" ? raw.id : null,
        },
      );
    }
    const buf = Buffer.from(value, "base64");
    out[field] = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compression

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function plain(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Compresses a payload: lz4 → one LZ4 frame, gzip → one gzip member.
 * @example compressPayload(packed, "lz4") // starts with 04 22 4D 18
 */
export function compressPayload(bytes: Uint8Array, compression: Compression): Uint8Array {
  if (compression === "lz4") return plain(compressFrameSync(asBuffer(bytes)));
  return plain(gzipSync(bytes));
}

/**
 * Walks the structure of an LZ4 frame (header, block sizes, checksums, end mark) and names what is
 * wrong, or returns null. lz4-napi silently accepts frames that end early, so this check is what
 * turns a truncated frame into an error.
 */
export function lz4FrameProblem(bytes: Uint8Array): string | null {
  if (bytes.byteLength < 4 || !LZ4_FRAME_MAGIC.every((b, i) => bytes[i] === b)) {
    return "not an LZ4 frame (magic 04 22 4d 18 expected)";
  }
  if (bytes.byteLength < 7) return "truncated LZ4 frame (incomplete frame header)";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flg = view.getUint8(4);
  if (flg >> 6 !== 0b01) return `unsupported LZ4 frame version ${flg >> 6}`;
  const blockChecksum = (flg & 0x10) !== 0;
  const contentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const dictId = (flg & 0x01) !== 0;
  let pos = 6 + (contentSize ? 8 : 0) + (dictId ? 4 : 0) + 1;
  if (pos > bytes.byteLength) return "truncated LZ4 frame (incomplete frame header)";
  for (;;) {
    if (pos + 4 > bytes.byteLength) return "truncated LZ4 frame (end mark missing)";
    const blockSize = view.getUint32(pos, true) & 0x7fffffff;
    pos += 4;
    if (blockSize === 0) break;
    pos += blockSize + (blockChecksum ? 4 : 0);
    if (pos > bytes.byteLength) return "truncated LZ4 frame (incomplete data block)";
  }
  if (contentChecksum) pos += 4;
  if (pos > bytes.byteLength) return "truncated LZ4 frame (content checksum missing)";
  if (pos < bytes.byteLength) return `${bytes.byteLength - pos} trailing bytes after the LZ4 frame`;
  return null;
}

function tooLarge(what: string, size: number | string, max: number): MessageDecodeError {
  return new MessageDecodeError("frame_too_large", `${what} of ${size} bytes exceeds the maximum frame size of ${max} bytes`);
}

/**
 * Decompresses a frame payload, bounded by `maxSize` (gzip stops inflating at the limit; lz4 is
 * checked after decompression). Throws {@link MessageDecodeError} (`decompression_failed`,
 * `frame_too_large`).
 */
export function decompressPayload(bytes: Uint8Array, compression: Compression, maxSize: number = DEFAULT_MAX_FRAME_SIZE): Uint8Array {
  if (compression === "lz4") {
    const problem = lz4FrameProblem(bytes);
    if (problem) throw new MessageDecodeError("decompression_failed", `Failed to decompress lz4 frame: ${problem}`);
    let out: Buffer;
    try {
      out = decompressFrameSync(asBuffer(bytes));
    } catch (e: unknown) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new MessageDecodeError("decompression_failed", `Failed to decompress lz4 frame: ${reason}`, { cause: e });
    }
    if (out.byteLength > maxSize) throw tooLarge("Decompressed payload", out.byteLength, maxSize);
    return plain(out);
  }
  if (bytes.byteLength < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new MessageDecodeError("decompression_failed", "Failed to decompress gzip data: not gzip data (magic 1f 8b expected)");
  }
  try {
    return plain(gunzipSync(bytes, { maxOutputLength: maxSize }));
  } catch (e: unknown) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge("Decompressed payload", `more than ${maxSize}`, maxSize);
    const reason = e instanceof Error ? e.message : String(e);
    throw new MessageDecodeError("decompression_failed", `Failed to decompress gzip data: ${reason}`, { cause: e });
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

/**
 * Encodes a message into one frame: validated (see `messageToWire`), top-level nulls left out,
 * msgpack (or JSON), then compressed if asked. The second argument is a compression or options.
 * Throws {@link MessageEncodeError} (`invalid_message`, `frame_too_large`).
 * @example ws.send(encodeMessage(msg, "lz4"))
 */
export function encodeMessage(message: AnyMessage, options?: OptionsArg<FrameOptions>): Uint8Array {
  const { compression, serialization = "msgpack", maxFrameSize = DEFAULT_MAX_FRAME_SIZE } = resolve(options);
  let wire: Record<string, unknown>;
  try {
    wire = messageToWire(message);
  } catch (e: unknown) {
    if (e instanceof InvalidMessageError) throw new MessageEncodeError("invalid_message", e.message, e.issues);
    throw e;
  }
  const payload = serialization === "json" ? packJson(wire) : packMsgpack(wire);
  if (payload.byteLength > maxFrameSize) {
    throw new MessageEncodeError(
      "frame_too_large",
      `Encoded ${wire.type} message of ${payload.byteLength} bytes exceeds the maximum frame size of ${maxFrameSize} bytes`,
    );
  }
  const frame = compression ? compressPayload(payload, compression) : payload;
  if (frame.byteLength > maxFrameSize) {
    throw new MessageEncodeError(
      "frame_too_large",
      `Compressed ${wire.type} frame of ${frame.byteLength} bytes exceeds the maximum frame size of ${maxFrameSize} bytes`,
    );
  }
  return frame;
}

/**
 * Decodes a frame into the raw map it carries, without validating the message (size check,
 * decompression, msgpack/JSON, "is a map"). This is what a broker needs before it overwrites
 * `sender` (see `prepareIncoming`). Throws {@link MessageDecodeError}.
 */
export function decodeFrame(bytes: Uint8Array, options?: OptionsArg<FrameOptions>): Record<string, unknown> {
  const { compression, serialization = "msgpack", maxFrameSize = DEFAULT_MAX_FRAME_SIZE } = resolve(options);
  if (bytes.byteLength > maxFrameSize) throw tooLarge("Frame", bytes.byteLength, maxFrameSize);
  const payload = compression ? decompressPayload(bytes, compression, maxFrameSize) : bytes;
  const value = serialization === "json" ? jsonBytesToBinary(unpackJson(payload)) : unpackMsgpack(payload);
  if (!isPlainMap(value)) {
    throw new MessageDecodeError("not_a_map", `Invalid message: expected a map, received ${describeValue(value)}`);
  }
  return value;
}

/**
 * Decodes and validates one frame. The second argument is a compression or options.
 * Throws {@link MessageDecodeError} naming what was wrong (`kind` says which step failed).
 * @example const msg = decodeMessage(frame, { compression: "lz4", unknownTypes: "reject" });
 */
export function decodeMessage(bytes: Uint8Array, options?: OptionsArg<DecodeOptions>): AnyMessage {
  const resolved = resolve(options);
  return parseMessage(decodeFrame(bytes, resolved), resolved);
}

/** A codec bound to one connection's negotiated options. */
export interface MessageCodec {
  readonly options: DecodeOptions;
  encode(message: AnyMessage): Uint8Array;
  decode(bytes: Uint8Array): AnyMessage;
  decodeFrame(bytes: Uint8Array): Record<string, unknown>;
}

/**
 * A codec with fixed options, e.g. one per WebSocket connection.
 * @example const codec = createMessageCodec({ compression: parseCompressionParam(url.searchParams.get("compression")) });
 */
export function createMessageCodec(options: DecodeOptions = {}): MessageCodec {
  return {
    options,
    encode: (message) => encodeMessage(message, options),
    decode: (bytes) => decodeMessage(bytes, options),
    decodeFrame: (bytes) => decodeFrame(bytes, options),
  };
}
