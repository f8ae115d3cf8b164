import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSharedFixture, sharedFixturePath } from "@opsi-ts/core/testing";
import { describe, expect, it } from "vitest";
import { buildPackage } from "../package/build.js";
import {
  createRepositoryMetadata,
  parseCompatibility,
  RepositoryMetadataError,
  readRepositoryMetadata,
  writeRepositoryMetadata,
} from "./metadata.js";

const NOW = new Date("2024-10-09T12:00:00.123Z");

function controlToml(version: string, packageVersion: string): string {
  return readSharedFixture("packages/control.toml")
    .replace('version = "1337"', `version = "${packageVersion}"`)
    .replace('version = "42.0"', `version = "${version}"`)
    .replace("priority = 0", "priority = 10");
}

async function repository(): Promise<{ repo: string; paths: string[] }> {
  const root = mkdtempSync(join(tmpdir(), "opsi-repo-"));
  const repo = join(root, "repo");
  const paths: string[] = [];
  for (const [pv, pkv, sub] of [
    ["42.0", "1337", "windows/localboot"],
    ["43.0", "1", "windows/localboot"],
  ] as const) {
    const src = join(root, `src-${pv}`);
    mkdirSync(join(src, "OPSI"), { recursive: true });
    writeFileSync(join(src, "OPSI", "control.toml"), controlToml(pv, pkv));
    mkdirSync(join(src, "CLIENT_DATA"), { recursive: true });
    writeFileSync(join(src, "CLIENT_DATA", "setup.opsiscript"), `Message '${pv}'\n`);
    paths.push((await buildPackage(src, { outDir: join(repo, sub) })).path);
  }
  return { repo, paths };
}

const sha256 = (p: string): string => execFileSync("sha256sum", [p], { encoding: "utf8" }).slice(0, 64);
const md5 = (p: string): string => execFileSync("md5sum", [p], { encoding: "utf8" }).slice(0, 32);

