/**
 * @module errors
 * The CLI's own error classes and how any error is shown (`Error: <class>: <message>`).
 */
import { OpsiError } from "@opsi-ts/core";

/** Wrong or missing arguments, options or input sources. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A password could not be read (mismatch, end of input, aborted prompt). */
export class PasswordInputError extends Error {
  override readonly name = "PasswordInputError";
}

/**
 * The class name shown for an error: the opsi class for opsi errors (the server's class for RPC errors),
 * else the error's name.
 * @example errorClass(new BackendMissingDataError("x")) // "BackendMissingDataError"
 */
export function errorClass(e: unknown): string {
  if (e instanceof OpsiError) return e.opsiClass;
  if (e instanceof Error) return e.name || e.constructor.name;
  return "Error";
}

/**
 * One line for stderr: `Error: <class>: <message>` (opsi errors without their short-description prefix).
 * @example formatError(new UsageError("no method")) // "Error: UsageError: no method"
 */
export function formatError(e: unknown): string {
  let message: string;
  if (e instanceof OpsiError) message = e.detail || e.message;
  else if (e instanceof Error) message = e.message;
  else message = String(e);
  return `Error: ${errorClass(e)}: ${message}`;
}

const CERTIFICATE_ERROR_CODES = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_UNTRUSTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * A hint for errors with a known fix (an untrusted server certificate), else null.
 * @example errorHint(new OpsiConnectionError("…", { cause: Object.assign(new Error("x"), { code: "SELF_SIGNED_CERT_IN_CHAIN" }) }))
 */
export function errorHint(e: unknown): string | null {
  let current: unknown = e;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && CERTIFICATE_ERROR_CODES.has(code)) {
      return "Hint: the server certificate is not trusted; pass its CA with --ca <file> (opsi-ts: <data-dir>/tls/opsi-ca-cert.pem) or use --insecure";
    }
    current = current.cause;
  }
  return null;
}
