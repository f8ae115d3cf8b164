/** @module methods/audit.test `auditHardware_getConfig` with de/en labels and the `_setObsolete` methods with their guards. */
import { parseHwauditConf } from "@opsi-ts/core";
import { readSharedFixture } from "@opsi-ts/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, IDS } from "../rpc/test-harness.js";
import { resolveLocale } from "./audit.js";

type ClassConfig = { Class: Record<string, unknown>; Values: Record<string, unknown>[] };

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(() => h.cleanup());

const classOf = (config: ClassConfig[], name: string) => config.find((c) => c.Class.Opsi === name);
const label = (config: ClassConfig[], cls: string, attr: string) => classOf(config, cls)?.Values.find((v) => v.Opsi === attr)?.UI;

describe("auditHardware_getConfig", () => {
  it("returns the STRUCTURAL classes with German labels, inherited ones included", async () => {
    const config = (await h.call("clientA", "auditHardware_getConfig", ["de"])) as ClassConfig[];
    expect(config).toHaveLength(32);
    expect(classOf(config, "NETWORK_CONTROLLER")?.Class.UI).toBe("Netzwerkkarte");
    expect(label(config, "NETWORK_CONTROLLER", "macAddress")).toBe("MAC-Adresse");
    expect(label(config, "NETWORK_CONTROLLER", "vendor")).toBe("Hersteller");
    expect(label(config, "COMPUTER_SYSTEM", "name")).toBe("Name");
    // Missing in the German file: the English label.
    expect(label(config, "COMPUTER_SYSTEM", "systemUUID")).toBe("System UUID");
    expect(classOf(config, "COMPUTER_SYSTEM")?.Class).not.toHaveProperty("Super");
    expect(classOf(config, "COMPUTER_SYSTEM")?.Class).not.toHaveProperty("Type");
    expect(classOf(config, "COMPUTER_SYSTEM")?.Values[0]).toMatchObject({ Type: "varchar(100)", Scope: "i", Opsi: "name", WMI: "Name" });
  });

  it("uses English by default and for unknown languages; de-DE resolves to de", async () => {
    const en = (await h.call("admin", "auditHardware_getConfig", [])) as ClassConfig[];
    expect(label(en, "NETWORK_CONTROLLER", "macAddress")).toBe("MAC address");
    expect(label(en, "NETWORK_CONTROLLER", "vendor")).toBe("Vendor");
    const unknown = (await h.call("admin", "auditHardware_getConfig", ["it"])) as ClassConfig[];
    expect(label(unknown, "NETWORK_CONTROLLER", "macAddress")).toBe("MAC address");
    const deDe = (await h.call("admin", "getOpsiHWAuditConf", ["de-DE"])) as ClassConfig[];
    expect(label(deDe, "NETWORK_CONTROLLER", "macAddress")).toBe("MAC-Adresse");
  });

  it("inherits labels exactly from the raw class list when it is configured", async () => {
    const exact = await createHarness({
      settings: { hardwareAuditClasses: parseHwauditConf(readSharedFixture("hwaudit/opsihwaudit.conf")) },
    });
    try {
      const config = (await exact.call("admin", "auditHardware_getConfig", ["de"])) as ClassConfig[];
      expect(label(config, "NETWORK_CONTROLLER", "vendor")).toBe("Hersteller");
      expect(label(config, "NETWORK_CONTROLLER", "deviceType")).toBe("Gerätetyp");
      const heuristic = (await h.call("admin", "auditHardware_getConfig", ["de"])) as ClassConfig[];
      expect(heuristic).toEqual(config);
    } finally {
      exact.cleanup();
    }
  });

  it("is checked against its own ACL name", async () => {
    await expect(h.call("user", "auditHardware_getConfig", [])).rejects.toThrow("No permission for method 'auditHardware_getConfig'");
  });

  it("resolveLocale tries the exact code, the language, the regional form, then en", () => {
    const locales = new Map([
      ["en", ""],
      ["de", ""],
      ["fr_FR", ""],
    ]);
    expect(resolveLocale(locales, "de_AT")).toBe("de");
    expect(resolveLocale(locales, "fr")).toBe("fr_FR");
    expect(resolveLocale(locales, null)).toBe("en");
    expect(resolveLocale(new Map(), "de")).toBeNull();
  });
});

describe("_setObsolete", () => {
  beforeEach(async () => {
    await h.backend.createObjects("auditSoftware", [{ name: "app", version: "1", subVersion: "", language: "", architecture: "x64" }]);
    await h.backend.createObjects("auditSoftwareOnClient", [
      { name: "app", version: "1", subVersion: "", language: "", architecture: "x64", clientId: IDS.clientA },
      { name: "app", version: "1", subVersion: "", language: "", architecture: "x64", clientId: IDS.clientB },
    ]);
    await h.backend.createObjects("auditHardwareOnHost", [
      { hostId: IDS.clientA, hardwareClass: "COMPUTER_SYSTEM", name: "A" },
      { hostId: IDS.clientB, hardwareClass: "COMPUTER_SYSTEM", name: "B" },
    ]);
  });

  it("auditSoftwareOnClient_setObsolete: a client for itself, admins and depots for anyone", async () => {
    await h.call("clientA", "auditSoftwareOnClient_setObsolete", [IDS.clientA]);
    expect((await h.backend.getObjects("auditSoftwareOnClient")).map((r) => r.clientId)).toEqual([IDS.clientB]);
    await expect(h.call("clientA", "auditSoftwareOnClient_setObsolete", [[IDS.clientA, IDS.clientB]])).rejects.toThrow(
      "No permission for method 'auditSoftwareOnClient_setObsolete'",
    );
    await expect(h.call("user", "auditSoftwareOnClient_setObsolete", [IDS.clientB])).rejects.toThrow("No permission");
    await h.call("depot", "auditSoftwareOnClient_setObsolete", [IDS.clientB]);
    expect(await h.backend.getObjects("auditSoftwareOnClient")).toEqual([]);
    expect(await h.backend.getIdents("auditSoftware", "str")).toHaveLength(1);
  });

  it("auditHardwareOnHost_setObsolete deletes the host's rows under the ACL", async () => {
    await h.call("clientB", "auditHardwareOnHost_setObsolete", [IDS.clientB]);
    expect((await h.backend.getObjects("auditHardwareOnHost")).map((r) => r.hostId)).toEqual([IDS.clientA]);
    await expect(h.call("clientB", "auditHardwareOnHost_setObsolete", [IDS.clientA])).rejects.toThrow("No objects to delete");
    await h.call("admin", "auditHardwareOnHost_setObsolete", [IDS.clientA]);
    expect(await h.backend.getObjects("auditHardwareOnHost")).toEqual([]);
  });
});
