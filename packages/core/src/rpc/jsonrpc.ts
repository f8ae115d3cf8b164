/**
 * @module rpc/jsonrpc
 * The JSON-RPC envelope as opsiconfd 4.3 speaks it (spec §2.2): request parsing with id and params
 * normalisation, 1.0/2.0 response builders, the one-element-batch quirk and the plain-string error
 * document of the session middleware.
 */
import { z } from "zod";
import { JsonRpcRequestError, type RpcErrorInfo, type ToRpcErrorOptions, toRpcError } from "./errors.js";
import { pythonTypeName } from "./params.js";

/** A request id after normalisation (missing, null, false, 0 and "" become 0). */
export type JsonRpcId = string | number;

/** Protocol version of one request: only `"jsonrpc": "2.0"` selects 2.0. */
export type JsonRpcVersion = "1.0" | "2.0";

/** One parsed request. */
export interface JsonRpcRequest {
  readonly id: JsonRpcId;
  readonly method: string;
  /** The raw params (missing/null → `[]`); bind them with `bindParams`. */
  readonly params: unknown;
  readonly version: JsonRpcVersion;
}

/** A parsed request document. */
export interface JsonRpcDocument {
  readonly requests: readonly JsonRpcRequest[];
  /** Whether the document was an array (the response shape does not depend on it, see {@link jsonRpcResponseDocument}). */
  readonly batch: boolean;
}

/** 1.0 success: both `result` and `error`. */
export interface JsonRpc10Success {
  readonly id: JsonRpcId;
  readonly result: unknown;
  readonly error: null;
}

/** 1.0 error: `error` is the `{message, class, details}` triple, `result` null. */
export interface JsonRpc10Error {
  readonly id: JsonRpcId;
  readonly error: RpcErrorInfo;
  readonly result: null;
}

/** 2.0 success: no `error` key. */
export interface JsonRpc20Success {
  readonly id: JsonRpcId;
  readonly result: unknown;
  readonly jsonrpc: "2.0";
}

/** 2.0 error: no `result` key; `code` is always 0. */
export interface JsonRpc20Error {
  readonly id: JsonRpcId;
  readonly error: {
    readonly message: string;
    readonly code: 0;
    readonly data: { readonly class: string; readonly details: string | null };
  };
  readonly jsonrpc: "2.0";
}

/** Any single response object. */
export type JsonRpcResponse = JsonRpc10Success | JsonRpc10Error | JsonRpc20Success | JsonRpc20Error;

/** What the session middleware returns on `/rpc` paths: `error` is a plain string, no `jsonrpc` key. */
export interface MiddlewareErrorDocument {
  readonly id: null;
  readonly result: null;
  readonly error: string;
}

const requestSchema = z.object({
  id: z.union([z.string(), z.number(), z.null(), z.literal(false)]).optional(),
  method: z.string(),
  params: z.unknown().optional(),
  jsonrpc: z.unknown().optional(),
});

function invalid(reason: string): JsonRpcRequestError {
  return new JsonRpcRequestError(`Invalid request: ${reason}`);
}

/**
 * Parses one request object. Throws {@link JsonRpcRequestError} for a non-object, a missing or
 * non-string `method`, or an id that is not a string or number.
 * @example parseJsonRpcRequest({ method: "backend_info" }) // { id: 0, method: "backend_info", params: [], version: "1.0" }
 */
export function parseJsonRpcRequest(value: unknown): JsonRpcRequest {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw invalid(`a request must be a dict, not ${pythonTypeName(value)}`);
  }
  const parsed = requestSchema.safeParse(value);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path[0];
    if (field === "method") {
      throw invalid(
        !("method" in value)
          ? "key 'method' missing"
          : `'method' must be a str, not ${pythonTypeName((value as { method: unknown }).method)}`,
      );
    }
    throw invalid(`'id' must be a str or an int, not ${pythonTypeName((value as { id: unknown }).id)}`);
  }
  const { id, method, params, jsonrpc } = parsed.data;
  return {
    id: id || 0,
    method,
    params: params || [],
    version: jsonrpc === "2.0" ? "2.0" : "1.0",
  };
}

/**
 * Parses a decoded request document: one request object or a batch array (answered in order).
 * Throws {@link JsonRpcRequestError} (HTTP 400) for anything that is neither or holds an invalid request.
 * @example parseJsonRpcDocument([{ id: 1, method: "a" }, { jsonrpc: "2.0", id: "x", method: "b", params: {} }]).requests.length // 2
 */
export function parseJsonRpcDocument(document: unknown): JsonRpcDocument {
  if (Array.isArray(document)) return { requests: document.map(parseJsonRpcRequest), batch: true };
  return { requests: [parseJsonRpcRequest(document)], batch: false };
}

