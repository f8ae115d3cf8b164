/**
 * @module sql-errors.test
 * Driver errors become the opsi error classes clients branch on.
 */
import {
  BackendBadValueError,
  BackendIOError,
  BackendReferentialIntegrityError,
  BackendTemporaryError,
  BackendUnableToConnectError,
} from "@opsi-ts/core";
import { describe, expect, it } from "vitest";
import type { SqlDialect, SqlErrorKind } from "./dialect.js";
import { toBackendError } from "./sql-errors.js";

function dialectClassifying(kind: SqlErrorKind): SqlDialect {
  return {
    name: "mysql",
    quoteIdentifier: (n) => `\`${n}\``,
    upsertSql: () => "",
    likeEscape: "",
    createTableSql: () => [],
    classifyError: () => kind,
    lockingReadSuffix: " FOR UPDATE",
  };
}

describe("toBackendError", () => {
  it("maps each error kind to its opsi error with the context and the driver message", () => {
    const cases: [SqlErrorKind, new (...args: never[]) => Error][] = [
      ["foreign-key", BackendReferentialIntegrityError],
      ["duplicate-key", BackendBadValueError],
      ["deadlock", BackendTemporaryError],
      ["lock-timeout", BackendTemporaryError],
      ["connection-lost", BackendUnableToConnectError],
      ["other", BackendIOError],
    ];
    for (const [kind, cls] of cases) {
      const err = toBackendError(new Error("driver says no"), dialectClassifying(kind), "Cannot store Host objects");
      expect(err).toBeInstanceOf(cls);
      expect(err.message).toContain("Cannot store Host objects");
      expect(err.message).toContain("driver says no");
    }
  });

  it("passes opsi errors through unchanged", () => {
    const original = new BackendBadValueError("bad");
    expect(toBackendError(original, dialectClassifying("other"), "x")).toBe(original);
  });
});
