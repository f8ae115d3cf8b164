import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { decode as independentDecode, encode as independentEncode } from "@msgpack/msgpack";
import fc from "fast-check";
import { compressFrameSync } from "lz4-napi";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import {
  type Compression,
  createMessageCodec,
  decodeFrame,
  decodeMessage,
  encodeMessage,
  LZ4_FRAME_MAGIC,
  lz4FrameProblem,
  parseCompressionParam,
  type Serialization,
} from "./codec.js";
import { InvalidCompressionError, MessageDecodeError, MessageEncodeError } from "./errors.js";
import { type AnyMessage, createMessage, MESSAGE_TYPES, type MessageType, messageToWire } from "./messages.js";
import { SAMPLE_FIELDS } from "./test-samples.js";

const COMPRESSIONS: (Compression | null)[] = [null, "lz4", "gzip"];
const SERIALIZATIONS: Serialization[] = ["msgpack", "json"];
const ID = "3c1f6a0e-8d8e-4b38-b0a8-2d3f4e5a6b7c";
const NOW = 1_728_555_000_000;

const samples = new Map<MessageType, AnyMessage>();
/** One fixed sample message per type (same id on every call). */
function sample(type: MessageType): AnyMessage {
  let msg = samples.get(type);
  if (!msg) {
    msg = createMessage(type, SAMPLE_FIELDS[type] as never, { now: NOW });
    samples.set(type, msg);
  }
  return msg;
}