/**
 * The success response for a request in its version's shape (`undefined` results become null).
 * @example jsonRpcSuccess({ id: 1, method: "m", params: [], version: "2.0" }, 42) // { id: 1, result: 42, jsonrpc: "2.0" }
 */
export function jsonRpcSuccess(request: Pick<JsonRpcRequest, "id" | "version">, result: unknown): JsonRpc10Success | JsonRpc20Success {
  const value = result === undefined ? null : result;
  if (request.version === "2.0") return { id: request.id, result: value, jsonrpc: "2.0" };
  return { id: request.id, result: value, error: null };
}

/**
 * The error response for a request in its version's shape; without a request, the 1.0 shape with id 0.
 * @example jsonRpcError(null, { message: "Request data empty", class: "ValueError", details: null }) // { id: 0, error: {...}, result: null }
 */
export function jsonRpcError(request: Pick<JsonRpcRequest, "id" | "version"> | null, error: RpcErrorInfo): JsonRpc10Error | JsonRpc20Error {
  if (request?.version === "2.0") {
    return {
      id: request.id,
      error: { message: error.message, code: 0, data: { class: error.class, details: error.details } },
      jsonrpc: "2.0",
    };
  }
  return { id: request?.id ?? 0, error: { message: error.message, class: error.class, details: error.details }, result: null };
}

/**
 * The body of an HTTP 400 for an unprocessable request document: a 1.0 error with id 0.
 * @example invalidRequestResponse(new JsonRpcRequestError("Request data empty"), { includeDetails: false })
 */
export function invalidRequestResponse(err: unknown, options: ToRpcErrorOptions): JsonRpc10Error {
  return jsonRpcError(null, toRpcError(err, options)) as JsonRpc10Error;
}

/**
 * The response document for the responses of one request document, in order. Quirk kept from
 * opsiconfd: exactly one response is sent as a bare object even if the request was a one-element batch.
 * @example jsonRpcResponseDocument([jsonRpcSuccess({ id: 1, version: "1.0" }, true)]) // { id: 1, result: true, error: null }
 */
export function jsonRpcResponseDocument(responses: readonly JsonRpcResponse[]): JsonRpcResponse | JsonRpcResponse[] {
  const [first] = responses;
  if (responses.length === 1 && first) return first;
  return [...responses];
}

/**
 * The error document the session middleware sends on `/rpc` paths (authentication, permission,
 * maintenance, overload): `{"id": null, "result": null, "error": "<text>"}`.
 * @example middlewareErrorDocument("Authentication error")
 */
export function middlewareErrorDocument(text: string): MiddlewareErrorDocument {
  return { id: null, result: null, error: text };
}

/** A response as a client sees it: the error is the triple, or a plain string from the middleware. */
export interface ParsedJsonRpcResponse {
  readonly id: JsonRpcId | null;
  readonly result: unknown;
  readonly error: RpcErrorInfo | string | null;
}

const errorTripleSchema = z.object({
  message: z.unknown().optional(),
  class: z.unknown().optional(),
  code: z.unknown().optional(),
  details: z.unknown().optional(),
  data: z.object({ class: z.unknown().optional(), details: z.unknown().optional() }).partial().nullish(),
});

const responseSchema = z.object({
  id: z.union([z.string(), z.number(), z.null()]).optional(),
  result: z.unknown().optional(),
  error: z.unknown().optional(),
});

function asText(value: unknown): string | null {
  return typeof value === "string" ? value : value === undefined || value === null ? null : String(value);
}

/**
 * Parses one response object (1.0, 2.0 or the middleware's string error) for clients.
 * @example parseJsonRpcResponse({ id: 1, error: { message: "x", code: 0, data: { class: "ValueError", details: null } }, jsonrpc: "2.0" }).error // { message: "x", class: "ValueError", details: null }
 */
export function parseJsonRpcResponse(value: unknown): ParsedJsonRpcResponse {
  const parsed = responseSchema.safeParse(value);
  if (!parsed.success) throw new JsonRpcRequestError(`Invalid JSON-RPC response: ${pythonTypeName(value)}`);
  const { id = null, result = null, error } = parsed.data;
  if (error === undefined || error === null || error === false) return { id, result, error: null };
  if (typeof error === "string") return { id, result, error };
  const triple = errorTripleSchema.safeParse(error);
  if (!triple.success) return { id, result, error: String(error) };
  const { message, data } = triple.data;
  const cls = asText(data?.class) ?? asText(triple.data.class) ?? "Exception";
  const details = asText(data?.details) ?? asText(triple.data.details);
  return { id, result: null, error: { message: asText(message) ?? "", class: cls, details } };
}
