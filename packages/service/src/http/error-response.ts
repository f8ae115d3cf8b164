/**
 * @module http/error-response
 * Turns anything thrown during a request into one response (opsiconfd `handle_request_exception`):
 * the `/rpc`-shaped error document on `/rpc` paths, `{"error": ...}` JSON or plain text elsewhere,
 * `x-opsi-error` on every error, and never a stack trace (that goes to the log only).
 */
import { BackendAuthenticationError, BackendPermissionDeniedError, OpsiConnectionError } from "@opsi-ts/core";
import type { RequestContext } from "./context.js";
import { HttpError, WWW_AUTHENTICATE_BASIC } from "./errors.js";
import { headerSafe } from "./headers.js";

/** Status, client-visible message and headers an error maps to. */
export interface ErrorMapping {
  readonly status: number;
  readonly message: string;
  readonly headers: Record<string, string>;
  /** Unexpected errors are logged with their stack. */
  readonly unexpected: boolean;
}

function isXhr(ctx: RequestContext): boolean {
  return (ctx.header("x-requested-with") ?? "").toLowerCase() === "xmlhttprequest";
}

/**
 * Maps an error to a response: `HttpError` as given; authentication errors → 401
 * "Authentication error", permission errors → 401 "Permission denied" (both with
 * `WWW-Authenticate` unless `X-Requested-With: XMLHttpRequest`); a lost upstream service (a depot server's
 * config server) → 503 with its message and `Retry-After: 10`; anything else → 500.
 * @example mapError(ctx, new HttpError(403, "Too many sessions")).status // 403
 */
export function mapError(ctx: RequestContext, error: unknown): ErrorMapping {
  if (error instanceof HttpError) {
    const headers = { ...error.headers };
    if (error.status === 401 && !isXhr(ctx)) headers["www-authenticate"] ??= WWW_AUTHENTICATE_BASIC;
    if (error.status === 401 && isXhr(ctx)) delete headers["www-authenticate"];
    return { status: error.status, message: error.message, headers, unexpected: false };
  }
  if (error instanceof BackendAuthenticationError || error instanceof BackendPermissionDeniedError) {
    const headers: Record<string, string> = isXhr(ctx) ? {} : { "www-authenticate": WWW_AUTHENTICATE_BASIC };
    const message = error instanceof BackendPermissionDeniedError ? "Permission denied" : "Authentication error";
    return { status: 401, message, headers, unexpected: false };
  }
  if (error instanceof OpsiConnectionError) {
    return { status: 503, message: error.message, headers: { "retry-after": "10" }, unexpected: false };
  }
  return { status: 500, message: "Internal server error", headers: {}, unexpected: true };
}

const CONTENT_HEADERS = [
  "content-type",
  "content-length",
  "content-encoding",
  "content-disposition",
  "content-range",
  "etag",
  "last-modified",
];

/**
 * Answers a request with the response for `error`, or destroys the connection when the response
 * has already started. Never throws.
 * @example sendError(ctx, new HttpError(413, "Request body too large"))
 */
export function sendError(ctx: RequestContext, error: unknown): void {
  const mapping = mapError(ctx, error);
  if (mapping.unexpected) {
    ctx.log.error(
      { err: error, method: ctx.method, path: ctx.path, client: ctx.clientAddress },
      "Unhandled error while processing request",
    );
  } else {
    const log = mapping.status >= 500 ? ctx.log.warn.bind(ctx.log) : ctx.log.info.bind(ctx.log);
    log({ status: mapping.status, path: ctx.path, client: ctx.clientAddress, reason: describe(error) }, mapping.message);
  }
  if (ctx.responded) {
    ctx.res.destroy();
    return;
  }
  try {
    for (const name of CONTENT_HEADERS) ctx.res.removeHeader(name);
    const headers: Record<string, string> = { ...mapping.headers, "x-opsi-error": headerSafe(mapping.message, 64) };
    if (ctx.path.startsWith("/rpc")) {
      ctx.json(mapping.status, { id: null, result: null, error: mapping.message }, headers);
      return;
    }
    const accept = ctx.header("accept") ?? "";
    if (mapping.unexpected || accept.includes("application/json")) {
      ctx.json(mapping.status, { error: mapping.message }, headers);
      return;
    }
    const bare = ctx.path.toLowerCase().split("#", 1)[0]?.replace(/\/+$/, "") ?? "";
    if (mapping.status === 401 && (bare === "/admin" || bare === "/admin/grafana")) {
      ctx.send(307, "", { ...headers, location: `/login?redirect=${encodeURIComponent(ctx.path)}` });
      return;
    }
    ctx.text(mapping.status, mapping.message, headers);
  } catch (e: unknown) {
    ctx.log.error({ err: e }, "Failed to send error response");
    ctx.res.destroy();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
