import { MemoryBackend } from "@opsi-ts/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { Authenticator } from "../auth/Authenticator.js";
import { JsonFileUserStore } from "../auth/JsonFileUserStore.js";
import { createAuthMiddleware } from "../auth/middleware.js";
import { createServiceServer, type ServiceServer } from "../http/server.js";
import { createTestTls, fetchTls, type TestTls } from "../http/test-support.js";
import { MemorySessionStore } from "../session/MemorySessionStore.js";
import { SessionManager } from "../session/SessionManager.js";
import { DEFAULT_MAINTENANCE_MESSAGE, parseAppState } from "./AppState.js";
import { MemoryAppStateStore } from "./AppStateStore.js";
import { createMaintenanceMiddleware } from "./middleware.js";

let fixture: TestTls;
let server: ServiceServer;
let sessions: SessionManager;
const appState = new MemoryAppStateStore();
const basic = `Basic ${Buffer.from("admin:adminpw").toString("base64")}`;

beforeAll(async () => {
  fixture = await createTestTls();
  const users = new JsonFileUserStore({ path: `${fixture.dir}/users.json`, scryptParams: { N: 1024, r: 8, p: 1 } });
  await users.add("admin", "adminpw", ["opsiadmin"]);
  sessions = new SessionManager({ store: new MemorySessionStore({ sweepIntervalMs: 0 }) });
  const authenticator = new Authenticator({ backend: new MemoryBackend(), userStore: users, sessions });
  server = createServiceServer({
    tls: fixture.tls.credentials,
    host: "127.0.0.1",
    port: 0,
    opsiVersion: "4.3.24.1",
    middlewares: [createMaintenanceMiddleware(appState), createAuthMiddleware({ sessions, authenticator })],
  });
  server.router.prefix(["GET", "POST"], "/rpc", (ctx) => ctx.json(200, { ok: true }));
  server.router.get("/status", (ctx) => ctx.text(200, "status: ok"));
  await server.start();
});

afterAll(async () => {
  await server.stop(100);
  await sessions.store.close();
  await fixture.cleanup();
});

const call = (path: string, headers: Record<string, string> = {}) => fetchTls(server.port, fixture.tls.caCertPem, path, { headers });

describe("app state", () => {
  it("fills opsi's defaults and normalises address exceptions", () => {
    expect(parseAppState({ type: "maintenance" })).toEqual({
      type: "maintenance",
      retry_after: 600,
      message: DEFAULT_MAINTENANCE_MESSAGE,
      address_exceptions: ["127.0.0.1/32", "::1/128"],
    });
    expect(parseAppState({ type: "maintenance", address_exceptions: ["10.0.0.1", "10.0.0.1/32", "::ffff:10.0.0.2"] })).toMatchObject({
      address_exceptions: ["10.0.0.1/32", "10.0.0.2/32"],
    });
    expect(() => parseAppState({ type: "maintenance", address_exceptions: ["nope"] })).toThrow(ZodError);
    expect(() => parseAppState({ type: "holiday" })).toThrow(ZodError);
    expect(() => parseAppState({ type: "maintenance", retry_after: -1 })).toThrow(ZodError);
  });

  it("notifies subscribers", async () => {
    const store = new MemoryAppStateStore();
    const seen: string[] = [];
    const off = store.subscribe((s) => seen.push(s.type));
    await store.set({ type: "shutdown" });
    off();
    await store.set({ type: "normal" });
    expect(seen).toEqual(["shutdown"]);
    expect(store.current().type).toBe("normal");
  });
});

describe("maintenance mode over HTTPS", () => {
  it("answers 503 with Retry-After outside the exceptions, before authentication", async () => {
    await appState.set({ type: "maintenance", retry_after: 300, message: "Backup running", address_exceptions: ["10.1.0.0/16"] });
    const rpc = await call("/rpc", { "x-forwarded-for": "10.2.0.1" });
    expect(rpc.status).toBe(503);
    expect(rpc.headers["retry-after"]).toBe("300");
    expect(rpc.headers["x-opsi-error"]).toBe("Backup running");
    expect(rpc.json()).toEqual({ id: null, result: null, error: "Backup running" });
    const status = await call("/status", { "x-forwarded-for": "10.2.0.1" });
    expect(status.status).toBe(503);
    expect(status.body).toBe("Backup running");
    const json = await call("/status", { "x-forwarded-for": "10.2.0.1", accept: "application/json" });
    expect(json.json()).toEqual({ error: "Backup running" });
  });

  it("lets addresses in the exceptions through", async () => {
    await appState.set({ type: "maintenance", address_exceptions: ["10.1.0.0/16"] });
    expect((await call("/rpc", { "x-forwarded-for": "10.1.2.3", authorization: basic })).status).toBe(200);
    // Localhost is only excepted when listed (the default list has it).
    expect((await call("/status")).status).toBe(503);
    await appState.set({ type: "maintenance" });
    expect((await call("/rpc", { authorization: basic })).status).toBe(200);
    expect((await call("/rpc", { "x-forwarded-for": "10.1.2.3", authorization: basic })).status).toBe(503);
  });

  it("serves everyone again in normal state", async () => {
    await appState.set({ type: "normal" });
    expect((await call("/status", { "x-forwarded-for": "10.2.0.1" })).status).toBe(200);
  });
});
