/**
 * @module messages
 * The opsi 4.3 message model (opsicommon `opsicommon.messagebus.message`): every message type with
 * its wire field names, defaults and validation as zod schemas, the TypeScript types inferred from
 * them, constructors and the expiry rule. No `node:*` imports: this module also runs in browsers.
 *
 * Wire rules kept from opsicommon (spec §1.3/§1.4):
 * - fields are snake_case exactly as on the wire; a `None` (null) top-level field is left out of the
 *   map on encode, nested values (e.g. `error.code`) keep their nulls;
 * - `id`, `process_id` and `file_id` are lowercase UUID v4 strings (strict pattern);
 * - `created`/`expires` are integer milliseconds since the epoch, `expires` defaults to now + 60 s;
 * - fields a type does not define are dropped (pydantic's `extra="ignore"`; the broker re-serializes);
 * - a `type` that is not an opsicommon type is accepted as a custom message with only the common fields.
 */

import { z } from "zod";
import { type FieldIssue, InvalidMessageError, MessageDecodeError } from "./errors.js";

/** Default validity of a message in ms (opsicommon `DEFAULT_MESSAGE_VALIDITY_PERIOD`). */
export const DEFAULT_MESSAGE_VALIDITY_PERIOD = 60_000;

/** Default `chunk_size` a receiver of `file_download_request` uses when the request has none (256 KiB). */
export const DEFAULT_FILE_DOWNLOAD_CHUNK_SIZE = 256 * 1024;

