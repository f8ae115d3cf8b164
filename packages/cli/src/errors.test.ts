import { BackendMissingDataError, OpsiConnectionError, RemoteRpcError } from "@opsi-ts/core";
import { describe, expect, it } from "vitest";
import { errorClass, errorHint, formatError, UsageError } from "./errors.js";

describe("formatError", () => {
  it("shows the opsi class and the message without the short description", () => {
    expect(formatError(new BackendMissingDataError("User 'x' not found"))).toBe("Error: BackendMissingDataError: User 'x' not found");
    expect(formatError(new BackendMissingDataError())).toBe("Error: BackendMissingDataError: Backend missing data error");
  });

  it("shows the server's class and message for RPC errors", () => {
    const e = new RemoteRpcError({ class: "ValueError", message: "Invalid method 'x'", details: null });
    expect(errorClass(e)).toBe("ValueError");
    expect(formatError(e)).toBe("Error: ValueError: Invalid method 'x'");
  });

  it("uses the name of other errors and stringifies non-errors", () => {
    expect(formatError(new UsageError("bad"))).toBe("Error: UsageError: bad");
    expect(formatError(new TypeError("t"))).toBe("Error: TypeError: t");
    expect(formatError("boom")).toBe("Error: Error: boom");
  });
});

describe("errorHint", () => {
  it("suggests --ca/--insecure for certificate errors anywhere in the cause chain", () => {
    const tls = Object.assign(new Error("self-signed certificate in certificate chain"), { code: "SELF_SIGNED_CERT_IN_CHAIN" });
    expect(errorHint(new OpsiConnectionError("HEAD failed", { cause: tls }))).toMatch(/--ca <file>.*--insecure/);
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(errorHint(new OpsiConnectionError("HEAD failed", { cause: refused }))).toBeNull();
    expect(errorHint("x")).toBeNull();
  });
});
