/** @module methods/general.test backend_*, accessControl_*, getDomain, CA certificates, sleep and the host helper methods. */
import { BackendNotImplementedError, BackendPermissionDeniedError } from "@opsi-ts/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CALLERS, callerOf, createHarness, type Harness, IDS } from "../rpc/test-harness.js";
import { END_SESSION, isEndSession, OPSI_MODULE_IDS } from "./general.js";

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(() => h.cleanup());

describe("backend_info and backend_getLicensingInfo", () => {
  it("backend_info reports every module valid in the legacy modules shape", async () => {
    const info = (await h.call("clientA", "backend_info")) as {
      opsiVersion: string;
      modules: Record<string, unknown>;
      realmodules: unknown;
    };
    expect(info.opsiVersion).toBe("4.3.24.1");
    expect(info.realmodules).toEqual({});
    expect(info.modules).toMatchObject({
      valid: true,
      customer: "opsi-ts",
      expires: "never",
      signature: "0",
      license_management: true,
      vpn: true,
    });
    for (const id of OPSI_MODULE_IDS) expect(info.modules[id]).toBe(true);
  });

  it("backend_getLicensingInfo has the keys configed parses, every module available", async () => {
    await h.backend.createObjects("product", [
      { type: "LocalbootProduct", id: "opsi-linux-client-agent", productVersion: "4.3", packageVersion: "1" },
    ]);
    await h.backend.createObjects("productOnClient", [
      { productId: "opsi-linux-client-agent", productType: "LocalbootProduct", clientId: IDS.clientB, installationStatus: "installed" },
    ]);
    const info = (await h.call("admin", "backend_getLicensingInfo", [true, false, true])) as Record<string, unknown>;
    expect(Object.keys(info).sort()).toEqual(
      [
        "available_modules",
        "client_numbers",
        "config",
        "dates",
        "known_modules",
        "licenses",
        "licenses_checksum",
        "modules",
        "obsolete_modules",
      ].sort(),
    );
    expect(info.available_modules).toEqual(OPSI_MODULE_IDS);
    expect(info.client_numbers).toEqual({ macos: 0, linux: 1, windows: 1, inactive: 0, all: 2 });
    expect((info.modules as Record<string, unknown>).vpn).toEqual({
      available: true,
      state: "free",
      license_ids: [],
      client_number: 999999999,
    });
    const dates = info.dates as Record<string, { modules: Record<string, unknown> }>;
    const [day] = Object.keys(dates);
    expect(day).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(Object.keys(dates[day ?? ""]?.modules ?? {})).toEqual(OPSI_MODULE_IDS);
    expect(info.licenses).toEqual([]);
  });
});

describe("backend_*", () => {
  it("backend_getInterface lists 490 methods, 315 without deprecated ones", async () => {
    expect((await h.call("user", "backend_getInterface")) as unknown[]).toHaveLength(490);
    const strict = await createHarness({ provideDeprecatedMethods: false });
    try {
      const entries = (await strict.call("admin", "backend_getInterface")) as { name: string; params: string[] }[];
      expect(entries).toHaveLength(315);
      expect(entries.find((e) => e.name === "host_getObjects")?.params).toEqual(["*attributes", "**filter"]);
    } finally {
      strict.cleanup();
    }
  });

  it("backend_getSystemConfiguration exposes the log settings", async () => {
    expect(await h.call("clientA", "backend_getSystemConfiguration")).toEqual({
      log: { size_limit: 5, keep_rotated: 1, types: ["bootimage", "clientconnect", "instlog", "opsiconfd", "userlogin", "winpe"] },
    });
  });

  it("createBase/deleteBase/setOptions/getOptions are no-ops; deleteBase is admin-only", async () => {
    expect(await h.call("clientA", "backend_createBase")).toBeNull();
    expect(await h.call("admin", "backend_deleteBase")).toBeNull();
    await expect(h.call("clientA", "backend_deleteBase")).rejects.toThrow("No permission for method 'backend_deleteBase'");
    expect(await h.call("clientA", "backend_setOptions", [{ a: 1 }])).toBeNull();
    expect(await h.call("clientA", "backend_getOptions")).toEqual({});
  });

  it("backend_exit and exit return the end-session marker, which serialises to null", async () => {
    const result = await h.call("clientA", "backend_exit");
    expect(result).toBe(END_SESSION);
    expect(isEndSession(await h.call("clientA", "exit"))).toBe(true);
    expect(JSON.stringify({ result })).toBe('{"result":null}');
    expect(isEndSession(null)).toBe(false);
  });
});

