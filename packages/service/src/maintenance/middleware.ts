/**
 * @module maintenance/middleware
 * Maintenance mode: requests from outside `address_exceptions` get 503 with `Retry-After` and the
 * maintenance message (the `/rpc`-shaped error on `/rpc`).
 */
import { HttpError } from "../http/errors.js";
import { IpNetworkList } from "../http/ip-network.js";
import type { Middleware } from "../http/server.js";
import type { AppState } from "./AppState.js";
import type { AppStateStore } from "./AppStateStore.js";

/**
 * The maintenance check; put it first in the middleware chain.
 * @example createServiceServer({ ..., middlewares: [createMaintenanceMiddleware(appState), authMiddleware] })
 */
export function createMaintenanceMiddleware(store: AppStateStore): Middleware {
  let cached: { state: AppState; exceptions: IpNetworkList } | undefined;
  return async (ctx, next) => {
    const state = await store.get();
    if (state.type === "maintenance") {
      if (cached?.state !== state) cached = { state, exceptions: new IpNetworkList(state.address_exceptions) };
      if (!cached.exceptions.contains(ctx.clientAddress)) {
        throw new HttpError(503, state.message, { headers: { "retry-after": String(state.retry_after) } });
      }
    }
    await next();
  };
}
