/**
 * @module http/headers
 * The general response headers of opsiconfd (spec 4.9): `Server`, server role, worker id, auth
 * methods, `date` + `x-date-unix-timestamp`, CORS and the HTTP security headers.
 */
import type { IncomingHttpHeaders } from "node:http";

/** Inputs of {@link generalHeaders}. */
export interface GeneralHeaderOptions {
  /** opsiconfd version to advertise, `4.3.x.y`; clients parse it to enable msgpack, lz4, message bus. */
  readonly opsiVersion: string;
  readonly serverRole: "configserver" | "depotserver";
  /** `X-opsi-worker-id`, `<node>:<worker>`. */
  readonly workerId: string;
  /** `X-opsi-auth-methods` (default `password`). */
  readonly authMethods?: readonly string[];
  /** `http-security-headers` (default true). */
  readonly securityHeaders?: boolean;
}

const ALLOW_HEADERS =
  "Accept,Accept-Encoding,Authorization,Connection,Content-Type,Encoding,Host,Origin,X-opsi-session-lifetime,X-Requested-With";
const EXPOSE_HEADERS = "X-Total-Count, X-opsi-user-id, X-opsi-server-role, x-opsi-worker-id, x-opsi-auth-methods, x-opsi-new-host-id";
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/**
 * The `date` header the way opsiconfd writes it (`%a, %d %b %Y %H:%M:%S UTC`); python-opsi-common
 * only parses it when the zone is `UTC`.
 * @example serverDate(0) // "Thu, 01 Jan 1970 00:00:00 UTC"
 */
export function serverDate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())} UTC`;
}

/**
 * The `Server` header value: `opsiconfd <version> (opsi-ts)`; python clients match `^opsi\D+([\d.]+)`.
 * @example serverHeader("4.3.24.1") // "opsiconfd 4.3.24.1 (opsi-ts)"
 */
export function serverHeader(opsiVersion: string): string {
  return `opsiconfd ${opsiVersion} (opsi-ts)`;
}

function corsOrigin(headers: IncomingHttpHeaders): string {
  let host = "localhost";
  const hostHeader = headers.host ?? "";
  const hostMatch = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d+)?$/.exec(hostHeader);
  if (hostMatch?.[1]) host = hostMatch[1];
  let scheme = "https";
  let port = 4447;
  const origin = headers.origin;
  if (origin) {
    try {
      const url = new URL(origin);
      if (url.protocol === "http:" || url.protocol === "https:") scheme = url.protocol.slice(0, -1);
      if (url.port) port = Number(url.port);
    } catch {
      // keep the defaults, like opsiconfd
    }
  }
  return `${scheme}://${host}:${port}`;
}

/**
 * All general headers for one response.
 * @example generalHeaders({ opsiVersion: "4.3.24.1", serverRole: "configserver", workerId: "srv:1" }, req.headers, Date.now())
 */
export function generalHeaders(options: GeneralHeaderOptions, requestHeaders: IncomingHttpHeaders, now: number): Record<string, string> {
  const headers: Record<string, string> = {
    server: serverHeader(options.opsiVersion),
    "x-opsi-server-role": options.serverRole,
    "x-opsi-worker-id": options.workerId,
    "x-opsi-auth-methods": (options.authMethods ?? ["password"]).join(","),
    date: serverDate(now),
    "x-date-unix-timestamp": String(Math.floor(now / 1000)),
    "access-control-allow-origin": corsOrigin(requestHeaders),
    "access-control-allow-methods": "*",
    "access-control-allow-headers": ALLOW_HEADERS,
    "access-control-allow-credentials": "true",
    "access-control-expose-headers": EXPOSE_HEADERS,
  };
  if (options.securityHeaders ?? true) {
    headers["strict-transport-security"] = "max-age=600; includeSubDomains";
    headers["x-content-type-options"] = "nosniff";
    headers["x-frame-options"] = "DENY";
  }
  return headers;
}

/**
 * Makes a text safe as a header value (latin-1 printable, no CR/LF), cut to `max` characters.
 * @example headerSafe("bad\nvalue", 64) // "bad value"
 */
export function headerSafe(text: string, max = 64): string {
  return text
    .replace(/[^\x20-\x7e\xa0-\xff]/g, " ")
    .slice(0, max)
    .trim();
}
