import { describe, expect, it } from "vitest";
import { getInterfaceDescription, parseMethodSpec, RPC_METHODS, type RpcInterfaceEntry } from "./interface.js";
import { RPC_METHOD_SPECS } from "./interface-data.js";

/** opsiconfd's `get_method_interface` params notation, rebuilt from args/defaults/varargs/keywords. */
function pythonParamsNotation(entry: RpcInterfaceEntry): string[] {
  const params = entry.args.filter((a) => a !== "self");
  const defaults = entry.defaults ?? [];
  const offset = params.length - defaults.length;
  const out = params.map((p, i) => (entry.defaults !== null && i >= offset ? `*${p}` : p));
  if (entry.varargs) out.push(`*${entry.varargs}`);
  if (entry.keywords) out.push(`**${entry.keywords}`);
  return out;
}

/** python-opsi-common's `_jsonrpc_method_params`: param name → default. */
function clientMethodParams(entry: RpcInterfaceEntry): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  let defIdx = 0;
  for (let param of entry.params) {
    let value: unknown = null;
    if (param.startsWith("*")) {
      param = param.replace(/^\*+/, "");
      if (entry.defaults && defIdx < entry.defaults.length) value = entry.defaults[defIdx];
      defIdx += 1;
    }
    result[param] = value;
  }
  return result;
}

describe("RPC_METHODS", () => {
  it("holds all 490 methods, 175 of them deprecated, one with a drop version", () => {
    expect(RPC_METHODS.size).toBe(490);
    const all = [...RPC_METHODS.values()];
    expect(all.filter((m) => m.deprecated)).toHaveLength(175);
    expect(all.filter((m) => m.dropVersion !== null).map((m) => [m.name, m.dropVersion])).toEqual([["getClientIds_list", "4.4"]]);
  });

  it("parses positional parameters, defaults and kwargs", () => {
    const ssh = RPC_METHODS.get("SSHCommand_createObject");
    expect(ssh?.params).toEqual([
      { name: "menuText", required: true, default: undefined },
      { name: "commands", required: true, default: undefined },
      { name: "position", required: false, default: 0 },
      { name: "needSudo", required: false, default: false },
      { name: "tooltipText", required: false, default: "" },
      { name: "parentMenuText", required: false, default: null },
    ]);
    expect(ssh?.requiredCount).toBe(2);
    expect(ssh?.kwargs).toBeNull();
    const getObjects = RPC_METHODS.get("host_getObjects");
    expect(getObjects?.kwargs).toBe("filter");
    expect(getObjects?.params).toEqual([{ name: "attributes", required: false, default: null }]);
    expect(RPC_METHODS.get("auditHardware_create")?.kwargs).toBe("kwargs");
    expect(RPC_METHODS.get("setProductActionRequest")).toMatchObject({
      alternativeMethod: "productOnClient_updateObjects",
      deprecated: false,
      acl: null,
    });
    expect(RPC_METHODS.get("getClientIDs")).toMatchObject({ deprecated: true, alternativeMethod: "host_getIdents", module: "ext_easy" });
  });

  it("gives the kwargs parameter to exactly the methods of spec §2.3", () => {
    const withKwargs = [...RPC_METHODS.values()].filter((m) => m.kwargs !== null).map((m) => m.name);
    expect(withKwargs).toHaveLength(70);
    for (const name of withKwargs) {
      expect(name).toMatch(/_(getObjects|getHashes|getIdents|getObjectsWithSequence|create|delete)$/);
    }
  });

  it("rejects inconsistent specs", () => {
    const base = { deprecated: false, alternative_method: null, drop_version: null, acl: null, module: "test" };
    expect(() => parseMethodSpec({ ...base, name: "a", params: ["*x"], defaults: null })).toThrow(/1 optional parameters but 0 defaults/);
    expect(() => parseMethodSpec({ ...base, name: "b", params: ["*x", "y"], defaults: [1] })).toThrow(
      /required parameter 'y' after optional/,
    );
    expect(() => parseMethodSpec({ ...base, name: "c", params: ["**k", "y"], defaults: null })).toThrow(/after \*\*k/);
  });
});

