import { describe, expect, it } from "vitest";
import { BackendBadValueError, BackendConfigurationError } from "../errors.js";
import { readSharedFixture } from "../testing/shared-fixtures.js";
import { expandLocale, HardwareAuditConfig, parseHwauditConf, parseProperties } from "./hwaudit-config.js";
import { decodeObject, identString, toWire } from "./object.js";

const fixture = (name: string) => readSharedFixture(`hwaudit/${name}`);

const conf = HardwareAuditConfig.fromConf(fixture("opsihwaudit.conf"));
const json = HardwareAuditConfig.fromJson(fixture("opsihwaudit.json"));

describe("hwaudit config", () => {
  it("parses the Python-literal conf with all 37 classes, 32 STRUCTURAL", () => {
    const raw = parseHwauditConf(fixture("opsihwaudit.conf"));
    expect(raw).toHaveLength(37);
    expect(raw.filter((c) => c.Class.Type === "STRUCTURAL")).toHaveLength(32);
    expect(conf.classNames()).toHaveLength(32);
    // Escapes inside the Python strings survive: "PNPDeviceID.split('\\\\')[0]" is PNPDeviceID.split('\\')[0].
    const deviceId = raw.find((c) => c.Class.Opsi === "DEVICE_ID");
    expect(deviceId?.Values[0]?.WMI).toBe("PNPDeviceID.split('\\\\')[0]");
  });

  it("resolves Super inheritance and g/i scopes", () => {
    const nc = conf.get("NETWORK_CONTROLLER");
    expect(nc).toBeDefined();
    expect([...(nc?.deviceAttributes.keys() ?? [])].sort()).toEqual(
      [
        "name",
        "description",
        "vendor",
        "model",
        "deviceType",
        "vendorId",
        "deviceId",
        "subsystemVendorId",
        "subsystemDeviceId",
        "revision",
        "adapterType",
        "maxSpeed",
        "autoSense",
      ].sort(),
    );
    expect([...(nc?.instanceAttributes.keys() ?? [])].sort()).toEqual(
      ["serialNumber", "macAddress", "netConnectionStatus", "ipEnabled", "ipAddress"].sort(),
    );
    // A redefinition replaces the inherited entry in place: COMPUTER_SYSTEM.name is instance-scoped.
    expect(conf.get("COMPUTER_SYSTEM")?.attributes[0]).toEqual({ name: "name", type: "varchar(100)", scope: "i" });
  });

  it("yields the same classes from the .conf and the .json form", () => {
    expect(json.classNames()).toEqual(conf.classNames());
    for (const name of conf.classNames()) {
      const fromConf = conf.get(name)?.attributes ?? [];
      const fromJson = json.get(name)?.attributes ?? [];
      // The shipped JSON predates COMPUTER_SYSTEM.systemUUID; everything else is identical, in order.
      const expected = name === "COMPUTER_SYSTEM" ? fromConf.filter((a) => a.name !== "systemUUID") : fromConf;
      expect(fromJson, name).toEqual(expected);
    }
  });

  it("rejects broken configs with a clear error", () => {
    expect(() => parseHwauditConf("OPSI_HARDWARE_CLASSES = [ {")).toThrow(BackendConfigurationError);
    expect(() => parseHwauditConf("X = []")).toThrow(/OPSI_HARDWARE_CLASSES/);
    expect(() => HardwareAuditConfig.fromJson("[{]")).toThrow(BackendConfigurationError);
    expect(() => new HardwareAuditConfig([{ Class: { Opsi: "A", Type: "STRUCTURAL", Super: ["MISSING"] }, Values: [] }])).toThrow(
      /MISSING/,
    );
    expect(
      () => new HardwareAuditConfig([{ Class: { Opsi: "A", Type: "STRUCTURAL" }, Values: [{ Opsi: "x", Type: "blob", Scope: "g" }] }]),
    ).toThrow(/unknown type 'blob'/);
  });

  it("localises labels from the .properties files with English fallback", () => {
    const raw = parseHwauditConf(fixture("opsihwaudit.conf"));
    const en = expandLocale(raw, parseProperties(fixture("hwaudit_en.properties")));
    const de = expandLocale(raw, parseProperties(fixture("hwaudit_de.properties")));
    const localized = conf.localized(de, en);
    const cs = localized.find((c) => c.Class.Opsi === "COMPUTER_SYSTEM");
    expect(cs?.Class.UI).toBe(de.get("COMPUTER_SYSTEM"));
    expect(cs?.Values.every((v) => typeof v.UI === "string" && v.UI.length > 0)).toBe(true);
    expect(en.get("COMPUTER_SYSTEM.name")).toBe(en.get("BASIC_INFO.name"));
  });
});

describe("audit hardware objects", () => {
  const objects = JSON.parse(fixture("audithardwareonhost.json")) as Record<string, unknown>[];

  it("decode and re-encode the real fixture unchanged (modulo normalisation)", () => {
    expect(objects.length).toBeGreaterThan(40);
    for (const input of objects) {
      const obj = decodeObject("auditHardwareOnHost", input, { hardwareAudit: json });
      const wire = toWire(obj, { hardwareAudit: json }) as Record<string, unknown>;
      const { ident: inputIdent, ...inputAttrs } = input;
      const { ident: wireIdent, ...wireAttrs } = wire;
      expect(wireAttrs).toEqual(inputAttrs);
      // A few NETWORK_CONTROLLER idents in the fixture were anonymised without their macAddress field.
      if (input.hardwareClass !== "NETWORK_CONTROLLER") expect(wireIdent).toBe(inputIdent);
    }
  });

  it("coerces values by SQL type and drops unknown attributes", () => {
    const obj = decodeObject(
      "auditHardwareOnHost",
      {
        hostId: "PC1.dom.tld",
        hardwareClass: "NETWORK_CONTROLLER",
        name: `  ${"x".repeat(120)}  `,
        maxspeed: "1000",
        vendorId: "1af4",
        bogus: 1,
        state: 1,
      },
      { hardwareAudit: conf },
    ) as Record<string, unknown>;
    expect(obj.hostId).toBe("pc1.dom.tld");
    expect(obj.name).toHaveLength(100);
    expect(obj.maxSpeed).toBe(1000);
    expect(obj.vendorId).toBe("1AF4");
    expect(obj).not.toHaveProperty("bogus");
    expect(obj.macAddress).toBeNull();
  });

  it("computes per-class idents and rejects bad hardware ids", () => {
    const dev = decodeObject(
      "auditHardware",
      { hardwareClass: "KEYBOARD", name: "kb", numberOfFunctionKeys: "12" },
      { hardwareAudit: conf },
    );
    expect(identString(dev, { hardwareAudit: conf })).toBe("KEYBOARD;;;kb;12;");
    expect(() => decodeObject("auditHardware", { hardwareClass: "PCI_DEVICE", vendorId: "zz" }, { hardwareAudit: conf })).toThrow(
      BackendBadValueError,
    );
    expect(() => decodeObject("auditHardwareOnHost", { hardwareClass: "KEYBOARD" }, { hardwareAudit: conf })).toThrow(/hostId/);
  });
});
