import { describe, expect, it } from "vitest";
import { BackendMissingDataError } from "../errors.js";
import { decodeBody, encodeBody, type Serialization } from "./codec.js";
import { JsonRpcRequestError, toRpcError } from "./errors.js";
import {
  invalidRequestResponse,
  jsonRpcError,
  jsonRpcResponseDocument,
  jsonRpcSuccess,
  middlewareErrorDocument,
  parseJsonRpcDocument,
  parseJsonRpcRequest,
  parseJsonRpcResponse,
} from "./jsonrpc.js";

function requestError(value: unknown): JsonRpcRequestError {
  try {
    parseJsonRpcDocument(value);
  } catch (e: unknown) {
    if (e instanceof JsonRpcRequestError) return e;
    throw e;
  }
  throw new Error("no error");
}

const missing = toRpcError(new BackendMissingDataError("Host 'x' not found"), { includeDetails: false });

describe("parseJsonRpcRequest", () => {
  it("normalises missing, null, false, 0 and empty ids to 0", () => {
    const ids = [undefined, null, false, 0, ""].map((id) => parseJsonRpcRequest({ id, method: "m" }).id);
    expect(ids).toEqual([0, 0, 0, 0, 0]);
    expect(parseJsonRpcRequest({ method: "m" }).id).toBe(0);
    expect(parseJsonRpcRequest({ id: "abc", method: "m" }).id).toBe("abc");
    expect(parseJsonRpcRequest({ id: 17, method: "m" }).id).toBe(17);
  });

  it("defaults params to [] and keeps the given ones", () => {
    expect(parseJsonRpcRequest({ method: "m" }).params).toEqual([]);
    expect(parseJsonRpcRequest({ method: "m", params: null }).params).toEqual([]);
    expect(parseJsonRpcRequest({ method: "m", params: [[], { id: "x" }] }).params).toEqual([[], { id: "x" }]);
    expect(parseJsonRpcRequest({ method: "m", params: { id: "x" } }).params).toEqual({ id: "x" });
  });

  it("selects 2.0 only for jsonrpc '2.0'", () => {
    const versions = [undefined, "1.0", 2, "2", "2.0"].map((jsonrpc) => parseJsonRpcRequest({ jsonrpc, method: "m" }).version);
    expect(versions).toEqual(["1.0", "1.0", "1.0", "1.0", "2.0"]);
  });
});

describe("parseJsonRpcDocument", () => {
  it("parses single requests and batches in order", () => {
    expect(parseJsonRpcDocument({ id: 1, method: "backend_info" })).toEqual({
      requests: [{ id: 1, method: "backend_info", params: [], version: "1.0" }],
      batch: false,
    });
    const doc = parseJsonRpcDocument([
      { id: 1, method: "a" },
      { jsonrpc: "2.0", id: "x", method: "b", params: { id: "y" } },
    ]);
    expect(doc.batch).toBe(true);
    expect(doc.requests.map((r) => [r.id, r.method, r.version])).toEqual([
      [1, "a", "1.0"],
      ["x", "b", "2.0"],
    ]);
    expect(parseJsonRpcDocument([])).toEqual({ requests: [], batch: true });
  });

  it("rejects invalid documents with a 400 ValueError", () => {
    const noMethod = requestError({ id: 1, params: [] });
    expect(noMethod.message).toBe("Invalid request: key 'method' missing");
    expect(noMethod.status).toBe(400);
    expect(noMethod.opsiClass).toBe("ValueError");
    expect(requestError(5).message).toBe("Invalid request: a request must be a dict, not int");
    expect(requestError(null).message).toBe("Invalid request: a request must be a dict, not NoneType");
    expect(requestError("backend_info").message).toBe("Invalid request: a request must be a dict, not str");
    expect(requestError([{ method: "a" }, [1]]).message).toBe("Invalid request: a request must be a dict, not list");
    expect(requestError({ method: 5 }).message).toBe("Invalid request: 'method' must be a str, not int");
    expect(requestError({ method: "m", id: { a: 1 } }).message).toBe("Invalid request: 'id' must be a str or an int, not dict");
    expect(requestError({ method: "m", id: true }).message).toBe("Invalid request: 'id' must be a str or an int, not bool");
  });
});

