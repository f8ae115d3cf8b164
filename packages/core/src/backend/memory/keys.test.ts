import { describe, expect, it } from "vitest";
import { compositeKey, keyPart, rowKey, sameKeyValue } from "./keys.js";

describe("keys", () => {
  it("normalise strings like MySQL's utf8_general_ci comparison, keep null distinct from ''", () => {
    expect(keyPart("Firefox  ")).toBe("firefox");
    expect(keyPart(null)).not.toBe(keyPart(""));
    expect(keyPart(undefined)).toBe(keyPart(null));
    expect(keyPart(42)).toBe("42");
    expect(sameKeyValue("PC1.dom.tld", "pc1.DOM.tld ")).toBe(true);
    expect(sameKeyValue(null, "")).toBe(false);
  });

  it("build composite keys that cannot collide through separators in values", () => {
    expect(compositeKey(["a;b", "c"])).not.toBe(compositeKey(["a", "b;c"]));
    expect(compositeKey(["A", null])).toBe(compositeKey(["a", undefined]));
    expect(compositeKey(["x"])).toBe(keyPart("x"));
    expect(rowKey({ productId: "FireFox", clientId: "PC1.dom.tld" }, ["productId", "clientId"])).toBe(
      compositeKey(["firefox", "pc1.dom.tld"]),
    );
  });
});
