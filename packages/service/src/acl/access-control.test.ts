/** @module acl/access-control.test ACE lookup (first matching regex, identical continuations) and filtering by caller. */
import { OpsiServicePermissionError, RPC_METHODS } from "@opsi-ts/core";
import { readSharedFixture } from "@opsi-ts/core/testing";
import { describe, expect, it } from "vitest";
import { CALLERS } from "../rpc/test-harness.js";
import { AccessControl, aclMethodName } from "./access-control.js";

const defaultAcl = AccessControl.fromText(readSharedFixture("etc/acl.conf"));

const types = (acl: AccessControl, method: string, who: keyof typeof CALLERS) =>
  acl.matchingAces(method, CALLERS[who]).map((a) => (a.id ? `${a.type}:${a.id}` : a.type));

describe("aclMethodName", () => {
  it.each([
    ["host_getIdents", "host_getObjects"],
    ["productOnClient_getHashes", "productOnClient_getObjects"],
    ["hostControlSafe_reboot", "hostControl_reboot"],
    ["host_getObjects", "host_getObjects"],
    ["backend_info", "backend_info"],
  ])("%s is checked as %s", (method, name) => {
    expect(aclMethodName(method)).toBe(name);
  });

  it("agrees with the interface's ACL names for hostControlSafe_*", () => {
    for (const info of RPC_METHODS.values()) {
      if (info.name.startsWith("hostControlSafe_")) expect(info.acl).toBe(aclMethodName(info.name));
    }
  });
});

describe("AccessControl lookup", () => {
  it("uses the first matching regex only (backend_deleteBase before backend_.*)", () => {
    expect(defaultAcl.methodAces("backend_deleteBase").map((a) => a.pattern)).toEqual(["backend_deleteBase"]);
    expect(defaultAcl.methodAces("backend_info").map((a) => a.type)).toEqual(["all"]);
  });

  it("matches at the start only: configState_getObjects hits configState_.* before .*_get.*", () => {
    expect(new Set(defaultAcl.methodAces("configState_getObjects").map((a) => a.pattern))).toEqual(new Set(["configState_.*"]));
    expect(new Set(defaultAcl.methodAces("productPropertyState_getObjects").map((a) => a.pattern))).toEqual(new Set([".*_get.*"]));
    expect(new Set(defaultAcl.methodAces("productPropertyState_updateObjects").map((a) => a.pattern))).toEqual(
      new Set(["productPropertyState_.*"]),
    );
  });

  it("collects later entries with the identical regex string, skipping non-matching ones in between", () => {
    const acl = AccessControl.fromText(
      ["host_.* : sys_user(a)", "other : all", "host_.* : sys_user(b)", "host_get.* : all", "host_.* : sys_user(c)"].join("\n"),
    );
    expect(acl.methodAces("host_getObjects").map((a) => a.id)).toEqual(["a", "b"]);
    expect(acl.methodAces("host_deleteObjects").map((a) => a.id)).toEqual(["a", "b", "c"]);
  });

  it("denies a method no rule matches, and everything with an empty acl.conf", () => {
    const acl = AccessControl.fromText("backend_.* : all");
    expect(() => acl.require("host_getObjects", CALLERS.admin)).toThrow(
      new OpsiServicePermissionError("No permission for method 'host_getObjects'"),
    );
    const empty = AccessControl.fromText("# nothing\n");
    expect(empty.allows("backend_info", CALLERS.admin)).toBe(false);
  });
});

describe("AccessControl filtering by caller (default acl.conf)", () => {
  it("admin users match sys_group({admingroup}) everywhere", () => {
    expect(types(defaultAcl, "host_deleteObjects", "admin")).toEqual(["sys_group:opsiadmin"]);
    expect(defaultAcl.allows("backend_deleteBase", CALLERS.admin)).toBe(true);
  });

  it("non-admin users only get backend_.*", () => {
    expect(types(defaultAcl, "backend_info", "user")).toEqual(["all"]);
    expect(defaultAcl.allows("host_getObjects", CALLERS.user)).toBe(false);
    expect(defaultAcl.allows("backend_deleteBase", CALLERS.user)).toBe(false);
  });

  it("clients get self with their own id, and opsi_client entries", () => {
    const aces = defaultAcl.matchingAces("host_getObjects", CALLERS.clientA);
    expect(aces.map((a) => a.type)).toEqual(["self", "opsi_client"]);
    expect(aces[0]?.id).toBe("client1.opsi.test");
    expect(types(defaultAcl, "configState_updateObjects", "clientB")).toEqual(["self:client2.opsi.test"]);
    expect(defaultAcl.allows("host_deleteObjects", CALLERS.clientA)).toBe(false);
    expect(defaultAcl.allows("hostControl_reboot", CALLERS.clientA)).toBe(false);
  });

  it("depots match opsi_depotserver and self", () => {
    expect(types(defaultAcl, "log_write", "depot")).toEqual(["opsi_depotserver", "self:depot1.opsi.test"]);
    expect(defaultAcl.allows("host_deleteObjects", CALLERS.depot)).toBe(true);
  });

  it("matches opsi_client / opsi_depotserver / sys_user ids exactly", () => {
    const acl = AccessControl.fromText(
      "m : opsi_client(client1.opsi.test); opsi_depotserver(depot2.opsi.test); sys_user(someuser); sys_group(users)",
    );
    expect(types(acl, "m", "clientA")).toEqual(["opsi_client:client1.opsi.test"]);
    expect(types(acl, "m", "clientB")).toEqual([]);
    expect(types(acl, "m", "depot")).toEqual([]);
    expect(types(acl, "m", "user")).toEqual(["sys_user:someuser", "sys_group:users"]);
    expect(types(acl, "m", "admin")).toEqual(["sys_group:users"]);
  });

  it("never gives self to users", () => {
    const acl = AccessControl.fromText("m : self");
    expect(acl.allows("m", CALLERS.admin)).toBe(false);
    expect(acl.allows("m", CALLERS.clientA)).toBe(true);
  });
});
