/** @module test/e2e-auth End-to-end tests of authentication, sessions, brute-force protection, networks and maintenance (spec §4.1–4.5, 4.8, 4.9, §6 facts 13–17, 20). */
import { randomBytes, randomUUID } from "node:crypto";
import { ServiceHttpError } from "@opsi-ts/core";
import { describe, expect, it } from "vitest";
import {
  ADMIN,
  asDict,
  BRUTE_FORCE,
  type Caller,
  type E2eServer,
  freshAddress,
  NETWORKS,
  SESSION_LIFETIME,
  type TestHost,
  USER,
} from "./e2e-env.js";
import { basicAuth, decodeResponse, type RawResponse, serialize, sessionCookieLine, sessionCookieOf } from "./e2e-https.js";

const COOKIE_RE = /^opsiconfd-session=([0-9a-f]{32}); SameSite=Strict; Secure; path=\/; Max-Age=(\d+)$/;
const WWW_AUTHENTICATE = 'Basic realm="opsi", charset="UTF-8"';

function randomMac(): string {
  return ["02", ...[...randomBytes(5)].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Parses an opsi timestamp (local time) to ms. */
function timestampMs(value: unknown): number {
  expect(value).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  return new Date(String(value).replace(" ", "T")).getTime();
}

/** Registers the authentication tests. */
export function authSuite(env: E2eServer): void {
  /** POST /rpc with one JSON-RPC 1.0 call and explicit headers. */
  const rpc = (caller: Caller, method: string, params: unknown = [], headers: Record<string, string> = {}, query = "") =>
    env.requestAs(caller, {
      method: "POST",
      path: `/rpc${query}`,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ id: 1, method, params }),
    });

  const resultOf = (res: RawResponse): unknown => {
    expect(res.status).toBe(200);
    const body = asDict(res.json());
    expect(body.error).toBeNull();
    return body.result;
  };

  const expectMiddlewareError = (res: RawResponse, status: number, text: string | RegExp) => {
    expect(res.status).toBe(status);
    const body = asDict(res.json());
    expect(Object.keys(body).sort()).toEqual(["error", "id", "result"]);
    expect(body.id).toBeNull();
    expect(body.result).toBeNull();
    expect(body.error).toEqual(typeof text === "string" ? text : expect.stringMatching(text));
    expect(res.headers["x-opsi-error"]).toBeDefined();
  };

  const hostLogin = (username: string, password: string, forwardedFor?: string) =>
    rpc({ authorization: basicAuth(username, password), ...(forwardedFor ? { forwardedFor } : {}) }, "accessControl_authenticated");

  describe("authentication", () => {
    it("logs a user in with Basic auth and reuses the session by cookie, by opsi-script's cookie form and by ?session_id=", async () => {
      const res = await rpc({ authorization: basicAuth(ADMIN.username, ADMIN.password) }, "accessControl_userIsAdmin");
      expect(resultOf(res)).toBe(true);
      expect(res.headers["x-opsi-user-id"]).toBe(`user:${ADMIN.username}`);
      const line = sessionCookieLine(res) ?? "";
      const match = COOKIE_RE.exec(line);
      expect(match?.[2]).toBe(String(SESSION_LIFETIME));
      const sessionId = match?.[1] ?? "";

      expect(resultOf(await rpc({ cookie: `opsiconfd-session=${sessionId}` }, "accessControl_userIsAdmin"))).toBe(true);
      expect(resultOf(await rpc({ cookie: `NULL; opsiconfd-session=${sessionId}` }, "accessControl_userIsAdmin"))).toBe(true);
      expect(resultOf(await rpc({ cookie: `OpsiConfd-Session=${sessionId.toUpperCase()}` }, "accessControl_userIsAdmin"))).toBe(true);
      expect(resultOf(await rpc({}, "accessControl_userIsAdmin", [], {}, `?session_id=${sessionId}`))).toBe(true);

      expectMiddlewareError(
        await rpc({ cookie: `opsiconfd-session=${"0".repeat(32)}` }, "backend_info"),
        401,
        "Authorization header missing",
      );
      // A session belongs to the address it was created from.
      expectMiddlewareError(
        await rpc({ cookie: `opsiconfd-session=${sessionId}`, forwardedFor: freshAddress("admin") }, "backend_info"),
        401,
        "Authorization header missing",
      );
    });

    it("lowercases user names and records the login in the USER object", async () => {
      const before = Date.now();
      const res = await rpc({ authorization: basicAuth(ADMIN.username.toUpperCase(), ADMIN.password) }, "accessControl_userIsAdmin");
      expect(resultOf(res)).toBe(true);
      expect(res.headers["x-opsi-user-id"]).toBe(`user:${ADMIN.username}`);
      const [user] = await env.cs.backend.getObjects("user", [], { id: ADMIN.username });
      expect(timestampMs(asDict(user).lastLogin)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    });

    it("gives user agents starting with curl or libdnf no session cookie", async () => {
      for (const userAgent of ["curl/8.5.0", "libdnf (Fedora 40)"]) {
        const res = await rpc({ authorization: basicAuth(ADMIN.username, ADMIN.password) }, "accessControl_authenticated", [], {
          "user-agent": userAgent,
        });
        expect(resultOf(res)).toBe(true);
        expect(res.headers["set-cookie"]).toBeUndefined();
      }
    });

    it("answers a wrong password with 401, WWW-Authenticate and the /rpc error document", async () => {
      const wrong = await rpc({ authorization: basicAuth(ADMIN.username, "wrong"), forwardedFor: freshAddress("admin") }, "backend_info");
      expectMiddlewareError(wrong, 401, "Authentication error");
      expect(wrong.headers["www-authenticate"]).toBe(WWW_AUTHENTICATE);
      expect(String(wrong.headers.server)).toMatch(/^opsiconfd 4\.3\./);
      expect(sessionCookieOf(wrong)).toBeUndefined();

      const missing = await rpc({ forwardedFor: freshAddress("admin") }, "backend_info");
      expectMiddlewareError(missing, 401, "Authorization header missing");
      expect(missing.headers["www-authenticate"]).toBe(WWW_AUTHENTICATE);

      const xhr = await rpc({ authorization: basicAuth(USER.username, "wrong"), forwardedFor: freshAddress("admin") }, "backend_info", [], {
        "x-requested-with": "XMLHttpRequest",
      });
      expectMiddlewareError(xhr, 401, "Authentication error");
      expect(xhr.headers["www-authenticate"]).toBeUndefined();

      const unknownHost = await hostLogin(`unknown-${Date.now()}.e2e-opsi.test`, "0".repeat(32), freshAddress("admin"));
      expectMiddlewareError(unknownHost, 401, "Authentication error");
      const client = await env.createClient();
      expectMiddlewareError(await hostLogin(client.id, "", freshAddress("admin")), 401, "Authentication error");
      expectMiddlewareError(await rpc({ authorization: `Bearer ${client.key}` }, "backend_info"), 401, "Authorization method unsupported");
    });

    it("supports /auth/login, /auth/authenticated and /auth/logout (and the /session/* aliases)", async () => {
      const login = await env.request({
        method: "POST",
        path: "/auth/login",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: ADMIN.username, password: ADMIN.password }),
      });
      expect(login.status).toBe(200);
      const { session_id: sessionId, is_admin: isAdmin } = asDict(login.json());
      expect(sessionId).toMatch(/^[0-9a-f]{32}$/);
      expect(isAdmin).toBe(true);
      const cookie = sessionCookieOf(login) ?? "";
      expect(cookie).toBe(`opsiconfd-session=${String(sessionId)}`);

      const authenticated = await env.requestAs({ cookie }, { method: "GET", path: "/auth/authenticated" });
      expect(authenticated.status).toBe(200);
      expect(authenticated.json()).toBe(true);
      expect(resultOf(await rpc({ cookie }, "accessControl_authenticated"))).toBe(true);

      const logout = await env.requestAs({ cookie }, { method: "GET", path: "/auth/logout" });
      expect(logout.status).toBe(200);
      expect(sessionCookieLine(logout)).toMatch(/Max-Age=0$/);
      expect((await env.requestAs({ cookie }, { method: "GET", path: "/auth/authenticated" })).status).toBe(401);
      expectMiddlewareError(await rpc({ cookie }, "backend_info"), 401, "Authorization header missing");

      const user = await env.request({
        method: "POST",
        path: "/session/login",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: USER.username, password: USER.password }),
      });
      expect(user.status).toBe(200);
      expect(asDict(user.json()).is_admin).toBe(false);

      const failed = await env.request({
        method: "POST",
        path: "/auth/login",
        headers: { "content-type": "application/json", "x-forwarded-for": freshAddress("admin") },
        body: JSON.stringify({ username: ADMIN.username, password: "wrong" }),
      });
      expect(failed.status).toBe(401);
      expect(asDict(failed.json())).toMatchObject({ status: 401, message: "Authentication error", class: expect.any(String) });
    });

    it("logs a host in by FQDN with its opsiHostKey (case and trailing dot ignored)", async () => {
      const client = await env.createClient();
      const res = await hostLogin(client.id, client.key);
      expect(resultOf(res)).toBe(true);
      expect(res.headers["x-opsi-user-id"]).toBe(`client:${client.id}`);
      expect(res.headers["x-opsi-new-host-id"]).toBeUndefined();
      expect(sessionCookieOf(res)).toBeDefined();

      const variant = await hostLogin(`${client.id.toUpperCase()}.`, client.key);
      expect(resultOf(variant)).toBe(true);
      expect(variant.headers["x-opsi-user-id"]).toBe(`client:${client.id}`);

      expectMiddlewareError(await hostLogin(client.id, "f".repeat(32), freshAddress("admin")), 401, "Authentication error");
    });

    it("logs a client in by MAC address (six colons) and answers x-opsi-new-host-id", async () => {
      const mac = randomMac();
      const client = await env.createClient({ hardwareAddress: mac });
      for (const username of [mac, mac.toUpperCase(), `{hardware_address}${mac}`]) {
        const res = await hostLogin(username, client.key);
        expect(resultOf(res)).toBe(true);
        expect(res.headers["x-opsi-new-host-id"]).toBe(client.id);
        expect(res.headers["x-opsi-user-id"]).toBe(`client:${client.id}`);
      }
      expectMiddlewareError(await hostLogin(mac, "f".repeat(32), freshAddress("admin")), 401, "Authentication error");
    });

    it("logs a client in by system UUID and answers x-opsi-new-host-id", async () => {
      const uuid = randomUUID();
      const client = await env.createClient({ systemUUID: uuid });
      const res = await hostLogin(`{system_uuid}${uuid}`, client.key);
      expect(resultOf(res)).toBe(true);
      expect(res.headers["x-opsi-new-host-id"]).toBe(client.id);
    });

    it("accepts a client's one-time password exactly once", async () => {
      const otp = randomBytes(8).toString("hex");
      const client = await env.createClient({ oneTimePassword: otp });
      expect(resultOf(await hostLogin(client.id, otp))).toBe(true);
      expect((await env.storedHost(client.id)).oneTimePassword ?? "").toBe("");
      expectMiddlewareError(await hostLogin(client.id, otp, freshAddress("admin")), 401, "Authentication error");
      expect(resultOf(await hostLogin(client.id, client.key))).toBe(true);
    });

    it("updates a client's lastSeen at login, and its ipAddress unless it connects from localhost", async () => {
      const client = await env.createClient({ lastSeen: "2020-01-01 00:00:00", ipAddress: "192.168.77.1" });
      expect(resultOf(await hostLogin(client.id, client.key))).toBe(true);
      const local = await env.storedHost(client.id);
      expect(Math.abs(timestampMs(local.lastSeen) - Date.now())).toBeLessThan(60_000);
      expect(local.ipAddress).toBe("192.168.77.1");

      const address = freshAddress("other");
      expect(resultOf(await hostLogin(client.id, client.key, address))).toBe(true);
      expect((await env.storedHost(client.id)).ipAddress).toBe(address);
    });

    it(`blocks an address with 403 after ${BRUTE_FORCE.maxAuthFailures} failures, for clientBlockTime`, async () => {
      const client = await env.createClient();
      const address = freshAddress("admin");
      for (let i = 0; i < BRUTE_FORCE.maxAuthFailures; i += 1) {
        expectMiddlewareError(await hostLogin(client.id, "0".repeat(32), address), 401, "Authentication error");
      }
      // The attempt that sets the block is still processed (opsiconfd).
      const last = await hostLogin(client.id, client.key, address);
      expect(resultOf(last)).toBe(true);
      const cookie = sessionCookieOf(last) ?? "";

      const blocked = await hostLogin(client.id, client.key, address);
      expectMiddlewareError(blocked, 403, `Client '${address}' is blocked`);
      expect(blocked.headers["x-opsi-error"]).toContain("blocked");
      // Only credential checks are refused: the authenticated session of that address keeps working.
      expect(resultOf(await rpc({ cookie, forwardedFor: address }, "accessControl_authenticated"))).toBe(true);
      // Other addresses are not affected.
      expect(resultOf(await hostLogin(client.id, client.key, freshAddress("admin")))).toBe(true);

      await sleep(BRUTE_FORCE.clientBlockTime * 1000 + 150);
      expect(resultOf(await hostLogin(client.id, client.key, address))).toBe(true);
    });

    it("refuses more than 30 sessions from one address with 403", async () => {
      const client = await env.createClient();
      const address = freshAddress("admin");
      for (let i = 0; i < 30; i += 1) expect(resultOf(await hostLogin(client.id, client.key, address))).toBe(true);
      expectMiddlewareError(
        await hostLogin(client.id, client.key, address),
        403,
        /^Too many sessions from 10\.10\.\d+\.\d+ .*maximum is: 30$/,
      );
      // localhost is exempt (max-sessions-excludes).
      for (let i = 0; i < 31; i += 1) expect(resultOf(await hostLogin(client.id, client.key))).toBe(true);
    });

    it("does not count malformed Authorization headers as failed logins", async () => {
      const client = await env.createClient();
      const address = freshAddress("admin");
      for (const authorization of ["Bearer abc", "Basic !!!", "Basic bm9jb2xvbg==", "Digest x", "Basic"]) {
        expect((await rpc({ authorization, forwardedFor: address }, "backend_info")).status).toBe(401);
      }
      for (let i = 0; i < 2; i += 1) expect(resultOf(await hostLogin(client.id, client.key, address))).toBe(true);
    });

    it("gives a non-admin user only backend_* and ACL-free methods", async () => {
      expect(await env.result(env.user, "accessControl_authenticated")).toBe(true);
      expect(await env.result(env.user, "accessControl_userIsAdmin")).toBe(false);
      expect(await env.result(env.user, "accessControl_getUserGroups")).toEqual(["users"]);
      expect(asDict(await env.result(env.user, "backend_info")).opsiVersion).toMatch(/^4\.3\./);
      expect(await env.result(env.user, "backend_getInterface")).toHaveLength(490);
      expect(await env.result(env.user, "getDomain")).toBe("e2e-opsi.test");
      expect(await env.result(env.user, "getOpsiCACert")).toBe(env.cs.tls.caCertPem);
      for (const [method, params] of [
        ["host_getObjects", []],
        ["host_getIdents", []],
        ["config_getObjects", []],
        ["configState_getValues", [[], [env.depot.id]]],
        ["productOnClient_getObjects", []],
        ["host_createOpsiClient", [`u-${Date.now()}.e2e-opsi.test`]],
        ["log_read", ["instlog", env.depot.id]],
      ] as const) {
        const { error } = await env.call(env.user, method, params);
        expect(error, method).toMatchObject({ class: "OpsiServicePermissionError" });
        expect(error?.message).toMatch(/^Opsi service permission error: No permission for method '/);
      }
      expect(await env.result(env.admin, "accessControl_userIsAdmin")).toBe(true);
      expect(await env.result(env.admin, "host_getIdents", ["str", { id: env.depot.id }])).toEqual([env.depot.id]);

      // Admin-only paths: "Permission denied" with 401 for a non-admin; an admin gets through (404: no such route).
      const denied = await env.requestAs(env.user, { method: "GET", path: "/admin/", headers: { accept: "application/json" } });
      expect(denied.status).toBe(401);
      expect(denied.json()).toEqual({ error: "Permission denied" });
      expect((await env.requestAs(env.admin, { method: "GET", path: "/admin/", headers: { accept: "application/json" } })).status).toBe(
        404,
      );
    });

    it("removes admin rights of a login from outside admin-networks", async () => {
      const outside = freshAddress("other");
      const login = await rpc(
        { authorization: basicAuth(ADMIN.username, ADMIN.password), forwardedFor: outside },
        "accessControl_userIsAdmin",
      );
      expect(resultOf(login)).toBe(false);
      const caller: Caller = { cookie: sessionCookieOf(login) ?? "", forwardedFor: outside };
      expect(await env.result(caller, "accessControl_getUserGroups")).not.toContain("opsiadmin");
      expect((await env.call(caller, "host_getObjects", [[], { id: env.depot.id }])).error?.class).toBe("OpsiServicePermissionError");

      const inside = freshAddress("admin");
      const ok = await rpc({ authorization: basicAuth(ADMIN.username, ADMIN.password), forwardedFor: inside }, "accessControl_userIsAdmin");
      expect(resultOf(ok)).toBe(true);
    });

    it("refuses addresses outside networks with 403", async () => {
      const address = freshAddress("outside");
      const res = await rpc({ authorization: basicAuth(ADMIN.username, ADMIN.password), forwardedFor: address }, "backend_info");
      expectMiddlewareError(res, 403, `Host '${address}' is not allowed to connect`);
      expect(resultOf(await rpc({ ...env.admin }, "accessControl_authenticated"))).toBe(true);
    });

    it("answers 503 with Retry-After in maintenance mode, except for address_exceptions", async () => {
      const excepted = `${NETWORKS.admin}.250.7`;
      await env.cs.appState.set({
        type: "maintenance",
        retry_after: 42,
        message: "E2E maintenance",
        address_exceptions: [`${NETWORKS.admin}.250.0/24`],
      });
      try {
        const res = await rpc(env.admin, "backend_info");
        expectMiddlewareError(res, 503, "E2E maintenance");
        expect(res.headers["retry-after"]).toBe("42");
        const login = await env.request({
          method: "POST",
          path: "/auth/login",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ username: ADMIN.username, password: ADMIN.password }),
        });
        expect(login.status).toBe(503);
        expect(login.headers["retry-after"]).toBe("42");

        const { client } = env.serviceClient({
          username: ADMIN.username,
          password: ADMIN.password,
          serialization: "json",
          compression: "none",
        });
        const error = await client.call("backend_info").catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ServiceHttpError);
        expect(error).toMatchObject({ status: 503, retryAfter: 42 });

        const allowed = await rpc(
          { authorization: basicAuth(ADMIN.username, ADMIN.password), forwardedFor: excepted },
          "accessControl_userIsAdmin",
        );
        expect(resultOf(allowed)).toBe(true);
      } finally {
        await env.cs.appState.set({ type: "normal" });
      }
      expect(resultOf(await rpc(env.admin, "accessControl_authenticated"))).toBe(true);
    });

    it("lets only localhost through a maintenance with the default address_exceptions", async () => {
      const address = freshAddress("admin");
      await env.cs.appState.set({ type: "maintenance" });
      try {
        expect(resultOf(await rpc(env.admin, "accessControl_authenticated"))).toBe(true);
        const res = await rpc({ authorization: basicAuth(ADMIN.username, ADMIN.password), forwardedFor: address }, "backend_info");
        expectMiddlewareError(res, 503, "Maintenance mode, please try again later");
        expect(res.headers["retry-after"]).toBe("600");
        const other = await env.request({
          method: "GET",
          path: "/auth/authenticated",
          headers: { "x-forwarded-for": address, accept: "application/json" },
        });
        expect(other.status).toBe(503);
        expect(other.json()).toEqual({ error: "Maintenance mode, please try again later" });
      } finally {
        await env.cs.appState.set({ type: "normal" });
      }
      expect(
        resultOf(
          await rpc({ authorization: basicAuth(ADMIN.username, ADMIN.password), forwardedFor: address }, "accessControl_authenticated"),
        ),
      ).toBe(true);
    });

    it("honours X-opsi-session-lifetime (1..86400) for the session and its cookie", async () => {
      const client: TestHost = await env.createClient();
      const maxAgeFor = async (lifetime: string) => {
        const res = await rpc(env.host(client), "accessControl_authenticated", [], { "x-opsi-session-lifetime": lifetime });
        expect(resultOf(res)).toBe(true);
        return COOKIE_RE.exec(sessionCookieLine(res) ?? "")?.[2];
      };
      expect(await maxAgeFor("300")).toBe("300");
      expect(await maxAgeFor("86400")).toBe("86400");
      for (const bad of ["0", "86401", "abc"]) expect(await maxAgeFor(bad)).toBe(String(SESSION_LIFETIME));

      const short = await rpc(env.host(client), "accessControl_authenticated", [], { "x-opsi-session-lifetime": "1" });
      const cookie = sessionCookieOf(short) ?? "";
      expect(resultOf(await rpc({ cookie }, "accessControl_authenticated"))).toBe(true);
      await sleep(1300);
      expectMiddlewareError(await rpc({ cookie }, "accessControl_authenticated"), 401, "Authorization header missing");
    });

    it.each([
      ["backend_exit", "json"],
      ["backend_exit", "msgpack"],
      ["exit", "json"],
      ["exit", "msgpack"],
    ] as const)("%s (%s) answers null, ends the session and expires its cookie", async (method, serialization) => {
      const client = await env.createClient();
      const login = await hostLogin(client.id, client.key);
      expect(resultOf(login)).toBe(true);
      const cookie = sessionCookieOf(login) ?? "";
      const res = await env.requestAs(
        { cookie },
        {
          method: "POST",
          path: "/rpc",
          headers: { "content-type": `application/${serialization}` },
          body: serialize({ jsonrpc: "2.0", id: "bye", method, params: [] }, serialization),
        },
      );
      expect(res.status).toBe(200);
      expect(decodeResponse(res)).toEqual({ jsonrpc: "2.0", id: "bye", result: null });
      expect(sessionCookieLine(res)).toMatch(/Max-Age=0$/);
      expectMiddlewareError(await rpc({ cookie }, "accessControl_authenticated"), 401, "Authorization header missing");
    });

    it("logs a depot server in with its host key as an admin", async () => {
      const res = await env.request({
        method: "POST",
        path: "/auth/login",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: env.depot.id, password: env.depot.key }),
      });
      expect(res.status).toBe(200);
      expect(asDict(res.json()).is_admin).toBe(true);
      const caller: Caller = { cookie: sessionCookieOf(res) ?? "" };
      const whoami = await rpc(caller, "accessControl_userIsAdmin");
      expect(resultOf(whoami)).toBe(true);
      expect(whoami.headers["x-opsi-user-id"]).toBe(`depot:${env.depot.id}`);
    });
  });
}
