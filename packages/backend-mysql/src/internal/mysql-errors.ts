/**
 * @module mysql-errors
 * Classification of mysql2 / server errors: which are transient (retry), which mean bad input.
 */
import type { SqlErrorKind } from "@opsi-ts/backend-sql";
import { BackendUnableToConnectError } from "@opsi-ts/core";

/** The fields of a mysql2 error we look at. */
interface DriverErrorLike {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly message?: unknown;
  readonly fatal?: unknown;
  readonly cause?: unknown;
}

/** Server error numbers. */
export const ER = {
  CON_COUNT: 1040,
  DBACCESS_DENIED: 1044,
  ACCESS_DENIED: 1045,
  BAD_NULL: 1048,
  BAD_DB: 1049,
  DUP_KEY: 1022,
  DUP_ENTRY: 1062,
  SERVER_SHUTDOWN: 1053,
  HOST_IS_BLOCKED: 1129,
  HOST_NOT_PRIVILEGED: 1130,
  NET_READ_ERROR: 1158,
  NET_READ_INTERRUPTED: 1159,
  NET_ERROR_ON_WRITE: 1160,
  NET_WRITE_INTERRUPTED: 1161,
  LOCK_WAIT_TIMEOUT: 1205,
  LOCK_DEADLOCK: 1213,
  NO_REFERENCED_ROW: 1216,
  ROW_IS_REFERENCED: 1217,
  WARN_DATA_OUT_OF_RANGE: 1264,
  WARN_DATA_TRUNCATED: 1265,
  TRUNCATED_WRONG_VALUE: 1292,
  TRUNCATED_WRONG_VALUE_FOR_FIELD: 1366,
  DATA_TOO_LONG: 1406,
  ROW_IS_REFERENCED_2: 1451,
  NO_REFERENCED_ROW_2: 1452,
  DUP_ENTRY_WITH_KEY_NAME: 1586,
  CONNECTION_KILLED: 1927,
  CLIENT_INTERACTION_TIMEOUT: 4031,
  CR_SERVER_GONE: 2006,
  CR_SERVER_LOST: 2013,
} as const;

/** Server codes and warnings that mean "this value does not fit the column". */
export const BAD_VALUE_CODES: ReadonlySet<number> = new Set([
  ER.BAD_NULL,
  ER.WARN_DATA_OUT_OF_RANGE,
  ER.WARN_DATA_TRUNCATED,
  ER.TRUNCATED_WRONG_VALUE,
  ER.TRUNCATED_WRONG_VALUE_FOR_FIELD,
  ER.DATA_TOO_LONG,
]);

const CONNECTION_LOST_ERRNOS: ReadonlySet<number> = new Set([
  ER.SERVER_SHUTDOWN,
  ER.NET_READ_ERROR,
  ER.NET_READ_INTERRUPTED,
  ER.NET_ERROR_ON_WRITE,
  ER.NET_WRITE_INTERRUPTED,
  ER.CONNECTION_KILLED,
  ER.CLIENT_INTERACTION_TIMEOUT,
  ER.CR_SERVER_GONE,
  ER.CR_SERVER_LOST,
]);

const CONNECTION_LOST_CODES: ReadonlySet<string> = new Set([
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ER_SERVER_SHUTDOWN",
  "ER_CONNECTION_KILLED",
]);

const CONNECTION_LOST_MESSAGE = /server has gone away|lost connection|connection lost|connection is in closed state|connection was killed/i;

/** Errors raised while establishing a connection that mean "the server cannot be used". */
const CONNECT_FAILED_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "ENOENT",
  "EACCES",
  "HANDSHAKE_SSL_ERROR",
  "HANDSHAKE_NO_SSL_SUPPORT",
]);

const CONNECT_FAILED_ERRNOS: ReadonlySet<number> = new Set([
  ER.CON_COUNT,
  ER.DBACCESS_DENIED,
  ER.ACCESS_DENIED,
  ER.BAD_DB,
  ER.HOST_IS_BLOCKED,
  ER.HOST_NOT_PRIVILEGED,
]);

function asDriverError(err: unknown): DriverErrorLike | undefined {
  return typeof err === "object" && err !== null ? (err as DriverErrorLike) : undefined;
}

/** The error and its `cause` chain (bounded). */
function* causeChain(err: unknown): Generator<DriverErrorLike> {
  let current: unknown = err;
  for (let depth = 0; depth < 8; depth++) {
    const e = asDriverError(current);
    if (!e) return;
    yield e;
    current = e.cause;
  }
}

/**
 * Server error number of the error or its causes, if any.
 * @example errnoOf(new Error("x", { cause: { errno: 1049 } })) // 1049
 */
export function errnoOf(err: unknown): number | undefined {
  for (const e of causeChain(err)) if (typeof e.errno === "number") return e.errno;
  return undefined;
}

/**
 * True if the error means the connection is gone (the statement may be retried on a fresh connection).
 * @example isConnectionLost({ code: "PROTOCOL_CONNECTION_LOST" }) // true
 */
export function isConnectionLost(err: unknown): boolean {
  for (const e of causeChain(err)) {
    if (e instanceof BackendUnableToConnectError) return true;
    if (typeof e.errno === "number" && CONNECTION_LOST_ERRNOS.has(e.errno)) return true;
    if (typeof e.code === "string" && CONNECTION_LOST_CODES.has(e.code)) return true;
    if (typeof e.message === "string" && CONNECTION_LOST_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/**
 * True if establishing a connection failed for a reason a retry will not fix soon (refused, DNS, auth, unknown database).
 * @example isConnectFailure({ code: "ECONNREFUSED" }) // true
 */
export function isConnectFailure(err: unknown): boolean {
  const e = asDriverError(err);
  if (!e) return false;
  if (typeof e.code === "string" && CONNECT_FAILED_CODES.has(e.code)) return true;
  return typeof e.errno === "number" && CONNECT_FAILED_ERRNOS.has(e.errno);
}

/**
 * Classifies a driver error for the SQL backend (it looks through `cause` chains).
 * @example classifyMysqlError({ errno: 1213 }) // "deadlock"
 */
export function classifyMysqlError(err: unknown): SqlErrorKind {
  const errno = errnoOf(err);
  switch (errno) {
    case ER.NO_REFERENCED_ROW:
    case ER.ROW_IS_REFERENCED:
    case ER.ROW_IS_REFERENCED_2:
    case ER.NO_REFERENCED_ROW_2:
      return "foreign-key";
    case ER.DUP_KEY:
    case ER.DUP_ENTRY:
    case ER.DUP_ENTRY_WITH_KEY_NAME:
      return "duplicate-key";
    case ER.LOCK_DEADLOCK:
      return "deadlock";
    case ER.LOCK_WAIT_TIMEOUT:
      return "lock-timeout";
    default:
      break;
  }
  return isConnectionLost(err) ? "connection-lost" : "other";
}
