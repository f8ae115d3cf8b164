import { formatTimestamp, MemoryBackend } from "@opsi-ts/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServiceServer, type ServiceServer } from "../http/server.js";
import { createTestTls, fetchTls, type TestResponse, type TestTls } from "../http/test-support.js";
import { MemorySessionStore } from "../session/MemorySessionStore.js";
import { SessionManager } from "../session/SessionManager.js";
import { registerSslRoutes } from "../tls/routes.js";
import { Authenticator, type AuthenticatorOptions } from "./Authenticator.js";
import { JsonFileUserStore } from "./JsonFileUserStore.js";
import { type AuthMiddlewareOptions, createAuthMiddleware } from "./middleware.js";
import { registerAuthRoutes } from "./routes.js";

const KEY1 = "0123456789abcdef0123456789abcdef";
const KEY2 = "fedcba9876543210fedcba9876543210";
const DEPOT_KEY = "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb";
const MAC1 = "aa:bb:cc:dd:ee:01";
const UUID1 = "4c4c4544-0000-1010-8000-b9c04f4d4e31";

let fixture: TestTls;
let ca: string;
let backend: MemoryBackend;
let users: JsonFileUserStore;
let now = Date.UTC(2025, 0, 15, 12, 0, 0);
const clock = () => now;

interface Stack {
  server: ServiceServer;
  sessions: SessionManager;
  authenticator: Authenticator;
}
const stacks: Stack[] = [];

async function startStack(
  auth: Partial<AuthenticatorOptions> = {},
  middleware: Partial<AuthMiddlewareOptions> = {},
  maxSessionsPerIp = 5,
): Promise<Stack> {
  const sessions = new SessionManager({ store: new MemorySessionStore({ sweepIntervalMs: 0 }), lifetime: 60, maxSessionsPerIp, clock });
  const authenticator = new Authenticator({
    backend,
    userStore: users,
    sessions,
    clock,
    readOnlyGroups: ["opsireaders"],
    bruteForce: { maxAuthFailures: 10, authFailuresInterval: 120, clientBlockTime: 120, failureDelayMs: 5, clock },
    ...auth,
  });
  const server = createServiceServer({
    tls: fixture.tls.credentials,
    host: "127.0.0.1",
    port: 0,
    opsiVersion: "4.3.24.1",
    clock,
    middlewares: [createAuthMiddleware({ sessions, authenticator, ...middleware })],
  });
  const caller = (ctx: Parameters<Parameters<ServiceServer["router"]["get"]>[1]>[0]) => ctx.json(200, { caller: ctx.caller ?? null });
  server.router.prefix(["GET", "POST"], "/rpc", caller);
  server.router.get("/admin/test", caller);
  server.router.get("/public/x", caller);
  server.router.add(["GET", "PUT"], "/depot/file", caller);
  registerAuthRoutes(server.router, { sessions, authenticator, waitPollMs: 20 });
  registerSslRoutes(server.router, fixture.tls);
  await server.start();
  const stack = { server, sessions, authenticator };
  stacks.push(stack);
  return stack;
}

let main: Stack;

beforeAll(async () => {
  fixture = await createTestTls();
  ca = fixture.tls.caCertPem;
  backend = new MemoryBackend();
  await backend.host_createObjects([
    { type: "OpsiConfigserver", id: "opsi.test.local", opsiHostKey: DEPOT_KEY.replace(/a/g, "c") },
    { type: "OpsiDepotserver", id: "depot1.test.local", opsiHostKey: DEPOT_KEY },
    { type: "OpsiClient", id: "pc1.test.local", opsiHostKey: KEY1, hardwareAddress: MAC1, systemUUID: UUID1, ipAddress: "192.168.0.10" },
    { type: "OpsiClient", id: "pc2.test.local", opsiHostKey: KEY2, oneTimePassword: "one-time-pw" },
  ]);
  users = new JsonFileUserStore({ path: `${fixture.dir}/users.json`, scryptParams: { N: 1024, r: 8, p: 1 } });
  await users.add("admin", "adminpw", ["opsiadmin"]);
  await users.add("reader", "readerpw", ["opsireaders"]);
  await users.add("bob", "bobpw", []);
  await users.add("filer", "filerpw", ["opsiadmin", "opsifileadmins"]);
  main = await startStack();
});

