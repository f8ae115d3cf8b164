/**
 * @module http/errors
 * `HttpError`: an error with an HTTP status, a client-visible message and extra response headers.
 * Thrown by middleware and handlers; turned into a response by the server's error boundary.
 */

/**
 * An error that maps to one HTTP response. `message` is shown to the client, so it must not carry
 * internals; anything else thrown by a handler becomes a generic 500.
 * @example throw new HttpError(403, "Client '10.1.1.1' is blocked")
 */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, options: { headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.headers = options.headers ?? {};
  }
}

/** The standard `WWW-Authenticate` value of opsi 401 responses. */
export const WWW_AUTHENTICATE_BASIC = 'Basic realm="opsi", charset="UTF-8"';
