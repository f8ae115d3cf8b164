import { describe, expect, it } from "vitest";
import { requiredAccessRole } from "./access-role.js";
import { Router } from "./router.js";

const h1 = () => undefined;
const h2 = () => undefined;
const h3 = () => undefined;

describe("Router", () => {
  it("matches exact routes by method and falls back from HEAD to GET", () => {
    const r = new Router().get("/a", h1).post("/a", h2);
    expect(r.match("GET", "/a")).toMatchObject({ kind: "found", handler: h1 });
    expect(r.match("post", "/a")).toMatchObject({ kind: "found", handler: h2 });
    expect(r.match("HEAD", "/a")).toMatchObject({ kind: "found", handler: h1 });
    expect(r.match("GET", "/b")).toEqual({ kind: "not-found" });
    expect(r.match("DELETE", "/a")).toEqual({ kind: "method-not-allowed", allow: ["GET", "HEAD", "POST"] });
  });

  it("prefers exact routes, then the longest prefix", () => {
    const r = new Router().prefix("*", "/rpc", h1).prefix(["GET"], "/rpc/deep", h2).get("/rpc/exact", h3);
    expect(r.match("POST", "/rpc")).toMatchObject({ handler: h1, route: "/rpc" });
    expect(r.match("POST", "/rpc/x/y")).toMatchObject({ handler: h1 });
    expect(r.match("GET", "/rpc/deep/z")).toMatchObject({ handler: h2 });
    expect(r.match("GET", "/rpc/exact")).toMatchObject({ handler: h3 });
    expect(r.match("GET", "/rpcfoo")).toEqual({ kind: "not-found" });
  });

  it("handles prefixes registered with a trailing slash", () => {
    const r = new Router().prefix(["GET"], "/dav/", h1);
    expect(r.match("GET", "/dav/")).toMatchObject({ handler: h1 });
    expect(r.match("GET", "/dav/x")).toMatchObject({ handler: h1 });
    expect(r.match("GET", "/dav")).toMatchObject({ handler: h1 });
    expect(r.match("GET", "/davx")).toEqual({ kind: "not-found" });
  });
});

describe("requiredAccessRole", () => {
  it.each([
    ["/", "GET", "public"],
    ["/auth/login", "POST", "public"],
    ["/auth/logout", "GET", "public"],
    ["/auth/session_id", "GET", "public"],
    ["/auth/wait_authenticated", "POST", "public"],
    ["/auth/authenticated", "GET", "authenticated"],
    ["/ssl/opsi-ca-cert.pem", "GET", "public"],
    ["/ssl/ca-certs.pem", "GET", "public"],
    ["/status", "GET", "public"],
    ["/public/x", "GET", "public"],
    ["/dav/public/x", "GET", "public"],
    ["/rpc", "POST", "authenticated"],
    ["/rpc/foo", "GET", "authenticated"],
    ["/messagebus/v1", "GET", "authenticated"],
    ["/file-transfer", "POST", "authenticated"],
    ["/depot/x", "GET", "authenticated"],
    ["/depot/x", "PROPFIND", "authenticated"],
    ["/depot/x", "PUT", "admin"],
    ["/boot/x", "HEAD", "authenticated"],
    ["/admin", "GET", "admin"],
    ["/metrics", "GET", "admin"],
    ["/repository/", "GET", "admin"],
    ["/dav/x", "GET", "admin"],
  ] as const)("%s %s → %s", (path, method, role) => {
    expect(requiredAccessRole(path, method)).toBe(role);
  });

  it("honours disabled features and extra paths", () => {
    expect(requiredAccessRole("/status", "GET", { statusPage: false })).toBe("admin");
    expect(requiredAccessRole("/public/x", "GET", { publicFolder: false })).toBe("admin");
    expect(requiredAccessRole("/addons/x", "GET", { publicPaths: ["/addons/x"] })).toBe("public");
    expect(requiredAccessRole("/kiosk", "GET", { authenticatedPaths: ["/kiosk"] })).toBe("authenticated");
  });
});
