import { describe, expect, it } from "vitest";
import { HttpError } from "../http/errors.js";
import { parseBasicAuth } from "./basic.js";
import { isHostLoginName } from "./host-login.js";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

describe("parseBasicAuth", () => {
  it("splits at the first colon", () => {
    expect(parseBasicAuth(`Basic ${b64("user:pa:ss")}`)).toEqual({ username: "user", password: "pa:ss" });
    expect(parseBasicAuth(`basic ${b64("pc1.dom.tld:key")}`)).toEqual({ username: "pc1.dom.tld", password: "key" });
    expect(parseBasicAuth(`Basic ${b64("user:")}`)).toEqual({ username: "user", password: "" });
    expect(parseBasicAuth(`Basic ${b64("üser:pässword")}`)).toEqual({ username: "üser", password: "pässword" });
  });

  it("splits at the last colon when the string has exactly six colons (MAC user name)", () => {
    expect(parseBasicAuth(`Basic ${b64("aa:bb:cc:dd:ee:ff:secret")}`)).toEqual({ username: "aa:bb:cc:dd:ee:ff", password: "secret" });
    expect(parseBasicAuth(`Basic ${b64("a:b:c:d:e:f:g:h")}`)).toEqual({ username: "a", password: "b:c:d:e:f:g:h" });
  });

  it.each([
    [undefined, "Authorization header missing"],
    ["", "Authorization header missing"],
    ["Bearer abc", "Authorization method unsupported"],
    ["Digest x=y", "Authorization method unsupported"],
    ["Basic", "Authorization method unsupported"],
    ["Basic !!!", "Invalid Authorization header"],
    [`Basic ${b64("nocolon")}`, "Invalid Authorization header"],
    [`Basic ${Buffer.from([0x75, 0x3a, 0xff, 0xfe]).toString("base64")}`, "Invalid Authorization header"],
    ["Basic a", "Invalid Authorization header"],
  ])("rejects %j with 401 %s", (header, message) => {
    const err = (() => {
      try {
        parseBasicAuth(header);
      } catch (e: unknown) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(401);
    expect((err as HttpError).message).toBe(message);
  });
});

describe("isHostLoginName", () => {
  it.each([
    ["", true],
    ["pc1.dom.tld", true],
    ["pc1.dom", false],
    ["a.b.", true],
    ["aa:bb:cc:dd:ee:ff", true],
    ["{hardware_address}aa-bb-cc-dd-ee-ff", true],
    ["{system_uuid}4c4c4544-0000-1010-8000-b9c04f4d4e31", true],
    ["adminuser", false],
    ["first.last", false],
  ])("%j → %s", (name, expected) => {
    expect(isHostLoginName(name)).toBe(expected);
  });
});
