/** @module webdav/handler.test: integration tests of the WebDAV handler over node:http. */

import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebdavHandler, parseRange, type WebdavOptions } from "./handler.js";

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface Share {
  port: number;
  root: string;
  server: Server;
}

const shares: Share[] = [];
let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "webdav-handler-"));
});
afterAll(async () => {
  for (const s of shares) await new Promise((r) => s.server.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function share(opts: Omit<WebdavOptions, "root"> = {}, prefix = "/dav"): Promise<Share> {
  const root = join(dir, `root${shares.length}`);
  await mkdir(root);
  const dav = createWebdavHandler({ root, stateDir: join(dir, `state${shares.length}`), ...opts });
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (!url.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    void dav(req, res, url.slice(prefix.length));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const s = { port: (server.address() as AddressInfo).port, root, server };
  shares.push(s);
  return s;
}

function send(s: Share, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: s.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const host = (s: Share): string => `http://127.0.0.1:${s.port}`;
const PROPFIND_ALL = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>';
const LOCK_BODY = (scope: string) =>
  `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner><D:href>me</D:href></D:owner></D:lockinfo>`;

describe("OPTIONS", () => {
  it("advertises DAV 1, 2 and the allowed methods", async () => {
    const s = await share();
    const r = await send(s, "OPTIONS", "/dav/");
    expect(r.status).toBe(200);
    expect(r.headers.dav).toBe("1, 2");
    expect(r.headers.allow).toContain("PROPFIND");
    expect(r.headers.allow).toContain("LOCK");
  });
});

describe("GET/HEAD", () => {
  let s: Share;
  beforeAll(async () => {
    s = await share();
    await writeFile(join(s.root, "f.txt"), "0123456789");
    await mkdir(join(s.root, "sub"));
  });

  it("serves files with ETag, Last-Modified and content type", async () => {
    const r = await send(s, "GET", "/dav/f.txt");
    expect(r).toMatchObject({ status: 200, body: "0123456789" });
    expect(r.headers["content-type"]).toBe("text/plain");
    expect(r.headers.etag).toMatch(/^"/);
    expect(r.headers["last-modified"]).toBeTruthy();
    const h = await send(s, "HEAD", "/dav/f.txt");
    expect(h).toMatchObject({ status: 200, body: "" });
    expect(h.headers["content-length"]).toBe("10");
  });

  it("answers conditional requests with 304", async () => {
    const r = await send(s, "GET", "/dav/f.txt");
    const etag = String(r.headers.etag);
    expect((await send(s, "GET", "/dav/f.txt", { "If-None-Match": etag })).status).toBe(304);
    expect((await send(s, "GET", "/dav/f.txt", { "If-Modified-Since": String(r.headers["last-modified"]) })).status).toBe(304);
    expect((await send(s, "GET", "/dav/f.txt", { "If-None-Match": '"other"' })).status).toBe(200);
  });

  it("serves single ranges with 206 and refuses unsatisfiable ones with 416", async () => {
    const r = await send(s, "GET", "/dav/f.txt", { Range: "bytes=2-4" });
    expect(r).toMatchObject({ status: 206, body: "234" });
    expect(r.headers["content-range"]).toBe("bytes 2-4/10");
    expect((await send(s, "GET", "/dav/f.txt", { Range: "bytes=-3" })).body).toBe("789");
    expect((await send(s, "GET", "/dav/f.txt", { Range: "bytes=7-" })).body).toBe("789");
    const bad = await send(s, "GET", "/dav/f.txt", { Range: "bytes=20-30" });
    expect(bad.status).toBe(416);
    expect(bad.headers["content-range"]).toBe("bytes */10");
    expect((await send(s, "GET", "/dav/f.txt", { Range: "bytes=0-1,4-5" })).status).toBe(200);
    expect((await send(s, "GET", "/dav/f.txt", { Range: "bytes=2-4", "If-Range": '"stale"' })).status).toBe(200);
  });

  it("lists collections and 404s missing resources", async () => {
    const r = await send(s, "GET", "/dav/");
    expect(r.status).toBe(200);
    expect(r.body).toContain('href="/dav/sub/"');
    expect((await send(s, "GET", "/dav/missing")).status).toBe(404);
  });

  it("parses Range headers", () => {
    expect(parseRange("bytes=0-0", 1)).toEqual([0, 0]);
    expect(parseRange("bytes=5-2", 10)).toBeNull();
    expect(parseRange("items=1-2", 10)).toBeNull();
    expect(parseRange("bytes=-0", 10)).toBe("unsatisfiable");
    expect(parseRange("bytes=3-100", 10)).toEqual([3, 9]);
  });
});

describe("PUT / DELETE / MKCOL", () => {
  let s: Share;
  beforeAll(async () => {
    s = await share({ maxUploadBytes: 100 });
  });

  it("creates (201) and replaces (204) files, 409 without parent, 405 on a collection", async () => {
    expect((await send(s, "PUT", "/dav/a.txt", {}, "one")).status).toBe(201);
    expect((await send(s, "PUT", "/dav/a.txt", {}, "two")).status).toBe(204);
    expect(await readFile(join(s.root, "a.txt"), "utf8")).toBe("two");
    expect((await send(s, "PUT", "/dav/no/a.txt", {}, "x")).status).toBe(409);
    expect((await send(s, "MKCOL", "/dav/c")).status).toBe(201);
    expect((await send(s, "PUT", "/dav/c", {}, "x")).status).toBe(405);
  });

  it("refuses oversized uploads with 413 and leaves no temp files", async () => {
    expect((await send(s, "PUT", "/dav/big.bin", {}, "x".repeat(101))).status).toBe(413);
    const chunked = await send(s, "PUT", "/dav/big2.bin", { "Transfer-Encoding": "chunked" }, "y".repeat(500));
    expect(chunked.status).toBe(413);
    const list = await send(s, "PROPFIND", "/dav/", { Depth: "1" });
    expect(list.body).not.toContain("big");
    expect(list.body).not.toContain(".~opsi-webdav-");
  });

  it("MKCOL answers 405 when it exists, 409 without parent, 415 with a body", async () => {
    expect((await send(s, "MKCOL", "/dav/m")).status).toBe(201);
    expect((await send(s, "MKCOL", "/dav/m")).status).toBe(405);
    expect((await send(s, "MKCOL", "/dav/x/y")).status).toBe(409);
    expect((await send(s, "MKCOL", "/dav/n", { "Content-Type": "text/xml" }, "<a/>")).status).toBe(415);
  });

  it("DELETE removes trees recursively", async () => {
    await mkdir(join(s.root, "t", "u"), { recursive: true });
    await writeFile(join(s.root, "t", "u", "f"), "x");
    expect((await send(s, "DELETE", "/dav/t")).status).toBe(204);
    await expect(stat(join(s.root, "t"))).rejects.toThrow();
    expect((await send(s, "DELETE", "/dav/t")).status).toBe(404);
    expect((await send(s, "DELETE", "/dav/")).status).toBe(403);
  });
});

describe("COPY / MOVE", () => {
  let s: Share;
  beforeAll(async () => {
    s = await share();
    await mkdir(join(s.root, "src", "d"), { recursive: true });
    await writeFile(join(s.root, "src", "d", "f"), "content");
    await writeFile(join(s.root, "file"), "file");
  });

  it("copies collections (201), overwrites (204) and honours Overwrite: F (412)", async () => {
    const dest = { Destination: `${host(s)}/dav/copy` };
    expect((await send(s, "COPY", "/dav/src", dest)).status).toBe(201);
    expect(await readFile(join(s.root, "copy", "d", "f"), "utf8")).toBe("content");
    expect((await send(s, "COPY", "/dav/src", { ...dest, Overwrite: "F" })).status).toBe(412);
    expect((await send(s, "COPY", "/dav/file", dest)).status).toBe(204);
    expect(await readFile(join(s.root, "copy"), "utf8")).toBe("file");
  });

  it("copies shallow with Depth 0", async () => {
    expect((await send(s, "COPY", "/dav/src", { Destination: "/dav/shallow", Depth: "0" })).status).toBe(201);
    expect((await stat(join(s.root, "shallow"))).isDirectory()).toBe(true);
    await expect(stat(join(s.root, "shallow", "d"))).rejects.toThrow();
  });

  it("answers 409 for a missing destination parent, 502 for foreign hosts, 403 for self", async () => {
    expect((await send(s, "COPY", "/dav/file", { Destination: `${host(s)}/dav/none/x` })).status).toBe(409);
    expect((await send(s, "COPY", "/dav/file", { Destination: "http://elsewhere.example/dav/x" })).status).toBe(502);
    expect((await send(s, "COPY", "/dav/file", { Destination: `${host(s)}/other/x` })).status).toBe(502);
    expect((await send(s, "MOVE", "/dav/file", { Destination: `${host(s)}/dav/file` })).status).toBe(403);
    expect((await send(s, "COPY", "/dav/src", { Destination: `${host(s)}/dav/src/d/inner` })).status).toBe(403);
    expect((await send(s, "COPY", "/dav/file")).status).toBe(400);
  });

  it("moves resources together with their dead properties", async () => {
    const patch =
      '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z"><D:set><D:prop><Z:color>blue</Z:color></D:prop></D:set></D:propertyupdate>';
    expect((await send(s, "PROPPATCH", "/dav/file", {}, patch)).status).toBe(207);
    expect((await send(s, "MOVE", "/dav/file", { Destination: `${host(s)}/dav/moved` })).status).toBe(201);
    await expect(stat(join(s.root, "file"))).rejects.toThrow();
    const r = await send(s, "PROPFIND", "/dav/moved", { Depth: "0" }, PROPFIND_ALL);
    expect(r.body).toContain('<color xmlns="urn:z">blue</color>');
  });
});

describe("PROPFIND / PROPPATCH", () => {
  let s: Share;
  beforeAll(async () => {
    s = await share();
    await mkdir(join(s.root, "dir"));
    await writeFile(join(s.root, "dir", "a b.txt"), "hello");
  });

  it("returns live properties with Depth 0 and 1", async () => {
    const r0 = await send(s, "PROPFIND", "/dav/dir", { Depth: "0" });
    expect(r0.status).toBe(207);
    expect(r0.body).toContain("<D:href>/dav/dir/</D:href>");
    expect(r0.body).toContain("<D:collection/>");
    expect(r0.body).not.toContain("a%20b.txt");
    const r1 = await send(s, "PROPFIND", "/dav/dir", { Depth: "1" }, PROPFIND_ALL);
    expect(r1.body).toContain("<D:href>/dav/dir/a%20b.txt</D:href>");
    for (const p of [
      "getcontentlength>5<",
      "getlastmodified",
      "creationdate",
      "getetag",
      "getcontenttype>text/plain<",
      "displayname>a b.txt<",
      "supportedlock",
      "lockdiscovery",
    ]) {
      expect(r1.body).toContain(p);
    }
  });

  it("refuses Depth infinity with 403 and garbage bodies with 400", async () => {
    const inf = await send(s, "PROPFIND", "/dav/", { Depth: "infinity" });
    expect(inf.status).toBe(403);
    expect(inf.body).toContain("propfind-finite-depth");
    expect(await send(s, "PROPFIND", "/dav/", { Depth: "0" }, "<garbage")).toMatchObject({ status: 400 });
    expect(await send(s, "PROPFIND", "/dav/", { Depth: "0" }, "<a/>")).toMatchObject({ status: 400 });
    expect(await send(s, "PROPFIND", "/dav/", { Depth: "0" }, Buffer.from([0x3c, 0xff, 0xfe]))).toMatchObject({ status: 400 });
    expect((await send(s, "PROPFIND", "/dav/nothing", { Depth: "0" })).status).toBe(404);
  });

  it("stores, reports and removes dead properties; 404 propstat for unknown ones", async () => {
    const set =
      '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x:p xmlns:x="urn:x">v &amp; <b xmlns="urn:y">w</b></x:p><n xmlns="">none</n></D:prop></D:set></D:propertyupdate>';
    const r = await send(s, "PROPPATCH", "/dav/dir/a%20b.txt", {}, set);
    expect(r.status).toBe(207);
    expect(r.body).toContain("HTTP/1.1 200 OK");
    const q = '<D:propfind xmlns:D="DAV:"><D:prop><x:p xmlns:x="urn:x"/><n/><x:missing xmlns:x="urn:x"/></D:prop></D:propfind>';
    const g = await send(s, "PROPFIND", "/dav/dir/a%20b.txt", { Depth: "0" }, q);
    expect(g.body).toContain('<p xmlns="urn:x">v &amp; <b xmlns="urn:y">w</b></p>');
    expect(g.body).toContain('<n xmlns="">none</n>');
    expect(g.body).toMatch(/<missing xmlns="urn:x"\/><\/D:prop><D:status>HTTP\/1.1 404/);
    const names = await send(s, "PROPFIND", "/dav/dir/a%20b.txt", { Depth: "0" }, '<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>');
    expect(names.body).toContain('<p xmlns="urn:x"/>');
    const rm1 = '<D:propertyupdate xmlns:D="DAV:"><D:remove><D:prop><x:p xmlns:x="urn:x"/></D:prop></D:remove></D:propertyupdate>';
    expect((await send(s, "PROPPATCH", "/dav/dir/a%20b.txt", {}, rm1)).status).toBe(207);
    expect((await send(s, "PROPFIND", "/dav/dir/a%20b.txt", { Depth: "0" }, q)).body).not.toContain(">v &amp;");
  });

  it("refuses to change live properties atomically (403 + 424)", async () => {
    const body =
      '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:getetag>x</D:getetag><z:ok xmlns:z="urn:z">1</z:ok></D:prop></D:set></D:propertyupdate>';
    const r = await send(s, "PROPPATCH", "/dav/dir", {}, body);
    expect(r.body).toContain("403 Forbidden");
    expect(r.body).toContain("424 Failed Dependency");
    expect((await send(s, "PROPFIND", "/dav/dir", { Depth: "0" }, PROPFIND_ALL)).body).not.toContain("urn:z");
    expect((await send(s, "PROPPATCH", "/dav/dir", {}, "<D:propertyupdate xmlns:D='DAV:'/>")).status).toBe(400);
  });
});

describe("LOCK / UNLOCK", () => {
  let s: Share;
  beforeAll(async () => {
    s = await share({ lockTimeoutS: 120 });
    await writeFile(join(s.root, "doc.txt"), "x");
    await mkdir(join(s.root, "coll"));
  });

  it("takes exclusive locks; writes need the token; UNLOCK releases", async () => {
    const l = await send(s, "LOCK", "/dav/doc.txt", { Timeout: "Second-60" }, LOCK_BODY("exclusive"));
    expect(l.status).toBe(200);
    const token = String(l.headers["lock-token"]);
    expect(token).toMatch(/^<opaquelocktoken:/);
    expect(l.body).toContain("<D:timeout>Second-60</D:timeout>");
    expect(l.body).toContain('<D:owner><href xmlns="DAV:">me</href></D:owner>');
    expect((await send(s, "LOCK", "/dav/doc.txt", {}, LOCK_BODY("shared"))).status).toBe(423);
    expect((await send(s, "PUT", "/dav/doc.txt", {}, "y")).status).toBe(423);
    expect((await send(s, "DELETE", "/dav/doc.txt")).status).toBe(423);
    expect((await send(s, "PUT", "/dav/doc.txt", { If: `(${token})` }, "y")).status).toBe(204);
    expect((await send(s, "PUT", "/dav/doc.txt", { If: "(<opaquelocktoken:bogus>)" }, "y")).status).toBe(412);
    const disc = await send(s, "PROPFIND", "/dav/doc.txt", { Depth: "0" });
    expect(disc.body).toContain(token.slice(1, -1));
    const refresh = await send(s, "LOCK", "/dav/doc.txt", { If: `(${token})`, Timeout: "Second-999999" });
    expect(refresh.status).toBe(200);
    expect(refresh.body).toContain("<D:timeout>Second-120</D:timeout>");
    expect((await send(s, "UNLOCK", "/dav/doc.txt", { "Lock-Token": "<opaquelocktoken:nope>" })).status).toBe(409);
    expect((await send(s, "UNLOCK", "/dav/doc.txt", { "Lock-Token": token })).status).toBe(204);
    expect((await send(s, "PUT", "/dav/doc.txt", {}, "z")).status).toBe(204);
  });

  it("allows several shared locks and protects collection members with depth infinity", async () => {
    const a = await send(s, "LOCK", "/dav/coll", {}, LOCK_BODY("shared"));
    const b = await send(s, "LOCK", "/dav/coll", {}, LOCK_BODY("shared"));
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await send(s, "LOCK", "/dav/coll", {}, LOCK_BODY("exclusive"))).status).toBe(423);
    expect((await send(s, "PUT", "/dav/coll/new.txt", {}, "n")).status).toBe(423);
    expect((await send(s, "PUT", "/dav/coll/new.txt", { If: `(${String(a.headers["lock-token"])})` }, "n")).status).toBe(423);
    const ab = `(${String(a.headers["lock-token"])}) (${String(b.headers["lock-token"])})`;
    expect((await send(s, "PUT", "/dav/coll/new0.txt", { If: ab }, "n")).status).toBe(201);
    const both = `<${host(s)}/dav/coll> (${String(a.headers["lock-token"])}) (${String(b.headers["lock-token"])})`;
    expect((await send(s, "PUT", "/dav/coll/new.txt", { If: both }, "n")).status).toBe(201);
  });

  it("LOCK on an unmapped URL creates an empty resource (201)", async () => {
    const r = await send(s, "LOCK", "/dav/fresh.txt", { Depth: "0" }, LOCK_BODY("exclusive"));
    expect(r.status).toBe(201);
    expect((await stat(join(s.root, "fresh.txt"))).size).toBe(0);
    expect((await send(s, "LOCK", "/dav/x/y.txt", {}, LOCK_BODY("exclusive"))).status).toBe(409);
    expect((await send(s, "LOCK", "/dav/doc.txt", {}, "<D:lockinfo xmlns:D='DAV:'/>")).status).toBe(400);
    expect((await send(s, "LOCK", "/dav/doc.txt", { Depth: "1" }, LOCK_BODY("exclusive"))).status).toBe(400);
    expect((await send(s, "PUT", "/dav/doc.txt", { If: "(<broken" }, "z")).status).toBe(400);
  });
});

describe("options and path safety", () => {
  it("read-only shares refuse writes with 405 but serve reads", async () => {
    const s = await share({ readOnly: true });
    await writeFile(join(s.root, "r.txt"), "r");
    for (const m of ["PUT", "DELETE", "MKCOL", "PROPPATCH", "LOCK", "MOVE", "COPY", "UNLOCK"]) {
      const r = await send(s, m, "/dav/r.txt", {}, "");
      expect(r.status, m).toBe(405);
      expect(r.headers.allow).not.toContain("PUT");
    }
    expect((await send(s, "GET", "/dav/r.txt")).body).toBe("r");
    expect((await send(s, "OPTIONS", "/dav/")).headers.allow).toBe("OPTIONS, GET, HEAD, PROPFIND");
  });

  it("finds files case-insensitively when enabled", async () => {
    const s = await share({ caseInsensitive: true });
    await mkdir(join(s.root, "Win10"));
    await writeFile(join(s.root, "Win10", "Setup.EXE"), "exe");
    expect((await send(s, "GET", "/dav/win10/setup.exe")).body).toBe("exe");
    expect((await send(s, "PUT", "/dav/WIN10/SETUP.exe", {}, "new")).status).toBe(204);
    expect(await readFile(join(s.root, "Win10", "Setup.EXE"), "utf8")).toBe("new");
    const strict = await share();
    await writeFile(join(strict.root, "Setup.EXE"), "exe");
    expect((await send(strict, "GET", "/dav/setup.exe")).status).toBe(404);
  });

  it("refuses escapes, NUL and symlinks leaving the root", async () => {
    const s = await share();
    await writeFile(join(dir, "outside.txt"), "secret");
    await symlink(join(dir, "outside.txt"), join(s.root, "link"));
    expect((await send(s, "GET", "/dav/%00")).status).toBe(400);
    expect((await send(s, "GET", "/dav/..%2f..%2foutside.txt")).status).toBe(400);
    expect((await send(s, "GET", "/dav/%2e%2e/outside.txt")).status).toBe(403);
    expect((await send(s, "GET", "/dav/link")).status).toBe(403);
    expect((await send(s, "PUT", "/dav/link", {}, "x")).status).toBe(403);
    expect(await readFile(join(dir, "outside.txt"), "utf8")).toBe("secret");
    expect((await send(s, "PROPFIND", "/dav/", { Depth: "1" })).body).not.toContain("link");
  });

  it("answers unknown methods with 501 and survives a missing root with a status code", async () => {
    const s = await share();
    expect((await send(s, "PATCH", "/dav/")).status).toBe(501);
    await rm(s.root, { recursive: true });
    const again = createWebdavHandler({ root: join(dir, "never-existed"), stateDir: join(dir, "st-x") });
    const srv = createServer((req, res) => void again(req, res, req.url ?? "/"));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const r = await send({ port: (srv.address() as AddressInfo).port, root: "", server: srv }, "GET", "/x");
    await new Promise((r2) => srv.close(r2));
    expect(r.status).toBe(404);
  });

  it("refuses a state directory inside the served root", () => {
    expect(() => createWebdavHandler({ root: dir, stateDir: join(dir, "state") })).toThrow(/outside/);
  });
});
