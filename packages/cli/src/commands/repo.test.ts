import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSharedFixture, sharedFixturePath } from "@opsi-ts/core/testing";
import { buildPackage, readRepositoryMetadata } from "@opsi-ts/depot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { memoryIo } from "../memory-io.js";

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "opsi-cli-repo-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function opsi(args: string[]) {
  const mem = memoryIo({ cwd: root });
  const code = await runCli(args, mem.io);
  return { code, stdout: mem.stdout(), stderr: mem.stderr() };
}

function copyFixtures(dir: string): void {
  mkdirSync(join(dir, "sub"), { recursive: true });
  copyFileSync(sharedFixturePath("packages/localboot_new_42.0-1337.opsi"), join(dir, "localboot_new_42.0-1337.opsi"));
  copyFileSync(sharedFixturePath("packages/tar_zstd_packaged_42.0-1337.opsi"), join(dir, "sub", "tar_zstd_packaged_42.0-1337.opsi"));
}

describe("opsi repo meta", () => {
  it("writes packages.json for the fixture packages (same product and version: the later one wins) and prints a summary", async () => {
    const repo = join(root, "repo");
    copyFixtures(repo);
    const r = await opsi(["repo", "meta", "repo"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const meta = readRepositoryMetadata(readFileSync(join(repo, "packages.json"), "utf8"));
    expect(meta.repository.name).toBe("opsi package repository");
    expect(Object.keys(meta.packages)).toEqual(["localboot_new"]);
    expect(meta.packages.localboot_new?.["42.0-1337"]).toMatchObject({
      url: "sub/tar_zstd_packaged_42.0-1337.opsi",
      product_id: "localboot_new",
      zsync_url: null,
    });
    expect(r.stdout).toBe(
      `Wrote ${join(repo, "packages.json")} (repository 'opsi package repository'): 1 product, 1 version\n  localboot_new  42.0-1337\n`,
    );
    expect(existsSync(join(repo, "localboot_new_42.0-1337.opsi.zsync"))).toBe(false);
  });

  it("names the repository, creates side files and prints JSON with several versions of one product", async () => {
    const src = join(root, "src");
    mkdirSync(join(src, "OPSI"), { recursive: true });
    const control = readSharedFixture("packages/control.toml");
    writeFileSync(join(src, "OPSI", "control.toml"), control);
    writeFileSync(join(src, "payload.txt"), "x\n");
    const repo = join(root, "repo");
    mkdirSync(repo);
    await buildPackage(src, { outDir: repo, compression: "gzip" });
    writeFileSync(join(src, "OPSI", "control.toml"), control.replace('[Package]\nversion = "1337"', '[Package]\nversion = "1338"'));
    const second = await buildPackage(src, { outDir: repo, compression: "gzip" });
    expect(second.path).toBe(join(repo, "localboot_new_42.0-1338.opsi"));
    rmSync(`${second.path}.md5`, { force: true });

    const r = await opsi(["repo", "meta", repo, "--name", "test repo", "--side-files", "--json"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const printed = JSON.parse(r.stdout) as unknown;
    expect(printed).toEqual(JSON.parse(readFileSync(join(repo, "packages.json"), "utf8")));
    const meta = readRepositoryMetadata(printed);
    expect(meta.repository.name).toBe("test repo");
    expect(Object.keys(meta.packages.localboot_new ?? {}).sort()).toEqual(["42.0-1337", "42.0-1338"]);
    expect(meta.packages.localboot_new?.["42.0-1338"]).toMatchObject({
      url: "localboot_new_42.0-1338.opsi",
      zsync_url: "localboot_new_42.0-1338.opsi.zsync",
    });
    expect(readFileSync(`${second.path}.md5`, "utf8")).toBe(meta.packages.localboot_new?.["42.0-1338"]?.md5_hash);
    expect(existsSync(`${second.path}.zsync`)).toBe(true);
  });

  it("writes an empty repository and fails for a missing directory", async () => {
    mkdirSync(join(root, "empty"));
    const empty = await opsi(["repo", "meta", "empty"]);
    expect(empty).toEqual({
      code: 0,
      stdout: `Wrote ${join(root, "empty", "packages.json")} (repository 'opsi package repository'): 0 products, 0 versions\n`,
      stderr: "",
    });
    const missing = await opsi(["repo", "meta", "nope"]);
    expect(missing).toEqual({
      code: 1,
      stdout: "",
      stderr: `Error: BackendMissingDataError: Repository directory '${join(root, "nope")}' not found\n`,
    });
  });

  it("has help", async () => {
    const r = await opsi(["repo", "meta", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--side-files");
  });
});
