import { describe, expect, it } from "vitest";
import { BackendBadValueError } from "../errors.js";
import {
  forceActionRequest,
  forceActionResult,
  forceArchitecture,
  forceAuditState,
  forceBool,
  forceConfigId,
  forceGroupType,
  forceHardwareAddress,
  forceHardwareVendorId,
  forceHostId,
  forceInstallationStatus,
  forceInt,
  forceIPAddress,
  forceLanguageCode,
  forceLicensePoolId,
  forceNetworkAddress,
  forceObjectId,
  forceOpsiHostKey,
  forceOpsiTimestamp,
  forcePackageVersion,
  forceProductId,
  forceProductPriority,
  forceProductType,
  forceProductVersion,
  forceRequirementType,
  forceString,
  forceUnsignedInt,
  forceUrl,
  forceUserId,
  forceUUIDString,
  generateOpsiHostKey,
  ZERO_TIMESTAMP,
} from "./forcers.js";

const rejects = (fn: () => unknown) => expect(fn).toThrow(BackendBadValueError);

describe("forceHostId", () => {
  it("lowercases, strips and removes a trailing dot", () => {
    expect(forceHostId(" PC1.Domain.TLD. ")).toBe("pc1.domain.tld");
    expect(forceHostId("client-01.sub.example.org")).toBe("client-01.sub.example.org");
  });
  it("requires at least host.domain.tld", () => {
    rejects(() => forceHostId("pc1.local"));
    rejects(() => forceHostId("pc1"));
    rejects(() => forceHostId("pc 1.dom.tld"));
    rejects(() => forceHostId("-pc.dom.tld"));
    rejects(() => forceHostId("pc.dom.t"));
    rejects(() => forceHostId(""));
    rejects(() => forceHostId({}));
  });
});

describe("forceHardwareAddress", () => {
  it("normalises separators and case", () => {
    expect(forceHardwareAddress("08-00-27-AA-BB-CC")).toBe("08:00:27:aa:bb:cc");
    expect(forceHardwareAddress("080027aabbcc")).toBe("08:00:27:aa:bb:cc");
    expect(forceHardwareAddress("08:00:27:aa:bb:cc")).toBe("08:00:27:aa:bb:cc");
    expect(forceHardwareAddress("")).toBe("");
  });
  it("rejects garbage", () => {
    rejects(() => forceHardwareAddress("08:00:27:aa:bb"));
    rejects(() => forceHardwareAddress("zz:00:27:aa:bb:cc"));
  });
});

describe("forceIPAddress", () => {
  it("compresses IPv6 and unmaps v4-mapped addresses", () => {
    expect(forceIPAddress("10.0.0.5")).toBe("10.0.0.5");
    expect(forceIPAddress("2001:0DB8:0000:0000:0000:0000:0000:0001")).toBe("2001:db8::1");
    expect(forceIPAddress("::ffff:192.168.1.2")).toBe("192.168.1.2");
    expect(forceIPAddress("::ffff:c0a8:102")).toBe("192.168.1.2");
    expect(forceIPAddress("fe80:0:0:0:1:0:0:1")).toBe("fe80::1:0:0:1");
    expect(forceIPAddress("1:0:2:0:3:0:4:0")).toBe("1:0:2:0:3:0:4:0");
    expect(forceIPAddress("0:0:0:0:0:0:0:0")).toBe("::");
    expect(forceIPAddress("fe80::1%eth0")).toBe("fe80::1%eth0");
  });
  it("rejects invalid addresses like Python's ipaddress", () => {
    rejects(() => forceIPAddress("10.0.0.256"));
    rejects(() => forceIPAddress("010.0.0.1"));
    rejects(() => forceIPAddress("1::2::3"));
    rejects(() => forceIPAddress("host.dom.tld"));
    rejects(() => forceIPAddress(12));
  });
});

describe("forceNetworkAddress", () => {
  it("accepts prefix and netmask notation", () => {
    expect(forceNetworkAddress("192.168.0.0/16")).toBe("192.168.0.0/16");
    expect(forceNetworkAddress("10.1.0.0/255.255.0.0")).toBe("10.1.0.0/16");
    expect(forceNetworkAddress("10.1.2.3")).toBe("10.1.2.3/32");
    expect(forceNetworkAddress("2001:DB8::/32")).toBe("2001:db8::/32");
  });
  it("rejects host bits (strict)", () => {
    rejects(() => forceNetworkAddress("192.168.1.1/16"));
    rejects(() => forceNetworkAddress("2001:db8::1/32"));
  });
});

describe("forceOpsiTimestamp", () => {
  it("normalises separators, fractions and dates", () => {
    expect(forceOpsiTimestamp("2024-01-02 10:11:12")).toBe("2024-01-02 10:11:12");
    expect(forceOpsiTimestamp("20240102101112")).toBe("2024-01-02 10:11:12");
    expect(forceOpsiTimestamp("2024-01-02 10:11:12.123456")).toBe("2024-01-02 10:11:12");
    expect(forceOpsiTimestamp("2024-01-02")).toBe("2024-01-02 00:00:00");
    expect(forceOpsiTimestamp(null)).toBe(ZERO_TIMESTAMP);
    expect(forceOpsiTimestamp("")).toBe(ZERO_TIMESTAMP);
  });
  it("formats Dates in local time and rejects garbage", () => {
    expect(forceOpsiTimestamp(new Date(2024, 4, 6, 7, 8, 9))).toBe("2024-05-06 07:08:09");
    rejects(() => forceOpsiTimestamp("yesterday"));
    rejects(() => forceOpsiTimestamp("2024-1-2"));
  });
});

