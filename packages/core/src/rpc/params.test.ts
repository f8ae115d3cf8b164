import { describe, expect, it } from "vitest";
import { RpcTypeError } from "./errors.js";
import { RPC_METHODS, type RpcMethodInfo } from "./interface.js";
import { bindParams, pythonTypeName } from "./params.js";

function method(name: string): RpcMethodInfo {
  const info = RPC_METHODS.get(name);
  if (!info) throw new Error(`unknown method ${name}`);
  return info;
}

function typeError(name: string, params: unknown): string {
  try {
    bindParams(method(name), params);
  } catch (e: unknown) {
    if (e instanceof RpcTypeError) return e.message;
    throw e;
  }
  throw new Error("bindParams did not throw");
}

describe("bindParams: list params", () => {
  it("takes the trailing dict as the filter: [attributes, filter]", () => {
    expect(bindParams(method("host_getObjects"), [["id"], { type: "OpsiClient" }])).toEqual({
      args: { attributes: ["id"] },
      positional: [["id"]],
      kwargs: { type: "OpsiClient" },
    });
    expect(bindParams(method("host_getIdents"), ["str", { type: "OpsiClient", id: "pc*" }])).toEqual({
      args: { returnType: "str" },
      positional: ["str"],
      kwargs: { type: "OpsiClient", id: "pc*" },
    });
  });

  it("does not split off kwargs unless the list is longer than the positional parameters", () => {
    expect(bindParams(method("host_getObjects"), [["id"]]).kwargs).toEqual({});
    // One element for one positional parameter: the dict is `attributes`, as in Python.
    expect(bindParams(method("host_getObjects"), [{ id: "x" }]).args).toEqual({ attributes: { id: "x" } });
    expect(bindParams(method("auditHardwareOnHost_create"), ["pc1.dom.tld", "CPU", { name: "x" }]).args).toEqual({
      hostId: "pc1.dom.tld",
      hardwareClass: "CPU",
      firstseen: { name: "x" },
      lastseen: null,
      state: null,
    });
    expect(bindParams(method("auditHardware_create"), ["CPU", { name: "x", vendor: "y" }])).toEqual({
      args: { hardwareClass: "CPU" },
      positional: ["CPU"],
      kwargs: { name: "x", vendor: "y" },
    });
  });

  it("requires the trailing kwargs element to be a dict", () => {
    expect(typeError("host_getObjects", [[], "OpsiClient"])).toBe("kwargs param is not a dict: <class 'str'>");
    expect(typeError("host_getIdents", ["str", ["a"]])).toBe("kwargs param is not a dict: <class 'list'>");
    expect(typeError("host_getIdents", ["str", null])).toBe("kwargs param is not a dict: <class 'NoneType'>");
  });

  it("fills missing optional parameters with their defaults", () => {
    expect(bindParams(method("host_getObjects"), [])).toEqual({ args: { attributes: null }, positional: [null], kwargs: {} });
    expect(bindParams(method("host_getIdents"), []).args).toEqual({ returnType: "str" });
    expect(bindParams(method("log_read"), ["instlog"]).positional).toEqual(["instlog", null, 0]);
    expect(bindParams(method("configState_getClientToDepotserver"), [["depot.dom.tld"]]).args).toEqual({
      depotIds: ["depot.dom.tld"],
      clientIds: null,
      masterOnly: true,
      productIds: null,
    });
  });

  it("reports missing required parameters like Python", () => {
    expect(typeError("log_read", [])).toBe("log_read() missing 1 required positional argument: 'logType'");
    expect(typeError("user_setCredentials", [])).toBe(
      "user_setCredentials() missing 2 required positional arguments: 'username' and 'password'",
    );
    expect(typeError("setProductActionRequest", ["firefox"])).toBe(
      "setProductActionRequest() missing 2 required positional arguments: 'clientId' and 'actionRequest'",
    );
    expect(typeError("setProductActionRequest", [])).toBe(
      "setProductActionRequest() missing 3 required positional arguments: 'productId', 'clientId', and 'actionRequest'",
    );
  });

  it("reports too many positional arguments like Python (counting self)", () => {
    expect(typeError("backend_info", [1])).toBe("backend_info() takes 1 positional argument but 2 were given");
    expect(typeError("log_read", ["a", "b", 1, 2])).toBe("log_read() takes from 2 to 4 positional arguments but 5 were given");
    expect(typeError("user_setCredentials", ["a", "b", "c"])).toBe("user_setCredentials() takes 3 positional arguments but 4 were given");
    expect(typeError("host_getObjects", [[], {}, {}])).toBe("host_getObjects() takes from 1 to 2 positional arguments but 3 were given");
  });

  it("splits kwargs off a full positional list and rejects giving a parameter twice", () => {
    expect(bindParams(method("auditHardwareOnHost_create"), ["pc1.dom.tld", "CPU", null, null, 1, { name: "x" }]).kwargs).toEqual({
      name: "x",
    });
    expect(typeError("auditHardwareOnHost_create", ["pc1.dom.tld", "CPU", null, null, 1, { state: 0 }])).toBe(
      "auditHardwareOnHost_create() got multiple values for argument 'state'",
    );
    expect(typeError("host_getObjects", [["id"], { attributes: [] }])).toBe(
      "host_getObjects() got multiple values for argument 'attributes'",
    );
    expect(typeError("host_getObjects", [[], { self: 1 }])).toBe("host_getObjects() got multiple values for argument 'self'");
  });
});

