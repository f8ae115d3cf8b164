import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSharedFixture } from "@opsi-ts/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPackage } from "../package/build.js";
import { createPackageContentFile, formatContentLine } from "./content-file.js";
import { md4 } from "./md4.js";
import { hashFile, md5File, writeMd5File } from "./md5.js";
import { createZsyncFile, zsyncParameters } from "./zsync.js";

const MTIME = new Date("2024-10-09T12:34:56Z");

/** Deterministic pseudo-random bytes (xorshift32), never starting with the gzip magic. */
function bytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  if (n > 0) out[0] = 0x42;
  return out;
}

function which(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch (_e: unknown) {
    return false;
  }
}

describe("md4", () => {
  it("matches the RFC 1320 test suite", () => {
    const suite: [string, string][] = [
      ["", "31d6cfe0d16ae931b73c59d7e0c089c0"],
      ["a", "bde52cb31de33e46245e05fbdbd6fb24"],
      ["abc", "a448017aaf21d8525fc10ae87aa6729d"],
      ["message digest", "d9130a8164549fe818874806e1c7014b"],
      ["abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"],
      ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"],
      ["12345678901234567890123456789012345678901234567890123456789012345678901234567890", "e33b4ddc9c38f2199c3e7b164fcc0536"],
    ];
    for (const [input, digest] of suite) expect(md4(Buffer.from(input)).toString("hex")).toBe(digest);
  });

  it("handles the padding boundaries (55, 56, 63, 64 and 65 bytes)", () => {
    // Reference values from OpenSSL (`openssl dgst -md4 -provider legacy`), all-"a" inputs.
    const expected: [number, string][] = [
      [55, "c889c81dd86c4d2e025778944ea02881"],
      [56, "d5f9a9e9257077a5f08b0b92f348b0ad"],
      [63, "7ea3da77432d44c323671097d1348fc8"],
      [64, "52f5076fabd22680234a3fa9f9dc5732"],
      [65, "330e377bf231f3cacfecc2c182fe7e5b"],
      [2048, "b6c88248d63674b095a7fcd4f559ec36"],
    ];
    for (const [n, digest] of expected) expect(md4(Buffer.alloc(n, 0x61)).toString("hex"), String(n)).toBe(digest);
  });
});

describe("md5 side file", () => {
  it("streams the MD5 and writes only the 32 hex digits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opsi-md5-"));
    const file = join(dir, "x_1.0-1.opsi");
    writeFileSync(file, bytes(3_000_000, 7));
    const expected = execFileSync("md5sum", [file], { encoding: "utf8" }).slice(0, 32);
    expect(await md5File(file)).toBe(expected);
    expect(await writeMd5File(file)).toBe(expected);
    expect(readFileSync(`${file}.md5`, "utf8")).toBe(expected);
    const both = await hashFile(file, ["md5", "sha256"]);
    expect(both.sha256).toBe(execFileSync("sha256sum", [file], { encoding: "utf8" }).slice(0, 64));
  });
});