/** The strict lowercase UUID v4 pattern of `id`, `process_id` and `file_id`. */
export const UUID4_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A new random lowercase UUID v4 (`crypto.randomUUID` always yields lowercase v4). */
export function newUuid4(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * The current time as a message bus timestamp: integer ms since the Unix epoch (UTC).
 * @example messagebusTimestamp(30) // now + 30 s, as used for fire-and-forget depot RPCs
 */
export function messagebusTimestamp(addSeconds = 0): number {
  return Math.trunc(Date.now() + addSeconds * 1000);
}

// ---------------------------------------------------------------------------------------------
// Field schemas

const uuid4 = z.string().regex(UUID4_PATTERN, { error: "must be a lowercase UUID v4" });
const int = z.int({ error: (issue) => (issue.input === undefined ? "is missing" : "expected an integer") });
const str = z.string();
const nullableStr = z.string().nullable().default(null);
const nullableInt = int.nullable().default(null);
const anyMap = () => z.record(z.string(), z.unknown());
const stringMap = () => z.record(z.string(), z.string());
const anyValue = () => z.unknown().default(null);

/** Bytes (msgpack bin). Output is always a plain `Uint8Array` view (a Buffer input is re-wrapped, not copied). */
const bytes = z
  .custom<Uint8Array>((v) => v instanceof Uint8Array, { error: "expected bytes (msgpack bin)" })
  .transform((v) => (v.constructor === Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));
const emptyBytes = () => new Uint8Array(0);

/** The three error codes opsicommon knows (`ErrorCode`). */
export const ERROR_CODES = ["file_not_found", "timeout_reached", "permission_error"] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The error object of `general_error`, `*_error` and `channel_subscription_event` (opsicommon `Error`).
 * An integer `code` is accepted on input and becomes null (opsicommon's backwards compatibility rule).
 */
export const messageErrorSchema = z.object({
  message: z.string(),
  code: z.union([z.enum(ERROR_CODES), int.transform(() => null), z.null()]).default(null),
  details: anyValue(),
});
export type MessageError = z.output<typeof messageErrorSchema>;

/** The operations of `channel_subscription_request`. */
export const CHANNEL_SUBSCRIPTION_OPERATIONS = ["set", "add", "remove"] as const;
export type ChannelSubscriptionOperation = (typeof CHANNEL_SUBSCRIPTION_OPERATIONS)[number];

// ---------------------------------------------------------------------------------------------
// Common fields (spec §1.4), in opsicommon's declaration order

const commonShape = {
  sender: str,
  channel: str,
  back_channel: nullableStr,
  id: uuid4.default(newUuid4),
  created: int.default(() => messagebusTimestamp()),
  expires: int.default(() => messagebusTimestamp() + DEFAULT_MESSAGE_VALIDITY_PERIOD),
  ref_id: nullableStr,
} as const;

/** The names of the common fields, in wire order (`type` first). */
export const COMMON_FIELDS = ["type", "sender", "channel", "back_channel", "id", "created", "expires", "ref_id"] as const;

function messageSchema<const T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.object({ type: z.literal(type), ...commonShape, ...shape });
}

const terminalId = z.string().min(1, { error: "must not be empty" });
const processId = uuid4.default(newUuid4);
const fileId = uuid4.default(newUuid4);

// ---------------------------------------------------------------------------------------------
// Message types (spec §1.5), field order as declared by opsicommon

export const generalErrorSchema = messageSchema("general_error", { error: messageErrorSchema });
export const eventSchema = messageSchema("event", { event: str, data: anyMap().default(() => ({})) });
export const channelSubscriptionRequestSchema = messageSchema("channel_subscription_request", {
  channels: z.array(str),
  operation: z.enum(CHANNEL_SUBSCRIPTION_OPERATIONS).default("set"),
});
export const channelSubscriptionEventSchema = messageSchema("channel_subscription_event", {
  error: messageErrorSchema.nullable().default(null),
  subscribed_channels: z.array(str).default(() => []),
});
export const traceRequestSchema = messageSchema("trace_request", {
  trace: anyMap().default(() => ({})),
  payload: bytes.nullable().default(null),
});
export const traceResponseSchema = messageSchema("trace_response", {
  req_trace: anyMap(),
  trace: anyMap(),
  payload: bytes.nullable().default(null),
});
export const jsonrpcRequestSchema = messageSchema("jsonrpc_request", {
  api_version: str.default("1"),
  rpc_id: z.union([str, int]).default(newUuid4),
  method: str,
  params: z.array(z.unknown()).default(() => []),
});
export const jsonrpcResponseSchema = messageSchema("jsonrpc_response", {
  rpc_id: z.union([str, int]),
  error: anyValue(),
  result: anyValue(),
});
export const terminalErrorSchema = messageSchema("terminal_error", { terminal_id: terminalId, error: messageErrorSchema });
export const terminalOpenRequestSchema = messageSchema("terminal_open_request", {
  terminal_id: terminalId,
  rows: nullableInt,
  cols: nullableInt,
  shell: nullableStr,
  env: stringMap().default(() => ({})),
});
export const terminalOpenEventSchema = messageSchema("terminal_open_event", { terminal_id: terminalId, rows: int, cols: int });
export const terminalResizeRequestSchema = messageSchema("terminal_resize_request", { terminal_id: terminalId, rows: int, cols: int });
export const terminalResizeEventSchema = messageSchema("terminal_resize_event", { terminal_id: terminalId, rows: int, cols: int });
export const terminalDataReadSchema = messageSchema("terminal_data_read", { terminal_id: terminalId, data: bytes });
export const terminalDataWriteSchema = messageSchema("terminal_data_write", { terminal_id: terminalId, data: bytes });
export const terminalCloseRequestSchema = messageSchema("terminal_close_request", { terminal_id: terminalId });
export const terminalCloseEventSchema = messageSchema("terminal_close_event", { terminal_id: terminalId });
export const processErrorSchema = messageSchema("process_error", { process_id: processId, error: messageErrorSchema });
export const processStartRequestSchema = messageSchema("process_start_request", {
  process_id: processId,
  command: z.array(str).default(() => []),
  timeout: int.default(0),
  shell: z.boolean().default(false),
  env: stringMap().default(() => ({})),
});
export const processStartEventSchema = messageSchema("process_start_event", {
  process_id: processId,
  os_process_id: int,
  locale_encoding: nullableStr,
});
export const processStopRequestSchema = messageSchema("process_stop_request", { process_id: processId });
export const processStopEventSchema = messageSchema("process_stop_event", { process_id: processId, exit_code: int });
export const processDataReadSchema = messageSchema("process_data_read", {
  process_id: processId,
  stdout: bytes.default(emptyBytes),
  stderr: bytes.default(emptyBytes),
});
export const processDataWriteSchema = messageSchema("process_data_write", { process_id: processId, stdin: bytes.default(emptyBytes) });
export const fileTransferErrorSchema = messageSchema("file_transfer_error", { file_id: fileId, error: messageErrorSchema });
export const fileUploadRequestSchema = messageSchema("file_upload_request", {
  file_id: fileId,
  content_type: str,
  name: nullableStr,
  size: nullableInt,
  destination_dir: nullableStr,
  terminal_id: nullableStr,
});
export const fileUploadResponseSchema = messageSchema("file_upload_response", { file_id: fileId, path: nullableStr });
export const fileUploadResultSchema = messageSchema("file_upload_result", { file_id: fileId, path: nullableStr });
export const fileDownloadRequestSchema = messageSchema("file_download_request", {
  file_id: fileId,
  path: nullableStr,
  terminal_id: nullableStr,
  chunk_size: nullableInt,
  follow: z.boolean().default(false),
});
export const fileDownloadAbortRequestSchema = messageSchema("file_download_abort_request", { file_id: fileId });
export const fileDownloadInformationSchema = messageSchema("file_download_information", { file_id: fileId, size: nullableInt });
export const fileChunkSchema = messageSchema("file_chunk", {
  file_id: fileId,
  number: int,
  last: z.boolean().default(false),
  data: bytes,
});

/** Schema of every opsicommon 4.3 message type, by `type`. */
export const MESSAGE_SCHEMAS = {
  general_error: generalErrorSchema,
  event: eventSchema,
  channel_subscription_request: channelSubscriptionRequestSchema,
  channel_subscription_event: channelSubscriptionEventSchema,
  trace_request: traceRequestSchema,
  trace_response: traceResponseSchema,
  jsonrpc_request: jsonrpcRequestSchema,
  jsonrpc_response: jsonrpcResponseSchema,
  terminal_error: terminalErrorSchema,
  terminal_open_request: terminalOpenRequestSchema,
  terminal_open_event: terminalOpenEventSchema,
  terminal_resize_request: terminalResizeRequestSchema,
  terminal_resize_event: terminalResizeEventSchema,
  terminal_data_read: terminalDataReadSchema,
  terminal_data_write: terminalDataWriteSchema,
  terminal_close_request: terminalCloseRequestSchema,
  terminal_close_event: terminalCloseEventSchema,
  process_error: processErrorSchema,
  process_start_request: processStartRequestSchema,
  process_start_event: processStartEventSchema,
  process_stop_request: processStopRequestSchema,
  process_stop_event: processStopEventSchema,
  process_data_read: processDataReadSchema,
  process_data_write: processDataWriteSchema,
  file_transfer_error: fileTransferErrorSchema,
  file_upload_request: fileUploadRequestSchema,
  file_upload_response: fileUploadResponseSchema,
  file_upload_result: fileUploadResultSchema,
  file_download_request: fileDownloadRequestSchema,
  file_download_abort_request: fileDownloadAbortRequestSchema,
  file_download_information: fileDownloadInformationSchema,
  file_chunk: fileChunkSchema,
} as const;

type Schemas = typeof MESSAGE_SCHEMAS;

/** The `type` of every opsicommon 4.3 message. */
export type MessageType = keyof Schemas;

/** All message types, in opsicommon's declaration order. */
export const MESSAGE_TYPES = Object.keys(MESSAGE_SCHEMAS) as MessageType[];

/** Legacy `type` values accepted on input and the type they stand for. */
export const MESSAGE_TYPE_ALIASES: Readonly<Record<string, MessageType>> = { file_error: "file_transfer_error" };

/**
 * Top-level fields holding bytes, per type (msgpack bin on the wire, base64 strings in the JSON codec).
 */
export const BYTES_FIELDS: { readonly [T in MessageType]?: readonly string[] } = {
  trace_request: ["payload"],
  trace_response: ["payload"],
  terminal_data_read: ["data"],
  terminal_data_write: ["data"],
  process_data_read: ["stdout", "stderr"],
  process_data_write: ["stdin"],
  file_chunk: ["data"],
};

/** The discriminated union over `type` of all opsicommon 4.3 messages (custom types excluded). */
export const messageUnionSchema = z.discriminatedUnion("type", [
  generalErrorSchema,
  eventSchema,
  channelSubscriptionRequestSchema,
  channelSubscriptionEventSchema,
  traceRequestSchema,
  traceResponseSchema,
  jsonrpcRequestSchema,
  jsonrpcResponseSchema,
  terminalErrorSchema,
  terminalOpenRequestSchema,
  terminalOpenEventSchema,
  terminalResizeRequestSchema,
  terminalResizeEventSchema,
  terminalDataReadSchema,
  terminalDataWriteSchema,
  terminalCloseRequestSchema,
  terminalCloseEventSchema,
  processErrorSchema,
  processStartRequestSchema,
  processStartEventSchema,
  processStopRequestSchema,
  processStopEventSchema,
  processDataReadSchema,
  processDataWriteSchema,
  fileTransferErrorSchema,
  fileUploadRequestSchema,
  fileUploadResponseSchema,
  fileUploadResultSchema,
  fileDownloadRequestSchema,
  fileDownloadAbortRequestSchema,
  fileDownloadInformationSchema,
  fileChunkSchema,
]);

/** A message with a type opsicommon does not know: only the common fields survive (spec §1.3). */
export const customMessageSchema = z.object({ type: z.string().min(1), ...commonShape });

/** A message of one opsicommon type, as validated (defaults filled). */
export type MessageOf<T extends MessageType> = z.output<Schemas[T]>;
/** Any opsicommon 4.3 message; switch on `type` to narrow. */
export type Message = { [T in MessageType]: MessageOf<T> }[MessageType];
/** A message of a custom (non-opsicommon) type: common fields only. */
export type CustomMessage = z.output<typeof customMessageSchema>;
/** What a decoder returns: a known message or a custom one (see {@link isKnownMessage}). */
export type AnyMessage = Message | CustomMessage;
/** The fields common to every message. */
export type CommonFields = Omit<CustomMessage, "type">;
/** What {@link createMessage} takes for a type: everything but `type`; defaulted fields are optional. */
export type MessageFields<T extends MessageType> = Omit<z.input<Schemas[T]>, "type">;

export type GeneralErrorMessage = MessageOf<"general_error">;
export type EventMessage = MessageOf<"event">;
export type ChannelSubscriptionRequestMessage = MessageOf<"channel_subscription_request">;
export type ChannelSubscriptionEventMessage = MessageOf<"channel_subscription_event">;
export type TraceRequestMessage = MessageOf<"trace_request">;
export type TraceResponseMessage = MessageOf<"trace_response">;
export type JsonRpcRequestMessage = MessageOf<"jsonrpc_request">;
export type JsonRpcResponseMessage = MessageOf<"jsonrpc_response">;
export type TerminalErrorMessage = MessageOf<"terminal_error">;
export type TerminalOpenRequestMessage = MessageOf<"terminal_open_request">;
export type TerminalOpenEventMessage = MessageOf<"terminal_open_event">;
export type TerminalResizeRequestMessage = MessageOf<"terminal_resize_request">;
export type TerminalResizeEventMessage = MessageOf<"terminal_resize_event">;
export type TerminalDataReadMessage = MessageOf<"terminal_data_read">;
export type TerminalDataWriteMessage = MessageOf<"terminal_data_write">;
export type TerminalCloseRequestMessage = MessageOf<"terminal_close_request">;
export type TerminalCloseEventMessage = MessageOf<"terminal_close_event">;
export type ProcessErrorMessage = MessageOf<"process_error">;
export type ProcessStartRequestMessage = MessageOf<"process_start_request">;
export type ProcessStartEventMessage = MessageOf<"process_start_event">;
export type ProcessStopRequestMessage = MessageOf<"process_stop_request">;
export type ProcessStopEventMessage = MessageOf<"process_stop_event">;
export type ProcessDataReadMessage = MessageOf<"process_data_read">;
export type ProcessDataWriteMessage = MessageOf<"process_data_write">;
export type FileTransferErrorMessage = MessageOf<"file_transfer_error">;
export type FileUploadRequestMessage = MessageOf<"file_upload_request">;
export type FileUploadResponseMessage = MessageOf<"file_upload_response">;
export type FileUploadResultMessage = MessageOf<"file_upload_result">;
export type FileDownloadRequestMessage = MessageOf<"file_download_request">;
export type FileDownloadAbortRequestMessage = MessageOf<"file_download_abort_request">;
export type FileDownloadInformationMessage = MessageOf<"file_download_information">;
export type FileChunkMessage = MessageOf<"file_chunk">;

// ---------------------------------------------------------------------------------------------
// Guards and helpers

/** Whether `type` is one of the opsicommon 4.3 message types. */
export function isMessageType(type: unknown): type is MessageType {
  return typeof type === "string" && Object.hasOwn(MESSAGE_SCHEMAS, type);
}

/** Whether a decoded message is of an opsicommon type (and so narrows on `type`). */
export function isKnownMessage(message: AnyMessage): message is Message {
  return isMessageType(message.type);
}

/**
 * Narrows a message to one type.
 * @example if (isMessageOfType(msg, "jsonrpc_request")) console.log(msg.method);
 */
export function isMessageOfType<T extends MessageType>(message: AnyMessage, type: T): message is MessageOf<T> {
  return message.type === type;
}

/**
 * Whether a message has expired: `expires ≤ now` (spec §1.4; there is no "never", `expires: 0` is
 * always expired).
 */
export function isExpired(message: Pick<CommonFields, "expires">, now: number = Date.now()): boolean {
  return message.expires <= now;
}

/** Where replies to a message go: `back_channel`, else `sender` (opsicommon `response_channel`). */
export function responseChannel(message: Pick<CommonFields, "back_channel" | "sender">): string {
  return message.back_channel || message.sender;
}

/** Options of {@link createMessage}. */
export interface CreateMessageOptions {
  /** Clock for the `created`/`expires` defaults (ms epoch); default `Date.now()`. */
  readonly now?: number;
}

/**
 * Builds a validated message of a type, filling the defaults opsicommon fills: a new `id`,
 * `created` = now, `expires` = now + 60 s, and the type's own defaults (e.g. `api_version: "1"`).
 * Throws {@link InvalidMessageError} naming every bad field.
 * @example createMessage("jsonrpc_request", { sender: "@", channel: "service:config:jsonrpc", method: "backend_info" })
 */
export function createMessage<T extends MessageType>(type: T, fields: MessageFields<T>, options: CreateMessageOptions = {}): MessageOf<T> {
  const now = Math.trunc(options.now ?? Date.now());
  const input: Record<string, unknown> = { ...fields, type };
  if (input.id === undefined) input.id = newUuid4();
  if (input.created === undefined) input.created = now;
  if (input.expires === undefined) input.expires = now + DEFAULT_MESSAGE_VALIDITY_PERIOD;
  const result = MESSAGE_SCHEMAS[type].safeParse(input);
  if (!result.success) {
    const issues = toFieldIssues(result.error.issues, input);
    throw new InvalidMessageError(`Invalid ${type} message: ${describeIssues(issues)}`, issues);
  }
  return result.data as MessageOf<T>;
}

/** Options of {@link parseMessage}. */
export interface ParseMessageOptions {
  /**
   * What to do with a `type` opsicommon does not know: `accept` (default, as opsicommon and
   * opsiconfd do) keeps the common fields only; `reject` throws `MessageDecodeError("unknown_type")`.
   */
  readonly unknownTypes?: "accept" | "reject";
}

/** Whether a decoded value is a plain map (object, not array/bytes/Map). */
export function isPlainMap(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Validates a decoded map into a message (the decoding edge): resolves the legacy aliases
 * (`file_error` → `file_transfer_error`, `local_process_id` → `os_process_id`), fills defaults,
 * drops fields the type does not define. Throws {@link MessageDecodeError}.
 * @example parseMessage({ type: "event", sender: "service_worker:n:1", channel: "event:test", event: "test" })
 */
export function parseMessage(raw: unknown, options: ParseMessageOptions = {}): AnyMessage {
  if (!isPlainMap(raw)) {
    throw new MessageDecodeError("not_a_map", `Invalid message: expected a map, received ${describeValue(raw)}`);
  }
  const messageId = typeof raw.id === "string" ? raw.id : null;
  const rawType = raw.type;
  if (typeof rawType !== "string" || rawType === "") {
    const what = rawType === undefined ? "is missing" : `must be a non-empty string, received ${describeValue(rawType)}`;
    throw new MessageDecodeError("missing_type", `Invalid message: field 'type' ${what}`, { messageId });
  }
  const type = MESSAGE_TYPE_ALIASES[rawType] ?? rawType;
  let input: Record<string, unknown> = raw;
  let schema: z.ZodType;
  if (isMessageType(type)) {
    schema = MESSAGE_SCHEMAS[type];
    input = { ...raw, type };
    if (type === "process_start_event" && input.os_process_id === undefined && input.local_process_id !== undefined) {
      input.os_process_id = input.local_process_id; // renamed in opsicommon 4.3.7.5, old name still accepted
    }
  } else if (options.unknownTypes === "reject") {
    throw new MessageDecodeError("unknown_type", `Unknown message type '${rawType}'`, { messageId });
  } else {
    schema = customMessageSchema;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = toFieldIssues(result.error.issues, input);
    const kind = issues.every((i) => i.problem === "missing") ? "missing_field" : "invalid_field";
    throw new MessageDecodeError(kind, `Invalid ${type} message: ${describeIssues(issues)}`, { issues, messageId });
  }
  return result.data as AnyMessage;
}

/**
 * The map to put on the wire for a message: validated against its type's schema (custom types:
 * common fields only), fields in declaration order, top-level nulls left out (opsicommon
 * `to_dict()`). Throws {@link InvalidMessageError}.
 */
export function messageToWire(message: AnyMessage): Record<string, unknown> {
  const type = (message as { type?: unknown }).type;
  const schema: z.ZodType = isMessageType(type) ? MESSAGE_SCHEMAS[type] : customMessageSchema;
  const result = schema.safeParse(message);
  if (!result.success) {
    const issues = toFieldIssues(result.error.issues, message);
    throw new InvalidMessageError(`Invalid ${String(type)} message: ${describeIssues(issues)}`, issues);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result.data as Record<string, unknown>)) {
    if (value !== null && value !== undefined) out[key] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Issue formatting

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** zod issues → {@link FieldIssue}s; a field absent from the input is reported as `missing`. */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[], input: unknown): FieldIssue[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    const missing = issue.path.length > 0 && valueAt(input, issue.path) === undefined;
    const value = valueAt(input, issue.path);
    let detail = issue.message;
    if (issue.code === "invalid_type" && detail.startsWith("Invalid input")) detail = `expected ${issue.expected}`;
    if (issue.code === "invalid_type" || issue.code === "custom") detail = `${detail} (received ${describeValue(value)})`;
    return { path, problem: missing ? "missing" : "invalid", detail: missing ? "is missing" : detail };
  });
}

/** One line naming every field problem, e.g. `field 'rows' is missing; field 'cols': expected an integer`. */
export function describeIssues(issues: readonly FieldIssue[]): string {
  return issues
    .map((i) => {
      if (!i.path) return i.detail;
      return i.problem === "missing" ? `field '${i.path}' is missing` : `field '${i.path}': ${i.detail}`;
    })
    .join("; ");
}

/** Short description of a value's type for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "nil";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return `bytes (${value.byteLength})`;
  if (typeof value === "string") return `string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === "number") return Number.isInteger(value) ? `integer ${value}` : `float ${value}`;
  if (typeof value === "object") return "a map";
  return `${typeof value} ${String(value)}`;
}
