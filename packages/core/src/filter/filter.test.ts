import { describe, expect, it } from "vitest";
import { BackendBadValueError } from "../errors.js";
import { parseFilter } from "./filter.js";
import { exactValues, likeToRegExp, matchesFilter } from "./match.js";

const host = (extra: Record<string, unknown>) => ({ type: "OpsiClient", id: "pc1.dom.tld", description: "Lab PC", ...extra });

describe("parseFilter", () => {
  it("ANDs keys and ORs list values; null and [] are ignored", () => {
    const f = parseFilter("host", { id: ["a.b.cd", "pc1.dom.tld"], description: null, notes: [] });
    expect(f.conditions).toHaveLength(1);
    expect(matchesFilter(f, host({}))).toBe(true);
    expect(matchesFilter(parseFilter("host", { id: "pc1.dom.tld", description: "other" }), host({}))).toBe(false);
  });

  it("rejects unknown keys even with a null value, ignores type on relationships", () => {
    expect(() => parseFilter("host", { nope: null })).toThrow(BackendBadValueError);
    expect(() => parseFilter("host", { nope: 1 })).toThrow(/possible attributes are/);
    expect(() => parseFilter("config", { possibleValues: ["a"] })).toThrow(BackendBadValueError);
    expect(() => parseFilter("productOnClient", { actionSequence: 1 })).toThrow(BackendBadValueError);
    expect(parseFilter("productOnClient", { type: "Whatever" }).conditions).toHaveLength(0);
    expect(() => parseFilter("host", "id=1" as never)).toThrow(BackendBadValueError);
    expect(() => parseFilter("host", { id: { $ne: 1 } })).toThrow(BackendBadValueError);
  });

  it("expands OpsiDepotserver to OpsiConfigserver", () => {
    const f = parseFilter("host", { type: "OpsiDepotserver" });
    expect(matchesFilter(f, { type: "OpsiConfigserver" })).toBe(true);
    expect(matchesFilter(f, { type: "OpsiClient" })).toBe(false);
    expect(matchesFilter(parseFilter("host", { type: "Host" }), { type: "OpsiClient" })).toBe(false);
    expect(matchesFilter(parseFilter("host", { type: "OpsiConfigserver" }), { type: "OpsiDepotserver" })).toBe(false);
  });

  it("null inside a list means IS NULL", () => {
    const f = parseFilter("host", { description: [null, "x"] });
    expect(matchesFilter(f, host({ description: null }))).toBe(true);
    expect(matchesFilter(f, host({ description: "x" }))).toBe(true);
    expect(matchesFilter(f, host({ description: "y" }))).toBe(false);
  });

  it("wildcards: * is %, _ is literal, % stays a wildcard, case-insensitive", () => {
    expect(matchesFilter(parseFilter("host", { id: "PC*" }), host({}))).toBe(true);
    expect(matchesFilter(parseFilter("host", { id: "pc_.dom*" }), host({}))).toBe(false);
    expect(matchesFilter(parseFilter("host", { id: "pc_.dom*" }), host({ id: "pc_.dom.tld" }))).toBe(true);
    expect(matchesFilter(parseFilter("host", { description: "lab%*" }), host({}))).toBe(true);
    expect(likeToRegExp("a\\_b%").test("a_bxyz")).toBe(true);
    expect(likeToRegExp("a\\_b%").test("axbxyz")).toBe(false);
  });

  it("compares with leading < and >; >= compares against '=...'", () => {
    const seen = { type: "OpsiClient", id: "a.b.cd", lastSeen: "2024-05-01 08:00:00" };
    expect(matchesFilter(parseFilter("host", { lastSeen: ">2024-01-01 00:00:00" }), seen)).toBe(true);
    expect(matchesFilter(parseFilter("host", { lastSeen: "<2024-01-01 00:00:00" }), seen)).toBe(false);
    const prio = { type: "LocalbootProduct", id: "p", priority: 5 };
    expect(matchesFilter(parseFilter("product", { priority: ">4" }), prio)).toBe(true);
    expect(matchesFilter(parseFilter("product", { priority: "<10" }), prio)).toBe(true);
    // ">=5" is "> '=5'": numerically '=5' is 0, so 5 > 0 matches, and so does 1.
    expect(matchesFilter(parseFilter("product", { priority: ">=5" }), { ...prio, priority: 1 })).toBe(true);
    expect(matchesFilter(parseFilter("product", { priority: ">=5" }), { ...prio, priority: -1 })).toBe(false);
  });

  it("compares booleans as 0/1 and strings case-insensitively", () => {
    const depot = { type: "OpsiDepotserver", id: "d.b.cd", isMasterDepot: true };
    expect(matchesFilter(parseFilter("host", { isMasterDepot: true }), depot)).toBe(true);
    expect(matchesFilter(parseFilter("host", { isMasterDepot: false }), depot)).toBe(false);
    expect(matchesFilter(parseFilter("host", { isMasterDepot: "1" }), depot)).toBe(true);
    expect(matchesFilter(parseFilter("host", { id: "D.B.CD" }), depot)).toBe(true);
  });

  it("uses a plain IN for more than 10 values (no wildcards, null matches nothing)", () => {
    const ids = Array.from({ length: 11 }, (_, i) => `h${i}.dom.tld`);
    const f = parseFilter("host", { id: [...ids, "pc*", null] });
    expect(f.conditions[0]?.inValues).toHaveLength(12);
    expect(matchesFilter(f, host({}))).toBe(false);
    expect(matchesFilter(f, host({ id: "h3.dom.tld" }))).toBe(true);
    expect(matchesFilter(f, host({ id: "pc*" }))).toBe(true);
    expect(exactValues(f.conditions[0] ?? { attribute: "id", terms: [] })).toHaveLength(12);
    expect(exactValues(parseFilter("host", { id: "a*" }).conditions[0] ?? { attribute: "id", terms: [] })).toBeUndefined();
  });

  it("compares list values as their stored JSON text", () => {
    const state = { type: "ConfigState", configId: "c", objectId: "o", values: ["a", "b"] };
    expect(matchesFilter(parseFilter("configState", { values: '["a", "b"]' }), state)).toBe(true);
    expect(matchesFilter(parseFilter("configState", { values: '*"b"*' }), state)).toBe(true);
  });
});
