import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BackendBadValueError } from "../errors.js";
import { CLASS_SCHEMAS, type ClassName } from "./classes.js";
import {
  applyDefaults,
  decodeObject,
  decodeObjects,
  decodeObjectWithZod,
  getIdent,
  identString,
  parseIdentReturnType,
  toWire,
} from "./object.js";
import { classAttributes, OBJECT_PREFIXES, PREFIXES, prefixOfClass } from "./registry.js";

const bad = (fn: () => unknown, attr: string) => {
  try {
    fn();
  } catch (err: unknown) {
    expect(err).toBeInstanceOf(BackendBadValueError);
    expect((err as Error).message).toContain(attr);
    return;
  }
  throw new Error("expected BackendBadValueError");
};

describe("decodeObject", () => {
  it("turns a wire dict into a normalised object with every attribute present", () => {
    const c = decodeObject("host", {
      type: "OpsiClient",
      id: "PC1.Dom.TLD.",
      hardwareAddress: ["08-00-27-AA-BB-CC", "ignored"],
      ipAddress: "::ffff:10.0.0.5",
      unknownKey: 1,
    });
    expect(c).toEqual({
      type: "OpsiClient",
      id: "pc1.dom.tld",
      description: null,
      notes: null,
      hardwareAddress: "08:00:27:aa:bb:cc",
      ipAddress: "10.0.0.5",
      inventoryNumber: null,
      systemUUID: null,
      opsiHostKey: null,
      oneTimePassword: null,
      created: null,
      lastSeen: null,
    });
  });

  it("uses the prefix base class without type and rejects foreign classes", () => {
    expect(decodeObject("host", { id: "a.b.cd" }).type).toBe("Host");
    expect(decodeObject("config", { id: "x" }).type).toBe("Config");
    bad(() => decodeObject("host", { type: "LocalbootProduct", id: "a.b.cd" }), "Host");
    bad(() => decodeObject("host", { type: "NoSuchClass", id: "a.b.cd" }), "NoSuchClass");
    bad(() => decodeObject("host", "pc1.dom.tld"), "Host");
    bad(() => decodeObject("host", null), "Host");
  });

  it("expands ident strings, lists and dicts", () => {
    const s = decodeObject("productOnClient", { ident: "firefox;LocalbootProduct;pc1.dom.tld" });
    expect([s.productId, s.productType, s.clientId]).toEqual(["firefox", "LocalbootProduct", "pc1.dom.tld"]);
    const l = decodeObject("configState", { ident: ["a.b", "pc1.dom.tld"], values: [1] });
    expect([l.configId, l.objectId]).toEqual(["a.b", "pc1.dom.tld"]);
    const d = decodeObject("host", { type: "OpsiClient", ident: { id: "x.dom.tld" } });
    expect(d.id).toBe("x.dom.tld");
    bad(() => decodeObject("productOnClient", { ident: "firefox;pc1.dom.tld" }), "ident");
  });

  it("names the attribute and value of invalid input", () => {
    bad(() => decodeObject("host", { type: "OpsiClient", id: "no host" }), "'id'");
    bad(() => decodeObject("host", { type: "OpsiClient", id: "a.b.cd", hardwareAddress: "zz" }), "'hardwareAddress'");
    bad(() => decodeObject("productOnClient", { productId: "p", productType: "x", clientId: "a.b.cd" }), "'productType'");
    bad(() => decodeObject("productOnClient", { productId: "p", productType: "localboot" }), "'clientId'");
    bad(() => decodeObject("product", { type: "LocalbootProduct", id: "p", productVersion: "1-0", packageVersion: "1" }), "productVersion");
  });

  it("keeps opsi's lenient IP/network setters", () => {
    expect(decodeObject("host", { type: "OpsiClient", id: "a.b.cd", ipAddress: "not-an-ip" }).ipAddress).toBeNull();
    expect(decodeObject("host", { type: "OpsiClient", id: "a.b.cd", ipAddress: "" }).ipAddress).toBe("");
    const depot = decodeObject("host", { type: "OpsiDepotserver", id: "d.b.cd", networkAddress: "10.0.0.1/8" });
    expect(depot.type === "OpsiDepotserver" && depot.networkAddress).toBeNull();
  });

  it("applies the Config value-list rules", () => {
    const c = decodeObject("config", {
      type: "UnicodeConfig",
      id: "A.B",
      possibleValues: ["b", "a", "a"],
      defaultValues: ["a", "c"],
    });
    expect(c).toMatchObject({ id: "a.b", possibleValues: ["a", "b"], defaultValues: ["a"], description: "" });
    const onlyDefaults = decodeObject("config", { type: "UnicodeConfig", id: "x", defaultValues: ["z", "y"] });
    expect(onlyDefaults).toMatchObject({ possibleValues: ["y", "z"], defaultValues: ["y", "z"], multiValue: true });
    const numbers = decodeObject("config", { type: "UnicodeConfig", id: "x", possibleValues: [2, 1] });
    expect(numbers.possibleValues).toEqual(["1", "2"]);
  });

  it("applies the BoolConfig / BoolProductProperty rules", () => {
    const b = decodeObject("config", { type: "BoolConfig", id: "x", defaultValues: "true", possibleValues: ["a"], editable: true });
    expect(b).toMatchObject({ possibleValues: [false, true], defaultValues: [true], editable: false, multiValue: false });
    bad(() => decodeObject("config", { type: "BoolConfig", id: "x", defaultValues: [true, false] }), "multiple default values");
    const p = decodeObject("productProperty", {
      type: "BoolProductProperty",
      productId: "p",
      productVersion: "1",
      packageVersion: "1",
      propertyId: "Flag",
      defaultValues: [0],
      editable: true,
    });
    expect(p).toMatchObject({ propertyId: "flag", possibleValues: [false, true], defaultValues: [false], editable: false });
  });

  it("handles class specifics of products, licences and POCs", () => {
    const n = decodeObject("product", {
      type: "NetbootProduct",
      id: "win10",
      productVersion: "10",
      packageVersion: "1",
      userLoginScript: "x.opsiscript",
      pxeConfigTemplate: "",
      priority: 500,
    });
    expect(n).toMatchObject({ userLoginScript: null, pxeConfigTemplate: null, priority: 100 });
    const oem = decodeObject("softwareLicense", { type: "OEMSoftwareLicense", id: "L1", licenseContractId: "C1", maxInstallations: 7 });
    expect(oem.maxInstallations).toBe(1);
    const poc = decodeObject("productOnClient", {
      productId: "p",
      productType: "LocalbootProduct",
      clientId: "a.b.cd",
      actionRequest: "undefined",
      actionProgress: "x".repeat(300),
    });
    expect(poc.actionRequest).toBeNull();
    expect(poc.actionProgress).toHaveLength(250);
    expect(poc.actionSequence).toBe(-1);
  });

  it("normalises audit software idents", () => {
    const s = decodeObject("auditSoftware", { name: "Firefox", version: "100.0A", subVersion: null, language: "de_de", architecture: "" });
    expect(s).toMatchObject({ name: "Firefox", version: "100.0a", subVersion: "", language: "de-DE", architecture: "" });
  });

  it("decodes lists and single objects", () => {
    expect(decodeObjects("user", { id: "Adminuser" })).toHaveLength(1);
    expect(decodeObjects("user", [{ id: "a" }, { id: "b" }]).map((u) => u.id)).toEqual(["a", "b"]);
    expect(decodeObjects("user", null)).toEqual([]);
  });
});