describe("ids and versions", () => {
  it("object, product and config ids", () => {
    expect(forceObjectId(" My Group ")).toBe("my group");
    expect(forceProductId("Firefox_ESR.x64")).toBe("firefox_esr.x64");
    rejects(() => forceProductId("fire fox"));
    rejects(() => forceProductId("a".repeat(129)));
    expect(forceConfigId("Clientconfig.Depot.ID")).toBe("clientconfig.depot.id");
    rejects(() => forceConfigId("with space"));
    expect(forceLicensePoolId("Pool:1")).toBe("pool:1");
    expect(forceUserId("Admin@Example")).toBe("admin@example");
    rejects(() => forceUserId("bad user"));
  });
  it("versions keep case and reject - ~ _", () => {
    expect(forceProductVersion("1.2.3RC1")).toBe("1.2.3RC1");
    rejects(() => forceProductVersion("1.0-1"));
    rejects(() => forceProductVersion("1.0~x"));
    rejects(() => forceProductVersion("a".repeat(33)));
    expect(forcePackageVersion("42")).toBe("42");
    rejects(() => forcePackageVersion("1".repeat(17)));
  });
  it("host keys, urls and uuids", () => {
    expect(forceOpsiHostKey("ABCDEF0123456789ABCDEF0123456789")).toBe("abcdef0123456789abcdef0123456789");
    rejects(() => forceOpsiHostKey("abc"));
    expect(generateOpsiHostKey()).toMatch(/^[0-9a-f]{32}$/);
    expect(forceUrl("webdavs://depot.dom.tld:4447/depot")).toBe("webdavs://depot.dom.tld:4447/depot");
    rejects(() => forceUrl("depot/share"));
    expect(forceUUIDString("{6F9619FF-8B86-D011-B42D-00C04FC964FF}")).toBe("6f9619ff-8b86-d011-b42d-00c04fc964ff");
    expect(forceUUIDString("6f9619ff8b86d011b42d00c04fc964ff")).toBe("6f9619ff-8b86-d011-b42d-00c04fc964ff");
    rejects(() => forceUUIDString("not-a-uuid"));
  });
});

describe("vocabularies", () => {
  it("action requests", () => {
    expect(forceActionRequest("SETUP")).toBe("setup");
    expect(forceActionRequest("undefined")).toBeNull();
    expect(forceActionRequest("")).toBe("");
    rejects(() => forceActionRequest("install"));
  });
  it("statuses, results, requirement types", () => {
    expect(forceInstallationStatus("Installed")).toBe("installed");
    rejects(() => forceInstallationStatus("broken"));
    expect(forceActionResult("")).toBeNull();
    expect(forceActionResult("FAILED")).toBe("failed");
    rejects(() => forceActionResult("meh"));
    expect(forceRequirementType("")).toBeNull();
    expect(forceRequirementType("Before")).toBe("before");
    rejects(() => forceRequirementType("during"));
  });
  it("product and group types", () => {
    expect(forceProductType("localboot")).toBe("LocalbootProduct");
    expect(forceProductType("NETBOOTPRODUCT")).toBe("NetbootProduct");
    rejects(() => forceProductType("Product"));
    expect(forceGroupType("hostgroup")).toBe("HostGroup");
    rejects(() => forceGroupType("group"));
  });
  it("language codes and architectures", () => {
    expect(forceLanguageCode("de_de")).toBe("de-DE");
    expect(forceLanguageCode("zh-hans-cn")).toBe("zh-Hans-CN");
    expect(forceLanguageCode("EN")).toBe("en");
    expect(forceLanguageCode("german")).toBe("ge-Rman"); // opsi's regex accepts it too
    rejects(() => forceLanguageCode("de1"));
    rejects(() => forceLanguageCode("deutschland"));
    expect(forceArchitecture("X64")).toBe("x64");
    rejects(() => forceArchitecture("arm64"));
  });
  it("hardware ids and audit state", () => {
    expect(forceHardwareVendorId("8086")).toBe("8086");
    expect(forceHardwareVendorId("1af4")).toBe("1AF4");
    rejects(() => forceHardwareVendorId("808"));
    expect(forceAuditState("1")).toBe(1);
    rejects(() => forceAuditState(2));
  });
});

describe("scalars", () => {
  it("bool follows opsi's words and Python truthiness", () => {
    expect(forceBool("yes")).toBe(true);
    expect(forceBool("OFF")).toBe(false);
    expect(forceBool("0")).toBe(false);
    expect(forceBool("anything")).toBe(true);
    expect(forceBool(0)).toBe(false);
    expect(forceBool([])).toBe(false);
  });
  it("int truncates floats and parses integral strings", () => {
    expect(forceInt("42")).toBe(42);
    expect(forceInt(7.9)).toBe(7);
    expect(forceInt(true)).toBe(1);
    rejects(() => forceInt("4.2"));
    rejects(() => forceInt("x"));
    expect(forceUnsignedInt(-5)).toBe(5);
  });
  it("priority is clamped to ±100", () => {
    expect(forceProductPriority(150)).toBe(100);
    expect(forceProductPriority("-101")).toBe(-100);
    expect(forceProductPriority(-7)).toBe(-7);
  });
  it("strings accept scalars the way Python prints them, not objects", () => {
    expect(forceString(5)).toBe("5");
    expect(forceString(true)).toBe("True");
    rejects(() => forceString({ a: 1 }));
    rejects(() => forceString(["a"]));
  });
});
