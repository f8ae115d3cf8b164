import { describe, expect, it } from "vitest";
import { IpNetworkList, isLoopbackAddress, normalizeIpAddress, parseIpNetwork } from "./ip-network.js";

describe("normalizeIpAddress", () => {
  it.each([
    ["10.1.2.3", "10.1.2.3"],
    ["::ffff:10.1.2.3", "10.1.2.3"],
    ["::FFFF:127.0.0.1", "127.0.0.1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:0:0:0:2:1", "2001:db8::2:1"],
    ["fe80::1%eth0", "fe80::1"],
    ["[::1]", "::1"],
    ["::", "::"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeIpAddress(input)).toBe(expected);
  });

  it.each(["", "1.2.3", "256.1.1.1", "host.example", "1::2::3", "10.0.0.1/8", ":::"])("rejects %j", (input) => {
    expect(normalizeIpAddress(input)).toBeUndefined();
  });

  it("detects loopback", () => {
    expect(isLoopbackAddress("127.0.0.1")).toBe(true);
    expect(isLoopbackAddress("127.8.0.1")).toBe(true);
    expect(isLoopbackAddress("::1")).toBe(true);
    expect(isLoopbackAddress("::ffff:127.0.0.1")).toBe(true);
    expect(isLoopbackAddress("10.0.0.1")).toBe(false);
    expect(isLoopbackAddress("::2")).toBe(false);
  });
});

describe("IpNetworkList", () => {
  it("parses CIDRs and clears host bits", () => {
    expect(parseIpNetwork("10.1.2.3/8").cidr).toBe("10.0.0.0/8");
    expect(parseIpNetwork("192.168.1.7").cidr).toBe("192.168.1.7/32");
    expect(parseIpNetwork("2001:db8::1/32").cidr).toBe("2001:db8::/32");
    expect(parseIpNetwork("::1").cidr).toBe("::1/128");
    expect(parseIpNetwork("0.0.0.0/0").cidr).toBe("0.0.0.0/0");
  });

  it.each(["10.0.0.0/33", "10.0.0.0/", "x/8", "10.0.0.0/8/1", "::/129", "10.0.0.0/-1"])("rejects %j", (bad) => {
    expect(() => parseIpNetwork(bad)).toThrow(/Invalid network/);
  });

  it("matches v4, v6 and v4-mapped addresses", () => {
    const list = new IpNetworkList(["10.0.0.0/8", "192.168.1.0/25", "2001:db8::/32", "::1"]);
    expect(list.contains("10.255.1.1")).toBe(true);
    expect(list.contains("::ffff:10.1.1.1")).toBe(true);
    expect(list.contains("11.0.0.1")).toBe(false);
    expect(list.contains("192.168.1.127")).toBe(true);
    expect(list.contains("192.168.1.128")).toBe(false);
    expect(list.contains("2001:db8:ffff::1")).toBe(true);
    expect(list.contains("2001:db9::1")).toBe(false);
    expect(list.contains("::1")).toBe(true);
    expect(list.contains("not-an-ip")).toBe(false);
  });

  it("de-duplicates and keeps order", () => {
    const list = new IpNetworkList(["10.0.0.1/8", "10.0.0.0/8", "::1/128", "0:0:0:0:0:0:0:1"]);
    expect(list.toStrings()).toEqual(["10.0.0.0/8", "::1/128"]);
    expect(list.size).toBe(2);
  });

  it("an empty list contains nothing", () => {
    expect(new IpNetworkList([]).contains("127.0.0.1")).toBe(false);
  });
});
