/**
 * @module sql-errors
 * Driver errors to opsi errors: foreign-key violations and RESTRICT references become
 * BackendReferentialIntegrityError, unhandled key collisions BackendBadValueError, lock problems
 * BackendTemporaryError, lost connections BackendUnableToConnectError, the rest BackendIOError.
 */
import {
  BackendBadValueError,
  BackendIOError,
  BackendReferentialIntegrityError,
  BackendTemporaryError,
  BackendUnableToConnectError,
  OpsiError,
} from "@opsi-ts/core";
import type { SqlDialect } from "./dialect.js";

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * The opsi error for a driver error; opsi errors pass through unchanged. `context` says what was
 * being done ("Cannot store ProductOnClient objects").
 * @example throw toBackendError(err, dialect, "Cannot delete Host objects")
 */
export function toBackendError(err: unknown, dialect: SqlDialect, context: string): Error {
  if (err instanceof OpsiError) return err;
  const detail = messageOf(err);
  const options = { cause: err };
  switch (dialect.classifyError(err)) {
    case "foreign-key":
      return new BackendReferentialIntegrityError(
        `${context}: a referenced object is missing or the object is still referenced (${detail})`,
        options,
      );
    case "duplicate-key":
      return new BackendBadValueError(`${context}: duplicate key (${detail})`, options);
    case "deadlock":
    case "lock-timeout":
      return new BackendTemporaryError(`${context}: the database is busy, try again (${detail})`, options);
    case "connection-lost":
      return new BackendUnableToConnectError(`${context}: lost the database connection (${detail})`, options);
    default:
      return new BackendIOError(`${context}: ${detail}`, options);
  }
}
