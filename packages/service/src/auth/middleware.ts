/**
 * @module auth/middleware
 * The session/auth step of the request pipeline (opsiconfd `SessionMiddleware`): `networks`
 * allow-list, required role per path, session from cookie or `?session_id=`, Basic authentication,
 * admin checks, the session cookie, `X-opsi-user-id`, and `ctx.caller` for handlers.
 */
import { BackendPermissionDeniedError } from "@opsi-ts/core";
import type { AccessRoleOptions } from "../http/access-role.js";
import { requiredAccessRole } from "../http/access-role.js";
import type { RequestContext } from "../http/context.js";
import { HttpError } from "../http/errors.js";
import { IpNetworkList } from "../http/ip-network.js";
import type { Middleware } from "../http/server.js";
import { isSessionId, parseSessionCookie } from "../session/cookie.js";
import type { Session } from "../session/Session.js";
import type { SessionManager } from "../session/SessionManager.js";
import { type Authenticator, callerContextOf, identityOf } from "./Authenticator.js";
import { parseBasicAuth } from "./basic.js";

/** Options of {@link createAuthMiddleware}. */
export interface AuthMiddlewareOptions {
  readonly sessions: SessionManager;
  readonly authenticator: Authenticator;
  /** `networks`: only these may connect at all (default: everyone); localhost is always added. */
  readonly networks?: readonly string[];
  /** Path classification switches. */
  readonly accessRoles?: AccessRoleOptions;
  /** `[groups] fileadmingroup` (default `opsifileadmins`): users writing to `/depot` need it. */
  readonly fileAdminGroup?: string;
}

/**
 * Session id of a request: the cookie, else `?session_id=`.
 * @example requestSessionId(ctx) // "7b9efe97a143438684267dfb71cbace2" or undefined
 */
export function requestSessionId(ctx: RequestContext): string | undefined {
  const fromCookie = parseSessionCookie(ctx.header("cookie"));
  if (fromCookie) return fromCookie;
  const fromQuery = ctx.query.get("session_id")?.trim().toLowerCase();
  return fromQuery && isSessionId(fromQuery) ? fromQuery : undefined;
}

/**
 * Loads (or creates) the session of a request and stores it in `ctx.session`.
 * @example const session = await ensureSession(ctx, sessions);
 */
export async function ensureSession(ctx: RequestContext, sessions: SessionManager): Promise<Session> {
  if (ctx.session) return ctx.session;
  ctx.session = await sessions.getSession({
    clientAddress: ctx.clientAddress,
    userAgent: ctx.header("user-agent"),
    sessionId: requestSessionId(ctx),
    lifetimeHeader: ctx.header("x-opsi-session-lifetime"),
  });
  return ctx.session;
}

/**
 * Sets the session headers of the response: `Set-Cookie`, and for authenticated sessions
 * `X-opsi-user-id` and `ctx.caller`.
 * @example applySessionToResponse(ctx, sessions);
 */
export function applySessionToResponse(ctx: RequestContext, sessions: SessionManager): void {
  const session = ctx.session;
  if (!session || ctx.res.headersSent) return;
  const cookie = sessions.cookie(session);
  if (cookie) ctx.res.setHeader("set-cookie", cookie);
  if (session.authenticated && !session.deleted) {
    const identity = identityOf(session);
    ctx.caller = callerContextOf(session, ctx.clientAddress);
    ctx.res.setHeader("x-opsi-user-id", `${identity.kind}:${identity.name}`);
  } else {
    ctx.caller = undefined;
    ctx.res.removeHeader("x-opsi-user-id");
  }
}

/**
 * Authenticates the session of `ctx` with the request's Basic credentials and stores it.
 * @example await authenticateRequest(ctx, sessions, authenticator);
 */
export async function authenticateRequest(ctx: RequestContext, sessions: SessionManager, authenticator: Authenticator): Promise<void> {
  const session = await ensureSession(ctx, sessions);
  const credentials = parseBasicAuth(ctx.header("authorization"));
  try {
    const outcome = await authenticator.authenticate(session, {
      clientAddress: ctx.clientAddress,
      username: credentials.username,
      password: credentials.password,
      mfaOtp: ctx.header("x-opsi-mfa-otp"),
    });
    if (outcome.newHostId) ctx.res.setHeader("x-opsi-new-host-id", outcome.newHostId);
  } finally {
    // A failed login on a stored session must be stored too (it is no longer authenticated).
    if (session.authenticated || session.stored) await sessions.save(session);
  }
}

/**
 * Creates the auth middleware; it goes after the maintenance middleware.
 * @example
 * const auth = createAuthMiddleware({ sessions, authenticator, networks: config.networks });
 * const server = createServiceServer({ ..., middlewares: [createMaintenanceMiddleware(appState), auth] });
 */
export function createAuthMiddleware(options: AuthMiddlewareOptions): Middleware {
  const { sessions, authenticator } = options;
  const networks = new IpNetworkList(
    options.networks && options.networks.length > 0 ? [...options.networks, "127.0.0.1/32", "::1/128"] : [],
  );
  const fileAdminGroup = (options.fileAdminGroup ?? "opsifileadmins").toLowerCase();

  return async (ctx, next) => {
    if (networks.size > 0 && !networks.contains(ctx.clientAddress)) {
      throw new HttpError(403, `Host '${ctx.clientAddress}' is not allowed to connect`);
    }
    const role = requiredAccessRole(ctx.path, ctx.method, options.accessRoles);
    ctx.requiredRole = role;
    try {
      if (role !== "public" || requestSessionId(ctx)) await ensureSession(ctx, sessions);
      if (role === "public") {
        if (ctx.header("authorization") && !ctx.session?.authenticated) {
          // Public paths still authenticate when credentials are sent; failures are ignored.
          await authenticateRequest(ctx, sessions, authenticator).catch((e: unknown) => {
            ctx.log.debug({ reason: e instanceof Error ? e.message : String(e) }, "Ignoring authentication failure on public path");
          });
        }
      } else {
        const session = await ensureSession(ctx, sessions);
        if (!session.authenticated) await authenticateRequest(ctx, sessions, authenticator);
        if (role === "admin" && !session.data.isAdmin) {
          throw new BackendPermissionDeniedError(`Not an admin user '${session.data.username}' ${ctx.method} ${ctx.path}`);
        }
        if (role === "admin" && !session.data.host && ctx.path.startsWith("/depot") && !session.data.userGroups.includes(fileAdminGroup)) {
          throw new BackendPermissionDeniedError(`Not a file admin user '${session.data.username}'`);
        }
      }
    } finally {
      applySessionToResponse(ctx, sessions);
    }
    await next();
  };
}
