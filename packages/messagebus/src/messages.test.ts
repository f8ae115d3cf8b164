import { describe, expect, it } from "vitest";
import { InvalidMessageError, MessageDecodeError } from "./errors.js";
import {
  COMMON_FIELDS,
  createMessage,
  DEFAULT_MESSAGE_VALIDITY_PERIOD,
  isExpired,
  isKnownMessage,
  isMessageOfType,
  MESSAGE_TYPES,
  messageToWire,
  parseMessage,
  responseChannel,
  UUID4_PATTERN,
} from "./messages.js";
import { SAMPLE_FIELDS } from "./test-samples.js";

const base = { sender: "host:client1.uib.local", channel: "session:9f0c7f43-6c1e-4a53-9e0b-2a35d8b4c1aa" };
const ID = "3c1f6a0e-8d8e-4b38-b0a8-2d3f4e5a6b7c";

function decodeError(fn: () => unknown): MessageDecodeError {
  try {
    fn();
  } catch (e: unknown) {
    if (e instanceof MessageDecodeError) return e;
    throw e;
  }
  throw new Error("expected a MessageDecodeError");
}

describe("message types", () => {
  it("has exactly the 32 opsicommon 4.3 types of spec §1.5", () => {
    expect([...MESSAGE_TYPES].sort()).toEqual(
      [
        "general_error",
        "event",
        "channel_subscription_request",
        "channel_subscription_event",
        "trace_request",
        "trace_response",
        "jsonrpc_request",
        "jsonrpc_response",
        "terminal_open_request",
        "terminal_open_event",
        "terminal_data_read",
        "terminal_data_write",
        "terminal_resize_request",
        "terminal_resize_event",
        "terminal_close_request",
        "terminal_close_event",
        "terminal_error",
        "process_start_request",
        "process_start_event",
        "process_data_read",
        "process_data_write",
        "process_stop_request",
        "process_stop_event",
        "process_error",
        "file_upload_request",
        "file_upload_response",
        "file_upload_result",
        "file_chunk",
        "file_download_request",
        "file_download_information",
        "file_download_abort_request",
        "file_transfer_error",
      ].sort(),
    );
  });

  it.each(MESSAGE_TYPES)("%s: createMessage fills the common defaults", (type) => {
    const msg = createMessage(type, SAMPLE_FIELDS[type] as never, { now: 1_728_555_000_000 });
    expect(msg.type).toBe(type);
    expect(msg.id).toMatch(UUID4_PATTERN);
    expect(msg.created).toBe(1_728_555_000_000);
    expect(msg.expires).toBe(1_728_555_000_000 + DEFAULT_MESSAGE_VALIDITY_PERIOD);
    expect(Object.keys(msg).slice(0, COMMON_FIELDS.length)).toEqual([...COMMON_FIELDS]);
  });
});

