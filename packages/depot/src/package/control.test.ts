/** @module package/control.test */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSharedFixture } from "@opsi-ts/core/testing";
import { describe, expect, it } from "vitest";
import {
  ControlFileError,
  type PackageControl,
  parseLegacyControl,
  parseTomlControl,
  readControlDir,
  resolveControl,
  writeLegacyControl,
  writeTomlControl,
} from "./control.js";

const legacyText = readSharedFixture("packages/control");
const tomlText = readSharedFixture("packages/control.toml");

function withoutChangelog(c: PackageControl): PackageControl {
  return { ...c, product: { ...c.product, changelog: null } };
}

describe("control fixtures", () => {
  it("parses the legacy control", () => {
    const c = parseLegacyControl(legacyText);
    expect(c.product).toMatchObject({
      type: "LocalbootProduct",
      id: "localboot_new",
      productVersion: "42.0",
      packageVersion: "1337",
      name: "localboot new",
      priority: 0,
      licenseRequired: false,
      setupScript: "setup.opsiscript",
      userLoginScript: "userlogin.opsiscript",
      productClassIds: [],
    });
    expect(c.product.changelog).toMatch(/^localboot_new \(42\.0-1337\) testing; urgency=low\n\n {2}\* Initial package\n\n -- test/);
    expect(c.packageDependencies).toEqual([
      { package: "mshotfix", condition: ">=", version: "202301-1" },
      { package: "hwaudit", condition: null, version: null },
    ]);
    expect(
      c.productDependencies.map((d) => [d.requiredProductId, d.requirementType, d.requiredAction, d.requiredInstallationStatus]),
    ).toEqual([
      ["hwaudit", "before", null, "installed"],
      ["swaudit", "after", "setup", null],
    ]);
    expect(c.productProperties).toMatchObject([
      {
        type: "UnicodeProductProperty",
        propertyId: "propname",
        possibleValues: ["a", "b"],
        defaultValues: ["a"],
        editable: true,
        multiValue: false,
      },
      { type: "BoolProductProperty", propertyId: "boolprop", possibleValues: [false, true], defaultValues: [false], editable: false },
    ]);
    expect(c.productProperties[0]?.description).toBe("this is a dummy property (the\\directory)");
  });

  it("the two fixture files describe the same product", () => {
    const legacy = parseLegacyControl(legacyText);
    const toml = parseTomlControl(tomlText);
    expect(toml.product.changelog).toBeNull();
    expect(withoutChangelog(toml)).toEqual(withoutChangelog(legacy));
  });

  it("round-trips through both writers", () => {
    const original = parseLegacyControl(legacyText);
    expect(parseLegacyControl(writeLegacyControl(original))).toEqual(original);
    expect(parseTomlControl(writeTomlControl(original))).toEqual(original);
    const viaToml = parseTomlControl(writeTomlControl(parseTomlControl(tomlText)));
    expect(viaToml).toEqual(parseTomlControl(tomlText));
  });
});

