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

  it("uses the capability of the method prefix", () => {
    expect(notImplementedMessage("depot_librsyncSignature")).toBe(
      "depot_librsyncSignature needs librsync on depot files, not available in this opsi-ts build",
    );
    expect(notImplementedMessage("hostControlSafe_uptime")).toBe(
      "hostControlSafe_uptime needs host control (message bus / opsiclientd connections), not available in this opsi-ts build",
    );
  });
});
