import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { compressFrameSync, decompressFrameSync } from "lz4-napi";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { BackendMissingDataError, OpsiAuthenticationError, OpsiConnectionError, OpsiServicePermissionError } from "../errors.js";
import { compressionFromHeader, decodeBody, encodeBody, type Lz4Codec, negotiateRpc } from "../rpc/codec.js";
import { JsonRpcRequestError, RpcValueError, toRpcError } from "../rpc/errors.js";
import { RPC_METHODS } from "../rpc/interface.js";
import {
  invalidRequestResponse,
  type JsonRpcResponse,
  jsonRpcError,
  jsonRpcResponseDocument,
  jsonRpcSuccess,
  middlewareErrorDocument,
  parseJsonRpcDocument,
} from "../rpc/jsonrpc.js";
import { bindParams } from "../rpc/params.js";
import {
  compareVersions,
  parseServerVersion,
  RemoteRpcError,
  ServiceClient,
  type ServiceClientOptions,
  ServiceHttpError,
} from "./ServiceClient.js";

const view = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const lz4: Lz4Codec = { compress: (b) => compressFrameSync(view(b)), decompress: (b) => decompressFrameSync(view(b)) };

const USER = "admin";
const PASSWORD = "sécret";
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly document: unknown;
  readonly responseEncoding: string | null;
}

interface TestServer {
  readonly url: string;
  readonly requests: Recorded[];
  readonly sessions: Set<string>;
  serverHeader: string;
  newHostId: string | null;
  maintenance: boolean;
  close(): Promise<void>;
}

const CLIENTS = Array.from({ length: 300 }, (_, i) => ({
  type: "OpsiClient",
  id: `client${String(i).padStart(3, "0")}.dom.tld`,
  description: "a client with a description long enough to pass the compression threshold",
  ident: `client${String(i).padStart(3, "0")}.dom.tld`,
}));
const DEPOT = { type: "OpsiDepotserver", id: "depot.dom.tld", description: null, ident: "depot.dom.tld" };

function matches(value: unknown, pattern: unknown): boolean {
  if (pattern === undefined || pattern === null) return true;
  if (typeof pattern !== "string") return value === pattern;
  return new RegExp(`^${pattern.replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`).test(String(value));
}

/** A tiny opsi method set behind the real envelope, binding and error mapping. */
function execute(method: string, params: unknown): unknown {
  const info = RPC_METHODS.get(method);
  if (!info) throw new RpcValueError(`Invalid method '${method}'`);
  const { args, kwargs } = bindParams(info, params);
  const hosts = [...CLIENTS, DEPOT].filter((h) => matches(h.type, kwargs.type) && matches(h.id, kwargs.id));
  switch (method) {
    case "backend_info":
      return { opsiVersion: "4.3.0.0" };
    case "host_getObjects":
      return hosts;
    case "host_getIdents":
      if (args.returnType !== "str") throw new RpcValueError(`unsupported returnType ${String(args.returnType)}`);
      return hosts.map((h) => h.id);
    case "log_read":
      return `${String(args.logType)}/${String(args.objectId)}/${String(args.maxSize)}`;
    case "setProductActionRequest":
      throw new BackendMissingDataError(`Product '${String(args.productId)}' not found on depot`);
    case "host_createObjects":
      return null;
    default:
      throw new RpcValueError(`Method '${method}' not implemented in the test server`);
  }
}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function cookieSession(req: IncomingMessage): string | null {
  const match = /(?:^|;\s*)opsiconfd-session=([0-9a-f]+)/.exec(req.headers.cookie ?? "");
  return match?.[1] ?? null;
}