describe("bindParams: dict params", () => {
  it("binds named parameters and sends other keys to **filter", () => {
    expect(bindParams(method("host_getObjects"), { attributes: ["id"], id: "pc1.dom.tld" })).toEqual({
      args: { attributes: ["id"] },
      positional: [["id"]],
      kwargs: { id: "pc1.dom.tld" },
    });
    expect(bindParams(method("host_getObjects"), { id: "x" })).toEqual({
      args: { attributes: null },
      positional: [null],
      kwargs: { id: "x" },
    });
    expect(bindParams(method("log_read"), { objectId: "pc1.dom.tld", logType: "instlog" }).positional).toEqual([
      "instlog",
      "pc1.dom.tld",
      0,
    ]);
  });

  it("accepts a `type` key as an ordinary keyword (deliberate fix of opsi's failure)", () => {
    expect(bindParams(method("host_getObjects"), { type: "OpsiClient" }).kwargs).toEqual({ type: "OpsiClient" });
    expect(bindParams(method("readLog"), { type: "instlog", objectId: "pc1.dom.tld" }).args).toEqual({
      type: "instlog",
      objectId: "pc1.dom.tld",
      maxSize: 0,
    });
  });

  it("rejects unknown keywords for methods without **kwargs", () => {
    expect(typeError("log_read", { logType: "instlog", foo: 1 })).toBe("log_read() got an unexpected keyword argument 'foo'");
    expect(typeError("backend_info", { x: 1 })).toBe("backend_info() got an unexpected keyword argument 'x'");
  });

  it("reports missing required parameters", () => {
    expect(typeError("log_read", { objectId: "x" })).toBe("log_read() missing 1 required positional argument: 'logType'");
  });

  it("keeps a __proto__ key as an ordinary filter entry", () => {
    const params = JSON.parse('{"__proto__": {"polluted": true}, "id": "x"}') as unknown;
    const { kwargs } = bindParams(method("host_getObjects"), params);
    expect(Object.keys(kwargs)).toEqual(["__proto__", "id"]);
    expect(Object.getPrototypeOf(kwargs)).toBe(Object.prototype);
    expect((kwargs as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe("bindParams: other params values", () => {
  it("treats null, undefined and opsi's other falsy values as []", () => {
    for (const params of [null, undefined, false, 0, ""]) {
      expect(bindParams(method("host_getIdents"), params)).toEqual({ args: { returnType: "str" }, positional: ["str"], kwargs: {} });
    }
  });

  it("rejects scalars", () => {
    expect(typeError("host_getObjects", "abc")).toBe("params must be a list or a dict, not str");
    expect(typeError("host_getObjects", 5)).toBe("params must be a list or a dict, not int");
  });

  it("names Python types", () => {
    expect([null, true, 1, 1.5, "s", [], {}, new Uint8Array(1)].map(pythonTypeName)).toEqual([
      "NoneType",
      "bool",
      "int",
      "float",
      "str",
      "list",
      "dict",
      "bytes",
    ]);
  });
});
