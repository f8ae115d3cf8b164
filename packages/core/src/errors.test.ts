import { describe, expect, it } from "vitest";
import { BackendBadValueError, BackendMissingDataError, OpsiProductOrderingError, reviveOpsiError } from "./errors.js";

describe("reviveOpsiError", () => {
  it("rebuilds the local class from a wire class name and message, without doubling the prefix", () => {
    const original = new BackendMissingDataError("Host 'x.dom.tld' not found");
    const revived = reviveOpsiError("BackendMissingDataError", original.message);
    expect(revived).toBeInstanceOf(BackendMissingDataError);
    expect(revived?.message).toBe(original.message);
    expect(revived?.detail).toBe("Host 'x.dom.tld' not found");
  });

  it("keeps messages without the prefix and bare short descriptions", () => {
    expect(reviveOpsiError("BackendBadValueError", "odd text")?.message).toBe("Backend bad value error: odd text");
    expect(reviveOpsiError("BackendBadValueError", "Backend bad value error")).toBeInstanceOf(BackendBadValueError);
    expect(reviveOpsiError("OpsiProductOrderingError", "x")).toBeInstanceOf(OpsiProductOrderingError);
  });

  it("returns undefined for classes that are not opsi errors", () => {
    expect(reviveOpsiError("ValueError", "bad")).toBeUndefined();
    expect(reviveOpsiError("Exception", "Internal server error")).toBeUndefined();
    expect(reviveOpsiError("toString", "x")).toBeUndefined();
  });
});