async function startServer(serverHeader = "opsiconfd 4.3.0.0 (opsi-ts)"): Promise<TestServer> {
  const requests: Recorded[] = [];
  const sessions = new Set<string>();
  const expectedAuth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const common = { server: state.serverHeader, date: new Date().toUTCString() };
    const record = (document: unknown, responseEncoding: string | null = null) =>
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, document, responseEncoding });
    const sendJson = (status: number, doc: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...common, "content-type": "application/json", ...extra });
      res.end(JSON.stringify(doc));
    };
    const body = await readBody(req);

    if (req.method === "HEAD" && req.url === "/rpc") {
      record(null);
      if (req.headers.authorization !== expectedAuth) {
        res.writeHead(401, common);
        res.end();
        return;
      }
      const session = randomBytes(16).toString("hex");
      sessions.add(session);
      const headers: Record<string, string> = {
        ...common,
        "set-cookie": `opsiconfd-session=${session}; HttpOnly; Path=/; SameSite=strict; Max-Age=150`,
      };
      if (state.newHostId) headers["x-opsi-new-host-id"] = state.newHostId;
      res.writeHead(200, headers);
      res.end();
      return;
    }
    if (req.method === "POST" && req.url === "/auth/logout") {
      record(null);
      const session = cookieSession(req);
      if (session) sessions.delete(session);
      sendJson(200, { result: "logged out" }, { "set-cookie": "opsiconfd-session=; Path=/; Max-Age=0" });
      return;
    }
    if (req.method === "POST" && req.url === "/rpc") {
      const session = cookieSession(req);
      if (state.maintenance) {
        record(null);
        sendJson(503, middlewareErrorDocument("Maintenance mode, please try again later"), {
          "retry-after": "60",
          "x-opsi-error": "maintenance",
        });
        return;
      }
      if (!session || !sessions.has(session)) {
        record(null);
        sendJson(401, middlewareErrorDocument("Authentication error"), { "x-opsi-error": "Authentication error" });
        return;
      }
      const neg = negotiateRpc({
        contentType: req.headers["content-type"],
        accept: req.headers.accept,
        contentEncoding: req.headers["content-encoding"],
        acceptEncoding: req.headers["accept-encoding"],
      });
      let status = 200;
      let responseDoc: JsonRpcResponse | JsonRpcResponse[];
      let document: unknown = null;
      try {
        if (neg.error) throw neg.error;
        document = decodeBody(body, { serialization: neg.requestSerialization, compression: neg.requestCompression, lz4 });
        const parsed = parseJsonRpcDocument(document);
        responseDoc = jsonRpcResponseDocument(
          parsed.requests.map((r) => {
            try {
              return jsonRpcSuccess(r, execute(r.method, r.params));
            } catch (e: unknown) {
              return jsonRpcError(r, toRpcError(e, { includeDetails: false }));
            }
          }),
        );
      } catch (e: unknown) {
        status = 400;
        responseDoc = invalidRequestResponse(e, { includeDetails: false });
      }
      const encoded = encodeBody(responseDoc, { serialization: neg.responseSerialization, compression: neg.responseCompression, lz4 });
      record(document, encoded.contentEncoding);
      const headers: Record<string, string> = { ...common, "content-type": encoded.contentType };
      if (encoded.contentEncoding) headers["content-encoding"] = encoded.contentEncoding;
      res.writeHead(status, headers);
      res.end(encoded.body);
      return;
    }
    sendJson(404, { error: "not found" });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const state: TestServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    sessions,
    serverHeader,
    newHostId: null,
    maintenance: false,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
  return state;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(options: Partial<ServiceClientOptions> = {}, serverHeader?: string) {
  const server = await startServer(serverHeader);
  servers.push(server);
  const client = new ServiceClient({ url: server.url, username: USER, password: PASSWORD, ...options });
  return { server, client };
}

function rpcRequests(server: TestServer): Recorded[] {
  return server.requests.filter((r) => r.method === "POST" && r.url === "/rpc");
}

