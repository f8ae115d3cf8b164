import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serializeData } from "@opsi-ts/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compress } from "zstd-napi";
import { makeTestPackage } from "../../depot/test-packages.js";
import { md5File } from "../../side-files/md5.js";
import { type RepositoryMetadata, writeRepositoryMetadata } from "../metadata.js";
import { RepositoryFetchError } from "./errors.js";
import { createUpdaterFetch } from "./http.js";
import { decodeMetafile, fetchRepositoryPackages, indexLinks, packagesFromMetadata } from "./metadata-fetch.js";
import { type RepositoryServer, serveRepository } from "./test-repository.js";

let root: string;
let meta: RepositoryMetadata;
let md5A: string;
const fetch = createUpdaterFetch({ timeoutMs: 5000 });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "opsi-updater-meta-"));
  const win = join(root, "windows", "localboot");
  const linux = join(root, "linux");
  mkdirSync(win, { recursive: true });
  mkdirSync(linux, { recursive: true });
  const a = await makeTestPackage(
    {
      id: "appa",
      productVersion: "1.0",
      packageVersion: "1",
      depends: ['{ package = "libz", condition = ">=", version = "1.0-1" }'],
      extraToml:
        '[[ProductDependency]]\naction = "setup"\nrequiredProduct = "base"\nrequiredStatus = "installed"\nrequirementType = "before"\n',
    },
    win,
  );
  await makeTestPackage({ id: "libz", productVersion: "1.0", packageVersion: "1" }, linux);
  md5A = await md5File(a);
  meta = await writeRepositoryMetadata(root, { createSideFiles: true, repoName: "test repo" });
}, 30_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function withServer<T>(dir: string, work: (server: RepositoryServer) => Promise<T>, options = {}): Promise<T> {
  const server = await serveRepository(dir, options);
  try {
    return await work(server);
  } finally {
    await server.close();
  }
}

