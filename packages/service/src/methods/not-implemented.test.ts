/** @module methods/not-implemented.test Messages of the methods opsi-ts does not implement. */
import { describe, expect, it } from "vitest";
import { notImplementedMethods } from "./handlers.js";
import { notImplementedMessage } from "./not-implemented.js";

describe("notImplementedMessage", () => {
  it("names the method and the missing capability for every not-implemented method", () => {
    for (const method of notImplementedMethods()) {
      const message = notImplementedMessage(method);
      expect(message.startsWith(method), method).toBe(true);
      expect(message, method).toMatch(/needs .+, not available in this opsi-ts build|does not expose it/);
    }
  });

  it("no longer lists the librsync methods", () => {
    const missing = notImplementedMethods();
    for (const method of ["depot_librsyncSignature", "depot_librsyncDeltaFile", "depot_librsyncPatchFile", "librsyncSignature"]) {
      expect(missing, method).not.toContain(method);
    }
  });

  it("no longer lists host control, Wake-on-LAN included", () => {
    expect(
      notImplementedMethods().filter((m) => m.startsWith("hostControl") || m === "powerOnHost" || m === "network_sendBroadcast"),
    ).toEqual([]);
  });

  it("uses the capability of the method prefix", () => {
    expect(notImplementedMessage("dhcpd_updateHost")).toBe(
      "dhcpd_updateHost needs DHCP server integration, not available in this opsi-ts build",
    );
  });
});
