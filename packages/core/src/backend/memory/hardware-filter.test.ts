import { describe, expect, it } from "vitest";
import { BackendBadValueError } from "../../errors.js";
import { defaultHardwareAuditConfig } from "../../model/hwaudit-default.js";
import { hardwareSelections } from "./hardware-filter.js";

const config = defaultHardwareAuditConfig();
const classes = (s: ReturnType<typeof hardwareSelections>) => s.map((x) => x.hardwareClass);

describe("hardwareSelections", () => {
  it("selects every configured class without a filter, in config order", () => {
    expect(classes(hardwareSelections("auditHardware", config, null))).toEqual(config.classNames());
    expect(classes(hardwareSelections("auditHardware", config, { hardwareClass: [] }))).toEqual(config.classNames());
  });

  it("matches hardwareClass wildcards against the configured names, literally otherwise", () => {
    expect(classes(hardwareSelections("auditHardware", config, { hardwareClass: "*_CONTROLLER" })).sort()).toEqual(
      config
        .classNames()
        .filter((c) => c.endsWith("_CONTROLLER"))
        .sort(),
    );
    expect(classes(hardwareSelections("auditHardware", config, { hardwareClass: ["TPM", "BIOS"] }))).toEqual(["BIOS", "TPM"]);
    expect(hardwareSelections("auditHardware", config, { hardwareClass: "T.M" })).toEqual([]);
    expect(hardwareSelections("auditHardware", config, { hardwareClass: "NOPE" })).toEqual([]);
    expect(() => hardwareSelections("auditHardware", config, { hardwareClass: 5 })).toThrow(BackendBadValueError);
  });

  it("turns '' and null on a class attribute into 'empty or NULL' and adds the class condition", () => {
    const [tpm] = hardwareSelections("auditHardware", config, { hardwareClass: "TPM", vendor: "" });
    const [tpmNull] = hardwareSelections("auditHardware", config, { hardwareClass: "TPM", vendor: null });
    for (const sel of [tpm, tpmNull]) {
      expect(sel?.conditions).toEqual([
        { attribute: "hardwareClass", terms: [{ op: "eq", value: "TPM" }] },
        { attribute: "vendor", terms: [{ op: "eq", value: "" }, { op: "null" }] },
      ]);
    }
  });

  it("drops keys a class does not have and skips classes without any filtered attribute", () => {
    // macAddress is an i-scope value of NETWORK_CONTROLLER: not an AuditHardware attribute.
    expect(hardwareSelections("auditHardware", config, { macAddress: "08:00:27:00:00:01" })).toEqual([]);
    const onHost = hardwareSelections("auditHardwareOnHost", config, { macAddress: "08:00:27:00:00:01", vendor: "x" });
    expect(classes(onHost)).toContain("NETWORK_CONTROLLER");
    const nc = onHost.find((s) => s.hardwareClass === "NETWORK_CONTROLLER");
    expect(nc?.conditions.map((c) => c.attribute)).toEqual(["hardwareClass", "macAddress", "vendor"]);
    const bios = onHost.find((s) => s.hardwareClass === "BIOS");
    expect(bios?.conditions.map((c) => c.attribute)).toEqual(["hardwareClass", "vendor"]);
    expect(hardwareSelections("auditHardware", config, { noSuchAttribute: 1 })).toEqual([]);
  });

  it("filters hostId/state/firstseen/lastseen the generic way on AuditHardwareOnHost, ignores type", () => {
    const sel = hardwareSelections("auditHardwareOnHost", config, { hostId: "pc1.dom.tld", state: 1, type: "AuditHardwareOnHost" });
    expect(sel).toHaveLength(config.classNames().length);
    expect(sel[0]?.conditions.map((c) => c.attribute)).toEqual(["hardwareClass", "hostId", "state"]);
    // null means "no restriction" for these, but the key still keeps the class selected.
    const all = hardwareSelections("auditHardwareOnHost", config, { hostId: null });
    expect(all).toHaveLength(config.classNames().length);
    expect(all[0]?.conditions).toHaveLength(1);
    expect(hardwareSelections("auditHardware", config, { hostId: "pc1.dom.tld" })).toEqual([]);
  });

  it("rejects a filter that is not a dict", () => {
    expect(() => hardwareSelections("auditHardware", config, ["x"] as never)).toThrow(BackendBadValueError);
  });
});