function lastRpc(server: TestServer): Recorded {
  const last = rpcRequests(server).at(-1);
  if (!last) throw new Error("no RPC request recorded");
  return last;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e: unknown) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("ServiceClient handshake", () => {
  it("authenticates with HEAD /rpc, keeps the session cookie and reads the server version", async () => {
    const { server, client } = await setup({ lz4, userAgent: "opsi-ts-test/1.0", sessionLifetime: 300 });
    server.newHostId = "pc-new.dom.tld";
    await client.connect();
    expect(client.connected).toBe(true);
    expect(client.serverName).toBe("opsiconfd 4.3.0.0 (opsi-ts)");
    expect(client.serverVersion).toBe("4.3.0.0");
    expect(client.newHostId).toBe("pc-new.dom.tld");
    expect(client.sessionCookie).toMatch(/^opsiconfd-session=[0-9a-f]{32}$/);
    const [head] = server.requests;
    expect(head?.method).toBe("HEAD");
    expect(head?.headers.authorization).toBe(`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`);
    expect(head?.headers["user-agent"]).toBe("opsi-ts-test/1.0");
    expect(head?.headers["x-opsi-session-lifetime"]).toBe("300");
  });

  it("fails with OpsiAuthenticationError for wrong credentials", async () => {
    const { client } = await setup({ password: "wrong" });
    const err = await rejection(client.connect());
    expect(err).toBeInstanceOf(OpsiAuthenticationError);
    expect(client.connected).toBe(false);
  });

  it("wraps network failures in OpsiConnectionError", async () => {
    const { server, client } = await setup();
    await server.close();
    servers.splice(0);
    const err = await rejection(client.connect());
    expect(err).toBeInstanceOf(OpsiConnectionError);
    expect((err as Error).message).toMatch(/^Opsi connection error: HEAD http:\/\/127\.0\.0\.1:\d+\/rpc failed/);
  });

  it("parses server versions like python-opsi-common", () => {
    expect(parseServerVersion("opsiconfd 4.3.0.0 (uvicorn)")).toBe("4.3.0.0");
    expect(parseServerVersion("opsi-ts-configserver/4.3.1.2")).toBe("4.3.1.2");
    expect(parseServerVersion("uvicorn")).toBeNull();
    expect(parseServerVersion(null)).toBeNull();
    expect(compareVersions("4.3.0.0", "4.2.0.171")).toBe(1);
    expect(compareVersions("4.2.0.170", "4.2.0.171")).toBe(-1);
    expect(compareVersions("4.2", "4.2.0.0")).toBe(0);
  });
});

