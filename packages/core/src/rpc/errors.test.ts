import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BackendMissingDataError, OpsiServicePermissionError } from "../errors.js";
import { INTERNAL_ERROR_MESSAGE, JsonRpcRequestError, PythonError, RpcTypeError, RpcValueError, toRpcError } from "./errors.js";

const user = { includeDetails: false };
const admin = { includeDetails: true };

describe("Python-named errors", () => {
  it("carry the Python class and an unprefixed message", () => {
    const value = new RpcValueError("Invalid method 'foo'");
    expect(value.message).toBe("Invalid method 'foo'");
    expect(value.opsiClass).toBe("ValueError");
    expect(value.name).toBe("ValueError");
    expect(value).toBeInstanceOf(PythonError);
    const type = new RpcTypeError("f() missing 1 required positional argument: 'x'");
    expect(type.opsiClass).toBe("TypeError");
    expect(String(type)).toBe("TypeError: f() missing 1 required positional argument: 'x'");
    const request = new JsonRpcRequestError("Request data empty");
    expect(request).toBeInstanceOf(RpcValueError);
    expect(request.opsiClass).toBe("ValueError");
    expect(request.status).toBe(400);
  });
});

describe("toRpcError", () => {
  it("keeps opsi classes and prefixed messages", () => {
    expect(toRpcError(new OpsiServicePermissionError("No permission for method 'host_deleteObjects'"), user)).toEqual({
      message: "Opsi service permission error: No permission for method 'host_deleteObjects'",
      class: "OpsiServicePermissionError",
      details: null,
    });
    expect(toRpcError(new BackendMissingDataError("x"), user).class).toBe("BackendMissingDataError");
  });

  it("keeps Python errors unprefixed", () => {
    expect(toRpcError(new RpcValueError("Invalid method 'foo'"), user)).toEqual({
      message: "Invalid method 'foo'",
      class: "ValueError",
      details: null,
    });
  });

  it("adds the stack only for admins", () => {
    const err = new RpcTypeError("bad");
    expect(toRpcError(err, user).details).toBeNull();
    const details = toRpcError(err, admin).details;
    expect(details).toContain("TypeError: bad");
    expect(details).toContain("errors.test.ts");
  });

  it("treats any error with a string opsiClass as known", () => {
    class Foreign extends Error {
      readonly opsiClass = "OpsiServiceUnavailableError";
    }
    expect(toRpcError(new Foreign("maintenance"), user)).toEqual({
      message: "maintenance",
      class: "OpsiServiceUnavailableError",
      details: null,
    });
  });

  it("turns zod errors into ValueError with the issues", () => {
    const result = z.object({ id: z.string() }).safeParse({ id: 1 });
    if (result.success) throw new Error("expected failure");
    const info = toRpcError(result.error, user);
    expect(info.class).toBe("ValueError");
    expect(info.message).toMatch(/^Invalid value: id: /);
    expect(info.details).toBeNull();
  });

  it("hides internals of unknown errors from non-admins", () => {
    const err = new TypeError("Cannot read properties of undefined (reading 'secret')");
    expect(toRpcError(err, user)).toEqual({ message: INTERNAL_ERROR_MESSAGE, class: "Exception", details: null });
    expect(toRpcError("boom", user)).toEqual({ message: INTERNAL_ERROR_MESSAGE, class: "Exception", details: null });
    const forAdmin = toRpcError(err, admin);
    expect(forAdmin.message).toBe("Cannot read properties of undefined (reading 'secret')");
    expect(forAdmin.class).toBe("Exception");
    expect(forAdmin.details).toContain("TypeError: Cannot read properties");
    expect(toRpcError("boom", admin)).toEqual({ message: "boom", class: "Exception", details: null });
  });
});