afterAll(async () => {
  for (const s of stacks) {
    await s.server.stop(100);
    await s.sessions.store.close();
  }
  await fixture.cleanup();
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
const call = (path: string, headers: Record<string, string> = {}, stack: Stack = main, method = "GET", body?: string) =>
  fetchTls(stack.server.port, ca, path, { method, headers, body });
const cookieOf = (res: TestResponse) => res.headers["set-cookie"]?.[0] ?? "";
const sessionIdOf = (res: TestResponse) => /opsiconfd-session=([0-9a-f]{32})/.exec(cookieOf(res))?.[1] ?? "";
const host = async (id: string) => {
  const [h] = await backend.host_getObjects([], { id });
  if (!h) throw new Error(`no host ${id}`);
  return h as unknown as Record<string, unknown>;
};

describe("host authentication", () => {
  it("logs a client in by id, sets the session cookie and identifies the caller", async () => {
    const res = await call("/rpc", { authorization: basic("pc1.test.local", KEY1) });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      caller: {
        identity: { kind: "client", name: "pc1.test.local", hostId: "pc1.test.local", isAdmin: false, isReadOnly: false, groups: [] },
        sessionId: sessionIdOf(res),
        clientAddress: "127.0.0.1",
      },
    });
    expect(res.headers["x-opsi-user-id"]).toBe("client:pc1.test.local");
    expect(res.headers["x-opsi-new-host-id"]).toBeUndefined();
    expect(cookieOf(res)).toMatch(/^opsiconfd-session=[0-9a-f]{32}; SameSite=Strict; Secure; path=\/; Max-Age=60$/);
    // The cookie alone authenticates the next request, also in opsi-script's odd form and as ?session_id=.
    const sid = sessionIdOf(res);
    expect((await call("/rpc", { cookie: `opsiconfd-session=${sid}` })).status).toBe(200);
    expect((await call("/rpc", { cookie: `NULL; opsiconfd-session=${sid}` })).status).toBe(200);
    expect((await call(`/rpc?session_id=${sid}`)).status).toBe(200);
    // Trailing dot and upper case are accepted.
    expect((await call("/rpc", { authorization: basic("PC1.test.local.", KEY1) })).status).toBe(200);
  });

  it("updates lastSeen and, from a non-local address, ipAddress", async () => {
    now += 1000;
    await call("/rpc", { authorization: basic("pc1.test.local", KEY1) });
    let h = await host("pc1.test.local");
    expect(h.lastSeen).toBe(formatTimestamp(new Date(now)));
    expect(h.ipAddress).toBe("192.168.0.10");
    now += 1000;
    const res = await call("/rpc", { authorization: basic("pc1.test.local", KEY1), "x-forwarded-for": "10.20.30.40" });
    expect(res.status).toBe(200);
    h = await host("pc1.test.local");
    expect(h.ipAddress).toBe("10.20.30.40");
    expect(h.lastSeen).toBe(formatTimestamp(new Date(now)));
  });

  it("logs in by MAC address (six-colon form and prefix form) and reports the host id", async () => {
    const res = await call("/rpc", { authorization: basic(MAC1.toUpperCase(), KEY1) });
    expect(res.status).toBe(200);
    expect(res.headers["x-opsi-new-host-id"]).toBe("pc1.test.local");
    const prefixed = await call("/rpc", { authorization: basic("{hardware_address}aa-bb-cc-dd-ee-01", KEY1) });
    expect(prefixed.status).toBe(200);
    expect(prefixed.headers["x-opsi-new-host-id"]).toBe("pc1.test.local");
    expect((await call("/rpc", { authorization: basic("aa:bb:cc:dd:ee:99", KEY1) })).status).toBe(401);
  });

  it("logs in by system UUID", async () => {
    const res = await call("/rpc", { authorization: basic(`{system_uuid}${UUID1.toUpperCase()}`, KEY1) });
    expect(res.status).toBe(200);
    expect(res.headers["x-opsi-new-host-id"]).toBe("pc1.test.local");
  });

  it("does not treat * as a wildcard", async () => {
    expect((await call("/rpc", { authorization: basic("pc*.test.local", KEY1) })).status).toBe(401);
  });

  it("accepts a one-time password once and clears it", async () => {
    expect((await host("pc2.test.local")).oneTimePassword).toBe("one-time-pw");
    const res = await call("/rpc", { authorization: basic("pc2.test.local", "one-time-pw") });
    expect(res.status).toBe(200);
    expect((await host("pc2.test.local")).oneTimePassword).toBe("");
    expect((await call("/rpc", { authorization: basic("pc2.test.local", "one-time-pw") })).status).toBe(401);
    expect((await call("/rpc", { authorization: basic("pc2.test.local", KEY2) })).status).toBe(200);
  });

  it("rejects a wrong key with 401, WWW-Authenticate and the /rpc error shape", async () => {
    const res = await call("/rpc", { authorization: basic("pc1.test.local", KEY2) });
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Basic realm="opsi", charset="UTF-8"');
    expect(res.headers["x-opsi-error"]).toBe("Authentication error");
    expect(res.json()).toEqual({ id: null, result: null, error: "Authentication error" });
    const xhr = await call("/rpc", { authorization: basic("pc1.test.local", KEY2), "x-requested-with": "XMLHttpRequest" });
    expect(xhr.status).toBe(401);
    expect(xhr.headers["www-authenticate"]).toBeUndefined();
    expect((await call("/rpc", { authorization: basic("unknown.test.local", KEY1) })).status).toBe(401);
    expect((await call("/rpc", { authorization: basic("pc1.test.local", "") })).status).toBe(401);
  });

  it("makes depots and config servers admins", async () => {
    const res = await call("/admin/test", { authorization: basic("depot1.test.local", DEPOT_KEY) });
    expect(res.status).toBe(200);
    expect(res.headers["x-opsi-user-id"]).toBe("depot:depot1.test.local");
    expect(res.json()).toMatchObject({ caller: { identity: { kind: "depot", isAdmin: true, hostId: "depot1.test.local" } } });
    const client = await call("/admin/test", { authorization: basic("pc1.test.local", KEY1), accept: "application/json" });
    expect(client.status).toBe(401);
    expect(client.json()).toEqual({ error: "Permission denied" });
  });
});

