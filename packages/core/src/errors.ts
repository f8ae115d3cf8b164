/**
 * @module errors
 * The opsi error hierarchy. Class names are part of the wire format: JSON-RPC error objects carry
 * them in `class` / `data.class`, and opsi clients branch on them.
 */

/** Base of every opsi error; `message` is prefixed with the short description like opsicommon does. */
export class OpsiError extends Error {
  /** Short human description, prepended to the message (opsicommon `ExceptionShortDescription`). */
  static readonly shortDescription: string = "Opsi error";
  /** The message without the short-description prefix. */
  readonly detail: string;

  constructor(detail = "", options?: { cause?: unknown }) {
    const short = (new.target as typeof OpsiError).shortDescription;
    super(detail ? `${short}: ${detail}` : short, options);
    this.detail = detail;
    this.name = new.target.name;
  }

  /** The opsi class name clients see (e.g. `BackendBadValueError`). */
  get opsiClass(): string {
    return this.name;
  }
}

export class BackendError extends OpsiError {
  static override readonly shortDescription: string = "Backend error";
}
export class BackendIOError extends BackendError {
  static override readonly shortDescription: string = "Backend I/O error";
}
export class BackendConfigurationError extends BackendError {
  static override readonly shortDescription: string = "Backend configuration error";
}
export class BackendReferentialIntegrityError extends BackendError {
  static override readonly shortDescription: string = "Backend referential integrity error";
}
/** An attribute, filter or parameter value that opsi would reject. */
export class BackendBadValueError extends BackendError {
  static override readonly shortDescription: string = "Backend bad value error";
}
export class BackendMissingDataError extends BackendError {
  static override readonly shortDescription: string = "Backend missing data error";
}
export class BackendAuthenticationError extends BackendError {
  static override readonly shortDescription: string = "Backend authentication error";
}
export class BackendPermissionDeniedError extends BackendError {
  static override readonly shortDescription: string = "Backend permission denied error";
}
export class BackendTemporaryError extends BackendError {
  static override readonly shortDescription: string = "Backend temporary error";
}
export class BackendUnableToConnectError extends BackendError {
  static override readonly shortDescription: string = "Backend unable to connect error";
}
export class BackendModuleDisabledError extends BackendError {
  static override readonly shortDescription: string = "Backend module disabled error";
}
/** An operation that cannot be carried out as requested (e.g. unmet package dependencies). */
export class BackendUnaccomplishableError extends BackendError {
  static override readonly shortDescription: string = "Backend unaccomplishable error";
}
/** A method whose capability is not available in this build or configuration. */
export class BackendNotImplementedError extends BackendError {
  static override readonly shortDescription: string = "Backend not implemented error";
}
export class OpsiAuthenticationError extends OpsiError {
  static override readonly shortDescription: string = "Opsi authentication error";
}
export class OpsiServicePermissionError extends OpsiError {
  static override readonly shortDescription: string = "Opsi service permission error";
}
export class OpsiBadRpcError extends OpsiError {
  static override readonly shortDescription: string = "Opsi bad rpc error";
}
export class OpsiRpcError extends OpsiError {
  static override readonly shortDescription: string = "Opsi rpc error";
}
export class OpsiConnectionError extends OpsiError {
  static override readonly shortDescription: string = "Opsi connection error";
}
export class OpsiTimeoutError extends OpsiError {
  static override readonly shortDescription: string = "Opsi timeout";
}
export class OpsiProductOrderingError extends OpsiError {
  static override readonly shortDescription: string = "A condition for ordering cannot be fulfilled";
}
export class LicenseConfigurationError extends OpsiError {
  static override readonly shortDescription: string = "License configuration error";
}
export class LicenseMissingError extends OpsiError {
  static override readonly shortDescription: string = "License missing error";
}
export class RepositoryError extends OpsiError {
  static override readonly shortDescription: string = "Repository error";
}

const REVIVABLE: readonly (typeof OpsiError)[] = [
  BackendError,
  BackendIOError,
  BackendConfigurationError,
  BackendReferentialIntegrityError,
  BackendBadValueError,
  BackendMissingDataError,
  BackendAuthenticationError,
  BackendPermissionDeniedError,
  BackendTemporaryError,
  BackendUnableToConnectError,
  BackendModuleDisabledError,
  BackendUnaccomplishableError,
  BackendNotImplementedError,
  OpsiAuthenticationError,
  OpsiServicePermissionError,
  OpsiBadRpcError,
  OpsiConnectionError,
  OpsiTimeoutError,
  OpsiProductOrderingError,
  LicenseConfigurationError,
  LicenseMissingError,
  RepositoryError,
];
const REVIVABLE_BY_NAME = new Map(REVIVABLE.map((cls) => [cls.name, cls]));

/**
 * Turns an error reported by another opsi service (class name + message as on the wire) back into the
 * local class, so `instanceof BackendMissingDataError` works across the wire; `undefined` for classes
 * that are not opsi errors. The short-description prefix of the message is not repeated.
 * @example reviveOpsiError("BackendMissingDataError", "Backend missing data error: Host 'x' not found")?.detail // "Host 'x' not found"
 */
export function reviveOpsiError(className: string, message: string): OpsiError | undefined {
  const cls = REVIVABLE_BY_NAME.get(className);
  if (!cls) return undefined;
  const prefix = `${cls.shortDescription}: `;
  const detail = message.startsWith(prefix) ? message.slice(prefix.length) : message === cls.shortDescription ? "" : message;
  return new cls(detail);
}

/** Formats any value for an error message the way opsi's `'…'` quoting does. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return `'${value}'`;
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
