/**
 * @module errors
 * Errors of the message model, the frame codec and the channel rules. Each one names what was
 * wrong; the broker turns them into `general_error` messages (their `message` is sent as is).
 */

/** One problem with one field of a message. */
export interface FieldIssue {
  /** Dotted path of the field, e.g. `rows` or `error.code`; empty for the message itself. */
  readonly path: string;
  /** `missing` when the field is absent, `invalid` when it has the wrong type or value. */
  readonly problem: "missing" | "invalid";
  /** Human readable description, e.g. `expected integer, received string`. */
  readonly detail: string;
}

/** What made a frame undecodable. */
export type MessageDecodeErrorKind =
  /** The frame (or its decompressed payload) is larger than `maxFrameSize`. */
  | "frame_too_large"
  /** The frame is not valid lz4 (frame format) or gzip data, or is truncated. */
  | "decompression_failed"
  /** The payload is not exactly one msgpack value. */
  | "not_msgpack"
  /** The payload is not valid UTF-8 JSON (JSON codec only). */
  | "not_json"
  /** The payload decodes, but not to a map. */
  | "not_a_map"
  /** The map has no `type`, or `type` is not a non-empty string. */
  | "missing_type"
  /** `type` names no opsicommon 4.3 message type and custom types were rejected. */
  | "unknown_type"
  /** Required fields are absent (and no field has a wrong value). */
  | "missing_field"
  /** At least one field has a wrong type or value. */
  | "invalid_field";

/** A frame that cannot be turned into a message. */
export class MessageDecodeError extends Error {
  override readonly name = "MessageDecodeError";
  /** The `id` of the offending message when it could be read (for `general_error.ref_id`). */
  readonly messageId: string | null;
  /** Field problems (only for `missing_field` / `invalid_field`). */
  readonly issues: readonly FieldIssue[];

  constructor(
    readonly kind: MessageDecodeErrorKind,
    message: string,
    options: { readonly issues?: readonly FieldIssue[]; readonly messageId?: string | null; readonly cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.issues = options.issues ?? [];
    this.messageId = options.messageId ?? null;
  }
}

/** A message that cannot be encoded (invalid fields, or the frame would be too large). */
export class MessageEncodeError extends Error {
  override readonly name = "MessageEncodeError";

  constructor(
    readonly kind: "invalid_message" | "frame_too_large",
    message: string,
    readonly issues: readonly FieldIssue[] = [],
  ) {
    super(message);
  }
}

/** `createMessage` was given fields that do not validate. */
export class InvalidMessageError extends Error {
  override readonly name = "InvalidMessageError";

  constructor(
    message: string,
    readonly issues: readonly FieldIssue[],
  ) {
    super(message);
  }
}

/** A channel name that does not follow the opsi channel grammar. */
export class InvalidChannelError extends Error {
  override readonly name = "InvalidChannelError";

  constructor(
    readonly channel: string,
    reason: string,
  ) {
    super(`Invalid channel name '${channel}': ${reason}`);
  }
}

/** A `?compression=` value other than lz4 and gzip (opsiconfd answers HTTP 400 with this text). */
export class InvalidCompressionError extends Error {
  override readonly name = "InvalidCompressionError";
  /** HTTP status to answer the upgrade request with. */
  readonly status = 400;

  constructor(readonly compression: string) {
    super(`Invalid compression '${compression}', valid compressions are lz4 and gzip`);
  }
}
