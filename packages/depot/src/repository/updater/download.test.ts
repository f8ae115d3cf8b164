import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeTestPackage } from "../../depot/test-packages.js";
import { md5File } from "../../side-files/md5.js";
import { createZsyncFile } from "../../side-files/zsync.js";
import { downloadPackage } from "./download.js";
import { PackageChecksumError, PackageDownloadError } from "./errors.js";
import { createUpdaterFetch } from "./http.js";
import { type RepositoryServer, serveRepository } from "./test-repository.js";

const FILE = "big_1.0-2.opsi";
let repoDir: string;
let packageDir: string;
let md5: string;
let size: number;
let server: RepositoryServer;
const fetch = createUpdaterFetch({ timeoutMs: 5000 });

beforeAll(async () => {
  repoDir = mkdtempSync(join(tmpdir(), "opsi-updater-dl-repo-"));
  // Random content does not compress: the package is big enough to be cut in the middle.
  const random = randomBytes(600_000);
  await makeTestPackage(
    { id: "big", productVersion: "1.0", packageVersion: "2", files: { "setup.opsiscript": "x", "blob.bin": random } },
    repoDir,
  );
  md5 = await md5File(join(repoDir, FILE));
  size = statSync(join(repoDir, FILE)).size;
  expect(size).toBeGreaterThan(500_000);
  server = await serveRepository(repoDir);
}, 30_000);

afterAll(async () => {
  await server.close();
  rmSync(repoDir, { recursive: true, force: true });
});

beforeEach(() => {
  packageDir = mkdtempSync(join(tmpdir(), "opsi-updater-dl-pkg-"));
  server.requests.length = 0;
  return () => rmSync(packageDir, { recursive: true, force: true });
});

const options = () => ({ url: `${server.url}/${FILE}`, packageDir, fileName: FILE, productId: "big", md5, size, fetch });

describe("downloadPackage", () => {
  it("downloads, verifies, writes .md5 and .zsync like the repository's and removes other versions of the product", async () => {
    writeFileSync(join(packageDir, "big_0.9-1.opsi"), "old");
    writeFileSync(join(packageDir, "big_0.9-1.opsi.md5"), "old");
    writeFileSync(join(packageDir, "big_0.9-1.opsi.zsync"), "old");
    writeFileSync(join(packageDir, "big_1.0-1~acme.opsi"), "custom variant stays");
    writeFileSync(join(packageDir, "bigger_0.1-1.opsi"), "other product stays");
    const progress: [number, number | null][] = [];
    const result = await downloadPackage({ ...options(), onProgress: (b, t) => progress.push([b, t]) });
    expect(result).toEqual({ path: join(packageDir, FILE), md5, verified: true, resumedAt: [], removed: ["big_0.9-1.opsi"] });
    expect(readFileSync(join(packageDir, `${FILE}.md5`), "utf8")).toBe(md5);
    await createZsyncFile(join(repoDir, FILE), { mtime: statSync(join(packageDir, FILE)).mtime });
    const expectedZsync = readFileSync(join(repoDir, `${FILE}.zsync`));
    expect(readFileSync(join(packageDir, `${FILE}.zsync`))).toEqual(expectedZsync);
    expect(readdirSync(packageDir).sort()).toEqual(["big_1.0-1~acme.opsi", FILE, `${FILE}.md5`, `${FILE}.zsync`, "bigger_0.1-1.opsi"]);
    expect(progress.at(-1)).toEqual([size, size]);
    expect(progress.every(([b], i) => i === 0 || b >= (progress[i - 1]?.[0] ?? 0))).toBe(true);
  });

  // Node drops what is still buffered in the socket when the close is noticed, so the client keeps at most
  // `cutAt` bytes (almost always all of them): the tests check that it resumes exactly where its part ends.
  it("resumes with Range after the connection was cut in the middle of the file", async () => {
    const cutAt = Math.floor(size / 2);
    server.cutOnce.set(`/${FILE}`, cutAt);
    const logs: string[] = [];
    const result = await downloadPackage({ ...options(), log: (_l, m) => logs.push(m) });
    expect(result.resumedAt).toHaveLength(1);
    const at = result.resumedAt[0] ?? 0;
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThanOrEqual(cutAt);
    expect(logs).toContain(`${FILE}: resuming download at byte ${at}`);
    expect(logs.some((l) => l.includes("interrupted after"))).toBe(true);
    expect(server.requests.map((r) => r.range)).toEqual([null, `bytes=${at}-`]);
    expect(await md5File(join(packageDir, FILE))).toBe(md5);
    expect(existsSync(join(packageDir, `${FILE}.part`))).toBe(false);
  });

  it("keeps the .part file when the only try is cut, and the next call continues it", async () => {
    const cutAt = Math.floor(size / 3);
    server.cutOnce.set(`/${FILE}`, cutAt);
    const error = await downloadPackage({ ...options(), attempts: 1 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PackageDownloadError);
    const kept = statSync(join(packageDir, `${FILE}.part`)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(cutAt);
    expect((error as Error).message).toContain(`interrupted after ${kept} bytes`);
    expect((error as Error).message).toContain(`(${kept} bytes kept in ${join(packageDir, `${FILE}.part`)}, the next run resumes)`);
    const second = await downloadPackage({ ...options(), attempts: 1 });
    expect(second.resumedAt).toEqual([kept]);
    expect(server.requests.map((r) => r.range)).toEqual([null, `bytes=${kept}-`]);
    expect(await md5File(second.path)).toBe(md5);
  });

  it("starts over when the server ignores Range (200) or refuses it (416)", async () => {
    const plain = await serveRepository(repoDir, { ranges: false });
    try {
      writeFileSync(join(packageDir, `${FILE}.part`), readFileSync(join(repoDir, FILE)).subarray(0, 1000));
      const result = await downloadPackage({ ...options(), url: `${plain.url}/${FILE}` });
      expect(result.resumedAt).toEqual([]);
      expect(plain.requests.map((r) => r.range)).toEqual(["bytes=1000-"]);
      expect(await md5File(result.path)).toBe(md5);
    } finally {
      await plain.close();
    }
    rmSync(join(packageDir, FILE));
    writeFileSync(join(packageDir, `${FILE}.part`), Buffer.alloc(size + 10));
    const again = await downloadPackage(options());
    expect(server.requests.map((r) => r.range)).toEqual([`bytes=${size + 10}-`, null]);
    expect(await md5File(again.path)).toBe(md5);
  });

  it("rejects an MD5 mismatch naming the package and deletes the file", async () => {
    const wrong = "0123456789abcdef0123456789abcdef";
    const bad = downloadPackage({ ...options(), md5: wrong });
    await expect(bad).rejects.toThrow(PackageChecksumError);
    await expect(bad).rejects.toThrow(`Package big (${FILE}): MD5 of the download is ${md5}, the repository says ${wrong}; file deleted`);
    expect(readdirSync(packageDir)).toEqual([]);
  });

  it("warns 'Cannot verify' without an MD5", async () => {
    const logs: [string, string][] = [];
    const result = await downloadPackage({ ...options(), md5: null, log: (l, m) => logs.push([l, m]) });
    expect(result.verified).toBe(false);
    expect(logs).toContainEqual(["warning", `Cannot verify ${FILE}: the repository gives no MD5`]);
  });

  it("names URL and status of a failed request", async () => {
    await expect(downloadPackage({ ...options(), url: `${server.url}/missing_1.0-1.opsi` })).rejects.toThrow(
      `Download of big from ${server.url}/missing_1.0-1.opsi failed: HTTP 404 Not Found`,
    );
  });
});
