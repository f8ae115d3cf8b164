/**
 * @module rpc/errors
 * Python-named errors clients see (`ValueError`, `TypeError`) and the single mapping from any thrown
 * value to the JSON-RPC error triple `{ message, class, details }`.
 */
import { OpsiError } from "../errors.js";

/** An error whose `message` is sent as is (Python's `str(exc)`), with a Python class name. */
export class PythonError extends Error {
  /** The Python class name clients see in `class` / `data.class`. */
  static readonly pythonClass: string = "Exception";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = (new.target as typeof PythonError).pythonClass;
  }

  /** The class name clients see in `class` / `data.class`. */
  get opsiClass(): string {
    return (this.constructor as typeof PythonError).pythonClass;
  }
}

/** Python's `ValueError`: a bad value, an unknown method. */
export class RpcValueError extends PythonError {
  static override readonly pythonClass: string = "ValueError";
}

/** Python's `TypeError`: parameters that do not bind to the method signature. */
export class RpcTypeError extends PythonError {
  static override readonly pythonClass: string = "TypeError";
}

/**
 * A request document that cannot be processed at all (undecodable or empty body, no `method`,
 * unsupported Content-/Accept-Encoding): the server answers HTTP 400 with a 1.0 error, id 0.
 */
export class JsonRpcRequestError extends RpcValueError {
  /** The HTTP status to answer with. */
  readonly status = 400;
}

/** The error triple of a JSON-RPC error response. */
export interface RpcErrorInfo {
  readonly message: string;
  readonly class: string;
  /** The stack trace for admins, else null. */
  readonly details: string | null;
}

/** Options of {@link toRpcError}. */
export interface ToRpcErrorOptions {
  /** Include the stack trace (only for admin sessions). */
  readonly includeDetails: boolean;
}

/** Message non-admins get for errors that are not part of the opsi error model. */
export const INTERNAL_ERROR_MESSAGE = "Internal server error";

function hasOpsiClass(err: unknown): err is Error & { readonly opsiClass: string } {
  return err instanceof Error && typeof (err as { opsiClass?: unknown }).opsiClass === "string";
}

interface ZodLikeIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

function zodIssues(err: unknown): readonly ZodLikeIssue[] | null {
  if (!(err instanceof Error) || (err.name !== "ZodError" && err.name !== "$ZodError")) return null;
  const issues = (err as { issues?: unknown }).issues;
  return Array.isArray(issues) ? (issues as ZodLikeIssue[]) : null;
}

/**
 * Maps anything thrown while handling an RPC to the error triple. Errors carrying an `opsiClass`
 * (the {@link OpsiError} hierarchy, {@link PythonError}s, remote errors) keep their class and
 * message; zod validation errors become `ValueError` with the issue list; anything else is an
 * internal error: class `Exception`, and the message is hidden from non-admins.
 * @example toRpcError(new RpcValueError("Invalid method 'x'"), { includeDetails: false }) // { message: "Invalid method 'x'", class: "ValueError", details: null }
 */
export function toRpcError(err: unknown, options: ToRpcErrorOptions): RpcErrorInfo {
  const details = options.includeDetails && err instanceof Error ? (err.stack ?? String(err)) : null;
  if (err instanceof OpsiError || hasOpsiClass(err)) {
    return { message: err.message, class: err.opsiClass, details };
  }
  const issues = zodIssues(err);
  if (issues) {
    const text = issues.map((i) => (i.path.length > 0 ? `${i.path.map(String).join(".")}: ${i.message}` : i.message)).join("; ");
    return { message: `Invalid value: ${text}`, class: "ValueError", details };
  }
  if (!options.includeDetails) return { message: INTERNAL_ERROR_MESSAGE, class: "Exception", details: null };
  const message = err instanceof Error ? err.message : String(err);
  return { message: message || INTERNAL_ERROR_MESSAGE, class: "Exception", details };
}