describe("response builders", () => {
  it("builds 1.0 success and error objects with both keys", () => {
    const ok = jsonRpcSuccess({ id: 1, version: "1.0" }, [1]);
    expect(ok).toStrictEqual({ id: 1, result: [1], error: null });
    expect(Object.keys(ok)).toEqual(["id", "result", "error"]);
    const err = jsonRpcError({ id: 1, version: "1.0" }, missing);
    expect(err).toStrictEqual({
      id: 1,
      error: { message: "Backend missing data error: Host 'x' not found", class: "BackendMissingDataError", details: null },
      result: null,
    });
    expect(Object.keys(err)).toEqual(["id", "error", "result"]);
  });

  it("builds 2.0 success without error and 2.0 error without result, code 0", () => {
    expect(jsonRpcSuccess({ id: "u", version: "2.0" }, { a: 1 })).toStrictEqual({ id: "u", result: { a: 1 }, jsonrpc: "2.0" });
    expect(jsonRpcError({ id: "u", version: "2.0" }, missing)).toStrictEqual({
      id: "u",
      error: {
        message: "Backend missing data error: Host 'x' not found",
        code: 0,
        data: { class: "BackendMissingDataError", details: null },
      },
      jsonrpc: "2.0",
    });
  });

  it("turns an undefined result into null so the key survives serialisation", () => {
    const text = new TextDecoder().decode(
      encodeBody(jsonRpcSuccess({ id: 0, version: "1.0" }, undefined), { serialization: "json", compression: null }).body,
    );
    expect(text).toBe('{"id":0,"result":null,"error":null}');
  });

  it("answers unprocessable documents with a 1.0 error, id 0", () => {
    expect(invalidRequestResponse(new JsonRpcRequestError("Request data empty"), { includeDetails: false })).toStrictEqual({
      id: 0,
      error: { message: "Request data empty", class: "ValueError", details: null },
      result: null,
    });
    expect(jsonRpcError(null, missing).id).toBe(0);
  });

  it("sends exactly one response as a bare object (single-batch quirk), else an array", () => {
    const a = jsonRpcSuccess({ id: 1, version: "1.0" }, "a");
    const b = jsonRpcError({ id: 2, version: "2.0" }, missing);
    expect(jsonRpcResponseDocument([a])).toBe(a);
    expect(jsonRpcResponseDocument([a, b])).toEqual([a, b]);
    expect(jsonRpcResponseDocument([])).toEqual([]);
  });

  it("builds the middleware's plain-string error document", () => {
    const body = encodeBody(middlewareErrorDocument("Authentication error"), { serialization: "json", compression: null }).body;
    expect(new TextDecoder().decode(body)).toBe('{"id":null,"result":null,"error":"Authentication error"}');
  });
});

describe("envelope round trips", () => {
  for (const serialization of ["json", "msgpack"] as Serialization[]) {
    it(`round-trips a mixed batch through ${serialization}`, () => {
      const request = [
        { id: 1, method: "host_getObjects", params: [[], { type: "OpsiClient" }] },
        { jsonrpc: "2.0", id: "5e0b1c3e-8c0a-4c52-9a8e-3f6a2b1d7c90", method: "backend_info" },
        { method: "log_read", params: { logType: "instlog" } },
      ];
      const encoded = encodeBody(request, { serialization, compression: null });
      const doc = parseJsonRpcDocument(decodeBody(encoded.body, { serialization, compression: null }));
      expect(doc.requests.map((r) => [r.id, r.version, r.params])).toEqual([
        [1, "1.0", [[], { type: "OpsiClient" }]],
        ["5e0b1c3e-8c0a-4c52-9a8e-3f6a2b1d7c90", "2.0", []],
        [0, "1.0", { logType: "instlog" }],
      ]);
      const [r1, r2, r3] = doc.requests;
      if (!r1 || !r2 || !r3) throw new Error("requests missing");
      const responses = [jsonRpcSuccess(r1, [{ id: "pc1.dom.tld" }]), jsonRpcError(r2, missing), jsonRpcSuccess(r3, "log")];
      const back = decodeBody(encodeBody(jsonRpcResponseDocument(responses), { serialization, compression: null }).body, {
        serialization,
        compression: null,
      });
      expect(back).toEqual(responses);
      expect(Array.isArray(back) && (back as Record<string, unknown>[]).map((r) => Object.keys(r))).toEqual([
        ["id", "result", "error"],
        ["id", "error", "jsonrpc"],
        ["id", "result", "error"],
      ]);
      const single = jsonRpcResponseDocument([jsonRpcSuccess(r2, 1)]);
      expect(decodeBody(encodeBody(single, { serialization, compression: null }).body, { serialization, compression: null })).toEqual({
        id: "5e0b1c3e-8c0a-4c52-9a8e-3f6a2b1d7c90",
        result: 1,
        jsonrpc: "2.0",
      });
    });
  }
});

describe("parseJsonRpcResponse", () => {
  it("reads 1.0, 2.0 and middleware responses", () => {
    expect(parseJsonRpcResponse({ id: 1, result: 5, error: null })).toEqual({ id: 1, result: 5, error: null });
    expect(parseJsonRpcResponse({ id: "x", result: [1], jsonrpc: "2.0" })).toEqual({ id: "x", result: [1], error: null });
    expect(parseJsonRpcResponse(jsonRpcError({ id: 3, version: "1.0" }, missing))).toEqual({ id: 3, result: null, error: missing });
    expect(parseJsonRpcResponse(jsonRpcError({ id: "y", version: "2.0" }, { ...missing, details: "tb" }))).toEqual({
      id: "y",
      result: null,
      error: { ...missing, details: "tb" },
    });
    expect(parseJsonRpcResponse(middlewareErrorDocument("Permission denied"))).toEqual({
      id: null,
      result: null,
      error: "Permission denied",
    });
    expect(() => parseJsonRpcResponse("nope")).toThrow(JsonRpcRequestError);
  });
});
