import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSharedFixture, sharedFixturePath } from "@opsi-ts/core/testing";
import { readPackageInfo } from "@opsi-ts/depot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { memoryIo } from "../memory-io.js";
import { withSpinner } from "./package.js";

let root: string;
let src: string;

const systemTmp = process.env.TMPDIR;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "opsi-cli-package-"));
  // `package make` takes opsi-makepackage's lock in the temp directory: one per test, so that
  // parallel runs of this file never meet.
  process.env.TMPDIR = root;
  src = join(root, "localboot_new");
  mkdirSync(join(src, "OPSI"), { recursive: true });
  writeFileSync(join(src, "OPSI", "control.toml"), readSharedFixture("packages/control.toml"));
  mkdirSync(join(src, "CLIENT_DATA", "files"), { recursive: true });
  writeFileSync(join(src, "CLIENT_DATA", "setup.opsiscript"), "Message 'hello'\n");
  writeFileSync(join(src, "CLIENT_DATA", "files", "data.bin"), Buffer.alloc(10_000, 3));
  mkdirSync(join(src, "CLIENT_DATA.special"));
  writeFileSync(join(src, "CLIENT_DATA.special", "extra.txt"), "custom\n");
});
afterEach(() => {
  if (systemTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = systemTmp;
  rmSync(root, { recursive: true, force: true });
});

async function opsi(args: string[], cwd = root) {
  const mem = memoryIo({ cwd });
  const code = await runCli(args, mem.io);
  return { code, stdout: mem.stdout(), stderr: mem.stderr() };
}

async function make(extra: string[] = []): Promise<string> {
  const r = await opsi(["package", "make", "localboot_new", "--out", "out", "--json", ...extra]);
  expect(r).toMatchObject({ code: 0, stderr: "" });
  return (JSON.parse(r.stdout) as { path: string }).path;
}

describe("opsi package make", () => {
  it("builds next to the source and prints the path and md5", async () => {
    const r = await opsi(["package", "make", src]);
    const path = join(root, "localboot_new_42.0-1337.opsi");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const md5 = readFileSync(`${path}.md5`, "utf8");
    expect(md5).toMatch(/^[0-9a-f]{32}$/);
    expect(r.stdout).toBe(`${path}\nmd5: ${md5}\n`);
  });

  it("prints JSON with relative --out, --gzip and --custom-name", async () => {
    const r = await opsi(["package", "make", "localboot_new", "-o", "out", "--gzip", "--custom-name", "special", "--json"]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    const path = join(root, "out", "localboot_new_42.0-1337~special.opsi");
    expect(json).toEqual({
      path,
      md5: readFileSync(`${path}.md5`, "utf8"),
      size: statSync(path).size,
      members: ["OPSI.tar.gz", "CLIENT_DATA.tar.gz", "CLIENT_DATA.special.tar.gz"],
      sideFiles: [`${path}.md5`, `${path}.zsync`],
    });
    const info = await readPackageInfo(path);
    expect(info.members.map((m) => [m.name, m.compression])).toEqual([
      ["OPSI.tar.gz", "gzip"],
      ["CLIENT_DATA.tar.gz", "gzip"],
      ["CLIENT_DATA.special.tar.gz", "gzip"],
    ]);
  });

  it("refuses to replace a package unless --overwrite is given", async () => {
    const path = await make();
    const again = await opsi(["package", "make", "localboot_new", "--out", "out"]);
    expect(again).toMatchObject({ code: 1, stdout: "" });
    expect(again.stderr).toBe(`Error: BackendBadValueError: Package file '${path}' exists already\n`);
    expect((await opsi(["package", "make", "localboot_new", "--out", "out", "--overwrite"])).code).toBe(0);
  });

  it("fails clearly for a missing directory or one without OPSI/", async () => {
    const missing = await opsi(["package", "make", "nope"]);
    expect(missing).toEqual({
      code: 1,
      stdout: "",
      stderr: `Error: BackendMissingDataError: Source directory '${join(root, "nope")}' not found\n`,
    });
    mkdirSync(join(root, "empty"));
    const empty = await opsi(["package", "make", "empty"]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe(`Error: BackendBadValueError: '${join(root, "empty")}' has no OPSI directory\n`);
  });

  it("builds custom-only packages, sets versions, and takes the options of opsi-makepackage", async () => {
    const locks = join(root, "locks");
    mkdirSync(locks);
    const base = ["package", "make", "localboot_new", "-o", "out", "--json", "-t", "locks"];
    const only = await opsi([...base, "-c", "special", "--compression", "gz", "--no-zsync"]);
    expect(only).toMatchObject({ code: 0, stderr: "" });
    const onlyJson = JSON.parse(only.stdout) as { path: string; members: string[]; sideFiles: string[] };
    expect(onlyJson.path).toBe(join(root, "out", "localboot_new_42.0-1337~special.opsi"));
    expect(onlyJson.members).toEqual(["OPSI.tar.gz", "CLIENT_DATA.special.tar.gz"]);
    expect(onlyJson.sideFiles).toEqual([`${onlyJson.path}.md5`]);
    expect(existsSync(`${onlyJson.path}.zsync`)).toBe(false);

    const bumped = await opsi([...base, "--product-version", "43.0", "--package-version", "2", "--no-md5"]);
    expect(bumped).toMatchObject({ code: 0, stderr: "" });
    const bumpedJson = JSON.parse(bumped.stdout) as { path: string; sideFiles: string[] };
    expect(bumpedJson.path).toBe(join(root, "out", "localboot_new_43.0-2.opsi"));
    expect(bumpedJson.sideFiles).toEqual([`${bumpedJson.path}.zsync`]);
    expect(readFileSync(join(src, "OPSI", "control.toml"), "utf8")).toContain('version = "43.0"');
    expect((await readPackageInfo(bumpedJson.path)).control.product.packageVersion).toBe("2");
    expect(readdirSync(locks)).toEqual([]);

    const bad = await opsi([...base, "--package-version", "1-2"]);
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(bad.stderr).toContain("Bad package version '1-2'");
    const bzip2 = await opsi([...base, "--compression", "bzip2"]);
    expect(bzip2.code).toBe(1);
    expect(bzip2.stderr).toContain("bzip2 packages are not written");
    const both = await opsi([...base, "-k", "--package-version", "3"]);
    expect(both.stderr).toContain("--keep-versions cannot be combined");
    writeFileSync(join(locks, ".opsi-makepackage.lock.localboot_new"), String(process.pid));
    const locked = await opsi([...base, "--overwrite"]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain(`locked by process ${process.pid}`);
  });

  it("reports a broken control file", async () => {
    writeFileSync(join(src, "OPSI", "control.toml"), "[Product]\nid = \n");
    const r = await opsi(["package", "make", "localboot_new"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: ControlFileError: Invalid TOML/);
    expect(readdirSync(root).filter((f) => f.endsWith(".opsi"))).toEqual([]);
  });
});

describe("opsi package info", () => {
  it("summarises a freshly built package", async () => {
    const path = await make();
    const r = await opsi(["package", "info", path]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toContain("Product:     localboot_new 42.0-1337 (LocalbootProduct)\n");
    expect(r.stdout).toContain("Package dependencies: mshotfix >= 202301-1, hwaudit\n");
    expect(r.stdout).toContain("  setup: hwaudit (status installed, before)\n");
    expect(r.stdout).toContain("  setup: swaudit (action setup, after)\n");
    expect(r.stdout).toContain("  propname (unicode, editable): values a, b; default a\n");
    expect(r.stdout).toContain("  boolprop (bool): values false, true; default false\n");
    expect(r.stdout).toMatch(/Archive: {5}tar\n {2}OPSI\.tar\.zstd: tar, zstd, \d+ bytes, 2 entries\n/);
  });

  it("prints the wire form with --json", async () => {
    const path = await make();
    const r = await opsi(["package", "info", path, "--json"]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["product", "properties", "dependencies", "packageDependencies", "format"]);
    expect(json.product).toMatchObject({
      type: "LocalbootProduct",
      id: "localboot_new",
      productVersion: "42.0",
      packageVersion: "1337",
      name: "localboot new",
      setupScript: "setup.opsiscript",
      ident: "localboot_new;42.0;1337",
    });
    expect(json.properties).toEqual([
      expect.objectContaining({
        type: "UnicodeProductProperty",
        propertyId: "propname",
        defaultValues: ["a"],
        ident: "localboot_new;42.0;1337;propname",
      }),
      expect.objectContaining({ type: "BoolProductProperty", propertyId: "boolprop", defaultValues: [false] }),
    ]);
    expect(json.dependencies).toEqual([
      expect.objectContaining({
        type: "ProductDependency",
        requiredProductId: "hwaudit",
        requirementType: "before",
        ident: expect.any(String),
      }),
      expect.objectContaining({ requiredProductId: "swaudit", requiredAction: "setup" }),
    ]);
    expect(json.packageDependencies).toEqual([
      { package: "mshotfix", condition: ">=", version: "202301-1" },
      { package: "hwaudit", condition: null, version: null },
    ]);
    expect(json.format).toEqual({
      format: "tar",
      members: [
        expect.objectContaining({ name: "OPSI.tar.zstd", directory: "OPSI", customName: null, format: "tar", compression: "zstd" }),
        expect.objectContaining({ name: "CLIENT_DATA.tar.zstd", directory: "CLIENT_DATA", format: "tar", compression: "zstd" }),
      ],
    });
  });

  it("reads the opsi 4.3 fixture (tar with zstd members)", async () => {
    const r = await opsi(["package", "info", sharedFixturePath("packages/tar_zstd_packaged_42.0-1337.opsi"), "--json"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const json = JSON.parse(r.stdout) as { product: Record<string, unknown>; format: { format: string; members: { name: string }[] } };
    expect(json.product).toMatchObject({ id: "localboot_new", ident: "localboot_new;42.0;1337" });
    expect(json.format.format).toBe("tar");
    expect(json.format.members.map((m) => m.name).sort()).toEqual(["CLIENT_DATA.tar.zstd", "OPSI.tar.zstd", "SERVER_DATA.tar.zstd"]);
    const human = await opsi(["package", "info", sharedFixturePath("packages/tar_zstd_packaged_42.0-1337.opsi")]);
    expect(human.stdout).toContain("  OPSI.tar.zstd: tar, zstd, ");
  });

  it("reads the legacy cpio fixture", async () => {
    const path = sharedFixturePath("packages/localboot_new_42.0-1337.opsi");
    const expected = await readPackageInfo(path);
    const r = await opsi(["package", "info", path, "--json"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const json = JSON.parse(r.stdout) as { product: Record<string, unknown>; format: unknown };
    expect(json.product).toMatchObject({ type: "LocalbootProduct", id: "localboot_new", ident: "localboot_new;42.0;1337" });
    expect(json.format).toEqual({ format: expected.format, members: expected.members });
    expect(expected.members.some((m) => m.format === "cpio")).toBe(true);
    const human = await opsi(["package", "info", path]);
    expect(human.stdout).toContain("Product:     localboot_new 42.0-1337 (LocalbootProduct)\n");
    expect(human.stdout).toMatch(/: cpio, \w+, \d+ bytes/);
  });

  it("fails clearly for a missing file, a directory and a broken package", async () => {
    expect(await opsi(["package", "info", "nope.opsi"])).toEqual({
      code: 1,
      stdout: "",
      stderr: `Error: BackendMissingDataError: Package file '${join(root, "nope.opsi")}' not found\n`,
    });
    expect((await opsi(["package", "info", "."])).stderr).toBe(`Error: BackendBadValueError: '${root}' is not a file\n`);
    writeFileSync(join(root, "broken.opsi"), Buffer.from("this is not an opsi package at all\n".repeat(40)));
    const broken = await opsi(["package", "info", "broken.opsi"]);
    expect(broken).toMatchObject({ code: 1, stdout: "" });
    expect(broken.stderr).toBe(`Error: UnsafeArchiveError: ${join(root, "broken.opsi")} is neither tar nor cpio\n`);
    const path = await make();
    writeFileSync(join(root, "cut.opsi"), readFileSync(path).subarray(0, 1500));
    const cut = await opsi(["package", "info", "cut.opsi"]);
    expect(cut).toMatchObject({ code: 1, stdout: "" });
    expect(cut.stderr).toMatch(/^Error: (BackendBadValueError: Broken package '[^']+cut\.opsi': |UnsafeArchiveError: ).+\n$/);
  });
});

describe("opsi package extract", () => {
  it("extracts into a new directory and lists what it wrote", async () => {
    const path = await make(["--custom-name", "special"]);
    const r = await opsi(["package", "extract", path, "unpacked"]);
    const target = join(root, "unpacked");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(
      [
        `Extracted localboot_new 42.0-1337 to ${target}`,
        `  OPSI.tar.zstd -> ${join(target, "OPSI")} (2 entries)`,
        // Directories with content get no entry of their own (as opsi-makepackage).
        `  CLIENT_DATA.tar.zstd -> ${join(target, "CLIENT_DATA")} (2 entries)`,
        `  CLIENT_DATA.special.tar.zstd -> ${join(target, "CLIENT_DATA")} (1 entry)`,
        "",
      ].join("\n"),
    );
    expect(readFileSync(join(target, "CLIENT_DATA", "setup.opsiscript"), "utf8")).toBe("Message 'hello'\n");
    expect(readFileSync(join(target, "CLIENT_DATA", "extra.txt"), "utf8")).toBe("custom\n");
    expect(readdirSync(join(target, "OPSI")).sort()).toEqual(["control", "control.toml"]);
  });

  it("extracts into an existing empty directory and refuses a non-empty one unless --force", async () => {
    const path = await make();
    mkdirSync(join(root, "empty"));
    expect((await opsi(["package", "extract", path, "empty"])).code).toBe(0);
    const again = await opsi(["package", "extract", path, "empty"]);
    expect(again).toEqual({
      code: 1,
      stdout: "",
      stderr: `Error: BackendBadValueError: Target directory '${join(root, "empty")}' is not empty (use --force to extract anyway)\n`,
    });
    writeFileSync(join(root, "empty", "CLIENT_DATA", "setup.opsiscript"), "changed\n");
    expect((await opsi(["package", "extract", path, "empty", "--force"])).code).toBe(0);
    expect(readFileSync(join(root, "empty", "CLIENT_DATA", "setup.opsiscript"), "utf8")).toBe("Message 'hello'\n");
  });

  it("extracts the legacy cpio fixture", async () => {
    const r = await opsi(["package", "extract", sharedFixturePath("packages/localboot_new_42.0-1337.opsi"), "legacy"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^Extracted localboot_new 42\.0-1337 to /);
    expect(existsSync(join(root, "legacy", "OPSI"))).toBe(true);
  });

  it("fails clearly for a missing file, a file as target and a broken package (writing nothing)", async () => {
    expect((await opsi(["package", "extract", "nope.opsi", "x"])).stderr).toBe(
      `Error: BackendMissingDataError: Package file '${join(root, "nope.opsi")}' not found\n`,
    );
    const path = await make();
    writeFileSync(join(root, "file"), "x");
    expect((await opsi(["package", "extract", path, "file"])).stderr).toBe(
      `Error: BackendBadValueError: Target '${join(root, "file")}' is not a directory\n`,
    );
    writeFileSync(join(root, "broken.opsi"), Buffer.alloc(4096, 0x41));
    const broken = await opsi(["package", "extract", "broken.opsi", "target"]);
    expect(broken).toMatchObject({ code: 1, stdout: "" });
    expect(broken.stderr).toBe(`Error: UnsafeArchiveError: ${join(root, "broken.opsi")} is neither tar nor cpio\n`);
    expect(existsSync(join(root, "target"))).toBe(false);
  });
});

describe("withSpinner", () => {
  function tty() {
    const out: string[] = [];
    return { out, err: { isTTY: true, write: (t: string) => out.push(t) } };
  }

  it("stays silent on stderr when it is not a terminal", async () => {
    const err: string[] = [];
    expect(
      await withSpinner({ write: (t: string) => err.push(t) }, "Building", () => new Promise((r) => setTimeout(() => r(1), 60)), 5),
    ).toBe(1);
    expect(err).toEqual([]);
  });

  it("writes nothing for work that finishes before the delay", async () => {
    const { out, err } = tty();
    expect(await withSpinner(err, "Building", async () => 42, 1000)).toBe(42);
    expect(out).toEqual([]);
  });

  it("spins on a terminal during slow work and clears the line, also on failure", async () => {
    const { out, err } = tty();
    await withSpinner(err, "Building", () => new Promise((r) => setTimeout(r, 400)), 5);
    expect(out.length).toBeGreaterThanOrEqual(3);
    expect(out[0]).toBe("\r| Building");
    expect(out[1]).toBe("\r/ Building");
    expect(out.at(-1)).toBe("\r\u001b[K");
    const failing = tty();
    await expect(
      withSpinner(failing.err, "x", () => new Promise((_, reject) => setTimeout(() => reject(new Error("boom")), 50)), 5),
    ).rejects.toThrow("boom");
    expect(failing.out.at(-1)).toBe("\r\u001b[K");
  });
});

describe("opsi package --help", () => {
  it("documents every subcommand", async () => {
    for (const command of [["package"], ["package", "make"], ["package", "info"], ["package", "extract"]]) {
      const r = await opsi([...command, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: opsi ${command.join(" ")}`);
    }
    const help = (await opsi(["package", "make", "--help"])).stdout;
    for (const option of [
      "-i, --custom-name <c>",
      "-c, --custom-only <c>",
      "--product-version <v>",
      "-h, --follow-symlinks",
      "--no-zsync",
    ]) {
      expect(help).toContain(option);
    }
    expect((await opsi(["package", "extract", "--help"])).stdout).toContain("--force");
  });
});
