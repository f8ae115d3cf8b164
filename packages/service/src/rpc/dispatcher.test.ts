/** @module rpc/dispatcher.test Binding, errors, deprecation, ACL order and coverage of all 490 methods. */
import {
  BackendNotImplementedError,
  OpsiServicePermissionError,
  RPC_METHODS,
  RpcTypeError,
  RpcValueError,
  toRpcError,
} from "@opsi-ts/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IMPLEMENTED_METHODS, notImplementedMethods } from "../methods/handlers.js";
import { createHarness, type Harness, IDS, seedProducts } from "./test-harness.js";

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(() => h.cleanup());

describe("method lookup", () => {
  it("rejects unknown methods with ValueError 'Invalid method'", async () => {
    const call = h.call("admin", "host_dropDatabase", []);
    await expect(call).rejects.toThrow(new RpcValueError("Invalid method 'host_dropDatabase'"));
    await expect(h.call("admin", "constructor", [])).rejects.toThrow("Invalid method 'constructor'");
    await expect(h.call("admin", "__proto__", [])).rejects.toThrow("Invalid method '__proto__'");
    const err = await h.call("admin", "toString", []).catch((e: unknown) => e);
    expect(toRpcError(err, { includeDetails: false })).toEqual({
      message: "Invalid method 'toString'",
      class: "ValueError",
      details: null,
    });
  });

  it("serves deprecated methods only when provideDeprecatedMethods is on", async () => {
    expect(h.dispatcher.methods()).toHaveLength(490);
    expect(await h.call("admin", "getClientIDs")).toEqual([IDS.clientA, IDS.clientB]);
    const strict = await createHarness({ provideDeprecatedMethods: false });
    try {
      expect(strict.dispatcher.methods()).toHaveLength(315);
      expect(strict.dispatcher.methods()).not.toContain("getClientIDs");
      await expect(strict.call("admin", "getClientIDs")).rejects.toThrow("Invalid method 'getClientIDs'");
      await expect(strict.call("admin", "host_getHashes")).rejects.toThrow(RpcValueError);
      expect(await strict.call("admin", "host_getIdents", ["str", { type: "OpsiClient" }])).toEqual([IDS.clientA, IDS.clientB]);
      // Internal calls reach deprecated helpers only through their current names.
      await expect(strict.call("admin", "getClientIds_list")).rejects.toThrow("Invalid method");
    } finally {
      strict.cleanup();
    }
  });
});

describe("parameter binding", () => {
  it("binds positional lists with a trailing filter dict, and dicts as keywords", async () => {
    expect(await h.call("admin", "host_getIdents", ["str", { type: "OpsiConfigserver" }])).toEqual([IDS.configServer]);
    expect(await h.call("admin", "host_getIdents", { returnType: "dict", type: "OpsiConfigserver" })).toEqual([{ id: IDS.configServer }]);
    expect(await h.call("admin", "host_getObjects", [["id"], { id: IDS.clientB }])).toMatchObject([{ id: IDS.clientB, description: null }]);
    expect(await h.call("admin", "host_getObjects", null)).toHaveLength(5);
  });

  it("raises Python TypeErrors for params that do not bind", async () => {
    await expect(h.call("admin", "backend_info", [1])).rejects.toThrow(
      new RpcTypeError("backend_info() takes 1 positional argument but 2 were given"),
    );
    await expect(h.call("admin", "host_renameOpsiClient", [IDS.clientA])).rejects.toThrow(
      "host_renameOpsiClient() missing 1 required positional argument: 'newId'",
    );
    await expect(h.call("admin", "host_getObjects", [[], "id"])).rejects.toThrow("kwargs param is not a dict: <class 'str'>");
    await expect(h.call("admin", "log_read", { logType: "instlog", colour: "red" })).rejects.toThrow(
      "log_read() got an unexpected keyword argument 'colour'",
    );
    const err = await h.call("admin", "sleep", [1, 2]).catch((e: unknown) => e);
    expect(toRpcError(err, { includeDetails: false }).class).toBe("TypeError");
  });

  it("checks the method ACL before binding defaults reach the implementation", async () => {
    await expect(h.call("clientA", "depot_installPackage", ["x.opsi"])).rejects.toThrow(
      new OpsiServicePermissionError("No permission for method 'depot_installPackage'"),
    );
    await expect(h.call("clientA", "hostControlSafe_reboot", [])).rejects.toThrow("No permission for method 'hostControl_reboot'");
  });

  it("returns null for methods without a result", async () => {
    await seedProducts(h.backend);
    expect(await h.call("admin", "host_updateObject", [{ type: "OpsiClient", id: IDS.clientA, notes: "x" }])).toBeNull();
    expect(await h.call("admin", "setProductActionRequest", ["firefox", IDS.clientA, "setup"])).toBeNull();
  });
});

describe("not implemented capabilities", () => {
  it("answer BackendNotImplementedError naming the capability", async () => {
    await expect(h.call("admin", "dhcpd_updateHost", ["client1.opsi.test"])).rejects.toThrow(
      new BackendNotImplementedError("dhcpd_updateHost needs DHCP server integration, not available in this opsi-ts build"),
    );
    const err = await h.call("admin", "user_updateMultiFactorAuth", ["adminuser"]).catch((e: unknown) => e);
    expect(toRpcError(err, { includeDetails: false })).toEqual({
      class: "BackendNotImplementedError",
      message:
        "Backend not implemented error: user_updateMultiFactorAuth needs multi-factor authentication (TOTP), not available in this opsi-ts build",
      details: null,
    });
    await expect(h.call("admin", "setRights", [])).rejects.toThrow("opsi-ts does not expose it");
  });
});

describe("coverage of the 490 methods", () => {
  function nullArgs(name: string): unknown[] {
    const info = RPC_METHODS.get(name);
    return (info?.params ?? []).filter((p) => p.required).map(() => null);
  }

  it("every method is either implemented or on the not-implemented list", () => {
    const missing = notImplementedMethods();
    expect(IMPLEMENTED_METHODS.size + missing.length).toBe(490);
    for (const name of RPC_METHODS.keys()) expect(IMPLEMENTED_METHODS.has(name) !== missing.includes(name)).toBe(true);
  });

  it("every not-implemented method answers BackendNotImplementedError for an admin", async () => {
    for (const name of notImplementedMethods()) {
      const err = await h.call("admin", name, nullArgs(name)).then(
        () => new Error(`${name} returned instead of failing`),
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(BackendNotImplementedError);
      expect((err as Error).message, name).toContain(name);
    }
  });

  it("every implemented method runs with null arguments and fails, if at all, with an opsi error class", async () => {
    await seedProducts(h.backend);
    const internal: string[] = [];
    for (const name of IMPLEMENTED_METHODS.keys()) {
      if (name === "sleep") continue;
      const err = await h.call("admin", name, nullArgs(name)).then(
        () => null,
        (e: unknown) => e,
      );
      if (err === null) continue;
      const info = toRpcError(err, { includeDetails: true });
      // Not-implemented answers here depend on configuration (no credentials store, no message bus).
      if (info.class === "Exception") internal.push(`${name}: ${info.message}`);
    }
    expect(internal).toEqual([]);
  });
});