describe("ServiceClient calls", () => {
  it("speaks msgpack + lz4 JSON-RPC 2.0 with uuid4 ids to a 4.3 server", async () => {
    const { server, client } = await setup({ lz4 });
    const hosts = await client.call<typeof CLIENTS>("host_getObjects", [[], { type: "OpsiClient" }]);
    expect(hosts).toEqual(CLIENTS);
    expect([client.serialization, client.compression]).toEqual(["msgpack", "lz4"]);
    expect(server.requests.map((r) => r.method)).toEqual(["HEAD", "POST"]);
    const rpc = lastRpc(server);
    expect(rpc.headers["content-type"]).toBe("application/msgpack");
    expect(rpc.headers.accept).toBe("application/msgpack");
    expect(rpc.headers["content-encoding"]).toBe("lz4");
    expect(rpc.headers["accept-encoding"]).toBe("lz4");
    expect(rpc.headers.authorization).toBeUndefined();
    expect(`opsiconfd-session=${cookieSessionOf(rpc)}`).toBe(client.sessionCookie);
    expect(rpc.responseEncoding).toBe("lz4");
    expect(rpc.document).toMatchObject({ jsonrpc: "2.0", method: "host_getObjects", params: [[], { type: "OpsiClient" }] });
    expect((rpc.document as { id: string }).id).toMatch(UUID4);
  });

  it("speaks JSON + gzip when asked to", async () => {
    const { server, client } = await setup({ serialization: "json", compression: "gzip" });
    const hosts = await client.call<unknown[]>("host_getObjects", { type: "OpsiClient" });
    expect(hosts).toHaveLength(300);
    const rpc = lastRpc(server);
    expect([rpc.headers["content-type"], rpc.headers["content-encoding"], rpc.headers["accept-encoding"]]).toEqual([
      "application/json",
      "gzip",
      "gzip",
    ]);
    expect(rpc.responseEncoding).toBe("gzip");
    expect(await client.call("backend_info")).toEqual({ opsiVersion: "4.3.0.0" });
    expect(lastRpc(server).responseEncoding).toBeNull();
  });

  it("speaks msgpack + deflate and uncompressed JSON", async () => {
    const { server, client } = await setup({ compression: "deflate" });
    expect(await client.call<unknown[]>("host_getObjects")).toHaveLength(301);
    expect([lastRpc(server).headers["content-encoding"], lastRpc(server).responseEncoding]).toEqual(["deflate", "deflate"]);
    const plain = new ServiceClient({ url: server.url, username: USER, password: PASSWORD, serialization: "json", compression: "none" });
    expect(await plain.call<unknown[]>("host_getObjects")).toHaveLength(301);
    const rpc = lastRpc(server);
    expect([rpc.headers["content-type"], rpc.headers["content-encoding"]]).toEqual(["application/json", undefined]);
    // Node's fetch announces "gzip, deflate" by itself; the server picks deflate and fetch decodes it.
    expect(rpc.responseEncoding).toBe(compressionFromHeader(rpc.headers["accept-encoding"]));
  });

  it("throws RemoteRpcError with the server's class and message", async () => {
    const { client } = await setup({ lz4 });
    const missing = await rejection(client.call("setProductActionRequest", ["firefox", "pc1.dom.tld", "setup"]));
    expect(missing).toBeInstanceOf(RemoteRpcError);
    const err = missing as RemoteRpcError;
    expect(err.remoteClass).toBe("BackendMissingDataError");
    expect(err.opsiClass).toBe("BackendMissingDataError");
    expect(err.message).toBe("Backend missing data error: Product 'firefox' not found on depot");
    expect(err.details).toBeNull();
    expect(err.rpcId).toMatch(UUID4);
    // Forwarded errors keep their class through the one mapping.
    expect(toRpcError(err, { includeDetails: false })).toEqual({
      message: "Backend missing data error: Product 'firefox' not found on depot",
      class: "BackendMissingDataError",
      details: null,
    });
    const invalid = (await rejection(client.call("no_such_method"))) as RemoteRpcError;
    expect([invalid.remoteClass, invalid.message]).toEqual(["ValueError", "Invalid method 'no_such_method'"]);
    const binding = (await rejection(client.call("log_read", []))) as RemoteRpcError;
    expect([binding.remoteClass, binding.message]).toEqual(["TypeError", "log_read() missing 1 required positional argument: 'logType'"]);
  });

  it("maps HTTP failures to typed errors", async () => {
    const { server, client } = await setup({ lz4 });
    await client.connect();
    server.maintenance = true;
    const err = await rejection(client.call("backend_info"));
    expect(err).toBeInstanceOf(ServiceHttpError);
    expect((err as ServiceHttpError).status).toBe(503);
    expect((err as ServiceHttpError).retryAfter).toBe(60);
    expect((err as Error).message).toBe("Opsi connection error: 503 - Maintenance mode, please try again later");
    server.maintenance = false;
    const forbidden = new ServiceClient({
      url: server.url,
      username: USER,
      password: PASSWORD,
      fetch: async (url, init) =>
        init.method === "POST"
          ? new Response(JSON.stringify(middlewareErrorDocument("Permission denied")), { status: 403 })
          : fetch(url, init),
    });
    const denied = await rejection(forbidden.call("backend_info"));
    expect(denied).toBeInstanceOf(OpsiServicePermissionError);
    expect((denied as Error).message).toBe("Opsi service permission error: Permission denied");
  });
});

function cookieSessionOf(rec: Recorded): string | null {
  return /opsiconfd-session=([0-9a-f]+)/.exec(rec.headers.cookie ?? "")?.[1] ?? null;
}