describe("user authentication", () => {
  it("logs in users from the scrypt store; admin group → admin; USER object upserted", async () => {
    now += 5000;
    const res = await call("/admin/test", { authorization: basic("Admin", "adminpw") });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      caller: { identity: { kind: "user", name: "admin", isAdmin: true, isReadOnly: false, groups: ["opsiadmin"] } },
    });
    expect(res.headers["x-opsi-user-id"]).toBe("user:admin");
    const [user] = await backend.user_getObjects([], { id: "admin" });
    expect(user?.lastLogin).toBe(formatTimestamp(new Date(now)));
  });

  it("reports read-only users and refuses non-admins on admin paths", async () => {
    const reader = await call("/rpc", { authorization: basic("reader", "readerpw") });
    expect(reader.json()).toMatchObject({
      caller: { identity: { name: "reader", isAdmin: false, isReadOnly: true, groups: ["opsireaders"] } },
    });
    const bob = await call("/admin/test", { authorization: basic("bob", "bobpw") });
    expect(bob.status).toBe(401);
    expect(bob.body).toBe("Permission denied");
    expect((await call("/rpc", { authorization: basic("bob", "wrong") })).status).toBe(401);
  });

  it("needs the file admin group for user writes to /depot", async () => {
    expect((await call("/depot/file", { authorization: basic("admin", "adminpw") })).status).toBe(200);
    expect((await call("/depot/file", { authorization: basic("admin", "adminpw") }, main, "PUT", "x")).status).toBe(401);
    expect((await call("/depot/file", { authorization: basic("filer", "filerpw") }, main, "PUT", "x")).status).toBe(200);
    expect((await call("/depot/file", { authorization: basic("depot1.test.local", DEPOT_KEY) }, main, "PUT", "x")).status).toBe(200);
  });

  it("downgrades admins outside admin-networks", async () => {
    const stack = await startStack({ adminNetworks: ["10.50.0.0/16"] });
    const outside = await call("/rpc", { authorization: basic("admin", "adminpw"), "x-forwarded-for": "10.60.0.1" }, stack);
    expect(outside.json()).toMatchObject({ caller: { identity: { name: "admin", isAdmin: false, groups: [] } } });
    expect((await call("/admin/test", { authorization: basic("admin", "adminpw"), "x-forwarded-for": "10.60.0.1" }, stack)).status).toBe(
      401,
    );
    const inside = await call("/admin/test", { authorization: basic("admin", "adminpw"), "x-forwarded-for": "10.50.1.1" }, stack);
    expect(inside.json()).toMatchObject({ caller: { identity: { isAdmin: true, groups: ["opsiadmin"] } } });
    // Localhost is always an admin network.
    expect((await call("/admin/test", { authorization: basic("admin", "adminpw") }, stack)).status).toBe(200);
  });

  it("refuses addresses outside networks with 403, localhost always allowed", async () => {
    const stack = await startStack({}, { networks: ["10.70.0.0/16"] });
    const refused = await call("/rpc", { authorization: basic("admin", "adminpw"), "x-forwarded-for": "10.80.0.1" }, stack);
    expect(refused.status).toBe(403);
    expect(refused.json()).toEqual({ id: null, result: null, error: "Host '10.80.0.1' is not allowed to connect" });
    const publicRefused = await call("/ssl/opsi-ca-cert.pem", { "x-forwarded-for": "10.80.0.1" }, stack);
    expect(publicRefused.status).toBe(403);
    expect(publicRefused.body).toBe("Host '10.80.0.1' is not allowed to connect");
    expect((await call("/rpc", { authorization: basic("admin", "adminpw"), "x-forwarded-for": "10.70.3.3" }, stack)).status).toBe(200);
    expect((await call("/rpc", { authorization: basic("admin", "adminpw") }, stack)).status).toBe(200);
  });
});

