/** @module package/archive.test */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedFixturePath } from "@opsi-ts/core/testing";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { extractPackage, readPackageInfo, UnsafeArchiveError } from "./archive.js";

const fixtureToml = readFileSync(sharedFixturePath("packages/control.toml"), "utf8");

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "opsi-archive-"));
}

function sh(cwd: string, cmd: string): void {
  execFileSync("sh", ["-c", cmd], { cwd, stdio: "pipe" });
}

/** Builds a package from a source tree with the system tools. */
function buildWithTools(format: "tar" | "cpio", compression: "zstd" | "gz" | "bz2" | "none", outer: "tar" | "cpio"): string {
  const src = tmp();
  mkdirSync(join(src, "OPSI"));
  mkdirSync(join(src, "CLIENT_DATA", "sub"), { recursive: true });
  writeFileSync(join(src, "OPSI", "control.toml"), fixtureToml);
  writeFileSync(join(src, "CLIENT_DATA", "setup.opsiscript"), "Message hi\n");
  writeFileSync(join(src, "CLIENT_DATA", "sub", "data.bin"), Buffer.alloc(100_000, 7));
  symlinkSync("../setup.opsiscript", join(src, "CLIENT_DATA", "sub", "link"));
  const out = tmp();
  const suffix = compression === "none" ? "" : `.${compression}`;
  const compress = { zstd: "zstd -q -c", gz: "gzip -c", bz2: "bzip2 -c", none: "cat" }[compression];
  for (const d of ["OPSI", "CLIENT_DATA"]) {
    const archive = format === "tar" ? "tar -cf - --format=pax ." : "find . -mindepth 1 | cpio -o -H crc --quiet";
    sh(join(src, d), `${archive} | ${compress} > ${join(out, `${d}.${format}${suffix}`)}`);
  }
  const pkg = join(tmp(), "localboot_new_42.0-1337.opsi");
  sh(out, outer === "tar" ? `tar -cf ${pkg} OPSI.* CLIENT_DATA.*` : `ls OPSI.* CLIENT_DATA.* | cpio -o -H newc --quiet > ${pkg}`);
  return pkg;
}

describe("fixtures", () => {
  it("reads the legacy cpio package", async () => {
    const info = await readPackageInfo(sharedFixturePath("packages/localboot_new_42.0-1337.opsi"));
    expect(info.format).toBe("cpio");
    expect(info.members.map((m) => [m.name, m.format, m.compression])).toEqual([
      ["CLIENT_DATA.cpio.gz", "cpio", "gzip"],
      ["OPSI.cpio.gz", "cpio", "gzip"],
    ]);
    expect(info.control.product).toMatchObject({ id: "localboot_new", productVersion: "42.0", packageVersion: "1337" });
    const dir = tmp();
    await extractPackage(sharedFixturePath("packages/localboot_new_42.0-1337.opsi"), dir);
    expect(readdirSync(join(dir, "OPSI")).sort()).toEqual(["changelog.txt", "control", "control.toml", "postinst", "preinst"]);
    expect(readdirSync(join(dir, "CLIENT_DATA"))).toContain("setup.opsiscript");
  });

  it("reads the tar/zstd package", async () => {
    const path = sharedFixturePath("packages/tar_zstd_packaged_42.0-1337.opsi");
    const info = await readPackageInfo(path);
    expect(info.format).toBe("tar");
    expect(info.members.map((m) => m.compression)).toEqual(["zstd", "zstd", "zstd"]);
    const dir = tmp();
    await extractPackage(path, dir);
    expect(readFileSync(join(dir, "SERVER_DATA", "control.toml"), "utf8")).toContain('id = "localboot_new"');
  });
});

describe("archives built with the system tools", () => {
  const variants = (["tar", "cpio"] as const).flatMap((format) =>
    (["zstd", "gz", "bz2", "none"] as const).flatMap((compression) =>
      (["tar", "cpio"] as const).map((outer) => [format, compression, outer] as const),
    ),
  );
  it.each(variants)("inner %s, %s, outer %s", async (format, compression, outer) => {
    const pkg = buildWithTools(format, compression, outer);
    const info = await readPackageInfo(pkg);
    expect(info.format).toBe(outer);
    expect(info.members.every((m) => m.format === format)).toBe(true);
    expect(info.members[0]?.compression).toBe({ zstd: "zstd", gz: "gzip", bz2: "bzip2", none: "none" }[compression]);
    expect(info.control.product.id).toBe("localboot_new");
    const dir = tmp();
    await extractPackage(pkg, dir);
    expect(readFileSync(join(dir, "CLIENT_DATA", "sub", "data.bin"))).toEqual(Buffer.alloc(100_000, 7));
    expect(readlinkSync(join(dir, "CLIENT_DATA", "sub", "link"))).toBe("../setup.opsiscript");
  });
});

interface FakeEntry {
  name: string;
  type?: "file" | "directory" | "symlink" | "link" | "character-device" | "fifo";
  content?: string;
  linkname?: string;
}

