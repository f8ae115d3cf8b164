/**
 * @module session/cookie
 * The `opsiconfd-session` cookie: lenient parsing (opsi-script sends `NULL; opsiconfd-session=…`)
 * and the `Set-Cookie` value.
 */

/** Name of the session cookie. */
export const SESSION_COOKIE_NAME = "opsiconfd-session";

const SESSION_ID_RE = /^[0-9a-f]{32}$/;

/**
 * Whether a string is a well-formed session id (32 lowercase hex digits).
 * @example isSessionId("7b9efe97a143438684267dfb71cbace2") // true
 */
export function isSessionId(value: string): boolean {
  return SESSION_ID_RE.test(value);
}

/**
 * Extracts the session id from a `Cookie` header: split on `;`, names compared case-insensitively,
 * value lowercased; malformed ids are ignored.
 * @example parseSessionCookie("NULL; opsiconfd-session=7B9EFE97A143438684267DFB71CBACE2") // "7b9efe97a143438684267dfb71cbace2"
 */
export function parseSessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() !== SESSION_COOKIE_NAME) continue;
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .toLowerCase();
    if (isSessionId(value)) return value;
  }
  return undefined;
}

/**
 * The `Set-Cookie` value: `opsiconfd-session=<id>; SameSite=Strict; Secure; path=/; Max-Age=<n>`.
 * `maxAge` undefined gives a browser-session cookie (no Max-Age); 0 deletes the cookie.
 * @example sessionCookie("7b9efe97a143438684267dfb71cbace2", 120)
 */
export function sessionCookie(sessionId: string, maxAge: number | undefined): string {
  const age = maxAge === undefined ? "" : `; Max-Age=${maxAge}`;
  return `${SESSION_COOKIE_NAME}=${sessionId}; SameSite=Strict; Secure; path=/${age}`;
}
