/**
 * @module auth/routes
 * The REST auth endpoints (plain JSON, not JSON-RPC): `POST /auth/login`, `/auth/logout`,
 * `/auth/authenticated`, `/auth/session_id`, `/auth/wait_authenticated`. The legacy `/session/*`
 * paths are rewritten to these by the server.
 */
import { BackendAuthenticationError, BackendPermissionDeniedError } from "@opsi-ts/core";
import { z } from "zod";
import type { RequestContext } from "../http/context.js";
import { HttpError } from "../http/errors.js";
import { headerSafe } from "../http/headers.js";
import type { Router } from "../http/router.js";
import type { SessionManager } from "../session/SessionManager.js";
import type { Authenticator } from "./Authenticator.js";
import { applySessionToResponse, ensureSession } from "./middleware.js";

/** Options of {@link registerAuthRoutes}. */
export interface AuthRouteOptions {
  readonly sessions: SessionManager;
  readonly authenticator: Authenticator;
  /** Poll interval of `/auth/wait_authenticated` (default 1 000 ms). */
  readonly waitPollMs?: number;
  /** Longest accepted `wait_time` in seconds (default 300). */
  readonly maxWaitSeconds?: number;
}

const LoginBody = z.object({
  username: z.string().max(1024),
  password: z.string().max(4096),
  mfa_otp: z.string().max(64).nullish(),
});

const WaitBody = z.object({ wait_time: z.coerce.number().min(0).optional() }).loose();

function restError(ctx: RequestContext, status: number, errorClass: string, message: string): void {
  ctx.json(status, { class: errorClass, code: null, status, message }, { "x-opsi-error": headerSafe(message, 64) });
}

/**
 * Registers the auth endpoints on a router (they are public or authenticated per the path rules).
 * @example registerAuthRoutes(server.router, { sessions, authenticator });
 */
export function registerAuthRoutes(router: Router, options: AuthRouteOptions): void {
  const { sessions, authenticator } = options;
  const both = ["GET", "POST"];

  router.post("/auth/login", async (ctx) => {
    let body: z.infer<typeof LoginBody>;
    try {
      body = LoginBody.parse(await ctx.readJson({ limit: 64 * 1024 }));
    } catch (e: unknown) {
      if (e instanceof HttpError && e.status === 413) throw e;
      restError(ctx, 422, "RequestValidationError", "Invalid login data, expected a JSON object with username and password");
      return;
    }
    const session = await ensureSession(ctx, sessions);
    try {
      const outcome = await authenticator.authenticate(session, {
        clientAddress: ctx.clientAddress,
        username: body.username,
        password: body.password,
        mfaOtp: body.mfa_otp ?? ctx.header("x-opsi-mfa-otp"),
      });
      if (outcome.newHostId) ctx.res.setHeader("x-opsi-new-host-id", outcome.newHostId);
    } catch (e: unknown) {
      if (session.stored) await sessions.save(session);
      applySessionToResponse(ctx, sessions);
      if (e instanceof HttpError) {
        restError(ctx, e.status, e.status === 403 ? "ConnectionRefusedError" : "HTTPException", e.message);
        return;
      }
      if (e instanceof BackendAuthenticationError || e instanceof BackendPermissionDeniedError) {
        restError(ctx, 401, e.name, "Authentication error");
        return;
      }
      throw e;
    }
    await sessions.save(session);
    applySessionToResponse(ctx, sessions);
    ctx.json(200, { session_id: session.id, is_admin: session.data.isAdmin });
  });

  router.add(both, "/auth/logout", async (ctx) => {
    if (ctx.session) {
      await sessions.delete(ctx.session);
      applySessionToResponse(ctx, sessions);
    }
    ctx.json(200, "session deleted");
  });

  router.add(both, "/auth/session_id", async (ctx) => {
    const session = await ensureSession(ctx, sessions);
    await sessions.save(session);
    applySessionToResponse(ctx, sessions);
    ctx.json(200, session.id);
  });

  router.add(both, "/auth/authenticated", (ctx) => {
    const ok = !!ctx.session?.authenticated;
    ctx.json(ok ? 200 : 401, ok);
  });

  router.add(both, "/auth/wait_authenticated", async (ctx) => {
    const session = ctx.session;
    if (!session) {
      ctx.json(401, false);
      return;
    }
    if (session.authenticated) {
      ctx.json(200, true);
      return;
    }
    let waitSeconds = 0;
    try {
      const parsed = WaitBody.safeParse((await ctx.readJson({ limit: 64 * 1024 })) ?? {});
      if (parsed.success) waitSeconds = Math.min(parsed.data.wait_time ?? 0, options.maxWaitSeconds ?? 300);
    } catch {
      waitSeconds = 0;
    }
    const pollMs = options.waitPollMs ?? 1000;
    const deadline = Date.now() + waitSeconds * 1000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(deadline - Date.now(), 0))));
      if (!(await sessions.reload(session))) break;
      if (session.authenticated) {
        applySessionToResponse(ctx, sessions);
        ctx.json(200, true);
        return;
      }
    }
    ctx.json(401, false);
  });
}