describe("format differences", () => {
  const minimalToml = (extra: string) => `[Product]\ntype = "netboot"\nid = "p1"\nversion = "1.0"\n[Package]\nversion = "2"\n${extra}`;

  it("TOML: missing requirementType is before, empty is none; legacy: missing is none", () => {
    const t = parseTomlControl(
      minimalToml(
        '[[ProductDependency]]\naction = "setup"\nrequiredProduct = "a"\nrequiredAction = "setup"\n[[ProductDependency]]\naction = "setup"\nrequiredProduct = "b"\nrequiredAction = "setup"\nrequirementType = ""\n',
      ),
    );
    expect(t.productDependencies.map((d) => d.requirementType)).toEqual(["before", null]);
    const l = parseLegacyControl("[Product]\nid: p1\n[ProductDependency]\naction: setup\nrequiredProduct: a\nrequiredAction: setup\n");
    expect(l.productDependencies[0]?.requirementType).toBeNull();
  });

  it("TOML leaves missing product fields null, legacy applies defaults", () => {
    const t = parseTomlControl(minimalToml(""));
    expect(t.product).toMatchObject({ type: "NetbootProduct", name: null, setupScript: null, priority: null, licenseRequired: null });
    const l = parseLegacyControl("[Product]\ntype: netboot\nid: p1\n");
    expect(l.product).toMatchObject({
      name: "",
      setupScript: "",
      priority: 0,
      licenseRequired: false,
      productVersion: "1.0",
      packageVersion: "1",
    });
  });

  it("TOML honours editable = false (opsi 4.3 always yields true)", () => {
    const t = parseTomlControl(minimalToml('[[ProductProperty]]\ntype = "unicode"\nname = "P"\nvalues = ["x"]\neditable = false\n'));
    expect(t.productProperties[0]).toMatchObject({ propertyId: "p", editable: false });
    const missing = parseTomlControl(minimalToml('[[ProductProperty]]\nname = "q"\nvalues = ["x"]\n'));
    expect(missing.productProperties[0]?.editable).toBe(true);
  });

  it("legacy: editable defaults to 'no values', multi-line values, none, comments and JSON", () => {
    const l = parseLegacyControl(
      [
        "; comment",
        "[Product]",
        "id: p1",
        "name: none",
        "description: line one",
        " line two",
        "productClasses: a, b, a,",
        "[ProductProperty]",
        "name: free",
        "default: x, y",
        "[ProductProperty]",
        "name: multi",
        'values: ["1", "2", "3"]',
        'default: ["1", "3", "9"]',
      ].join("\n"),
    );
    expect(l.product).toMatchObject({ name: "", description: "line one\nline two", productClassIds: ["a", "b"] });
    expect(l.productProperties[0]).toMatchObject({ editable: true, defaultValues: ["x, y"], possibleValues: ["x, y"] });
    expect(l.productProperties[1]).toMatchObject({ editable: false, defaultValues: ["1", "3"], multiValue: true });
  });

  it("round-trips a netboot product with awkward text", () => {
    const c = parseTomlControl(
      minimalToml("[Product.x]\n")
        .replace("[Product.x]\n", "")
        .replace('version = "1.0"', 'version = "1.0"\ndescription = """a "quoted" \\\\ text\nsecond line"""\npxeConfigTemplate = "tpl"'),
    );
    expect(c.product.description).toBe('a "quoted" \\ text\nsecond line');
    expect(parseTomlControl(writeTomlControl(c))).toEqual(c);
    expect(parseLegacyControl(writeLegacyControl(c))).toEqual({
      ...c,
      product: {
        ...c.product,
        name: "",
        advice: "",
        setupScript: "",
        uninstallScript: "",
        updateScript: "",
        alwaysScript: "",
        onceScript: "",
        customScript: "",
        priority: 0,
        licenseRequired: false,
        productClassIds: [],
        windowsSoftwareIds: [],
        changelog: "",
      },
    });
  });
});

describe("errors and precedence", () => {
  it("names what is wrong", () => {
    expect(() => parseTomlControl('[Product]\ntype = "localboot"\nid = "p"\nfoo = 1\n')).toThrow(/Unknown key 'foo' in \[Product\]/);
    expect(() => parseTomlControl("[Product\n")).toThrow(ControlFileError);
    expect(() => parseLegacyControl("[Product]\nid: p\n[ProductDependency]\naction: setup\nrequiredProduct: x\n")).toThrow(
      /needs requiredAction or requiredStatus/,
    );
    expect(() => parseLegacyControl("[Product]\ntype: weird\nid: p\n")).toThrow(/Bad product type 'weird'/);
    expect(() => parseLegacyControl("[Package]\ndepends: a (~ 1)\n[Product]\nid: p\n")).toThrow(/Bad package dependency 'a \(~ 1\)'/);
    expect(() => parseLegacyControl("[Product]\nid: BAD ID\n")).toThrow(/\[Product\].*'id'/);
  });

  it("control.toml wins, but not over a newer legacy control", async () => {
    const newer = legacyText.replace("version: 1337", "version: 1338");
    expect(() => resolveControl(tomlText, newer)).toThrow(/Control file is newer/);
    const older = legacyText.replace("version: 1337", "version: 1336").replace("name: localboot new", "name: old");
    expect(resolveControl(tomlText, older).product.name).toBe("localboot new");
    expect(resolveControl(null, legacyText).product.name).toBe("localboot new");
    const dir = mkdtempSync(join(tmpdir(), "ctl-"));
    await expect(readControlDir(dir)).rejects.toThrow(/No control.toml or control/);
    writeFileSync(join(dir, "control"), legacyText);
    expect((await readControlDir(dir)).product.id).toBe("localboot_new");
    writeFileSync(join(dir, "control.toml"), tomlText);
    expect((await readControlDir(dir)).product.changelog).toBeNull();
  });
});
