/**
 * @module http/access-role
 * The role a request path requires (opsiconfd `SessionMiddleware`): public, any authenticated caller,
 * or admin. Everything not listed is admin-only.
 */

/** Role required by a path. */
export type AccessRole = "public" | "authenticated" | "admin";

/** Switches and extensions of the path classification. */
export interface AccessRoleOptions {
  /** `/status` is public unless the `status-page` feature is disabled (default true). */
  readonly statusPage?: boolean;
  /** `/public` and `/dav/public` are public unless the `public-folder` feature is disabled (default true). */
  readonly publicFolder?: boolean;
  /** More public path prefixes (for example addon pages). */
  readonly publicPaths?: readonly string[];
  /** More prefixes open to any authenticated caller. */
  readonly authenticatedPaths?: readonly string[];
}

const PUBLIC_PREFIXES = [
  "/favicon.ico",
  "/login",
  "/auth/wait_authenticated",
  "/auth/login",
  "/auth/logout",
  "/auth/session_id",
  "/auth/saml",
  "/ssl/opsi-ca-cert.pem",
  "/ssl/ca-certs.pem",
  "/static",
  "/welcome",
];

const AUTHENTICATED_PREFIXES = ["/rpc", "/monitoring", "/messagebus", "/file-transfer", "/auth/"];
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PROPFIND"]);

/**
 * Classifies a request path (after legacy rewrites) like opsiconfd: prefix matches, `/` is public,
 * `/depot` and `/boot` are open to authenticated callers for reading only.
 * @example requiredAccessRole("/rpc", "POST") // "authenticated"
 */
export function requiredAccessRole(path: string, method: string, options: AccessRoleOptions = {}): AccessRole {
  if (path === "/") return "public";
  const publicPrefixes = [...PUBLIC_PREFIXES, ...(options.publicPaths ?? [])];
  if (options.statusPage ?? true) publicPrefixes.push("/status");
  if (options.publicFolder ?? true) publicPrefixes.push("/public", "/dav/public");
  if (publicPrefixes.some((p) => path.startsWith(p))) return "public";
  const authPrefixes = [...AUTHENTICATED_PREFIXES, ...(options.authenticatedPaths ?? [])];
  if (authPrefixes.some((p) => path.startsWith(p))) return "authenticated";
  if ((path.startsWith("/depot") || path.startsWith("/boot")) && READ_METHODS.has(method.toUpperCase())) return "authenticated";
  return "admin";
}