describe("createMessage defaults (as opsicommon sets them)", () => {
  it("jsonrpc_request: api_version '1', rpc_id a new uuid string, params []", () => {
    const msg = createMessage("jsonrpc_request", { ...base, method: "backend_info" });
    expect(msg).toMatchObject({ api_version: "1", params: [], back_channel: null, ref_id: null });
    expect(msg.rpc_id).toMatch(UUID4_PATTERN);
  });

  it("process_start_request: new process_id, command [], timeout 0, shell false, env {}", () => {
    const msg = createMessage("process_start_request", base);
    expect(msg.process_id).toMatch(UUID4_PATTERN);
    expect(msg).toMatchObject({ command: [], timeout: 0, shell: false, env: {} });
  });

  it("fills the remaining type defaults", () => {
    expect(createMessage("event", { ...base, event: "test" }).data).toEqual({});
    expect(createMessage("channel_subscription_request", { ...base, channels: ["@"] }).operation).toBe("set");
    expect(createMessage("channel_subscription_event", base)).toMatchObject({ error: null, subscribed_channels: [] });
    expect(createMessage("trace_request", base)).toMatchObject({ trace: {}, payload: null });
    expect(createMessage("jsonrpc_response", { ...base, rpc_id: 1 })).toMatchObject({ result: null, error: null });
    expect(createMessage("terminal_open_request", { ...base, terminal_id: "t" })).toMatchObject({
      rows: null,
      cols: null,
      shell: null,
      env: {},
    });
    const read = createMessage("process_data_read", base);
    expect([read.stdout.byteLength, read.stderr.byteLength]).toEqual([0, 0]);
    expect(createMessage("process_data_write", base).stdin.byteLength).toBe(0);
    expect(createMessage("file_download_request", base)).toMatchObject({ path: null, terminal_id: null, chunk_size: null, follow: false });
    expect(createMessage("file_chunk", { ...base, number: 0, data: new Uint8Array() }).last).toBe(false);
    expect(createMessage("file_upload_request", { ...base, content_type: "text/plain" }).file_id).toMatch(UUID4_PATTERN);
  });

  it("keeps given id/created/expires and new ids are lowercase v4", () => {
    const msg = createMessage("event", { ...base, event: "test", id: ID, created: 5, expires: 10 });
    expect(msg).toMatchObject({ id: ID, created: 5, expires: 10 });
    for (let i = 0; i < 50; i++) expect(createMessage("event", { ...base, event: "test" }).id).toMatch(UUID4_PATTERN);
  });

  it("throws InvalidMessageError naming every bad field", () => {
    let error: unknown;
    try {
      createMessage("terminal_resize_request", { ...base, terminal_id: "", rows: 1.5 } as never);
    } catch (e: unknown) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as InvalidMessageError).message).toBe(
      "Invalid terminal_resize_request message: field 'terminal_id': must not be empty; field 'rows': expected an integer (received float 1.5); field 'cols' is missing",
    );
    expect((error as InvalidMessageError).issues.map((i) => [i.path, i.problem])).toEqual([
      ["terminal_id", "invalid"],
      ["rows", "invalid"],
      ["cols", "missing"],
    ]);
    expect(() => createMessage("event", { ...base, event: "test", id: ID.toUpperCase() })).toThrow(
      /field 'id': must be a lowercase UUID v4/,
    );
  });
});

describe("isExpired / responseChannel", () => {
  it("is expired when expires <= now (0 is always expired, there is no 'never')", () => {
    const msg = createMessage("event", { ...base, event: "test" }, { now: 1000 });
    expect(isExpired(msg, 1000 + DEFAULT_MESSAGE_VALIDITY_PERIOD - 1)).toBe(false);
    expect(isExpired(msg, 1000 + DEFAULT_MESSAGE_VALIDITY_PERIOD)).toBe(true);
    expect(isExpired({ expires: 0 }, 1)).toBe(true);
    expect(isExpired(createMessage("event", { ...base, event: "test" }))).toBe(false);
  });

  it("answers to back_channel, else to sender", () => {
    expect(responseChannel({ sender: "host:a.b.c", back_channel: null })).toBe("host:a.b.c");
    expect(responseChannel({ sender: "host:a.b.c", back_channel: "session:x" })).toBe("session:x");
  });
});