describe("ServiceClient sessions", () => {
  it("connects lazily and re-authenticates once when the session expired", async () => {
    const { server, client } = await setup({ lz4 });
    expect(await client.call("backend_info")).toEqual({ opsiVersion: "4.3.0.0" });
    const first = client.sessionCookie;
    server.sessions.clear();
    expect(await client.call("backend_info")).toEqual({ opsiVersion: "4.3.0.0" });
    expect(server.requests.map((r) => r.method)).toEqual(["HEAD", "POST", "POST", "HEAD", "POST"]);
    expect(client.sessionCookie).not.toBe(first);
    expect(cookieSessionOf(lastRpc(server))).toBe(client.sessionCookie?.split("=")[1]);
  });

  it("gives up after one re-authentication", async () => {
    const { server, client } = await setup({ lz4 });
    await client.connect();
    const realHas = server.sessions.has.bind(server.sessions);
    server.sessions.has = () => false;
    const err = await rejection(client.call("backend_info"));
    server.sessions.has = realHas;
    expect(err).toBeInstanceOf(OpsiAuthenticationError);
    expect((err as Error).message).toBe("Opsi authentication error: Authentication error");
    expect(server.requests.map((r) => r.method)).toEqual(["HEAD", "POST", "HEAD", "POST"]);
  });

  it("logs out on disconnect", async () => {
    const { server, client } = await setup({ lz4 });
    await client.connect();
    const session = client.sessionCookie?.split("=")[1] ?? "";
    expect(server.sessions.has(session)).toBe(true);
    await client.disconnect();
    const logout = server.requests.at(-1);
    expect([logout?.method, logout?.url, cookieSessionOf(logout as Recorded)]).toEqual(["POST", "/auth/logout", session]);
    expect(server.sessions.has(session)).toBe(false);
    expect([client.connected, client.sessionCookie, client.serverVersion]).toEqual([false, null, null]);
  });
});

describe("ServiceClient batches", () => {
  it("returns results and RPC errors in call order", async () => {
    const { server, client } = await setup({ lz4 });
    const results = await client.jsonrpc([
      { method: "backend_info" },
      { method: "setProductActionRequest", params: ["firefox", "pc1.dom.tld", "setup"] },
      { method: "host_getIdents", params: ["str", { id: "client00*" }] },
    ]);
    expect(results.map((r) => r.result)).toEqual([
      { opsiVersion: "4.3.0.0" },
      null,
      Array.from({ length: 10 }, (_, i) => `client00${i}.dom.tld`),
    ]);
    expect(results[1]?.error?.remoteClass).toBe("BackendMissingDataError");
    expect(results[0]?.error).toBeNull();
    const sent = lastRpc(server).document as { id: string; jsonrpc: string }[];
    expect(sent).toHaveLength(3);
    expect(sent.map((r) => r.id)).toEqual(results.map((r) => r.id));
    expect(new Set(sent.map((r) => r.id)).size).toBe(3);
  });

  it("handles the bare object the server sends for a one-element batch", async () => {
    const { server, client } = await setup({ lz4 });
    const results = await client.jsonrpc([{ method: "log_read", params: { logType: "instlog", objectId: "pc1.dom.tld" } }]);
    expect(Array.isArray(lastRpc(server).document)).toBe(true);
    expect(results).toEqual([{ id: expect.stringMatching(UUID4), result: "instlog/pc1.dom.tld/0", error: null }]);
    expect(await client.jsonrpc([])).toEqual([]);
  });

  it("throws when the server rejects the whole document", async () => {
    const { server } = await setup();
    const rejected = invalidRequestResponse(new JsonRpcRequestError("Request data empty"), { includeDetails: false });
    const client = new ServiceClient({
      url: server.url,
      username: USER,
      password: PASSWORD,
      fetch: async (url, init) =>
        init.method === "POST"
          ? new Response(JSON.stringify(rejected), { status: 400, headers: { "content-type": "application/json" } })
          : fetch(url, init),
    });
    const err = (await rejection(client.jsonrpc([{ method: "backend_info" }, { method: "getDomain" }]))) as RemoteRpcError;
    expect(err).toBeInstanceOf(RemoteRpcError);
    expect([err.remoteClass, err.message, err.rpcId]).toEqual(["ValueError", "Request data empty", 0]);
  });
});