async function tarBuffer(entries: { name: string; content: Buffer; type?: FakeEntry["type"]; linkname?: string }[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve) => p.on("end", () => resolve()));
  for (const e of entries) {
    const type = e.type ?? "file";
    await new Promise<void>((resolve, reject) =>
      p.entry(
        { name: e.name, type, linkname: e.linkname, size: type === "file" ? e.content.length : 0 },
        type === "file" ? e.content : "",
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function maliciousPackage(clientData: FakeEntry[], extraMembers: { name: string; content: Buffer }[] = []): Promise<string> {
  const opsi = await tarBuffer([{ name: "control.toml", content: Buffer.from(fixtureToml) }]);
  const client = await tarBuffer(clientData.map((e) => ({ ...e, content: Buffer.from(e.content ?? "") })));
  const path = join(tmp(), "evil_1.0-1.opsi");
  writeFileSync(
    path,
    await tarBuffer([{ name: "OPSI.tar", content: opsi }, { name: "CLIENT_DATA.tar", content: client }, ...extraMembers]),
  );
  return path;
}

async function expectRejected(path: string, pattern: RegExp, limits = {}): Promise<void> {
  const dir = join(tmp(), "out");
  await expect(extractPackage(path, dir, limits)).rejects.toThrow(pattern);
  expect(existsSync(dir)).toBe(false);
}

describe("safety (error, nothing written)", () => {
  it("rejects '..'", async () => {
    await expectRejected(await maliciousPackage([{ name: "ok.txt" }, { name: "a/../../evil" }]), /contains '\.\.'/);
  });
  it("rejects absolute paths", async () => {
    await expectRejected(await maliciousPackage([{ name: "/etc/evil" }]), /absolute path/);
  });
  it("rejects symlinks pointing outside", async () => {
    await expectRejected(await maliciousPackage([{ name: "l", type: "symlink", linkname: "../../etc/passwd" }]), /points outside/);
    await expectRejected(await maliciousPackage([{ name: "l", type: "symlink", linkname: "/etc/passwd" }]), /absolute path/);
  });
  it("rejects writing below a symlink and links through links", async () => {
    await expectRejected(await maliciousPackage([{ name: "d", type: "symlink", linkname: "." }, { name: "d/x" }]), /below a symlink/);
    await expectRejected(
      await maliciousPackage([
        { name: "a/b", type: "symlink", linkname: "../c" },
        { name: "l", type: "symlink", linkname: "a/b/x" },
      ]),
      /through another symlink/,
    );
  });
  it("rejects hardlinks to unknown files", async () => {
    await expectRejected(await maliciousPackage([{ name: "h", type: "link", linkname: "../../etc/shadow" }]), /contains '\.\.'/);
    await expectRejected(await maliciousPackage([{ name: "h", type: "link", linkname: "missing" }]), /no earlier file/);
  });
  it("rejects device files and fifos", async () => {
    await expectRejected(await maliciousPackage([{ name: "dev", type: "character-device" }]), /device, fifo/);
    await expectRejected(await maliciousPackage([{ name: "p", type: "fifo" }]), /device, fifo/);
  });
  it("rejects duplicate names and members", async () => {
    await expectRejected(
      await maliciousPackage([
        { name: "x", content: "1" },
        { name: "./x", content: "2" },
      ]),
      /duplicate entry 'x'/,
    );
    const opsi = await tarBuffer([{ name: "control.toml", content: Buffer.from(fixtureToml) }]);
    await expectRejected(await maliciousPackage([], [{ name: "OPSI.tar", content: opsi }]), /duplicate package member/);
    await expectRejected(await maliciousPackage([], [{ name: "EVIL.tar", content: opsi }]), /unexpected package member/);
  });
  it("rejects truncated archives and bad cpio checksums", async () => {
    const good = buildWithTools("tar", "none", "tar");
    const truncated = join(tmp(), "t_1.0-1.opsi");
    writeFileSync(truncated, readFileSync(good).subarray(0, 3000));
    await expectRejected(truncated, /.+/);
    const cpioPkg = buildWithTools("cpio", "none", "cpio");
    const bytes = readFileSync(cpioPkg);
    const at = bytes.indexOf(Buffer.from(Buffer.alloc(64, 7)));
    bytes[at] = 8;
    const corrupt = join(tmp(), "c_1.0-1.opsi");
    writeFileSync(corrupt, bytes);
    await expectRejected(corrupt, /checksum mismatch/);
  });
  it("bounds decompression by ratio and total size", async () => {
    const dir = tmp();
    mkdirSync(join(dir, "OPSI"));
    writeFileSync(join(dir, "OPSI", "control.toml"), fixtureToml);
    writeFileSync(join(dir, "OPSI", "zeros"), Buffer.alloc(8 * 1024 * 1024));
    sh(join(dir, "OPSI"), "tar -cf - . | zstd -q -19 -c > ../OPSI.tar.zstd");
    const pkg = join(tmp(), "bomb_1.0-1.opsi");
    sh(dir, `tar -cf ${pkg} OPSI.tar.zstd`);
    await expectRejected(pkg, /times its size/, { maxRatio: 50 });
    await expectRejected(pkg, /exceeds the limit of 1000000 bytes/, { maxTotalSize: 1_000_000 });
    await expect(readPackageInfo(pkg)).resolves.toBeDefined();
  });
  it("errors are UnsafeArchiveError for unsafe content", async () => {
    await expect(readPackageInfo(await maliciousPackage([{ name: "/x" }]))).rejects.toBeInstanceOf(UnsafeArchiveError);
  });
});