describe("fetchRepositoryPackages with a metafile", () => {
  it("tries the names in order, takes packages.json, keeps packages under dirs, with absolute URLs", async () => {
    await withServer(root, async (server) => {
      const found = await fetchRepositoryPackages({ name: "r", baseUrl: server.url, dirs: ["windows/localboot"] }, { fetch });
      expect(found.metafile).toBe(`${server.url}/packages.json`);
      expect(server.requests.map((r) => r.path)).toEqual(["/packages.msgpack.zstd", "/packages.json"]);
      expect(found.packages).toEqual([
        {
          repository: "r",
          productId: "appa",
          productVersion: "1.0",
          packageVersion: "1",
          version: "1.0-1",
          fileName: "appa_1.0-1.opsi",
          url: `${server.url}/windows/localboot/appa_1.0-1.opsi`,
          md5: md5A,
          size: expect.any(Number),
          zsyncUrl: `${server.url}/windows/localboot/appa_1.0-1.opsi.zsync`,
          name: "appa product",
          productDependencies: ["base"],
          packageDependencies: ["libz"],
        },
      ]);
      const all = await fetchRepositoryPackages({ name: "r", baseUrl: server.url, dirs: ["/"] }, { fetch: globalThis.fetch });
      expect(all.packages.map((p) => p.productId).sort()).toEqual(["appa", "libz"]);
    });
  });

  it("prefers packages.msgpack.zstd and decodes it by its magic", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opsi-updater-zst-"));
    try {
      writeFileSync(join(dir, "packages.msgpack.zstd"), compress(Buffer.from(serializeData(meta, "msgpack"))));
      writeFileSync(join(dir, "packages.json"), "{ broken");
      await withServer(dir, async (server) => {
        const found = await fetchRepositoryPackages({ name: "z", baseUrl: server.url, dirs: ["linux"] }, { fetch });
        expect(found.metafile).toBe(`${server.url}/packages.msgpack.zstd`);
        expect(found.packages.map((p) => [p.productId, p.url])).toEqual([["libz", `${server.url}/linux/libz_1.0-1.opsi`]]);
        expect(server.requests.map((r) => r.path)).toEqual(["/packages.msgpack.zstd"]);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("decodes plain msgpack and zstd JSON, and names the URL of a bad metafile", async () => {
    const viaMsgpack = await decodeMetafile(serializeData(meta, "msgpack"), "m");
    const viaJsonZstd = await decodeMetafile(compress(Buffer.from(JSON.stringify(meta))), "j");
    expect(viaMsgpack.packages).toEqual(meta.packages);
    expect(viaJsonZstd.packages).toEqual(meta.packages);
    await expect(decodeMetafile(Buffer.from('{"packages": 3}'), "http://x/packages.json")).rejects.toThrow(
      /Bad metafile 'http:\/\/x\/packages.json': .*packages/,
    );
    await expect(decodeMetafile(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]), "http://x/p.zstd")).rejects.toThrow(
      "Cannot decompress 'http://x/p.zstd'",
    );
  });

  it("takes the first URL of a list that lies under dirs, with its parallel zsync URL", () => {
    const pkg = meta.packages.appa?.["1.0-1"];
    if (!pkg) throw new Error("fixture");
    const listed: RepositoryMetadata = {
      ...meta,
      packages: {
        appa: { "1.0-1": { ...pkg, url: ["other/appa_1.0-1.opsi", "mirror/appa_1.0-1.opsi"], zsync_url: [null, "mirror/z.zsync"] } },
      },
    };
    const found = packagesFromMetadata(listed, { name: "l", baseUrl: "http://h/base", dirs: ["/mirror/"] });
    expect(found.map((p) => [p.url, p.zsyncUrl])).toEqual([["http://h/base/mirror/appa_1.0-1.opsi", "http://h/base/mirror/z.zsync"]]);
    expect(packagesFromMetadata(listed, { name: "l", baseUrl: "http://h/base", dirs: ["nowhere"] })).toEqual([]);
  });
});

describe("fetchRepositoryPackages by HTML index scrape", () => {
  it("scrapes every dirs URL, reads .md5 files and notes .zsync files when there is no metafile", async () => {
    renameSync(join(root, "packages.json"), join(root, "packages.json.off"));
    try {
      await withServer(root, async (server) => {
        const found = await fetchRepositoryPackages({ name: "h", baseUrl: server.url, dirs: ["windows/localboot", "linux"] }, { fetch });
        expect(found.metafile).toBeNull();
        expect(found.packages.map((p) => [p.productId, p.version, p.url, p.md5, p.zsyncUrl])).toEqual([
          [
            "appa",
            "1.0-1",
            `${server.url}/windows/localboot/appa_1.0-1.opsi`,
            md5A,
            `${server.url}/windows/localboot/appa_1.0-1.opsi.zsync`,
          ],
          [
            "libz",
            "1.0-1",
            `${server.url}/linux/libz_1.0-1.opsi`,
            readFileSync(join(root, "linux", "libz_1.0-1.opsi.md5"), "utf8"),
            `${server.url}/linux/libz_1.0-1.opsi.zsync`,
          ],
        ]);
        expect(server.requests.map((r) => r.path)).toEqual([
          "/packages.msgpack.zstd",
          "/packages.json",
          "/packages.msgpack",
          "/packages.json.zstd",
          "/windows/localboot/",
          "/windows/localboot/appa_1.0-1.opsi.md5",
          "/linux/",
          "/linux/libz_1.0-1.opsi.md5",
        ]);
      });
    } finally {
      renameSync(join(root, "packages.json.off"), join(root, "packages.json"));
    }
  });

  it("treats an empty metafile as none, and reports an index that is not there with URL and status", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opsi-updater-empty-"));
    try {
      writeFileSync(join(dir, "packages.msgpack.zstd"), "");
      writeFileSync(join(dir, "packages.json"), JSON.stringify(meta));
      writeFileSync(join(dir, "x_2.0-1.opsi"), "not really a package");
      writeFileSync(join(dir, "not-a-package.opsi"), "");
      const logs: string[] = [];
      await withServer(dir, async (server) => {
        const found = await fetchRepositoryPackages(
          { name: "e", baseUrl: server.url, dirs: ["/"] },
          { fetch, log: (_l, m) => logs.push(m) },
        );
        expect(found.metafile).toBeNull();
        expect(found.packages.map((p) => [p.fileName, p.md5])).toEqual([["x_2.0-1.opsi", null]]);
        expect(logs.some((l) => l.includes("ignoring 'not-a-package.opsi'"))).toBe(true);
        const missing = fetchRepositoryPackages({ name: "e", baseUrl: server.url, dirs: ["nope"] }, { fetch });
        await expect(missing).rejects.toThrow(RepositoryFetchError);
        await expect(missing).rejects.toThrow(`Repository 'e': ${server.url}/nope/ answered HTTP 404 Not Found`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("extracts href targets of anchors in any quoting", () => {
    expect(indexLinks(`<A HREF="a.opsi">a</A><a class=x href='b.opsi'>b</a><a href=c.opsi>c</a><a href="d&amp;e.opsi">`)).toEqual([
      "a.opsi",
      "b.opsi",
      "c.opsi",
      "d&e.opsi",
    ]);
  });
});

describe("repository access errors and authentication", () => {
  it("sends Basic auth and reports 401 without it", async () => {
    await withServer(
      root,
      async (server) => {
        const ok = await fetchRepositoryPackages(
          { name: "auth", baseUrl: server.url, dirs: ["/"], username: "user", password: "pw" },
          { fetch },
        );
        expect(ok.packages).toHaveLength(2);
        expect(server.requests.every((r) => r.authorization === `Basic ${Buffer.from("user:pw").toString("base64")}`)).toBe(true);
        await expect(fetchRepositoryPackages({ name: "auth", baseUrl: server.url, dirs: ["/"] }, { fetch })).rejects.toThrow(
          `Repository 'auth': ${server.url}/ answered HTTP 401 Unauthorized`,
        );
      },
      { basicAuth: "user:pw" },
    );
  });

  it("names the URL of an unreachable repository", async () => {
    const server = await serveRepository(root);
    const url = server.url;
    await server.close();
    await expect(fetchRepositoryPackages({ name: "gone", baseUrl: url, dirs: ["/"] }, { fetch })).rejects.toThrow(
      `Cannot reach '${url}/packages.msgpack.zstd'`,
    );
  });
});