function hasCli(name: string): boolean {
  try {
    execFileSync(name, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
// CI installs the tools (.ci/run); there a missing tool fails instead of skipping.
const REQUIRE_TOOLS = process.env.OPSI_TEST_REQUIRE_SERVICES === "1";
const HAS_LZ4_CLI = hasCli("lz4") || REQUIRE_TOOLS;
const HAS_GZIP_CLI = hasCli("gzip") || REQUIRE_TOOLS;

function decodeError(fn: () => unknown): MessageDecodeError {
  try {
    fn();
  } catch (e: unknown) {
    if (e instanceof MessageDecodeError) return e;
    throw e;
  }
  throw new Error("expected a MessageDecodeError");
}

/** A wire map as opsicommon builds it: declaration order, None fields left out. */
function opsicommonMap(type: MessageType): Record<string, unknown> {
  return messageToWire(sample(type));
}

describe("round trip of every message type", () => {
  for (const serialization of SERIALIZATIONS) {
    for (const compression of COMPRESSIONS) {
      it.each(MESSAGE_TYPES)(`%s via ${serialization} / ${compression ?? "none"}`, (type) => {
        const msg = sample(type);
        const frame = encodeMessage(msg, { serialization, compression });
        if (compression === "lz4") expect([...frame.subarray(0, 4)]).toEqual([...LZ4_FRAME_MAGIC]);
        if (compression === "gzip") expect([...frame.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
        expect(decodeMessage(frame, { serialization, compression, unknownTypes: "reject" })).toEqual(msg);
      });
    }
  }

  it("a per-connection codec round-trips too", () => {
    const codec = createMessageCodec({ compression: "lz4" });
    const msg = sample("jsonrpc_request");
    expect(codec.decode(codec.encode(msg))).toEqual(msg);
    expect(codec.decodeFrame(codec.encode(msg))).toEqual(messageToWire(msg));
  });

  it("accepts a compression as second argument", () => {
    const msg = sample("event");
    expect(decodeMessage(encodeMessage(msg, "gzip"), "gzip")).toEqual(msg);
    expect(decodeMessage(encodeMessage(msg))).toEqual(msg);
  });

  it("custom types keep the common fields through encode/decode", () => {
    const custom = { ...sample("event"), type: "my_type" } as AnyMessage;
    const decoded = decodeMessage(encodeMessage(custom, "lz4"), "lz4");
    expect(decoded).toEqual({ ...messageToWire(custom), back_channel: null, ref_id: null });
  });
});

describe("property: random valid field values round-trip", () => {
  const jsonValue = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v), (key, value) => (key === "__proto__" ? undefined : value)));
  const anyCodec = fc.record({
    serialization: fc.constantFrom<Serialization>("msgpack", "json"),
    compression: fc.constantFrom<Compression | null>(null, "lz4", "gzip"),
  });
  const common = fc.record({
    sender: fc.string(),
    channel: fc.string(),
    back_channel: fc.option(fc.string()),
    id: fc.uuid({ version: 4 }),
    created: fc.integer({ min: 0, max: 2 ** 48 }),
    expires: fc.integer({ min: 0, max: 2 ** 48 }),
    ref_id: fc.option(fc.string()),
  });

  it("jsonrpc_request / jsonrpc_response with arbitrary params and results", () => {
    fc.assert(
      fc.property(
        common,
        fc.oneof(fc.string(), fc.integer()),
        fc.string(),
        fc.array(jsonValue),
        jsonValue,
        anyCodec,
        (c, rpcId, method, params, result, codec) => {
          const req = createMessage("jsonrpc_request", { ...c, rpc_id: rpcId, method, params });
          expect(decodeMessage(encodeMessage(req, codec), codec)).toEqual(req);
          const res = createMessage("jsonrpc_response", { ...c, rpc_id: rpcId, result });
          const decoded = decodeMessage(encodeMessage(res, codec), codec);
          // A null result is left out on the wire and comes back as the default (null).
          expect(decoded).toEqual(res);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("bytes, integers and maps of terminal/process/file/event messages", () => {
    fc.assert(
      fc.property(
        common,
        fc.uint8Array({ maxLength: 4096 }),
        fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
        fc.dictionary(
          fc.string().filter((k) => k !== "__proto__"),
          fc.string(),
        ),
        fc.dictionary(
          fc.string().filter((k) => k !== "__proto__"),
          jsonValue,
        ),
        anyCodec,
        (c, data, n, env, map, codec) => {
          const messages: AnyMessage[] = [
            createMessage("terminal_data_read", { ...c, terminal_id: "t1", data }),
            createMessage("process_data_read", { ...c, stdout: data, stderr: data.subarray(1) }),
            createMessage("file_chunk", { ...c, number: n, last: n % 2 === 0, data }),
            createMessage("terminal_open_request", { ...c, terminal_id: "t", rows: n, cols: null, env }),
            createMessage("process_start_request", { ...c, command: Object.keys(env), timeout: n, env }),
            createMessage("event", { ...c, event: "test", data: map }),
            createMessage("trace_request", { ...c, trace: map, payload: data }),
          ];
          for (const msg of messages) expect(decodeMessage(encodeMessage(msg, codec), codec)).toEqual(msg);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("wire compatibility with independent encoders", () => {
  it("decodes @msgpack/msgpack frames (uint64 timestamps, bin) of every type", () => {
    for (const type of MESSAGE_TYPES) {
      const map = opsicommonMap(type);
      const frame = independentEncode(map);
      expect(decodeMessage(frame, { unknownTypes: "reject" })).toEqual(sample(type));
    }
  });

  it("decodes msgpackr frames with map16 headers and float64 integers", () => {
    const packr = new Packr({ useRecords: false, variableMapSize: false });
    for (const type of MESSAGE_TYPES) {
      const frame = packr.pack(opsicommonMap(type));
      expect(decodeMessage(frame)).toEqual(sample(type));
    }
  });

  it("writes integers beyond 32 bits as msgpack integers, not floats (like msgspec)", () => {
    const frame = encodeMessage(sample("file_upload_request"));
    const raw = independentDecode(frame, { useBigInt64: true }) as Record<string, unknown>;
    expect(raw.created).toBe(BigInt(NOW));
    expect(raw.expires).toBe(BigInt(NOW + 60_000));
    expect(raw.size).toBe(5_000_000_000n);
    expect(raw).not.toHaveProperty("back_channel"); // None left out
    expect(raw).not.toHaveProperty("destination_dir");
  });

  it("writes bytes as msgpack bin and reads frames compressed by node:zlib and lz4-napi directly", () => {
    const msg = sample("terminal_data_read");
    const raw = independentDecode(encodeMessage(msg)) as Record<string, unknown>;
    expect(raw.data).toBeInstanceOf(Uint8Array);
    const payload = independentEncode(opsicommonMap("terminal_data_read"));
    expect(decodeMessage(gzipSync(payload, { level: 9 }), "gzip")).toEqual(msg);
    expect(decodeMessage(compressFrameSync(Buffer.from(payload), { contentChecksum: true, blockChecksums: true }), "lz4")).toEqual(msg);
  });

  it.skipIf(!HAS_LZ4_CLI)("reads linked-block LZ4 frames written by the lz4 tool, and the tool reads ours", () => {
    // Big enough for several 64 KiB blocks that reference each other (opsicommon uses linked blocks).
    const msg = createMessage("file_chunk", {
      sender: "@",
      channel: "$",
      file_id: ID,
      number: 1,
      data: new TextEncoder().encode("opsi-script log line with some repetition 0123456789\n".repeat(6000)),
    });
    const payload = independentEncode(messageToWire(msg));
    const linked = execFileSync("lz4", ["-BD", "-B4", "-1", "-c", "-q"], {
      input: payload,
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["pipe", "pipe", "ignore"],
    });
    expect(linked.readUInt8(4) & 0x20).toBe(0); // block independence flag off = linked blocks
    // Compare the 300 KiB of data with Buffer.compare: an element-wise toEqual takes seconds.
    const { data, ...rest } = decodeMessage(linked, "lz4") as typeof msg;
    const { data: expectedData, ...expectedRest } = msg;
    expect(rest).toEqual(expectedRest);
    expect(Buffer.compare(data, expectedData)).toBe(0);
    const ours = encodeMessage(msg, "lz4");
    const unpacked = execFileSync("lz4", ["-d", "-c", "-q"], {
      input: ours,
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["pipe", "pipe", "ignore"],
    });
    expect(Buffer.compare(unpacked, Buffer.from(encodeMessage(msg)))).toBe(0);
  });

  it.skipIf(!HAS_GZIP_CLI)("reads frames written by the gzip tool, and the tool reads ours", () => {
    const msg = sample("jsonrpc_response");
    const payload = independentEncode(messageToWire(msg));
    expect(decodeMessage(execFileSync("gzip", ["-9", "-c"], { input: payload }), "gzip")).toEqual(msg);
    const unpacked = execFileSync("gzip", ["-d", "-c"], { input: encodeMessage(msg, "gzip") });
    expect(Buffer.compare(unpacked, Buffer.from(encodeMessage(msg)))).toBe(0);
  });

  it("maps the legacy file_error type and local_process_id sent by old peers", () => {
    const err = decodeMessage(
      independentEncode({ type: "file_error", sender: "@", channel: "$", id: ID, file_id: ID, error: { message: "x" } }),
    );
    expect(err.type).toBe("file_transfer_error");
    const started = decodeMessage(
      independentEncode({ type: "process_start_event", sender: "@", channel: "$", id: ID, process_id: ID, local_process_id: 7 }),
    );
    expect(started).toMatchObject({ os_process_id: 7 });
  });
});

describe("decode errors", () => {
  const valid = () => encodeMessage(sample("event"));

  it("garbage, empty, truncated and trailing bytes → not_msgpack", () => {
    expect(decodeError(() => decodeMessage(new TextEncoder().encode("hello world"))).kind).toBe("not_msgpack");
    expect(decodeError(() => decodeMessage(new Uint8Array(0))).message).toBe("Invalid msgpack data: the payload is empty");
    const frame = valid();
    const truncated = decodeError(() => decodeMessage(frame.subarray(0, frame.length - 5)));
    expect([truncated.kind, truncated.message]).toEqual(["not_msgpack", "Invalid msgpack data: the data is truncated"]);
    const trailing = decodeError(() => decodeMessage(Buffer.concat([frame, Uint8Array.of(0x01)])));
    expect(trailing.message).toBe("Invalid msgpack data: trailing bytes after the first msgpack value (one message per frame)");
    expect(decodeError(() => decodeMessage(Uint8Array.of(0xc1))).message).toBe("Invalid msgpack data: reserved type byte 0xc1");
  });

  it("non-map msgpack → not_a_map", () => {
    for (const value of [[1, 2], "text", 42, null, new Uint8Array(3)]) {
      const err = decodeError(() => decodeMessage(independentEncode(value)));
      expect(err.kind).toBe("not_a_map");
      expect(err.message).toMatch(/^Invalid message: expected a map, received /);
    }
  });

  it("missing type, unknown type (when rejected), missing and wrong fields", () => {
    expect(decodeError(() => decodeMessage(independentEncode({ id: ID, sender: "@", channel: "$" }))).kind).toBe("missing_type");
    const unknown = decodeError(() => decodeMessage(independentEncode({ type: "nope", id: ID }), { unknownTypes: "reject" }));
    expect([unknown.kind, unknown.message, unknown.messageId]).toEqual(["unknown_type", "Unknown message type 'nope'", ID]);
    const missing = decodeError(() => decodeMessage(independentEncode({ type: "file_chunk", sender: "@", channel: "$", id: ID })));
    expect(missing.kind).toBe("missing_field");
    expect(missing.message).toBe("Invalid file_chunk message: field 'number' is missing; field 'data' is missing");
    const wrong = decodeError(() =>
      decodeMessage(
        independentEncode({ type: "terminal_resize_event", sender: "@", channel: "$", id: ID, terminal_id: "t", rows: "30", cols: 2.5 }),
      ),
    );
    expect(wrong.kind).toBe("invalid_field");
    expect(wrong.messageId).toBe(ID);
    expect(wrong.message).toBe(
      "Invalid terminal_resize_event message: field 'rows': expected an integer (received string '30'); field 'cols': expected an integer (received float 2.5)",
    );
    const bytesAsString = decodeError(() =>
      decodeMessage(independentEncode({ type: "terminal_data_write", sender: "@", channel: "$", id: ID, terminal_id: "t", data: "ls\r" })),
    );
    expect(bytesAsString.issues).toEqual([
      { path: "data", problem: "invalid", detail: "expected bytes (msgpack bin) (received string 'ls\r')" },
    ]);
  });

  it("lz4: garbage, uncompressed, truncated and trailing data → decompression_failed", () => {
    const frame = encodeMessage(sample("terminal_data_read"), "lz4");
    expect(decodeError(() => decodeMessage(valid(), "lz4")).message).toBe(
      "Failed to decompress lz4 frame: not an LZ4 frame (magic 04 22 4d 18 expected)",
    );
    for (let n = 0; n < frame.length; n++) {
      const err = decodeError(() => decodeMessage(frame.subarray(0, n), "lz4"));
      expect(err.kind).toBe("decompression_failed");
      if (n >= 7) expect(err.message).toMatch(/^Failed to decompress lz4 frame: truncated LZ4 frame/);
    }
    expect(decodeError(() => decodeMessage(Buffer.concat([frame, Uint8Array.of(0)]), "lz4")).message).toBe(
      "Failed to decompress lz4 frame: 1 trailing bytes after the LZ4 frame",
    );
    const corrupt = Buffer.from(frame);
    corrupt[4] = 0x00; // version bits 00
    expect(lz4FrameProblem(corrupt)).toBe("unsupported LZ4 frame version 0");
  });

  it("gzip: garbage and truncated data → decompression_failed", () => {
    expect(decodeError(() => decodeMessage(valid(), "gzip")).message).toBe(
      "Failed to decompress gzip data: not gzip data (magic 1f 8b expected)",
    );
    const frame = encodeMessage(sample("event"), "gzip");
    const err = decodeError(() => decodeMessage(frame.subarray(0, frame.length - 6), "gzip"));
    expect(err.kind).toBe("decompression_failed");
    expect(err.message).toMatch(/^Failed to decompress gzip data: /);
  });

  it("oversized frames and decompression bombs → frame_too_large", () => {
    const frame = valid();
    const err = decodeError(() => decodeMessage(frame, { maxFrameSize: 10 }));
    expect([err.kind, err.message]).toEqual([
      "frame_too_large",
      `Frame of ${frame.length} bytes exceeds the maximum frame size of 10 bytes`,
    ]);
    const big = createMessage("file_chunk", { sender: "@", channel: "$", number: 1, data: new Uint8Array(1024 * 1024) });
    for (const compression of ["gzip", "lz4"] as const) {
      const small = encodeMessage(big, compression);
      expect(small.length).toBeLessThan(64 * 1024);
      const bomb = decodeError(() => decodeMessage(small, { compression, maxFrameSize: 64 * 1024 }));
      expect(bomb.kind).toBe("frame_too_large");
      expect(bomb.message).toMatch(/^Decompressed payload of .* bytes exceeds the maximum frame size of 65536 bytes$/);
    }
  });

  it("encoding refuses oversized frames and invalid messages", () => {
    const big = createMessage("file_chunk", { sender: "@", channel: "$", number: 1, data: new Uint8Array(2048) });
    expect(() => encodeMessage(big, { maxFrameSize: 1024 })).toThrow(MessageEncodeError);
    expect(() => encodeMessage(big, { maxFrameSize: 1024 })).toThrow(/exceeds the maximum frame size of 1024 bytes/);
    const bad = { ...sample("terminal_open_event"), rows: "30" } as unknown as AnyMessage;
    expect(() => encodeMessage(bad)).toThrow(
      "Invalid terminal_open_event message: field 'rows': expected an integer (received string '30')",
    );
  });

  it("JSON: not JSON, bad base64 → named errors", () => {
    expect(decodeError(() => decodeMessage(new TextEncoder().encode("{nope"), { serialization: "json" })).kind).toBe("not_json");
    expect(decodeError(() => decodeMessage(Uint8Array.of(0xff, 0xfe), { serialization: "json" })).kind).toBe("not_json");
    const bad = new TextEncoder().encode(JSON.stringify({ type: "file_chunk", sender: "@", channel: "$", id: ID, number: 1, data: "%%%" }));
    const err = decodeError(() => decodeMessage(bad, { serialization: "json" }));
    expect([err.kind, err.message]).toEqual([
      "invalid_field",
      "Invalid file_chunk message: field 'data': expected base64 encoded bytes (received string '%%%')",
    ]);
  });

  it("decodeFrame returns the raw map without validating the message", () => {
    const raw = decodeFrame(independentEncode({ type: "jsonrpc_request", channel: "service:config:jsonrpc", extra: 1 }));
    expect(raw).toEqual({ type: "jsonrpc_request", channel: "service:config:jsonrpc", extra: 1 });
  });
});

describe("parseCompressionParam", () => {
  it("accepts lz4, gzip and nothing; rejects the rest like opsiconfd", () => {
    expect(parseCompressionParam("lz4")).toBe("lz4");
    expect(parseCompressionParam("gzip")).toBe("gzip");
    expect(parseCompressionParam(null)).toBeNull();
    expect(parseCompressionParam("")).toBeNull();
    expect(() => parseCompressionParam("deflate")).toThrow(new InvalidCompressionError("deflate"));
    expect(() => parseCompressionParam("LZ4")).toThrow("Invalid compression 'LZ4', valid compressions are lz4 and gzip");
  });
});