describe("createRepositoryMetadata", () => {
  it("describes every package with schema 1.1 fields in upstream order", async () => {
    const { repo, paths } = await repository();
    const meta = await createRepositoryMetadata(repo, { now: NOW, compatibility: [parseCompatibility("windows-x64")] });
    expect(Object.keys(meta)).toEqual(["schema_version", "repository", "metadata_files", "packages"]);
    expect(meta.schema_version).toBe("1.1");
    expect(meta.repository).toEqual({ name: "opsi package repository" });
    expect(Object.keys(meta.packages.localboot_new ?? {})).toEqual(["42.0-1337", "43.0-1"]);
    const pkg = meta.packages.localboot_new?.["42.0-1337"];
    const path = paths[0] ?? "";
    expect(pkg).toEqual({
      url: "windows/localboot/localboot_new_42.0-1337.opsi",
      size: readFileSync(path).length,
      md5_hash: md5(path),
      sha256_hash: sha256(path),
      product_id: "localboot_new",
      product_version: "42.0",
      package_version: "1337",
      name: "localboot new",
      priority: 10,
      product_dependencies: [
        {
          productAction: "setup",
          requiredProductId: "hwaudit",
          requiredProductVersion: null,
          requiredPackageVersion: null,
          requiredAction: null,
          requiredInstallationStatus: "installed",
          requirementType: "before",
        },
        {
          productAction: "setup",
          requiredProductId: "swaudit",
          requiredProductVersion: null,
          requiredPackageVersion: null,
          requiredAction: "setup",
          requiredInstallationStatus: null,
          requirementType: "after",
        },
      ],
      package_dependencies: [
        { package: "mshotfix", version: "202301-1", condition: ">=" },
        { package: "hwaudit", version: null, condition: null },
      ],
      description: "this is a localboot new test package",
      compatibility: [{ os: "windows", arch: "x64" }],
      changelog_url: null,
      release_notes_url: null,
      icon_url: null,
      zsync_url: null,
      release_date: "2024-10-09T12:00:00.123000Z",
    });
    expect(Object.keys(pkg ?? {})).toEqual([
      "url",
      "size",
      "md5_hash",
      "sha256_hash",
      "product_id",
      "product_version",
      "package_version",
      "name",
      "priority",
      "product_dependencies",
      "package_dependencies",
      "description",
      "compatibility",
      "changelog_url",
      "release_notes_url",
      "icon_url",
      "zsync_url",
      "release_date",
    ]);
    // The real SHA-256, not upstream's empty-input hash.
    expect(pkg?.sha256_hash).not.toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("creates missing side files on request and links the zsync file", async () => {
    const { repo, paths } = await repository();
    const meta = await createRepositoryMetadata(repo, { now: NOW, createSideFiles: true, repoName: "local" });
    for (const p of paths) {
      expect(readFileSync(`${p}.md5`, "utf8")).toBe(md5(p));
      expect(readFileSync(`${p}.zsync`, "latin1").startsWith("zsync: 0.6.2\n")).toBe(true);
    }
    expect(meta.repository.name).toBe("local");
    expect(meta.packages.localboot_new?.["43.0-1"]?.zsync_url).toBe("windows/localboot/localboot_new_43.0-1.opsi.zsync");
    expect(meta.packages.localboot_new?.["43.0-1"]?.compatibility).toBeNull();
  });

  it("merges identical packages found at two paths into URL lists", async () => {
    const { repo, paths } = await repository();
    const first = paths[0] ?? "";
    mkdirSync(join(repo, "mirror"));
    copyFileSync(first, join(repo, "mirror", "localboot_new_42.0-1337.opsi"));
    copyFileSync(first, `${first}.zsync`); // content does not matter, only existence
    const meta = await createRepositoryMetadata(repo, { now: NOW });
    const pkg = meta.packages.localboot_new?.["42.0-1337"];
    expect(pkg?.url).toEqual(["mirror/localboot_new_42.0-1337.opsi", "windows/localboot/localboot_new_42.0-1337.opsi"]);
    expect(pkg?.zsync_url).toEqual([null, "windows/localboot/localboot_new_42.0-1337.opsi.zsync"]);
    expect(readRepositoryMetadata(JSON.stringify(meta))).toEqual(meta);
  });

  it("handles per-product compatibility and rejects bad compatibility strings", async () => {
    expect(parseCompatibility("opsi-local-image-x64")).toEqual({ os: "opsi-local-image", arch: "x64" });
    expect(() => parseCompatibility("windows")).toThrow(RepositoryMetadataError);
    expect(() => parseCompatibility("beos-x64")).toThrow("Invalid compatibility string: 'beos-x64'");
    const { repo } = await repository();
    const meta = await createRepositoryMetadata(repo, {
      compatibility: (id) => (id === "localboot_new" ? [{ os: "linux", arch: "all" }] : null),
    });
    expect(meta.packages.localboot_new?.["43.0-1"]?.compatibility).toEqual([{ os: "linux", arch: "all" }]);
    expect(meta.packages.localboot_new?.["43.0-1"]?.release_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/);
  });
});

describe("upstream test packages", () => {
  it("describes the legacy cpio and the 4.3 tar/zstd fixture packages", async () => {
    const repo = mkdtempSync(join(tmpdir(), "opsi-repo-fixtures-"));
    for (const name of ["localboot_new_42.0-1337.opsi", "tar_zstd_packaged_42.0-1337.opsi"]) {
      mkdirSync(join(repo, name.replace(/_42.*$/, "")));
      copyFileSync(sharedFixturePath(`packages/${name}`), join(repo, name.replace(/_42.*$/, ""), name));
    }
    const meta = await createRepositoryMetadata(repo, { now: NOW });
    // Both are localboot_new 42.0-1337 with different content: the later one (sorted by path) wins.
    expect(Object.keys(meta.packages)).toEqual(["localboot_new"]);
    const pkg = meta.packages.localboot_new?.["42.0-1337"];
    expect(pkg?.url).toBe("tar_zstd_packaged/tar_zstd_packaged_42.0-1337.opsi");
    expect(pkg?.md5_hash).toBe(md5(join(repo, "tar_zstd_packaged", "tar_zstd_packaged_42.0-1337.opsi")));
    expect(pkg?.package_dependencies[0]).toEqual({ package: "mshotfix", version: "202301-1", condition: ">=" });
    const legacy = await createRepositoryMetadata(join(repo, "localboot_new"), { now: NOW });
    expect(legacy.packages.localboot_new?.["42.0-1337"]?.md5_hash).toBe(md5(join(repo, "localboot_new", "localboot_new_42.0-1337.opsi")));
  });
});

describe("writeRepositoryMetadata", () => {
  it("writes compact packages.json atomically and reads it back", async () => {
    const { repo } = await repository();
    const meta = await writeRepositoryMetadata(repo, { now: NOW });
    const text = readFileSync(join(repo, "packages.json"), "utf8");
    expect(
      text.startsWith('{"schema_version":"1.1","repository":{"name":"opsi package repository"},"metadata_files":[],"packages":{'),
    ).toBe(true);
    expect(readdirSync(repo).filter((n) => n.includes("partial"))).toEqual([]);
    expect(readRepositoryMetadata(text)).toEqual(meta);
    expect(readRepositoryMetadata(Buffer.from(text))).toEqual(meta);
    // Rewriting replaces the file; packages.json itself is not a package.
    await writeRepositoryMetadata(repo, { now: NOW });
    expect(existsSync(join(repo, "packages.json"))).toBe(true);
  });
});

describe("readRepositoryMetadata", () => {
  it("reads upstream's example, ignoring unknown keys and defaulting fields older files lack", () => {
    const upstream = {
      schema_version: "1.1",
      repository: { name: "opsi package repository" },
      metadata_files: [{ type: "packages", urls: ["packages.json"] }],
      unknown_top: 1,
      packages: {
        localboot_new: {
          "42.0-1337": {
            url: "localboot_new_42.0-1337.opsi",
            size: 10240,
            md5_hash: "15329eb8cd987f46024b593f200b5295",
            sha256_hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            product_id: "localboot_new",
            product_version: "42.0",
            package_version: "1337",
            product_dependencies: [{ productAction: "setup", requiredProductId: "hwaudit", requiredInstallationStatus: "installed" }],
            package_dependencies: [{ package: "mshotfix", version: "202301-1", condition: ">=" }],
            description: "this is a localboot new test package",
            compatibility: null,
            zsync_url: "localboot_new_42.0-1337.opsi.zsync",
            extra: "ignored",
          },
        },
      },
    };
    const meta = readRepositoryMetadata(JSON.stringify(upstream));
    const pkg = meta.packages.localboot_new?.["42.0-1337"];
    expect(pkg?.name).toBeNull();
    expect(pkg?.priority).toBe(0);
    expect(pkg?.release_date).toBeNull();
    expect(pkg?.product_dependencies[0]?.requirementType).toBeNull();
    expect(pkg && "extra" in pkg).toBe(false);
    expect("unknown_top" in meta).toBe(false);
    expect(meta.metadata_files).toEqual([{ type: "packages", urls: ["packages.json"] }]);
  });

  it("gives clear errors", () => {
    expect(() => readRepositoryMetadata("{not json")).toThrow(/not valid JSON/);
    expect(() => readRepositoryMetadata({ packages: { x: { "1-1": { url: "x_1-1.opsi", size: -1, md5_hash: "zz" } } } })).toThrow(
      /packages\.x\.1-1\.size: .*packages\.x\.1-1\.md5_hash: must be 32 hex digits.*packages\.x\.1-1\.sha256_hash/,
    );
    const wrongKey = {
      packages: {
        x: {
          "2-1": {
            url: "x_1-1.opsi",
            size: 1,
            md5_hash: "15329eb8cd987f46024b593f200b5295",
            sha256_hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            product_id: "x",
            product_version: "1",
            package_version: "1",
          },
        },
      },
    };
    expect(() => readRepositoryMetadata(wrongKey)).toThrow("packages.x.2-1 describes x 1-1");
    expect(() => readRepositoryMetadata([])).toThrow(RepositoryMetadataError);
  });
});