describe("malformed credentials", () => {
  it.each([
    ["Bearer abc", "Authorization method unsupported"],
    ["Basic %%%", "Invalid Authorization header"],
    [`Basic ${Buffer.from("nocolon").toString("base64")}`, "Invalid Authorization header"],
    [`Basic ${Buffer.from([0x61, 0x3a, 0xc3, 0x28]).toString("base64")}`, "Invalid Authorization header"],
    ["Basic", "Authorization method unsupported"],
  ])("%j → 401 %s", async (header, message) => {
    const res = await call("/admin/test", { authorization: header, accept: "application/json" });
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({ error: message });
  });

  it("answers a missing header with 401 and keeps serving", async () => {
    const res = await call("/rpc");
    expect(res.json()).toEqual({ id: null, result: null, error: "Authorization header missing" });
    expect((await call("/ssl/opsi-ca-cert.pem")).status).toBe(200);
  });
});

describe("sessions over HTTPS", () => {
  it("honours X-opsi-session-lifetime and expires idle sessions", async () => {
    const login = await call("/rpc", { authorization: basic("bob", "bobpw"), "x-opsi-session-lifetime": "5" });
    expect(cookieOf(login)).toContain("Max-Age=5");
    const cookie = `opsiconfd-session=${sessionIdOf(login)}`;
    now += 4000;
    expect((await call("/rpc", { cookie })).status).toBe(200);
    now += 4000;
    expect((await call("/rpc", { cookie })).status).toBe(200); // last_used was refreshed
    now += 6000;
    const expired = await call("/rpc", { cookie });
    expect(expired.status).toBe(401);
    expect(sessionIdOf(expired)).not.toBe(sessionIdOf(login));
  });

  it("expires after the default lifetime without requests", async () => {
    const login = await call("/rpc", { authorization: basic("bob", "bobpw") });
    const cookie = `opsiconfd-session=${sessionIdOf(login)}`;
    now += 59_000;
    expect((await call("/rpc", { cookie })).status).toBe(200);
    now += 61_000;
    expect((await call("/rpc", { cookie })).status).toBe(401);
  });

  it("limits sessions per address with 403 'Too many sessions', localhost exempt", async () => {
    const stack = await startStack({}, {}, 2);
    const from = { "x-forwarded-for": "10.90.0.1", authorization: basic("bob", "bobpw") };
    expect((await call("/rpc", from, stack)).status).toBe(200);
    expect((await call("/rpc", from, stack)).status).toBe(200);
    const third = await call("/rpc", from, stack);
    expect(third.status).toBe(403);
    expect(third.json()).toMatchObject({ error: expect.stringMatching(/^Too many sessions from 10\.90\.0\.1/) });
    for (let i = 0; i < 4; i++) expect((await call("/rpc", { authorization: basic("bob", "bobpw") }, stack)).status).toBe(200);
  });

  it("gives curl no cookie", async () => {
    const res = await call("/rpc", { authorization: basic("bob", "bobpw"), "user-agent": "curl/8.5.0" });
    expect(res.status).toBe(200);
    expect(res.headers["set-cookie"]).toBeUndefined();
  });
});

