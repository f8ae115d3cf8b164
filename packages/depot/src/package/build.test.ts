import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackendBadValueError } from "@opsi-ts/core";
import { readSharedFixture } from "@opsi-ts/core/testing";
import { describe, expect, it } from "vitest";
import { extractPackage, readPackageInfo } from "./archive.js";
import { buildPackage } from "./build.js";

function sourceTree(withServerData = true): string {
  const root = mkdtempSync(join(tmpdir(), "opsi-build-"));
  const src = join(root, "src");
  mkdirSync(join(src, "OPSI"), { recursive: true });
  writeFileSync(join(src, "OPSI", "control.toml"), readSharedFixture("packages/control.toml"));
  writeFileSync(join(src, "OPSI", "postinst"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  mkdirSync(join(src, "CLIENT_DATA", "files"), { recursive: true });
  writeFileSync(join(src, "CLIENT_DATA", "setup.opsiscript"), "Message 'hello'\n");
  writeFileSync(join(src, "CLIENT_DATA", "files", "big.bin"), Buffer.alloc(300_000, 7));
  symlinkSync("setup.opsiscript", join(src, "CLIENT_DATA", "link.opsiscript"));
  if (withServerData) {
    mkdirSync(join(src, "SERVER_DATA"), { recursive: true });
    writeFileSync(join(src, "SERVER_DATA", "server.txt"), "server side\n");
  }
  return src;
}

describe("buildPackage", () => {
  it("builds opsi 4.3's layout that the real tar and zstd read, and reads it back", async () => {
    const src = sourceTree();
    const out = join(src, "..", "out");
    const result = await buildPackage(src, { outDir: out });
    expect(result.path).toMatch(/\/[a-z0-9-_.]+_[A-Za-z0-9.]+-[A-Za-z0-9.]+\.opsi$/);
    expect(result.members).toEqual(["OPSI.tar.zstd", "CLIENT_DATA.tar.zstd", "SERVER_DATA.tar.zstd"]);
    expect(readFileSync(`${result.path}.md5`, "utf8")).toBe(result.md5);
    expect(execFileSync("md5sum", [result.path], { encoding: "utf8" }).split(" ")[0]).toBe(result.md5);

    const listing = execFileSync("tar", ["-tf", result.path], { encoding: "utf8" }).trim().split("\n");
    expect(listing).toEqual(result.members);
    const probe = join(src, "..", "probe");
    mkdirSync(probe);
    execFileSync("tar", ["-xf", result.path, "-C", probe]);
    const inner = execFileSync("sh", ["-c", `zstd -dc '${join(probe, "CLIENT_DATA.tar.zstd")}' | tar -tvf -`], { encoding: "utf8" });
    expect(inner).toContain("files/big.bin");
    expect(inner).toContain("link.opsiscript -> setup.opsiscript");
    expect(inner).toContain("nobody/nogroup");
    const opsi = execFileSync("sh", ["-c", `zstd -dc '${join(probe, "OPSI.tar.zstd")}' | tar -tf -`], { encoding: "utf8" });
    expect(opsi.split("\n")).toEqual(expect.arrayContaining(["control.toml", "control", "postinst"]));

    const info = await readPackageInfo(result.path);
    expect(info.control.product.id).toBe(result.control.product.id);
    const dest = join(src, "..", "extracted");
    await extractPackage(result.path, dest);
    expect(readFileSync(join(dest, "CLIENT_DATA", "files", "big.bin")).length).toBe(300_000);
    expect(readFileSync(join(dest, "SERVER_DATA", "server.txt"), "utf8")).toBe("server side\n");
  });

  it("writes gzip inner archives on request, always includes CLIENT_DATA and refuses to overwrite", async () => {
    const src = sourceTree(false);
    const out = join(src, "..", "out");
    const result = await buildPackage(src, { outDir: out, compression: "gzip" });
    expect(result.members).toEqual(["OPSI.tar.gz", "CLIENT_DATA.tar.gz"]);
    const probe = join(src, "..", "probe");
    mkdirSync(probe);
    execFileSync("tar", ["-xf", result.path, "-C", probe]);
    expect(execFileSync("tar", ["-tzf", join(probe, "CLIENT_DATA.tar.gz")], { encoding: "utf8" })).toContain("setup.opsiscript");
    await expect(buildPackage(src, { outDir: out, compression: "gzip" })).rejects.toThrow(BackendBadValueError);
    const again = await buildPackage(src, { outDir: out, compression: "gzip", overwrite: true });
    expect(again.md5).toMatch(/^[0-9a-f]{32}$/);
  });

  it("rejects a source directory without OPSI", async () => {
    const empty = mkdtempSync(join(tmpdir(), "opsi-build-"));
    await expect(buildPackage(empty)).rejects.toThrow(/no OPSI directory/);
  });
});
