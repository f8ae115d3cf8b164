import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpError } from "./errors.js";
import { createServiceServer, type ServiceServer } from "./server.js";
import { createTestTls, fetchTls, peerCommonName, rawTlsExchange, type TestTls } from "./test-support.js";

let fixture: TestTls;
let server: ServiceServer;
let ca: string;
const logLines: string[] = [];

beforeAll(async () => {
  fixture = await createTestTls();
  ca = fixture.tls.caCertPem;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString("utf8"));
      cb();
    },
  });
  server = createServiceServer({
    tls: fixture.tls.credentials,
    host: "127.0.0.1",
    port: 0,
    opsiVersion: "4.3.24.1",
    serverRole: "configserver",
    workerId: "test:1",
    bodyLimit: 1024,
    headersTimeoutMs: 600,
    requestTimeoutMs: 1200,
    connectionsCheckingIntervalMs: 100,
    logger: pino({ level: "debug" }, sink),
  });
  const r = server.router;
  r.get("/hello", (ctx) => ctx.text(200, "hello"));
  r.get("/client", (ctx) => ctx.json(200, { client: ctx.clientAddress, peer: ctx.peerAddress, path: ctx.path, q: ctx.query.get("q") }));
  r.post("/echo", async (ctx) => ctx.json(200, { size: (await ctx.readBody()).length }));
  r.post("/echo-json", async (ctx) => ctx.json(200, await ctx.readJson()));
  r.post("/big", async (ctx) => ctx.json(200, { size: (await ctx.readBody({ limit: 10_000 })).length }));
  r.get("/boom", () => {
    throw new Error("secret internal detail");
  });
  r.get("/boom-string", () => {
    throw "a string";
  });
  r.prefix("*", "/rpc", () => {
    throw new TypeError("rpc exploded");
  });
  r.get("/forbidden", () => {
    throw new HttpError(403, "Nope", { headers: { "x-extra": "1" } });
  });
  r.get("/silent", () => undefined);
  r.post("/auth/login", (ctx) => ctx.json(200, { rewritten: ctx.path, original: ctx.originalPath }));
  await server.start();
});

afterAll(async () => {
  await server.stop(100);
  await fixture.cleanup();
});