describe("ServiceClient.backend", () => {
  it("exposes the Backend methods with wire-form results", async () => {
    const { server, client } = await setup({ lz4 });
    const clients = await client.backend.host_getObjects([], { type: "OpsiClient" });
    expectTypeOf(clients[0]?.ident).toEqualTypeOf<string | undefined>();
    expect(clients).toHaveLength(300);
    expect(clients[0]?.ident).toBe("client000.dom.tld");
    expect(lastRpc(server).document).toMatchObject({ method: "host_getObjects", params: [[], { type: "OpsiClient" }] });

    expect(await client.backend.host_getIdents(undefined, { id: "depot*" })).toEqual(["depot.dom.tld"]);
    expect(lastRpc(server).document).toMatchObject({ params: ["str", { id: "depot*" }] });

    expect(await client.backend.host_getObjects()).toHaveLength(301);
    expect(lastRpc(server).document).toMatchObject({ params: [] });

    await client.backend.host_getObjects(["id"], null);
    expect(lastRpc(server).document).toMatchObject({ params: [["id"]] });

    const created = await client.backend.host_createObjects([{ type: "OpsiClient", id: "new.dom.tld" }]);
    expectTypeOf(created).toEqualTypeOf<null>();
    expect(created).toBeNull();
    expect(await Promise.resolve(client.backend)).toBe(client.backend);
  });
});

describe("ServiceClient version gates", () => {
  it("falls back to JSON + gzip for servers older than 4.2.0.171", async () => {
    const { server, client } = await setup({ lz4 }, "opsiconfd 4.2.0.170 (uvicorn)");
    expect(await client.call<unknown[]>("host_getObjects")).toHaveLength(301);
    expect([client.serialization, client.compression]).toEqual(["json", "gzip"]);
    const rpc = lastRpc(server);
    expect([rpc.headers["content-type"], rpc.headers["content-encoding"], rpc.responseEncoding]).toEqual([
      "application/json",
      "gzip",
      "gzip",
    ]);
  });

  it("sends plain JSON to servers without an opsi version", async () => {
    const { server, client } = await setup({ lz4 }, "Apache/2.4.62 (Debian)");
    expect(await client.call("backend_info")).toEqual({ opsiVersion: "4.3.0.0" });
    expect([client.serverVersion, client.serialization, client.compression]).toEqual([null, "json", null]);
    const rpc = lastRpc(server);
    expect([rpc.headers["content-type"], rpc.headers["content-encoding"]]).toEqual(["application/json", undefined]);
    expect(rpc.headers["accept-encoding"] ?? "").not.toContain("lz4");
  });
});

describe("ServiceClient options", () => {
  it("uses the injected fetch and merges fetchOptions into every request", async () => {
    const server = await startServer();
    servers.push(server);
    const seen: RequestInit[] = [];
    const client = new ServiceClient({
      url: `${server.url}/rpc`,
      username: USER,
      password: PASSWORD,
      lz4,
      fetchOptions: { keepalive: false, dispatcherMarker: "ca-bundle" },
      fetch: (url, init) => {
        seen.push(init);
        return fetch(url, init);
      },
    });
    const controller = new AbortController();
    await client.call("backend_info", [], { signal: controller.signal, fetchOptions: { redirect: "error" } });
    expect(seen).toHaveLength(2);
    expect(seen.every((init) => (init as Record<string, unknown>).dispatcherMarker === "ca-bundle" && init.keepalive === false)).toBe(true);
    expect(seen[1]?.redirect).toBe("error");
    expect(seen[1]?.signal).toBe(controller.signal);
  });

  it("requires an lz4 codec for lz4 and defaults the port to 4447", async () => {
    expect(() => new ServiceClient({ url: "https://config.dom.tld", username: "u", password: "p", compression: "lz4" })).toThrow(
      /lz4 codec/,
    );
    const urls: string[] = [];
    const client = new ServiceClient({
      url: "config.dom.tld",
      username: "u",
      password: "p",
      fetch: async (url) => {
        urls.push(url);
        return new Response(null, { status: 200, headers: { server: "opsiconfd 4.3.0.0 (x)" } });
      },
    });
    await client.connect();
    expect(urls).toEqual(["https://config.dom.tld:4447/rpc"]);
    expect(client.compression).toBe("gzip");
  });
});