describe("defaults, idents and wire form", () => {
  it("fills class defaults only where null", () => {
    const poc = applyDefaults(decodeObject("productOnClient", { productId: "p", productType: "localboot", clientId: "a.b.cd" }));
    expect(poc.installationStatus).toBe("not_installed");
    expect(poc.actionRequest).toBe("none");
    expect(poc.modificationTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const client = applyDefaults(decodeObject("host", { type: "OpsiClient", id: "a.b.cd", description: "kept" }));
    expect(client.description).toBe("kept");
    expect(client.type === "OpsiClient" && client.opsiHostKey).toMatch(/^[0-9a-f]{32}$/);
    const depot = applyDefaults(decodeObject("host", { type: "OpsiDepotserver", id: "d.b.cd" }));
    expect(depot.type === "OpsiDepotserver" && depot.isMasterDepot).toBe(true);
    const lc = applyDefaults(decodeObject("licenseContract", { id: "c1" }));
    expect(lc).toMatchObject({ notificationDate: "0000-00-00 00:00:00", expirationDate: "0000-00-00 00:00:00", partner: "" });
    const b = applyDefaults(decodeObject("config", { type: "BoolConfig", id: "x" }));
    expect(b.defaultValues).toEqual([false]);
  });

  it("computes idents in every return shape", () => {
    const poc = decodeObject("productOnClient", { productId: "p", productType: "localboot", clientId: "a.b.cd" });
    expect(identString(poc)).toBe("p;LocalbootProduct;a.b.cd");
    expect(getIdent(poc, "dict")).toEqual({ productId: "p", productType: "LocalbootProduct", clientId: "a.b.cd" });
    expect(getIdent(poc, "list")).toEqual(["p", "LocalbootProduct", "a.b.cd"]);
    expect(toWire(poc).ident).toBe("p;LocalbootProduct;a.b.cd");
    const asw = decodeObject("auditSoftware", { name: "x", version: "", subVersion: "", language: "", architecture: "x64" });
    expect(identString(asw)).toBe("x;;;;x64");
    expect(parseIdentReturnType("HASH")).toBe("hash");
    expect(() => parseIdentReturnType("set")).toThrow(BackendBadValueError);
  });

  it("knows every prefix and its attributes", () => {
    expect(OBJECT_PREFIXES).toHaveLength(22);
    for (const p of OBJECT_PREFIXES) {
      for (const c of PREFIXES[p].storableClasses) {
        for (const a of PREFIXES[p].ident) expect(classAttributes(c)).toContain(a);
      }
    }
    expect(classAttributes("OpsiDepotserver")).toContain("workbenchRemoteUrl");
    expect(classAttributes("LocalbootProduct")).not.toContain("pxeConfigTemplate");
  });
});

describe("fast decode path", () => {
  const POOL: unknown[] = [
    null,
    undefined,
    "",
    "x",
    "PC1.Dom.TLD",
    "pc1.dom.tld",
    "08-00-27-AA-BB-CC",
    "10.0.0.1",
    "::ffff:10.0.0.5",
    "10.0.0.0/8",
    "2024-01-02 03:04:05",
    "20240102",
    "setup",
    "undefined",
    "installed",
    "LocalbootProduct",
    "netboot",
    "HostGroup",
    "de_de",
    "x64",
    "1.0",
    "abcdef0123456789abcdef0123456789",
    "webdavs://d.dom.tld:4447/depot",
    "6f9619ff-8b86-d011-b42d-00c04fc964ff",
    "before",
    "true",
    0,
    1,
    -5,
    250,
    true,
    false,
    ["a", "b", "a"],
    [true],
    [1, "1"],
    { nested: 1 },
  ];
  const classes = Object.keys(CLASS_SCHEMAS).filter((c) => c !== "AuditHardware" && c !== "AuditHardwareOnHost") as ClassName[];

  it("agrees with the zod schemas on valid and invalid input for every class", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...classes),
        fc.array(fc.nat({ max: POOL.length - 1 }), { minLength: 25, maxLength: 25 }),
        (cls, picks) => {
          const prefix = prefixOfClass(cls);
          const dict: Record<string, unknown> = { type: cls };
          classAttributes(cls).forEach((attr, i) => {
            dict[attr] = POOL[picks[i % picks.length] ?? 0];
          });
          const run = (fn: () => unknown) => {
            try {
              return { ok: fn() };
            } catch (err: unknown) {
              return { err: (err as Error).message };
            }
          };
          expect(run(() => decodeObject(prefix, dict))).toEqual(run(() => decodeObjectWithZod(prefix, dict)));
        },
      ),
      { numRuns: 3000, seed: 42 },
    );
  });
});