describe("getInterfaceDescription", () => {
  it("lists all methods sorted by name, 315 without deprecated ones", () => {
    const all = getInterfaceDescription();
    expect(all).toHaveLength(490);
    const names = all.map((m) => m.name);
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe("SSHCommand_createObject");
    const current = getInterfaceDescription({ provideDeprecated: false });
    expect(current).toHaveLength(315);
    expect(current.some((m) => m.deprecated)).toBe(false);
    expect(current.some((m) => m.name === "getClientIds_list")).toBe(false);
  });

  it("describes host_getObjects exactly like opsiconfd, keys in MethodInterface order", () => {
    const entry = getInterfaceDescription().find((m) => m.name === "host_getObjects");
    expect(entry).toStrictEqual({
      name: "host_getObjects",
      params: ["*attributes", "**filter"],
      args: ["self", "attributes"],
      varargs: null,
      keywords: "filter",
      defaults: [null],
      deprecated: false,
      drop_version: null,
      alternative_method: null,
      doc: expect.stringMatching(/^Returns a list of objects that match the specified filter\.\n/),
      annotations: {},
    });
    expect(Object.keys(entry ?? {})).toEqual([
      "name",
      "params",
      "args",
      "varargs",
      "keywords",
      "defaults",
      "deprecated",
      "drop_version",
      "alternative_method",
      "doc",
      "annotations",
    ]);
  });

  it("describes methods without parameters, with defaults and with a drop version", () => {
    const byName = new Map(getInterfaceDescription().map((m) => [m.name, m]));
    expect(byName.get("backend_info")).toMatchObject({ params: [], args: ["self"], defaults: null, keywords: null, doc: null });
    expect(byName.get("host_getIdents")).toMatchObject({
      params: ["*returnType", "**filter"],
      args: ["self", "returnType"],
      defaults: ["str"],
    });
    expect(byName.get("configState_getClientToDepotserver")).toMatchObject({
      params: ["*depotIds", "*clientIds", "*masterOnly", "*productIds"],
      defaults: [null, null, true, null],
    });
    expect(byName.get("getClientIds_list")).toMatchObject({ deprecated: true, drop_version: "4.4", alternative_method: "getClientIDs" });
    expect(byName.get("host_delete")?.doc).toMatch(/^Deletes the object identified/);
    expect(byName.get("host_getHashes")?.doc).toMatch(/as dictionaries/);
  });

  it("round-trips opsi's params notation through args/defaults/keywords for every method", () => {
    const specs = new Map(RPC_METHOD_SPECS.map((s) => [s.name, s]));
    for (const entry of getInterfaceDescription()) {
      expect(entry.args[0]).toBe("self");
      expect(pythonParamsNotation(entry)).toEqual(entry.params);
      expect(entry.params).toEqual(specs.get(entry.name)?.params);
    }
  });

  it("gives python-opsi-common's stub builder the right defaults", () => {
    const byName = new Map(getInterfaceDescription().map((m) => [m.name, m]));
    const getIdents = byName.get("host_getIdents");
    const logRead = byName.get("log_read");
    if (!getIdents || !logRead) throw new Error("methods missing");
    expect(clientMethodParams(getIdents)).toEqual({ returnType: "str", filter: null });
    expect(clientMethodParams(logRead)).toEqual({ logType: null, objectId: null, maxSize: 0 });
  });

  it("describes extra methods passed in and keeps the default description cached", () => {
    const extension = parseMethodSpec({
      name: "aaa_custom",
      params: ["x", "*y"],
      defaults: [5],
      deprecated: false,
      alternative_method: null,
      drop_version: null,
      acl: null,
      module: "extend",
    });
    const described = getInterfaceDescription({ methods: [...RPC_METHODS.values(), extension] });
    expect(described).toHaveLength(491);
    expect(described[0]).toMatchObject({ name: "SSHCommand_createObject" });
    expect(described.find((m) => m.name === "aaa_custom")).toMatchObject({ params: ["x", "*y"], args: ["self", "x", "y"], defaults: [5] });
    expect(getInterfaceDescription()).toBe(getInterfaceDescription());
    expect(getInterfaceDescription()).toHaveLength(490);
  });
});
