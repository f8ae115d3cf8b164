import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
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

    expect(result.sideFiles).toEqual([`${result.path}.md5`]);
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

  it("packs custom directories (-i) and custom-only packages (-c) that our reader and tar + zstd merge", async () => {
    const src = sourceTree(false);
    mkdirSync(join(src, "OPSI.acme"));
    const toml = readFileSync(join(src, "OPSI", "control.toml"), "utf8").replace('name = "localboot new"', 'name = "acme build"');
    writeFileSync(join(src, "OPSI.acme", "control.toml"), toml);
    mkdirSync(join(src, "CLIENT_DATA.acme", "files"), { recursive: true });
    writeFileSync(join(src, "CLIENT_DATA.acme", "setup.opsiscript"), "Message 'acme'\n");
    writeFileSync(join(src, "CLIENT_DATA.acme", "files", "extra.txt"), "extra\n");
    const out = join(src, "..", "out");

    const full = await buildPackage(src, { outDir: out, customName: "acme" });
    expect(full.path).toMatch(/localboot_new_42\.0-1337~acme\.opsi$/);
    expect(full.members).toEqual(["OPSI.tar.zstd", "CLIENT_DATA.tar.zstd", "OPSI.acme.tar.zstd", "CLIENT_DATA.acme.tar.zstd"]);
    expect(full.control.product.name).toBe("acme build");
    expect((await readPackageInfo(full.path)).control.product.name).toBe("acme build");
    const dest = join(src, "..", "ours");
    await extractPackage(full.path, dest);
    expect(readFileSync(join(dest, "CLIENT_DATA", "setup.opsiscript"), "utf8")).toBe("Message 'acme'\n");
    expect(readFileSync(join(dest, "CLIENT_DATA", "files", "extra.txt"), "utf8")).toBe("extra\n");
    expect(readFileSync(join(dest, "CLIENT_DATA", "files", "big.bin")).length).toBe(300_000);

    // The system tools: base first, then the custom archive over it (opsi's order).
    const probe = join(src, "..", "probe");
    mkdirSync(join(probe, "CLIENT_DATA"), { recursive: true });
    execFileSync("tar", ["-xf", full.path, "-C", probe]);
    for (const member of ["CLIENT_DATA.tar.zstd", "CLIENT_DATA.acme.tar.zstd"]) {
      execFileSync("sh", ["-c", `zstd -dc '${join(probe, member)}' | tar -xf - -C '${join(probe, "CLIENT_DATA")}'`]);
    }
    expect(readFileSync(join(probe, "CLIENT_DATA", "setup.opsiscript"), "utf8")).toBe("Message 'acme'\n");
    expect(readFileSync(join(probe, "CLIENT_DATA", "files", "extra.txt"), "utf8")).toBe("extra\n");
    const customOpsi = execFileSync("sh", ["-c", `zstd -dc '${join(probe, "OPSI.acme.tar.zstd")}' | tar -xOf - control.toml`], {
      encoding: "utf8",
    });
    expect(customOpsi).toContain('name = "acme build"');

    const only = await buildPackage(src, { outDir: join(src, "..", "only"), customName: "acme", customOnly: true });
    expect(only.members).toEqual(["OPSI.acme.tar.zstd", "CLIENT_DATA.acme.tar.zstd"]);
    const onlyDest = join(src, "..", "only-x");
    await extractPackage(only.path, onlyDest);
    expect(readdirSync(join(onlyDest, "CLIENT_DATA")).sort()).toEqual(["files", "setup.opsiscript"]);
    expect(existsSync(join(onlyDest, "CLIENT_DATA", "files", "big.bin"))).toBe(false);

    // Without OPSI.<c>, custom-only packs the base OPSI (with the control files).
    const noCustomOpsi = sourceTree(false);
    mkdirSync(join(noCustomOpsi, "SERVER_DATA.x"));
    writeFileSync(join(noCustomOpsi, "SERVER_DATA.x", "s.txt"), "s");
    const base = await buildPackage(noCustomOpsi, { customName: "x", customOnly: true });
    expect(base.members).toEqual(["OPSI.tar.zstd", "CLIENT_DATA.x.tar.zstd", "SERVER_DATA.x.tar.zstd"]);
    expect((await readPackageInfo(base.path)).members.map((m) => [m.name, m.entries])).toEqual([
      ["OPSI.tar.zstd", 3],
      ["CLIENT_DATA.x.tar.zstd", 0],
      ["SERVER_DATA.x.tar.zstd", 1],
    ]);
    await expect(buildPackage(src, { customName: "a-b" })).rejects.toThrow(/Bad custom name/);
  });

  it("sets new versions in the source's control files and the file name, validating them", async () => {
    const src = sourceTree(false);
    writeFileSync(join(src, "OPSI", "control"), "[Package]\nversion: 1\n\n[Product]\ntype: localboot\nid: localboot_new\nversion: 1.0\n");
    const out = join(src, "..", "out");
    const result = await buildPackage(src, { outDir: out, productVersion: "43.1", packageVersion: "2" });
    expect(result.path).toBe(join(out, "localboot_new_43.1-2.opsi"));
    expect(result.rewrittenControlFiles).toEqual([join(src, "OPSI", "control.toml"), join(src, "OPSI", "control")]);
    expect(readFileSync(join(src, "OPSI", "control.toml"), "utf8")).toMatch(/\[Package\]\nversion = "2"\n[\s\S]*\nversion = "43\.1"\n/);
    expect(readFileSync(join(src, "OPSI", "control"), "utf8")).toContain("version: 43.1\n");
    const info = await readPackageInfo(result.path);
    expect([info.control.product.productVersion, info.control.product.packageVersion]).toEqual(["43.1", "2"]);
    expect(info.control.productProperties.every((p) => p.productVersion === "43.1" && p.packageVersion === "2")).toBe(true);
    // Only the package version: the product version stays.
    const bumped = await buildPackage(src, { outDir: out, packageVersion: "3" });
    expect(bumped.path).toBe(join(out, "localboot_new_43.1-3.opsi"));
    // Without version options nothing in the source changes.
    const before = readFileSync(join(src, "OPSI", "control.toml"), "utf8");
    await buildPackage(src, { outDir: out, overwrite: true });
    expect(readFileSync(join(src, "OPSI", "control.toml"), "utf8")).toBe(before);
    await expect(buildPackage(src, { outDir: out, productVersion: "1_0" })).rejects.toThrow(/Bad product version '1_0'/);
    await expect(buildPackage(src, { outDir: out, packageVersion: "12345678901234567" })).rejects.toThrow(/Bad package version/);
    expect(readFileSync(join(src, "OPSI", "control.toml"), "utf8")).toBe(before);
  });

  it("stores file links as links, walks directory links, dereferences with followSymlinks and skips excluded files", async () => {
    const src = sourceTree(false);
    const client = join(src, "CLIENT_DATA");
    mkdirSync(join(src, "..", "outside", "deep"), { recursive: true });
    writeFileSync(join(src, "..", "outside", "deep", "o.txt"), "outside\n");
    symlinkSync(join(src, "..", "outside"), join(client, "dirlink"));
    mkdirSync(join(client, "empty"));
    mkdirSync(join(client, ".git"));
    writeFileSync(join(client, ".git", "HEAD"), "ref");
    mkdirSync(join(client, "sub", ".svn"), { recursive: true });
    for (const f of ["backup~", "Thumbs.db", "thumbs.db", ".DS_Store", ".ds_store"]) writeFileSync(join(client, "sub", f), "x");
    writeFileSync(join(client, "sub", "kept.txt"), "kept");
    const list = (path: string, member: string): string[] => {
      const probe = mkdtempSync(join(tmpdir(), "opsi-build-probe-"));
      execFileSync("tar", ["-xf", path, "-C", probe]);
      return execFileSync("sh", ["-c", `zstd -dc '${join(probe, member)}' | tar -tvf -`], { encoding: "utf8" })
        .trim()
        .split("\n");
    };

    const plain = await buildPackage(src, { outDir: join(src, "..", "plain") });
    const entries = list(plain.path, "CLIENT_DATA.tar.zstd");
    const names = entries.map((l) => l.split(/\s+/).slice(5).join(" "));
    expect(names).toEqual([
      "dirlink/deep/o.txt",
      "empty/",
      "files/big.bin",
      "link.opsiscript -> setup.opsiscript",
      "setup.opsiscript",
      "sub/kept.txt",
    ]);
    expect(entries.find((l) => l.includes("dirlink/deep/o.txt"))?.startsWith("-")).toBe(true);

    const followed = await buildPackage(src, { outDir: join(src, "..", "followed"), followSymlinks: true });
    const fnames = list(followed.path, "CLIENT_DATA.tar.zstd").map((l) => l.split(/\s+/).slice(5).join(" "));
    expect(fnames).toEqual([
      "dirlink/",
      "dirlink/deep/o.txt",
      "empty/",
      "files/big.bin",
      "link.opsiscript",
      "setup.opsiscript",
      "sub/kept.txt",
    ]);
    const dest = join(src, "..", "followed-x");
    await extractPackage(followed.path, dest);
    expect(lstatSync(join(dest, "CLIENT_DATA", "link.opsiscript")).isFile()).toBe(true);
    expect(readFileSync(join(dest, "CLIENT_DATA", "dirlink", "deep", "o.txt"), "utf8")).toBe("outside\n");

    symlinkSync("missing", join(client, "broken"));
    await expect(buildPackage(src, { outDir: join(src, "..", "broken"), followSymlinks: true })).rejects.toThrow(/points to nothing/);
    symlinkSync("..", join(client, "sub", "loop"));
    await expect(buildPackage(src, { outDir: join(src, "..", "loop") })).rejects.toThrow(/symlink loop/);
  });

  it("writes .md5 and .zsync side files that match md5sum and zsyncmake, or leaves them out", async () => {
    const src = sourceTree();
    const out = join(src, "..", "out");
    const result = await buildPackage(src, { outDir: out, zsyncFile: true });
    expect(result.sideFiles).toEqual([`${result.path}.md5`, `${result.path}.zsync`]);
    expect(readFileSync(`${result.path}.md5`, "utf8")).toBe(execFileSync("md5sum", [result.path], { encoding: "utf8" }).slice(0, 32));
    const name = result.path.slice(result.path.lastIndexOf("/") + 1);
    const mtime = new Date("2024-10-09T12:34:56Z");
    utimesSync(result.path, mtime, mtime);
    await import("../side-files/zsync.js").then((z) => z.createZsyncFile(result.path));
    try {
      execFileSync("zsyncmake", ["-u", name, "-o", `${name}.ref`, name], { cwd: out, stdio: "ignore" });
      expect(readFileSync(`${result.path}.zsync`).equals(readFileSync(`${result.path}.ref`))).toBe(true);
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e; // zsyncmake missing: the side-files tests require it
    }
    const bare = await buildPackage(src, { outDir: out, overwrite: true, md5File: false });
    expect(bare.sideFiles).toEqual([]);
    expect(existsSync(`${result.path}.md5`)).toBe(false);
    expect(existsSync(`${result.path}.zsync`)).toBe(false);
  });

  it("takes opsi-makepackage's lock and refuses it while its process runs", async () => {
    const src = sourceTree(false);
    const locks = mkdtempSync(join(tmpdir(), "opsi-build-lock-"));
    const lock = join(locks, ".opsi-makepackage.lock.localboot_new");
    writeFileSync(lock, String(process.pid));
    await expect(buildPackage(src, { outDir: join(src, "..", "a"), lock: locks })).rejects.toThrow(/locked by process/);
    writeFileSync(lock, "999999999");
    const built = await buildPackage(src, { outDir: join(src, "..", "b"), lock: locks });
    expect(built.members).toContain("OPSI.tar.zstd");
    expect(existsSync(lock)).toBe(false);
  });
});