describe("zsync", () => {
  it("computes Hash-Lengths like zsyncmake", () => {
    expect(zsyncParameters(0)).toEqual({ blockSize: 2048, seqMatches: 1, rsumBytes: 2, checksumBytes: 3 });
    expect(zsyncParameters(5000)).toEqual({ blockSize: 2048, seqMatches: 2, rsumBytes: 2, checksumBytes: 3 });
    expect(zsyncParameters(99_999_999)).toEqual({ blockSize: 2048, seqMatches: 2, rsumBytes: 2, checksumBytes: 5 });
    expect(zsyncParameters(100_000_000)).toEqual({ blockSize: 4096, seqMatches: 2, rsumBytes: 2, checksumBytes: 5 });
  });

  it("writes the header and the truncated block sums", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opsi-zsync-"));
    const file = join(dir, "p_1.0-1.opsi");
    writeFileSync(file, bytes(5000, 3));
    utimesSync(file, MTIME, MTIME);
    const result = await createZsyncFile(file);
    const out = readFileSync(result.path);
    const text = out.toString("latin1");
    const header = text.slice(0, text.indexOf("\n\n") + 2);
    expect(header).toBe(
      [
        "zsync: 0.6.2",
        "Filename: p_1.0-1.opsi",
        "MTime: Wed, 09 Oct 2024 12:34:56 +0000",
        "Blocksize: 2048",
        "Length: 5000",
        "Hash-Lengths: 2,2,3",
        "URL: p_1.0-1.opsi",
        `SHA-1: ${result.sha1}`,
        "",
        "",
      ].join("\n"),
    );
    expect(out.length - header.length).toBe(3 * (2 + 3));
    // Last block: zero-padded to the block size before hashing.
    const last = Buffer.alloc(2048);
    bytes(5000, 3).copy(last, 0, 4096);
    expect(out.subarray(out.length - 3).toString("hex")).toBe(md4(last).subarray(0, 3).toString("hex"));
    const custom = await createZsyncFile(file, { url: "http://repo/p_1.0-1.opsi", outPath: join(dir, "other.zsync") });
    expect(readFileSync(custom.path, "latin1")).toContain("URL: http://repo/p_1.0-1.opsi\n");
  });

  describe("byte-for-byte against zsyncmake 0.6.2", () => {
    beforeAll(() => {
      // The `zsync` Debian package provides zsyncmake; install it when we may (root on Debian/Ubuntu).
      if (!which("zsyncmake") && process.getuid?.() === 0 && which("apt-get")) {
        execFileSync("apt-get", ["install", "-y", "-q", "zsync"], { stdio: "ignore" });
      }
      if (!which("zsyncmake")) throw new Error("zsyncmake is required for this test (apt-get install zsync)");
    });

    const compare = async (dir: string, name: string): Promise<void> => {
      const file = join(dir, name);
      utimesSync(file, MTIME, MTIME);
      execFileSync("zsyncmake", ["-u", name, "-o", `${name}.ref`, name], { cwd: dir, stdio: "ignore" });
      const ours = await createZsyncFile(file);
      expect(readFileSync(ours.path).equals(readFileSync(`${file}.ref`)), name).toBe(true);
    };

    it("matches for small, block-boundary and multi-megabyte files", async () => {
      const dir = mkdtempSync(join(tmpdir(), "opsi-zsyncmake-"));
      const sizes = [0, 1, 2047, 2048, 2049, 5000, 65_536, 300_001, 3_000_000];
      for (const [i, size] of sizes.entries()) {
        writeFileSync(join(dir, `f${size}.bin`), bytes(size, i + 11));
        await compare(dir, `f${size}.bin`);
      }
    });

    it("matches at the 4096-byte block-size threshold (100,000,000 bytes)", async () => {
      const dir = mkdtempSync(join(tmpdir(), "opsi-zsyncmake-big-"));
      for (const size of [99_999_999, 100_000_000]) {
        const name = `sparse${size}.bin`;
        writeFileSync(join(dir, name), bytes(70_000, size));
        truncateSync(join(dir, name), size);
        await compare(dir, name);
      }
    }, 60_000);

    it("matches for a package built by buildPackage", async () => {
      const root = mkdtempSync(join(tmpdir(), "opsi-zsyncmake-pkg-"));
      const src = join(root, "src");
      mkdirSync(join(src, "OPSI"), { recursive: true });
      writeFileSync(join(src, "OPSI", "control.toml"), readSharedFixture("packages/control.toml"));
      mkdirSync(join(src, "CLIENT_DATA"), { recursive: true });
      writeFileSync(join(src, "CLIENT_DATA", "data.bin"), bytes(200_000, 5));
      const { path } = await buildPackage(src, { outDir: join(root, "out") });
      await compare(join(root, "out"), path.slice(path.lastIndexOf("/") + 1));
    });
  });
});

describe("package content file", () => {
  it("lists files and directories the way opsi does", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "opsi-files-")), "myprod");
    mkdirSync(join(dir, "sub", "deeper"), { recursive: true });
    mkdirSync(join(dir, "empty"));
    writeFileSync(join(dir, "setup.opsiscript"), "Message 'hi'\n");
    writeFileSync(join(dir, "it's.txt"), "quote");
    writeFileSync(join(dir, "sub", "a.bin"), bytes(10_000, 1));
    writeFileSync(join(dir, "sub", "deeper", "z.txt"), "");
    symlinkSync("setup.opsiscript", join(dir, "link.opsiscript"));
    symlinkSync("sub", join(dir, "linkdir"));
    symlinkSync("missing", join(dir, "broken"));
    writeFileSync(join(dir, "myprod.files"), "stale");

    const path = await createPackageContentFile(dir);
    expect(path).toBe(join(dir, "myprod.files"));
    const md5 = (p: string): string => execFileSync("md5sum", [join(dir, p)], { encoding: "utf8" }).slice(0, 32);
    expect(readFileSync(path, "utf8")).toBe(
      [
        "d 'empty' 0 ",
        `f 'it\\'s.txt' 5 ${md5("it's.txt")}`,
        `f 'link.opsiscript' 13 ${md5("setup.opsiscript")}`,
        "d 'linkdir' 0 ",
        `f 'setup.opsiscript' 13 ${md5("setup.opsiscript")}`,
        "d 'sub' 0 ",
        `f 'sub/a.bin' 10000 ${md5("sub/a.bin")}`,
        "d 'sub/deeper' 0 ",
        "f 'sub/deeper/z.txt' 0 d41d8cd98f00b204e9800998ecf8427e",
      ].join("\n"),
    );
  });

  it("formats single lines", () => {
    expect(formatContentLine({ type: "d", path: "a'b", size: 0, md5: "" })).toBe("d 'a\\'b' 0 ");
  });
});