describe("brute-force protection", () => {
  it("blocks after 10 failures, processes the blocking attempt, refuses later requests, unblocks after the window", async () => {
    const from = "10.99.99.99";
    for (let i = 0; i < 10; i++) {
      const res = await call("/rpc", { authorization: basic("bob", `wrong${i}`), "x-forwarded-for": from });
      expect(res.status).toBe(401);
    }
    // The 11th attempt sets the block but is still processed (here: with good credentials).
    const eleventh = await call("/rpc", { authorization: basic("bob", "bobpw"), "x-forwarded-for": from });
    expect(eleventh.status).toBe(200);
    const blocked = await call("/rpc", { authorization: basic("bob", "bobpw"), "x-forwarded-for": from });
    expect(blocked.status).toBe(403);
    expect(blocked.json()).toEqual({ id: null, result: null, error: `Client '${from}' is blocked` });
    // Other addresses are unaffected; a valid session keeps working (no credential check).
    expect((await call("/rpc", { authorization: basic("bob", "bobpw"), "x-forwarded-for": "10.99.99.98" })).status).toBe(200);
    const cookie = `opsiconfd-session=${sessionIdOf(eleventh)}`;
    expect((await call("/rpc", { cookie, "x-forwarded-for": from })).status).toBe(200);
    now += 121_000;
    expect((await call("/rpc", { authorization: basic("bob", "bobpw"), "x-forwarded-for": from })).status).toBe(200);
  });

  it("does not count permission errors", async () => {
    const stack = await startStack({}, {}, 0);
    const from = "10.99.99.97";
    for (let i = 0; i < 12; i++) {
      const res = await call("/admin/test", { authorization: basic("bob", "bobpw"), "x-forwarded-for": from }, stack);
      expect(res.status).toBe(401);
      expect(res.body).toBe("Permission denied");
    }
    expect((await call("/rpc", { authorization: basic("bob", "bobpw"), "x-forwarded-for": from }, stack)).status).toBe(200);
  });
});

describe("REST auth endpoints", () => {
  it("logs in with JSON, reports the session, logs out", async () => {
    const login = await call(
      "/auth/login",
      { "content-type": "application/json" },
      main,
      "POST",
      JSON.stringify({ username: "admin", password: "adminpw" }),
    );
    expect(login.status).toBe(200);
    const body = login.json() as { session_id: string; is_admin: boolean };
    expect(body.is_admin).toBe(true);
    expect(body.session_id).toMatch(/^[0-9a-f]{32}$/);
    expect(sessionIdOf(login)).toBe(body.session_id);
    const cookie = `opsiconfd-session=${body.session_id}`;
    const authed = await call("/auth/authenticated", { cookie });
    expect(authed.status).toBe(200);
    expect(authed.json()).toBe(true);
    expect((await call("/admin/test", { cookie })).status).toBe(200);
    const logout = await call("/auth/logout", { cookie }, main, "POST");
    expect(logout.json()).toBe("session deleted");
    expect(cookieOf(logout)).toContain("Max-Age=0");
    expect((await call("/admin/test", { cookie })).status).toBe(401);
  });

  it("answers a failed login with 401 and the REST error document; the legacy alias works", async () => {
    const res = await call("/session/login", {}, main, "POST", JSON.stringify({ username: "admin", password: "nope" }));
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({ class: "BackendAuthenticationError", code: null, status: 401, message: "Authentication error" });
    const bad = await call("/auth/login", {}, main, "POST", "{");
    expect(bad.status).toBe(422);
    const legacy = await call("/session/login", {}, main, "POST", JSON.stringify({ username: "bob", password: "bobpw" }));
    expect(legacy.json()).toMatchObject({ is_admin: false });
  });

  it("hands out session ids and waits for another request to authenticate the session", async () => {
    const sid = await call("/auth/session_id");
    const id = sid.json() as string;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(sessionIdOf(sid)).toBe(id);
    const cookie = `opsiconfd-session=${id}`;
    const quick = await call("/auth/wait_authenticated", { cookie }, main, "POST", JSON.stringify({ wait_time: 0 }));
    expect(quick.status).toBe(401);
    expect(quick.json()).toBe(false);
    const waiting = call("/auth/wait_authenticated", { cookie }, main, "POST", JSON.stringify({ wait_time: 5 }));
    await new Promise((r) => setTimeout(r, 100));
    const login = await call("/auth/login", { cookie }, main, "POST", JSON.stringify({ username: "bob", password: "bobpw" }));
    expect(login.json()).toMatchObject({ session_id: id });
    const waited = await waiting;
    expect(waited.status).toBe(200);
    expect(waited.json()).toBe(true);
  });

  it("authenticates on public paths when credentials are sent, ignoring failures", async () => {
    const ok = await call("/public/x", { authorization: basic("bob", "bobpw") });
    expect(ok.json()).toMatchObject({ caller: { identity: { name: "bob" } } });
    const bad = await call("/public/x", { authorization: basic("bob", "wrong") });
    expect(bad.status).toBe(200);
    expect(bad.json()).toEqual({ caller: null });
    const none = await call("/public/x");
    expect(none.json()).toEqual({ caller: null });
    expect(none.headers["set-cookie"]).toBeUndefined();
  });

  it("serves the CA certificates publicly", async () => {
    const res = await call("/ssl/opsi-ca-cert.pem");
    expect(res.status).toBe(200);
    expect(res.body).toBe(ca);
    expect(res.headers["content-type"]).toBe("application/x-pem-file");
    expect((await call("/ssl/ca-certs.pem")).body).toBe(ca);
  });
});