describe("createServiceServer", () => {
  it("sets the general headers on every response", async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await fetchTls(server.port, ca, "/hello", {
      headers: { origin: "https://webgui.test:8443", host: "opsi.test.local:4447" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe("hello");
    expect(res.headers.server).toBe("opsiconfd 4.3.24.1 (opsi-ts)");
    expect(res.headers["x-opsi-server-role"]).toBe("configserver");
    expect(res.headers["x-opsi-worker-id"]).toBe("test:1");
    expect(res.headers["x-opsi-auth-methods"]).toBe("password");
    expect(res.headers.date).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} UTC$/);
    const ts = Number(res.headers["x-date-unix-timestamp"]);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(before + 2);
    expect(res.headers["access-control-allow-origin"]).toBe("https://opsi.test.local:8443");
    expect(res.headers["access-control-allow-credentials"]).toBe("true");
    expect(res.headers["access-control-allow-headers"]).toContain("X-opsi-session-lifetime");
    expect(res.headers["strict-transport-security"]).toBe("max-age=600; includeSubDomains");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    const notFound = await fetchTls(server.port, ca, "/nothing");
    expect(notFound.status).toBe(404);
    expect(notFound.headers.server).toBe("opsiconfd 4.3.24.1 (opsi-ts)");
    expect(notFound.headers["x-opsi-error"]).toBe("Not found");
  });

  it("answers HEAD like GET without a body", async () => {
    const res = await fetchTls(server.port, ca, "/hello", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.body).toBe("");
    expect(res.headers["content-length"]).toBe("5");
  });

  it("answers 405 with Allow", async () => {
    const res = await fetchTls(server.port, ca, "/hello", { method: "DELETE", headers: { accept: "application/json" } });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET, HEAD");
    expect(res.json()).toEqual({ error: "Method not allowed" });
  });

  it("turns a throwing handler into a 500 JSON without stack trace; the stack goes to the log", async () => {
    const res = await fetchTls(server.port, ca, "/boom");
    expect(res.status).toBe(500);
    expect(res.json()).toEqual({ error: "Internal server error" });
    expect(res.body).not.toContain("secret internal detail");
    expect(res.body).not.toMatch(/at .*\.ts/);
    expect(res.headers["x-opsi-error"]).toBe("Internal server error");
    expect(logLines.join("")).toContain("secret internal detail");
    expect(logLines.join("")).toContain("server.test.ts");
    const res2 = await fetchTls(server.port, ca, "/boom-string");
    expect(res2.status).toBe(500);
    // The server keeps serving.
    expect((await fetchTls(server.port, ca, "/hello")).status).toBe(200);
  });

  it("uses the JSON-RPC-shaped error document on /rpc", async () => {
    const res = await fetchTls(server.port, ca, "/rpc", { method: "POST", body: "{}" });
    expect(res.status).toBe(500);
    expect(res.json()).toEqual({ id: null, result: null, error: "Internal server error" });
  });

  it("sends HttpError status, message and headers; text unless JSON is accepted", async () => {
    const text = await fetchTls(server.port, ca, "/forbidden");
    expect(text.status).toBe(403);
    expect(text.body).toBe("Nope");
    expect(text.headers["content-type"]).toContain("text/plain");
    expect(text.headers["x-extra"]).toBe("1");
    const json = await fetchTls(server.port, ca, "/forbidden", { headers: { accept: "application/json" } });
    expect(json.json()).toEqual({ error: "Nope" });
  });

  it("fails a handler that does not respond", async () => {
    expect((await fetchTls(server.port, ca, "/silent")).status).toBe(500);
  });

  it("limits request bodies with 413", async () => {
    const ok = await fetchTls(server.port, ca, "/echo", { method: "POST", body: "x".repeat(1000) });
    expect(ok.json()).toEqual({ size: 1000 });
    const declared = await fetchTls(server.port, ca, "/echo", { method: "POST", body: "x".repeat(5000) });
    expect(declared.status).toBe(413);
    expect(declared.headers.connection).toBe("close");
    const chunked = await fetchTls(server.port, ca, "/echo", { method: "POST", body: "y".repeat(5000), chunked: true });
    expect(chunked.status).toBe(413);
    const perRoute = await fetchTls(server.port, ca, "/big", { method: "POST", body: "z".repeat(5000) });
    expect(perRoute.json()).toEqual({ size: 5000 });
  });

  it("rejects invalid JSON with 400", async () => {
    const res = await fetchTls(server.port, ca, "/echo-json", { method: "POST", body: "{nope", headers: { accept: "application/json" } });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: "Invalid JSON in request body" });
  });

  it("takes X-Forwarded-For only from trusted proxies (localhost by default)", async () => {
    const res = await fetchTls(server.port, ca, "/client?q=1", { headers: { "x-forwarded-for": "203.0.113.9, ::ffff:10.9.8.7" } });
    expect(res.json()).toEqual({ client: "10.9.8.7", peer: "127.0.0.1", path: "/client", q: "1" });
    const bogus = await fetchTls(server.port, ca, "/client", { headers: { "x-forwarded-for": "not-an-ip" } });
    expect(bogus.json()).toMatchObject({ client: "127.0.0.1" });
  });

  it("rewrites legacy paths and rejects dot segments", async () => {
    const res = await fetchTls(server.port, ca, "/session/login", { method: "POST", body: "" });
    expect(res.json()).toEqual({ rewritten: "/auth/login", original: "/session/login" });
    expect((await fetchTls(server.port, ca, "/public/%2e%2e/admin")).status).toBe(400);
    expect((await fetchTls(server.port, ca, "/bad%ZZencoding")).status).toBe(400);
  });

  it("closes connections of clients that send headers too slowly", async () => {
    const { data, closed, elapsedMs } = await rawTlsExchange(server.port, ca, "GET /hello HTTP/1.1\r\nHost: x\r\n", 5000);
    expect(closed).toBe(true);
    expect(data).toMatch(/^HTTP\/1\.1 408/);
    expect(elapsedMs).toBeLessThan(3000);
  });

  it("closes connections of clients that send the body too slowly", async () => {
    const { closed, elapsedMs } = await rawTlsExchange(
      server.port,
      ca,
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
      5000,
    );
    expect(closed).toBe(true);
    expect(elapsedMs).toBeLessThan(4000);
  });

  it("answers garbage with 400 and keeps running", async () => {
    const { data, closed } = await rawTlsExchange(server.port, ca, "GARBAGE\r\n\r\n", 3000);
    expect(closed).toBe(true);
    expect(data).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetchTls(server.port, ca, "/hello")).status).toBe(200);
  });

  it("rejects a bad version string", () => {
    expect(() => createServiceServer({ tls: fixture.tls.credentials, opsiVersion: "4.3" })).toThrow(/4\.3\.x\.y/);
  });

  it("takes new TLS credentials for new connections", async () => {
    const { certPem, keyPem } = await fixture.tls.issueHostCertificate("localhost.test.local", { hostnames: [] });
    expect(await peerCommonName(server.port, ca)).toBe("opsi.test.local");
    server.setTlsCredentials({ cert: certPem, key: keyPem });
    try {
      expect(await peerCommonName(server.port, ca)).toBe("localhost.test.local");
      expect((await fetchTls(server.port, ca, "/hello")).status).toBe(200);
    } finally {
      server.setTlsCredentials(fixture.tls.credentials);
    }
    expect(await peerCommonName(server.port, ca)).toBe("opsi.test.local");
  });
});