describe("parseMessage", () => {
  it("accepts custom types with the common fields only (extra fields dropped)", () => {
    const msg = parseMessage({ ...base, type: "my_custom", id: ID, created: 1, expires: 2, payload: "dropped" });
    expect(msg).toEqual({ ...base, type: "my_custom", id: ID, created: 1, expires: 2, back_channel: null, ref_id: null });
    expect(isKnownMessage(msg)).toBe(false);
  });

  it("rejects custom types on request", () => {
    const err = decodeError(() => parseMessage({ ...base, type: "my_custom", id: ID }, { unknownTypes: "reject" }));
    expect(err.kind).toBe("unknown_type");
    expect(err.message).toBe("Unknown message type 'my_custom'");
    expect(err.messageId).toBe(ID);
  });

  it("drops fields a known type does not define", () => {
    const msg = parseMessage({ ...base, type: "terminal_close_request", terminal_id: "t", rows: 3, foo: "bar" });
    expect(msg).not.toHaveProperty("rows");
    expect(msg).not.toHaveProperty("foo");
  });

  it("fills defaults for absent id/created/expires like pydantic", () => {
    const msg = parseMessage({ ...base, type: "event", event: "test" });
    expect(msg.id).toMatch(UUID4_PATTERN);
    expect(msg.expires - msg.created).toBe(DEFAULT_MESSAGE_VALIDITY_PERIOD);
  });

  it("maps the legacy names: file_error type and local_process_id", () => {
    const fileError = parseMessage({ ...base, type: "file_error", file_id: ID, error: { message: "x" } });
    expect(fileError.type).toBe("file_transfer_error");
    const started = parseMessage({ ...base, type: "process_start_event", process_id: ID, local_process_id: 42 });
    expect(isMessageOfType(started, "process_start_event") && started.os_process_id).toBe(42);
    expect(started).not.toHaveProperty("local_process_id");
    const both = parseMessage({ ...base, type: "process_start_event", process_id: ID, os_process_id: 1, local_process_id: 2 });
    expect(isMessageOfType(both, "process_start_event") && both.os_process_id).toBe(1);
  });

  it("turns an integer error code into null and keeps known codes", () => {
    const msg = parseMessage({ ...base, type: "general_error", error: { message: "boom", code: 0 } });
    expect(isMessageOfType(msg, "general_error") && msg.error).toEqual({ message: "boom", code: null, details: null });
    const coded = parseMessage({ ...base, type: "general_error", error: { message: "boom", code: "timeout_reached", details: [1] } });
    expect(isMessageOfType(coded, "general_error") && coded.error.code).toBe("timeout_reached");
    expect(decodeError(() => parseMessage({ ...base, type: "general_error", error: { message: "x", code: "nope" } })).kind).toBe(
      "invalid_field",
    );
  });

  it("names what is wrong", () => {
    expect(decodeError(() => parseMessage([1, 2])).message).toBe("Invalid message: expected a map, received an array");
    expect(decodeError(() => parseMessage("x")).kind).toBe("not_a_map");
    const noType = decodeError(() => parseMessage({ ...base, id: ID }));
    expect([noType.kind, noType.message, noType.messageId]).toEqual(["missing_type", "Invalid message: field 'type' is missing", ID]);
    expect(decodeError(() => parseMessage({ ...base, type: 5 })).message).toBe(
      "Invalid message: field 'type' must be a non-empty string, received integer 5",
    );
    const missing = decodeError(() => parseMessage({ type: "jsonrpc_request", sender: "x" }));
    expect(missing.kind).toBe("missing_field");
    expect(missing.message).toBe("Invalid jsonrpc_request message: field 'channel' is missing; field 'method' is missing");
    expect(missing.issues.map((i) => i.path)).toEqual(["channel", "method"]);
    const invalid = decodeError(() =>
      parseMessage({ ...base, type: "terminal_data_read", terminal_id: "t", data: "text", created: "now", id: "ABC" }),
    );
    expect(invalid.kind).toBe("invalid_field");
    expect(invalid.message).toBe(
      "Invalid terminal_data_read message: field 'id': must be a lowercase UUID v4; field 'created': expected an integer (received string 'now'); field 'data': expected bytes (msgpack bin) (received string 'text')",
    );
    expect(invalid.messageId).toBe("ABC");
    const nested = decodeError(() => parseMessage({ ...base, type: "channel_subscription_request", channels: ["a", 1], operation: "xor" }));
    expect(nested.issues.map((i) => i.path)).toEqual(["channels.1", "operation"]);
    expect(nested.message).toContain("field 'channels.1': expected string (received integer 1)");
  });
});

describe("messageToWire", () => {
  it("leaves out top-level nulls but keeps nested ones, in declaration order", () => {
    const msg = createMessage("channel_subscription_event", {
      ...base,
      id: ID,
      created: 1,
      expires: 2,
      error: { message: "denied" },
    });
    const wire = messageToWire(msg);
    expect(Object.keys(wire)).toEqual(["type", "sender", "channel", "id", "created", "expires", "error", "subscribed_channels"]);
    expect(wire.error).toEqual({ message: "denied", code: null, details: null });
  });

  it("leaves out a null result/error of jsonrpc_response", () => {
    const wire = messageToWire(createMessage("jsonrpc_response", { ...base, rpc_id: "1", result: null }));
    expect(wire).not.toHaveProperty("result");
    expect(wire).not.toHaveProperty("error");
  });

  it("keeps only the common fields of a custom type", () => {
    const wire = messageToWire({ ...base, type: "x", id: ID, created: 1, expires: 2, back_channel: null, ref_id: null, extra: 1 } as never);
    expect(wire).toEqual({ ...base, type: "x", id: ID, created: 1, expires: 2 });
  });
});