describe("accessControl_* and identity helpers", () => {
  it("report the caller's flags and groups", async () => {
    expect(await h.call("user", "accessControl_authenticated")).toBe(true);
    expect(await h.call("admin", "accessControl_userIsAdmin")).toBe(true);
    expect(await h.call("clientA", "accessControl_userIsAdmin")).toBe(false);
    expect(await h.call("depot", "userIsAdmin")).toBe(true);
    expect(await h.call("user", "accessControl_userIsReadOnlyUser")).toBe(true);
    expect(await h.call("user", "userIsReadOnlyUser")).toBe(true);
    expect(await h.call("admin", "accessControl_getUserGroups")).toEqual(["opsiadmin", "users"]);
    expect(await h.call("clientA", "authenticated")).toBe(true);
  });

  it("getDomain uses reverse DNS of a remote caller, else the server's domain", async () => {
    const resolving = await createHarness({
      settings: { reverseLookup: async (a) => (a === "10.0.0.5" ? "pc5.branch.example.org" : "short") },
    });
    try {
      expect(await resolving.dispatcher.call("getDomain", [], callerOf(CALLERS.clientA, "10.0.0.5"))).toBe("branch.example.org");
      expect(await resolving.dispatcher.call("getDomain", [], callerOf(CALLERS.clientA, "10.0.0.6"))).toBe("opsi.test");
      expect(await resolving.dispatcher.call("getDomain", [], callerOf(CALLERS.clientA, "127.0.0.1"))).toBe("opsi.test");
      expect(await resolving.dispatcher.call("getHostId", ["pc7"], callerOf(CALLERS.clientA, "10.0.0.5"))).toBe("pc7.branch.example.org");
    } finally {
      resolving.cleanup();
    }
  });

  it("getOpsiCACert and getCACerts return PEM", async () => {
    expect(await h.call("clientA", "getOpsiCACert")).toBe(h.environment.caCertPem);
    expect(await h.call("clientA", "getCACerts")).toBe(
      "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nOTHER\n-----END CERTIFICATE-----\n",
    );
  });

  it("sleep waits and is checked against its ACL name", async () => {
    const start = Date.now();
    expect(await h.call("admin", "sleep", [0.05])).toBeNull();
    expect(Date.now() - start).toBeGreaterThanOrEqual(45);
    await expect(h.call("clientA", "sleep", [0])).rejects.toThrow("No permission for method 'sleep'");
  });
});

describe("host helpers", () => {
  it("host_getTLSCertificate: a client gets only its own, admins any client or depot", async () => {
    const pem = (await h.call("clientA", "host_getTLSCertificate", [IDS.clientA])) as string;
    expect(pem).toBe(
      `-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n${IDS.clientA}\n-----END CERTIFICATE-----\n`,
    );
    await expect(h.call("clientA", "host_getTLSCertificate", [IDS.clientB])).rejects.toThrow(
      new BackendPermissionDeniedError("Insufficient permissions"),
    );
    expect(await h.call("admin", "host_getTLSCertificate", [IDS.depot])).toContain(IDS.depot);
    await expect(h.call("admin", "host_getTLSCertificate", [IDS.configServer])).rejects.toThrow(`Invalid host: ${IDS.configServer}`);
    await expect(h.call("admin", "host_getTLSCertificate", ["missing.opsi.test"])).rejects.toThrow("Invalid host");
  });

  it("host_getMessagebusConnectedIds needs the message bus", async () => {
    await expect(h.call("admin", "host_getMessagebusConnectedIds")).rejects.toThrow(BackendNotImplementedError);
    const withBus = await createHarness({
      settings: { messagebusConnectedIds: async (ids) => (ids ?? [IDS.clientA, IDS.depot]).slice(0, 1) },
    });
    try {
      expect(await withBus.call("clientA", "host_getMessagebusConnectedIds", [[IDS.clientB]])).toEqual([IDS.clientB]);
      expect(await withBus.call("clientA", "host_getMessagebusConnectedIds")).toEqual([IDS.clientA]);
    } finally {
      withBus.cleanup();
    }
  });
});
