/** @module webdav/paths.test: unit tests of request path decoding and resolution. */

import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DavError, encodeHref, parseRequestPath, resolvePath } from "./paths.js";

describe("parseRequestPath", () => {
  it("normalizes and decodes exactly once", () => {
    expect(parseRequestPath("/a/./b%20c/../d/")).toEqual(["a", "d"]);
    expect(parseRequestPath("/x%2541")).toEqual(["x%41"]);
    expect(parseRequestPath("/res-%e2%82%ac?query=1")).toEqual(["res-€"]);
    expect(parseRequestPath("")).toEqual([]);
  });

  it.each([
    ["/%00", 400],
    ["/a%2Fb", 400],
    ["/%zz", 400],
    ["/frag/#ment", 400],
    ["/../etc/passwd", 403],
    ["/a/../../x", 403],
    ["/%2e%2e/x", 403],
  ])("rejects %s with %i", (raw, status) => {
    try {
      parseRequestPath(raw);
      expect.unreachable();
    } catch (e: unknown) {
      expect(e).toBeInstanceOf(DavError);
      expect((e as DavError).status).toBe(status);
    }
  });
});

describe("resolvePath", () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), "webdav-paths-")));
    root = join(dir, "root");
    await mkdir(join(root, "Win10", "Files"), { recursive: true });
    await writeFile(join(root, "Win10", "Setup.EXE"), "x");
    await writeFile(join(dir, "secret"), "s");
    await symlink(join(dir, "secret"), join(root, "escape"));
    await symlink(join(root, "Win10"), join(root, "inside"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("resolves existing and missing paths", async () => {
    const r = await resolvePath(root, ["Win10", "Setup.EXE"]);
    expect(r.stat?.isFile()).toBe(true);
    const m = await resolvePath(root, ["Win10", "new.txt"]);
    expect(m).toMatchObject({ stat: null, parentExists: true, segments: ["Win10", "new.txt"] });
    const deep = await resolvePath(root, ["nope", "new.txt"]);
    expect(deep).toMatchObject({ stat: null, parentExists: false });
    const underFile = await resolvePath(root, ["Win10", "Setup.EXE", "x"]);
    expect(underFile).toMatchObject({ stat: null, parentExists: false });
  });

  it("matches case-insensitively only when enabled", async () => {
    expect((await resolvePath(root, ["win10", "setup.exe"])).stat).toBeNull();
    const r = await resolvePath(root, ["win10", "setup.exe"], true);
    expect(r.segments).toEqual(["Win10", "Setup.EXE"]);
    expect(r.fsPath).toBe(join(root, "Win10", "Setup.EXE"));
  });

  it("follows symlinks inside the root and refuses those leaving it", async () => {
    expect((await resolvePath(root, ["inside", "Setup.EXE"])).stat?.isFile()).toBe(true);
    await expect(resolvePath(root, ["escape"])).rejects.toMatchObject({ status: 403 });
  });
});

describe("encodeHref", () => {
  it("encodes segments and marks collections", () => {
    expect(encodeHref("/dav", ["a b", "ä#?"], true)).toBe("/dav/a%20b/%C3%A4%23%3F/");
    expect(encodeHref("/", [], true)).toBe("/");
  });
});
