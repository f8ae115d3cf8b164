/** @module acl/acl-file.test Parser of acl.conf: the default file and the edge cases of the format. */
import { BackendConfigurationError } from "@opsi-ts/core";
import { readSharedFixture } from "@opsi-ts/core/testing";
import { describe, expect, it } from "vitest";
import { compileMethodRegex, parseAclConf } from "./acl-file.js";

describe("parseAclConf on opsi's default acl.conf", () => {
  const aces = parseAclConf(readSharedFixture("etc/acl.conf"), { adminGroup: "opsiadmin", source: "acl.conf" });

  it("reads every entry in file order", () => {
    const patterns = [...new Set(aces.map((a) => a.pattern))];
    expect(patterns).toEqual([
      "backend_deleteBase",
      "backend_.*",
      "log_.*",
      "hostControl.*",
      "host_get.*",
      "host_update.*",
      "config_create.*",
      "auditSoftware_delete.*",
      "auditSoftware_.*",
      "auditHardware_delete.*",
      "auditHardware_.*",
      "user_setCredentials",
      "user_getCredentials",
      "auditHardwareOnHost_.*",
      "auditSoftwareOnClient_.*",
      "licenseOnClient_.*",
      "productOnClient_.*",
      "configState_.*",
      ".*_get.*",
      "productPropertyState_.*",
      "get(Raw){0,1}Data",
      ".*",
    ]);
    expect(aces).toHaveLength(57);
  });

  it("substitutes {admingroup} and keeps the line numbers", () => {
    const first = aces[0];
    expect(first).toMatchObject({ pattern: "backend_deleteBase", type: "sys_group", id: "opsiadmin" });
    expect(first?.line).toBeGreaterThan(30);
  });

  it("parses the attribute deny-list of the opsi_client host entry", () => {
    const entry = aces.find((a) => a.pattern === "host_get.*" && a.type === "opsi_client");
    expect(entry?.id).toBeNull();
    expect([...(entry?.deniedAttributes ?? [])].sort()).toEqual(
      ["description", "hardwareAddress", "inventoryNumber", "lastSeen", "notes", "oneTimePassword", "opsiHostKey"].sort(),
    );
    expect(entry?.allowedAttributes.size).toBe(0);
  });

  it("gives self, all and opsi_depotserver entries without ids", () => {
    const log = aces.filter((a) => a.pattern === "log_.*").map((a) => [a.type, a.id]);
    expect(log).toEqual([
      ["sys_group", "opsiadmin"],
      ["opsi_depotserver", null],
      ["self", null],
    ]);
    expect(aces.find((a) => a.pattern === "backend_.*")).toMatchObject({ type: "all", id: null });
  });
});

describe("parseAclConf edge cases", () => {
  it("ignores comments, blank lines and empty entries", () => {
    const aces = parseAclConf("# comment\n   # indented comment\n\nhost_.* : all;  ; self\n");
    expect(aces.map((a) => a.type)).toEqual(["all", "self"]);
  });

  it("expands several ids into one ACE each and splits allow and deny lists", () => {
    const aces = parseAclConf("host_getObjects : sys_user(Admin, bob, attributes(id, description, !opsiHostKey))");
    expect(aces.map((a) => a.id)).toEqual(["admin", "bob"]);
    for (const ace of aces) {
      expect([...ace.allowedAttributes]).toEqual(["id", "description"]);
      expect([...ace.deniedAttributes]).toEqual(["opsiHostKey"]);
    }
  });

  it("substitutes {fileadmingroup} with the configured name", () => {
    const [ace] = parseAclConf("depot_.* : sys_group({fileadmingroup}, {admingroup})", { adminGroup: "Admins", fileAdminGroup: "files" });
    expect(ace?.id).toBe("files");
  });

  it("accepts attributes() on self and opsi_client without ids", () => {
    const aces = parseAclConf("x : self(attributes(!a)); opsi_client(attributes(b))");
    expect(aces[0]).toMatchObject({ type: "self", id: null });
    expect([...(aces[0]?.deniedAttributes ?? [])]).toEqual(["a"]);
    expect([...(aces[1]?.allowedAttributes ?? [])]).toEqual(["b"]);
  });

  it.each([
    ["host_.* all", "Bad formatted line 'host_.* all' at line 1"],
    [": all", "Bad formatted line ': all' at line 1"],
    ["x :   ", "Bad formatted line 'x :' at line 1"],
    ["x : nobody", "Unhandled acl type: 'nobody' at line 1"],
    ["x : sys_group", "Bad formatted acl type 'sys_group': no params given at line 1"],
    ["x : sys_user()", "Bad formatted acl type 'sys_user': no params given at line 1"],
    ["x : opsi_client(a.b.c", "trailing ')' missing at line 1"],
    ["x : all(admin)", "Unhandled acl type param 'admin' for acl type 'all' at line 1"],
    ["x : self(pc1.dom.tld)", "Unhandled acl type param 'pc1.dom.tld' for acl type 'self' at line 1"],
    ["x : sys_user(a, other(b))", "Unhandled acl type param 'other(b)' for acl type 'sys_user' at line 1"],
    ["x : sys_user(attributes(a, (b)))", "nested parentheses"],
    ["x[ : all", "Invalid method regex 'x['"],
  ])("rejects %j with a message naming the line", (text, message) => {
    expect(() => parseAclConf(text)).toThrow(BackendConfigurationError);
    expect(() => parseAclConf(text)).toThrow(message);
  });

  it("names the file and the line number of a bad line", () => {
    expect(() => parseAclConf("a : all\n\n# c\nb : what", { source: "/etc/opsi/acl.conf" })).toThrow(
      "Unhandled acl type: 'what' at line 4 in acl file '/etc/opsi/acl.conf'",
    );
  });
});

describe("compileMethodRegex", () => {
  it("anchors at the start only, like Python's re.match", () => {
    const re = compileMethodRegex("host_get");
    expect(re.test("host_getObjects")).toBe(true);
    expect(re.test("xhost_getObjects")).toBe(false);
  });

  it("keeps alternation inside the anchor", () => {
    const re = compileMethodRegex("a|b_x");
    expect(re.test("b_xy")).toBe(true);
    expect(re.test("cb_x")).toBe(false);
  });

  it("translates Python named groups", () => {
    expect(compileMethodRegex("(?P<p>host)_(?P=p)").test("host_host")).toBe(true);
  });
});
