import { createSocket } from "node:dgram";
import { describe, expect, it } from "vitest";
import { broadcastTargets, DEFAULT_BROADCAST_ADDRESSES, magicPacket, sendBroadcast, wakeOnLan } from "./wake-on-lan.js";

describe("magicPacket", () => {
  it("is 6 × FF and 16 × the MAC, from any notation", () => {
    const packet = magicPacket("00-11-22-AA-bb-cc");
    expect(packet.length).toBe(102);
    expect(packet.subarray(0, 6).toString("hex")).toBe("ffffffffffff");
    for (let i = 0; i < 16; i++) expect(packet.subarray(6 + i * 6, 12 + i * 6).toString("hex")).toBe("001122aabbcc");
    expect(magicPacket("001122aabbcc").equals(packet)).toBe(true);
  });

  it("names a bad address", () => {
    expect(() => magicPacket("00:11:22")).toThrow("Invalid hardware address '00:11:22'");
    expect(() => magicPacket("")).toThrow("Invalid hardware address");
  });
});

describe("broadcastTargets", () => {
  const addresses = {
    "0.0.0.0/0": { "255.255.255.255": [9] },
    "10.1.0.0/16": { "10.1.255.255": [7, 9] },
    "10.1.2.0/24": { "10.1.2.255": [12287] },
    bogus: { "1.2.3.4": [9] },
  };
  it("takes the longest matching prefix", () => {
    expect(broadcastTargets("10.1.2.3", addresses)).toEqual([{ address: "10.1.2.255", ports: [12287] }]);
    expect(broadcastTargets("10.1.9.9", addresses)).toEqual([{ address: "10.1.255.255", ports: [7, 9] }]);
    expect(broadcastTargets("192.168.0.1", addresses)).toEqual([{ address: "255.255.255.255", ports: [9] }]);
  });
  it("uses every network when the address is unknown, and opsi's default", () => {
    expect(broadcastTargets(null, addresses).map((t) => t.address)).toEqual(["255.255.255.255", "10.1.255.255", "10.1.2.255"]);
    expect(broadcastTargets("10.0.0.1")).toEqual([{ address: "255.255.255.255", ports: [7, 9, 12287] }]);
    expect(DEFAULT_BROADCAST_ADDRESSES).toEqual({ "0.0.0.0/0": { "255.255.255.255": [7, 9, 12287] } });
  });
});

describe("sending", () => {
  it("delivers the magic packet over real UDP (loopback as the broadcast address)", async () => {
    const listener = createSocket("udp4");
    const received: Buffer[] = [];
    const port = await new Promise<number>((resolve) => listener.bind(0, "127.0.0.1", () => resolve(listener.address().port)));
    listener.on("message", (m) => received.push(m));
    try {
      const targets = await wakeOnLan(
        { hardwareAddress: "aa:bb:cc:dd:ee:ff", ipAddress: "127.0.0.5" },
        { "127.0.0.0/8": { "127.0.0.1": [port] } },
      );
      expect(targets).toEqual([{ address: "127.0.0.1", ports: [port] }]);
      for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(received[0]?.equals(magicPacket("aa:bb:cc:dd:ee:ff"))).toBe(true);
      await expect(sendBroadcast([{ address: "127.0.0.1", ports: [0] }], Buffer.from("x"))).rejects.toThrow("Invalid port 0");
    } finally {
      listener.close();
    }
  });
});
