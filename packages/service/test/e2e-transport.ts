/** @module test/e2e-transport End-to-end tests of `/rpc` transport (spec §2.1–2.3, §6 facts 7–11) with the hand-written client. */
import { describe, expect, it } from "vitest";
import { asDict, asDicts, type Caller, type Dict, type E2eServer, MAX_BODY_SIZE, SERVER_ID } from "./e2e-env.js";
import { compress, decodeResponse, type RawResponse, serialize, type WireCompression, type WireSerialization } from "./e2e-https.js";

/** python-opsi-common's version sniffing (`^opsi\D+([\d\.]+)`). */
const PYTHON_VERSION_RE = /^opsi\D+([\d.]+)/;

function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split(".").map(Number);
  const b = minimum.split(".").map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

interface PostOptions {
  readonly caller?: Caller;
  readonly path?: string;
  readonly serialization?: WireSerialization;
  readonly compression?: WireCompression;
  /** Extra or overriding headers (e.g. `accept-encoding`, a bogus `content-encoding`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Registers the transport tests. */
export function transportSuite(env: E2eServer): void {
  const post = (document: unknown, options: PostOptions = {}): Promise<RawResponse> => {
    const serialization = options.serialization ?? "json";
    const headers: Record<string, string> = { "content-type": `application/${serialization}` };
    let body: Uint8Array | string;
    if (options.compression) {
      body = compress(serialize(document, serialization), options.compression);
      headers["content-encoding"] = options.compression;
    } else {
      body = serialize(document, serialization);
    }
    return env.requestAs(options.caller ?? env.admin, {
      method: "POST",
      path: options.path ?? "/rpc",
      headers: { ...headers, ...options.headers },
      body,
    });
  };

  const expect400Shape = (res: RawResponse, messagePart: string) => {
    expect(res.status).toBe(400);
    const body = asDict(decodeResponse(res));
    expect(Object.keys(body).sort()).toEqual(["error", "id", "result"]);
    expect(body.id).toBe(0);
    expect(body.result).toBeNull();
    const error = asDict(body.error);
    expect(error.class).toBe("ValueError");
    expect(String(error.message)).toContain(messagePart);
  };

  const expectServing = async () => {
    const res = await post({ id: 99, method: "getDomain", params: [] });
    expect(res.status).toBe(200);
    expect(decodeResponse(res)).toEqual({ id: 99, result: SERVER_ID.split(".").slice(1).join("."), error: null });
  };

  describe("transport", () => {
    it("answers a JSON request with a JSON-RPC 1.0 success and opsiconfd's headers", async () => {
      const res = await post({ id: 7, method: "backend_info", params: [] });
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("application/json");
      expect(res.headers["content-encoding"]).toBeUndefined();
      expect(res.headers["content-length"]).toBe(String(res.body.length));
      expect(res.headers.accept).toBe("application/msgpack,application/json");
      expect(res.headers["accept-encoding"]).toBe("lz4,gzip");
      expect(res.headers["x-opsi-server-role"]).toBe("configserver");
      const server = String(res.headers.server);
      expect(server).toMatch(/^opsiconfd 4\.3\.\d+\.\d+ \(opsi-ts\)$/);
      const version = PYTHON_VERSION_RE.exec(server)?.[1] ?? "";
      // python-opsi-common enables msgpack, lz4 and the message bus only from these versions on.
      expect(versionAtLeast(version, "4.2.0.171")).toBe(true);
      expect(versionAtLeast(version, "4.2.0.287")).toBe(true);
      expect(Math.abs(Number(res.headers["x-date-unix-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
      // python-opsi-common only parses `date` with the zone written as UTC.
      expect(res.headers.date).toMatch(
        /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d UTC$/,
      );
      const body = asDict(decodeResponse(res));
      expect(Object.keys(body).sort()).toEqual(["error", "id", "result"]);
      expect(body.id).toBe(7);
      expect(body.error).toBeNull();
      expect(asDict(body.result).opsiVersion).toBe(version);
    });

    it("mirrors a msgpack request and answers JSON-RPC 2.0 without an error key", async () => {
      const res = await post({ jsonrpc: "2.0", id: "5f0c-id", method: "getDomain", params: [] }, { serialization: "msgpack" });
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("application/msgpack");
      expect(decodeResponse(res)).toEqual({ id: "5f0c-id", result: "e2e-opsi.test", jsonrpc: "2.0" });
    });

    it("takes the response serialisation from Accept when the Content-Type names none", async () => {
      const res = await env.requestAs(env.admin, {
        method: "POST",
        path: "/rpc",
        headers: { accept: "application/msgpack" },
        body: JSON.stringify({ id: 3, method: "getDomain", params: [] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("application/msgpack");
      expect(decodeResponse(res)).toEqual({ id: 3, result: "e2e-opsi.test", error: null });
      // A recognised Content-Type wins over Accept.
      const mirrored = await post({ id: 4, method: "getDomain", params: [] }, { headers: { accept: "application/msgpack" } });
      expect(mirrored.headers["content-type"]).toBe("application/json");
      expect(mirrored.json()).toEqual({ id: 4, result: "e2e-opsi.test", error: null });
    });

    it.each([
      ["lz4", "msgpack"],
      ["deflate", "json"],
      ["gzip", "json"],
    ] as const)("decompresses a %s request body (%s)", async (compression, serialization) => {
      const client = await env.createClient({ description: `compressed ${compression}` });
      const res = await post(
        { jsonrpc: "2.0", id: 1, method: "host_getObjects", params: [["id", "description"], { id: client.id }] },
        { serialization, compression },
      );
      expect(res.status).toBe(200);
      const body = asDict(decodeResponse(res));
      expect(body.error).toBeUndefined();
      expect(asDicts(body.result)).toEqual([expect.objectContaining({ id: client.id, description: `compressed ${compression}` })]);
    });

    it.each([
      ["lz4", "lz4"],
      ["deflate", "deflate"],
      ["gzip", "gzip"],
      ["gzip, deflate, br", "deflate"],
    ])("compresses responses above 10 000 bytes for Accept-Encoding '%s' with %s", async (acceptEncoding, expected) => {
      for (const serialization of ["json", "msgpack"] as const) {
        const res = await post(
          { id: 1, method: "backend_getInterface", params: [] },
          { serialization, headers: { "accept-encoding": acceptEncoding } },
        );
        expect(res.status).toBe(200);
        expect(res.headers["content-encoding"]).toBe(expected);
        expect(res.headers["content-length"]).toBe(String(res.body.length));
        const body = asDict(decodeResponse(res));
        const entries = asDicts(body.result);
        expect(entries).toHaveLength(490);
        expect(serialize(body, serialization).length).toBeGreaterThan(10_000);
        expect(res.body.length).toBeLessThan(serialize(body, serialization).length);
      }
    });

    it("leaves responses of at most 10 000 bytes uncompressed", async () => {
      for (const acceptEncoding of ["lz4", "deflate", "gzip"]) {
        const res = await post({ id: 1, method: "backend_info", params: [] }, { headers: { "accept-encoding": acceptEncoding } });
        expect(res.status).toBe(200);
        expect(res.body.length).toBeLessThanOrEqual(10_000);
        expect(res.headers["content-encoding"]).toBeUndefined();
        expect(asDict(res.json()).error).toBeNull();
      }
    });

    it("compresses from 10 001 bytes on, exactly at opsiconfd's threshold", async () => {
      const client = await env.createClient();
      // {"id":1,"result":"<log>","error":null} has 33 bytes around the log text.
      const sizeOf = async (logLength: number) => {
        await env.result(env.admin, "log_write", ["instlog", "a".repeat(logLength), client.id, false]);
        const res = await post({ id: 1, method: "log_read", params: ["instlog", client.id] }, { headers: { "accept-encoding": "gzip" } });
        const body = asDict(decodeResponse(res));
        expect(body.result).toBe("a".repeat(logLength));
        return { encoding: res.headers["content-encoding"], length: serialize(body, "json").length };
      };
      expect(await sizeOf(9967)).toEqual({ encoding: undefined, length: 10_000 });
      expect(await sizeOf(9968)).toEqual({ encoding: "gzip", length: 10_001 });
    });

    it("answers lz4 with frames of independent blocks, which lz4-java in configed can read", async () => {
      for (const userAgent of ["opsi config editor 4.3.2.20", "opsi-configed 4.3", "opsiclientd/4.3.3.1"]) {
        const res = await post(
          { id: 1, method: "backend_getInterface", params: [] },
          { headers: { "accept-encoding": "lz4", "user-agent": userAgent } },
        );
        expect(res.headers["content-encoding"]).toBe("lz4");
        expect(res.body.subarray(0, 4).toString("hex")).toBe("04224d18");
        const flags = res.body[4] ?? 0;
        expect(flags >> 6).toBe(1);
        expect(flags & 0x20).toBe(0x20);
        expect(asDicts(asDict(decodeResponse(res)).result)).toHaveLength(490);
      }
    });

    it("accepts 'identity' as Content-Encoding and Accept-Encoding", async () => {
      const res = await post(
        { id: 1, method: "backend_getInterface", params: [] },
        { headers: { "content-encoding": "identity", "accept-encoding": "identity" } },
      );
      expect(res.status).toBe(200);
      expect(res.headers["content-encoding"]).toBeUndefined();
      expect(asDicts(asDict(res.json()).result)).toHaveLength(490);
    });

    it.each(["br", "*"])("answers Accept-Encoding '%s' alone with 400, a 1.0 error and id 0", async (acceptEncoding) => {
      const res = await post(
        { jsonrpc: "2.0", id: "abc", method: "backend_info", params: [] },
        { headers: { "accept-encoding": acceptEncoding } },
      );
      expect400Shape(res, "Accept-Encoding");
      await expectServing();
    });

    it("answers an unsupported Content-Encoding with 400, a 1.0 error and id 0", async () => {
      const res = await post({ jsonrpc: "2.0", id: "abc", method: "backend_info", params: [] }, { headers: { "content-encoding": "br" } });
      expect400Shape(res, "Content-Encoding");
      await expectServing();
    });

    it("reports RPC errors with HTTP 200 in the 1.0 and 2.0 shapes", async () => {
      const v1 = await post({ id: 11, method: "no_such_method", params: [] });
      expect(v1.status).toBe(200);
      const b1 = asDict(decodeResponse(v1));
      expect(Object.keys(b1).sort()).toEqual(["error", "id", "result"]);
      expect(b1).toMatchObject({ id: 11, result: null, error: { message: "Invalid method 'no_such_method'", class: "ValueError" } });

      const v2 = await post({ jsonrpc: "2.0", id: "x2", method: "no_such_method", params: [] });
      expect(v2.status).toBe(200);
      const b2 = asDict(decodeResponse(v2));
      expect(Object.keys(b2).sort()).toEqual(["error", "id", "jsonrpc"]);
      expect(b2.jsonrpc).toBe("2.0");
      expect(b2.id).toBe("x2");
      const e2 = asDict(b2.error);
      expect(Object.keys(e2).sort()).toEqual(["code", "data", "message"]);
      expect(e2.code).toBe(0);
      expect(e2.message).toBe("Invalid method 'no_such_method'");
      expect(Object.keys(asDict(e2.data)).sort()).toEqual(["class", "details"]);
      expect(asDict(e2.data).class).toBe("ValueError");
      expect(asDict(e2.data).details).toEqual(expect.any(String));
    });

    it("treats missing or null params as []", async () => {
      expect(decodeResponse(await post({ id: 1, method: "getDomain" }))).toEqual({ id: 1, result: "e2e-opsi.test", error: null });
      expect(decodeResponse(await post({ id: 2, method: "getDomain", params: null }))).toEqual({
        id: 2,
        result: "e2e-opsi.test",
        error: null,
      });
    });

    it("treats a missing, null, 0 or empty id as 0", async () => {
      for (const id of [undefined, null, 0, ""]) {
        const doc: Dict = { method: "getDomain", params: [] };
        if (id !== undefined) doc.id = id;
        const res = await post(doc);
        expect(asDict(decodeResponse(res)).id).toBe(0);
      }
    });

    it("executes a batch sequentially, in order, with mixed versions", async () => {
      const id = `batch-${Date.now()}.e2e-opsi.test`;
      const res = await post([
        { id: 1, method: "host_createObjects", params: [[{ type: "OpsiClient", id }]] },
        { jsonrpc: "2.0", id: "b", method: "host_getIdents", params: ["str", { id }] },
        { id: 3, method: "no_such_method", params: [] },
        { jsonrpc: "2.0", id: "d", method: "host_deleteObjects", params: [[{ type: "OpsiClient", id }]] },
        { id: 5, method: "host_getIdents", params: ["str", { id }] },
      ]);
      expect(res.status).toBe(200);
      const list = decodeResponse(res);
      expect(Array.isArray(list)).toBe(true);
      expect(asDicts(list)).toEqual([
        { id: 1, result: null, error: null },
        { id: "b", result: [id], jsonrpc: "2.0" },
        { id: 3, result: null, error: expect.objectContaining({ class: "ValueError", message: "Invalid method 'no_such_method'" }) },
        { id: "d", result: null, jsonrpc: "2.0" },
        { id: 5, result: [], error: null },
      ]);
    });

    it("answers a one-element batch with a bare object", async () => {
      const res = await post([{ jsonrpc: "2.0", id: "only", method: "getDomain", params: [] }]);
      expect(res.status).toBe(200);
      expect(decodeResponse(res)).toEqual({ id: "only", result: "e2e-opsi.test", jsonrpc: "2.0" });
    });

    it("takes the request document from the query string of GET /rpc", async () => {
      const doc = JSON.stringify({ id: 21, method: "getDomain", params: [] });
      for (const path of [`/rpc?${encodeURIComponent(doc)}`, `/rpc?${doc}`]) {
        const res = await env.requestAs(env.admin, { method: "GET", path });
        expect(res.status).toBe(200);
        expect(res.json()).toEqual({ id: 21, result: "e2e-opsi.test", error: null });
      }
    });

    it("answers HEAD /rpc with an empty 200", async () => {
      const res = await env.requestAs(env.admin, { method: "HEAD", path: "/rpc" });
      expect(res.status).toBe(200);
      expect(res.body.length).toBe(0);
      expect(String(res.headers.server)).toMatch(/^opsiconfd 4\.3\./);
    });

    it("serves /rpc sub-paths", async () => {
      for (const path of ["/rpc/rpc", "/rpc/some/sub/path"]) {
        const res = await post({ id: 1, method: "accessControl_authenticated", params: [] }, { path });
        expect(res.status).toBe(200);
        expect(res.json()).toEqual({ id: 1, result: true, error: null });
      }
    });

    it("binds positional params with a trailing filter dict, and dict params", async () => {
      const client = await env.createClient({ description: "binding" });
      const get = async (params: unknown) => asDicts(await env.result(env.admin, "host_getObjects", params));

      const typed = await get([[], { type: "OpsiClient", id: client.id }]);
      expect(typed).toHaveLength(1);
      expect(typed[0]).toMatchObject({ type: "OpsiClient", id: client.id, description: "binding", ident: client.id });
      expect(await get([[], { type: "OpsiDepotserver", id: client.id }])).toEqual([]);

      const limited = await get([["id"], { id: client.id }]);
      expect(limited[0]).toMatchObject({ id: client.id, type: "OpsiClient", description: null, opsiHostKey: null });

      expect((await get({ id: client.id }))[0]).toMatchObject({ id: client.id, description: "binding" });
      expect((await get({ attributes: ["id"], id: client.id }))[0]).toMatchObject({ id: client.id, description: null });

      expect(await env.result(env.admin, "host_getIdents", ["str", { type: "OpsiClient", id: client.id }])).toEqual([client.id]);
      expect(await env.result(env.admin, "host_getIdents", { returnType: "dict", id: client.id })).toEqual([{ id: client.id }]);
    });

    it.each([
      ["backend_info", [1]],
      ["getDomain", { unknownKeyword: 1 }],
      ["host_getObjects", [[], "not a dict"]],
      ["host_createObjects", []],
      ["host_getObjects", [[], {}, {}]],
    ])("answers %s with params that do not bind (%j) with TypeError", async (method, params) => {
      const { error } = await env.call(env.admin, method, params);
      expect(error?.class).toBe("TypeError");
    });

    it("answers an unknown method with ValueError 'Invalid method'", async () => {
      const { result, error } = await env.call(env.admin, "host_getEverything", []);
      expect(result).toBeNull();
      expect(error).toMatchObject({ class: "ValueError", message: "Invalid method 'host_getEverything'" });
    });

    it("answers a capability opsi-ts does not offer yet with BackendNotImplementedError", async () => {
      const { error } = await env.call(env.admin, "dhcpd_updateHost", ["client1.opsi.test"]);
      expect(error?.class).toBe("BackendNotImplementedError");
    });

    it.each([
      ["malformed JSON", { "content-type": "application/json" }, Buffer.from('{"id": 1, "method": ', "utf8"), "JSON"],
      ["malformed msgpack", { "content-type": "application/msgpack" }, Buffer.from([0xc1, 0x00, 0x01]), "msgpack"],
      ["a truncated lz4 frame", { "content-type": "application/json", "content-encoding": "lz4" }, Buffer.from([0x04, 0x22, 0x4d]), "lz4"],
      ["a corrupt gzip stream", { "content-type": "application/json", "content-encoding": "gzip" }, Buffer.from("not gzip at all"), "gzip"],
      ["an empty body", { "content-type": "application/json" }, Buffer.alloc(0), "empty"],
      ["a request without method", { "content-type": "application/json" }, Buffer.from('{"id": 1, "params": []}'), "method"],
      [
        "a batch with a request without method",
        { "content-type": "application/json" },
        Buffer.from('[{"id": 1, "method": "getDomain"}, {"id": 2}]'),
        "method",
      ],
    ])("answers %s with 400 and keeps serving", async (_name, headers, body, messagePart) => {
      const res = await env.requestAs(env.admin, { method: "POST", path: "/rpc", headers, body });
      expect400Shape(res, messagePart);
      await expectServing();
    });

    it("refuses an oversized body with 413 and keeps serving", async () => {
      const res = await env.requestAs(env.admin, {
        method: "POST",
        path: "/rpc",
        headers: { "content-type": "application/json" },
        body: Buffer.alloc(MAX_BODY_SIZE + 1024, 0x20),
      });
      expect(res.status).toBe(413);
      expect(asDict(res.json())).toEqual({ id: null, result: null, error: expect.stringContaining("too large") });
      expect(res.headers["x-opsi-error"]).toContain("too large");
      await expectServing();
    });

    it("sends error details (the traceback) to admins only", async () => {
      const client = await env.createClient();
      const admin = await env.call(env.admin, "host_getObjects", [[], { noSuchAttribute: 1 }]);
      expect(admin.error).not.toBeNull();
      expect(admin.error?.details).toEqual(expect.any(String));
      expect(admin.error?.details?.length).toBeGreaterThan(0);
      const depot = await env.call(env.host(env.depot), "no_such_method", []);
      expect(depot.error?.details).toEqual(expect.any(String));

      for (const caller of [env.host(client), env.user]) {
        const other = await env.call(caller, "host_getObjects", [[], { noSuchAttribute: 1 }]);
        expect(other.error).not.toBeNull();
        expect(other.error?.details).toBeNull();
        const unknown = await env.call(caller, "no_such_method", []);
        expect(unknown.error).toMatchObject({ class: "ValueError", details: null });
      }
    });
  });
}
