/** @module test/depot.test The depot on the config server: WebDAV shares with their access roles and the depot_/workbench_ methods, over HTTPS. */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBackend } from "@opsi-ts/core";
import { type ConfigServer, createConfigServer } from "@opsi-ts/service";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, type HttpsTarget, httpsRequest, type RawResponse } from "./e2e-https.js";

const SERVER_ID = "config.depot-opsi.test";
const CLIENT_ID = "pc1.depot-opsi.test";
const CLIENT_KEY = "0123456789abcdef0123456789abcdef";
const ADMIN = { username: "depotadmin", password: "Admin-Pass-1" } as const;

const CONTROL_TOML = `[Package]
version = "1"
depends = []

[Product]
type = "LocalbootProduct"
id = "testprod"
name = "Test product"
description = "a test"
advice = ""
version = "1.0"
priority = 0
licenseRequired = false
productClasses = []
setupScript = "setup.opsiscript"
uninstallScript = ""
updateScript = ""
alwaysScript = ""
onceScript = ""
customScript = ""
userLoginScript = ""
windowsSoftwareIds = []

[[ProductProperty]]
type = "UnicodeProductProperty"
name = "lang"
multivalue = false
editable = true
description = "language"
values = ["de", "en"]
default = ["en"]
`;

let dataDir: string;
let cs: ConfigServer;
let target: HttpsTarget;
const admin = basicAuth(ADMIN.username, ADMIN.password);
const client = basicAuth(CLIENT_ID, CLIENT_KEY);

function dir(name: "depot" | "repository" | "workbench" | "public"): string {
  return join(dataDir, name);
}

async function rpc(method: string, params: unknown[]): Promise<{ result: unknown; error: { class: string; message: string } | null }> {
  const res = await httpsRequest(target, {
    method: "POST",
    path: "/rpc",
    headers: { authorization: admin, "content-type": "application/json" },
    body: JSON.stringify({ id: 1, method, params }),
  });
  expect(res.status).toBe(200);
  return res.json() as { result: unknown; error: { class: string; message: string } | null };
}

function get(path: string, authorization?: string): Promise<RawResponse> {
  return httpsRequest(target, { method: "GET", path, headers: authorization ? { authorization } : {} });
}

function put(path: string, body: string, authorization: string): Promise<RawResponse> {
  return httpsRequest(target, { method: "PUT", path, headers: { authorization }, body });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "opsi-ts-depot-"));
  const backend = new MemoryBackend();
  cs = await createConfigServer(backend, {
    dataDir,
    serverId: SERVER_ID,
    interface: "127.0.0.1",
    port: 0,
    keyBits: 2048,
    logger: pino({ level: "silent" }),
  });
  await cs.start();
  await cs.users.add(ADMIN.username, ADMIN.password, ["opsiadmin"]);
  await backend.host_createObjects([{ type: "OpsiClient", id: CLIENT_ID, opsiHostKey: CLIENT_KEY }]);
  target = { port: Number(new URL(cs.url()).port), ca: cs.tls.caCertPem };
}, 120_000);

afterAll(async () => {
  await cs?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("depot directories", () => {
  it("are created on start", async () => {
    for (const name of ["depot", "repository", "workbench", "public"] as const) {
      expect((await stat(dir(name))).isDirectory()).toBe(true);
    }
  });
});

describe("WebDAV shares", () => {
  it("lets an admin PUT to /repository and GET it back", async () => {
    expect((await put("/repository/hello.txt", "hello repo", admin)).status).toBeLessThan(300);
    expect(await readFile(join(dir("repository"), "hello.txt"), "utf8")).toBe("hello repo");
    const res = await get("/repository/hello.txt", admin);
    expect(res.status).toBe(200);
    expect(res.text()).toBe("hello repo");
  });

  it("refuses /repository and /workbench to a client", async () => {
    await writeFile(join(dir("workbench"), "w.txt"), "wb");
    // opsiconfd answers a permission error of the session middleware with 401 "Permission denied".
    for (const res of [
      await get("/workbench/w.txt", client),
      await get("/repository/hello.txt", client),
      await put("/workbench/x.txt", "x", client),
    ]) {
      expect(res.status).toBe(401);
      expect(res.text()).toContain("Permission denied");
    }
    await expect(stat(join(dir("workbench"), "x.txt"))).rejects.toThrow();
    expect((await get("/workbench/w.txt", admin)).text()).toBe("wb");
  });

  it("lets a client GET from /depot but not PUT", async () => {
    await mkdir(join(dir("depot"), "someprod"), { recursive: true });
    await writeFile(join(dir("depot"), "someprod", "file.txt"), "depot file");
    const res = await get("/depot/someprod/file.txt", client);
    expect(res.status).toBe(200);
    expect(res.text()).toBe("depot file");
    const refused = await put("/depot/someprod/evil.txt", "x", client);
    expect(refused.status).toBe(401);
    expect(refused.text()).toContain("Permission denied");
    await expect(stat(join(dir("depot"), "someprod", "evil.txt"))).rejects.toThrow();
    expect((await get("/depot/someprod/file.txt")).status).toBe(401);
  });

  it("serves /public without authentication, read-only", async () => {
    await writeFile(join(dir("public"), "pub.txt"), "public data");
    const res = await get("/public/pub.txt");
    expect(res.status).toBe(200);
    expect(res.text()).toBe("public data");
    expect((await put("/public/new.txt", "x", admin)).status).toBe(405);
  });
});

describe("depot and workbench methods", () => {
  let packagePath = "";

  it("builds a package in the workbench", async () => {
    const src = join(dir("workbench"), "testprod");
    await mkdir(join(src, "OPSI"), { recursive: true });
    await mkdir(join(src, "CLIENT_DATA", "Sub"), { recursive: true });
    await writeFile(join(src, "OPSI", "control.toml"), CONTROL_TOML);
    await writeFile(join(src, "CLIENT_DATA", "setup.opsiscript"), "Message hello\n");
    await writeFile(join(src, "CLIENT_DATA", "Sub", "Data.TXT"), "payload\n");
    const { result, error } = await rpc("workbench_buildPackage", ["testprod"]);
    expect(error).toBeNull();
    expect(result).toBe(join(src, "testprod_1.0-1.opsi"));
    packagePath = String(result);
    expect((await stat(`${packagePath}.md5`)).isFile()).toBe(true);
    expect((await stat(`${packagePath}.zsync`)).isFile()).toBe(true);
  });

  it("installs it from the repository", async () => {
    await writeFile(join(dir("repository"), "testprod_1.0-1.opsi"), await readFile(packagePath));
    const { error } = await rpc("depot_installPackage", ["testprod_1.0-1.opsi", false, { lang: ["de"] }]);
    expect(error).toBeNull();
    const products = await cs.backend.getObjects("product", null, { id: "testprod" });
    expect(products).toEqual([expect.objectContaining({ id: "testprod", productVersion: "1.0", packageVersion: "1" })]);
    const pods = await cs.backend.getObjects("productOnDepot", null, { productId: "testprod" });
    expect(pods).toEqual([expect.objectContaining({ depotId: SERVER_ID, productVersion: "1.0", packageVersion: "1", locked: false })]);
    const states = await cs.backend.getObjects("productPropertyState", null, { productId: "testprod", objectId: SERVER_ID });
    expect(states).toEqual([expect.objectContaining({ propertyId: "lang", values: ["de"] })]);
    expect(await readFile(join(dir("depot"), "testprod", "Sub", "Data.TXT"), "utf8")).toBe("payload\n");
    expect((await stat(join(dir("depot"), "testprod", "testprod.files"))).isFile()).toBe(true);
  });

  it("serves the installed files over /depot case-insensitively", async () => {
    const res = await get("/depot/TESTPROD/sub/data.txt", client);
    expect(res.status).toBe(200);
    expect(res.text()).toBe("payload\n");
  });

  it("answers depot_getMD5Sum from the side file unless forced", async () => {
    const file = join(dir("repository"), "testprod_1.0-1.opsi");
    const computed = await rpc("depot_getMD5Sum", [file, true]);
    expect(computed.result).toMatch(/^[0-9a-f]{32}$/);
    await writeFile(`${file}.md5`, "0123456789abcdef0123456789abcdef");
    expect((await rpc("depot_getMD5Sum", [file])).result).toBe("0123456789abcdef0123456789abcdef");
    expect((await rpc("depot_getMD5Sum", [file, true])).result).toBe(computed.result);
    expect((await rpc("depot_createMd5SumFile", [file, `${file}.md5`])).error).toBeNull();
    expect((await rpc("depot_getMD5Sum", [file])).result).toBe(computed.result);
  });

  it("reports disk space usage", async () => {
    const { result } = await rpc("depot_getDiskSpaceUsage", [dir("repository")]);
    expect(result).toEqual({
      capacity: expect.any(Number),
      available: expect.any(Number),
      used: expect.any(Number),
      usage: expect.any(Number),
    });
  });

  it("refuses package files outside the repository", async () => {
    await writeFile(join(dataDir, "outside.opsi"), await readFile(packagePath));
    for (const filename of ["../outside.opsi", join(dataDir, "outside.opsi"), packagePath]) {
      const { error } = await rpc("depot_installPackage", [filename]);
      expect(error?.class).toBe("BackendBadValueError");
    }
    expect((await rpc("depot_getMD5Sum", ["/etc/passwd", true])).error?.class).toBe("BackendBadValueError");
    expect((await rpc("workbench_buildPackage", ["../repository"])).error?.class).toBe("BackendBadValueError");
  });

  it("uninstalls the product", async () => {
    const { error } = await rpc("depot_uninstallPackage", ["testprod"]);
    expect(error).toBeNull();
    expect(await cs.backend.getObjects("productOnDepot", null, { productId: "testprod" })).toEqual([]);
    await expect(stat(join(dir("depot"), "testprod"))).rejects.toThrow();
  });

  it("installs straight from the workbench", async () => {
    const { error } = await rpc("workbench_installPackage", ["testprod"]);
    expect(error).toBeNull();
    expect(await cs.backend.getObjects("productOnDepot", null, { productId: "testprod" })).toHaveLength(1);
    expect((await rpc("depot_createPackageContentFile", ["testprod"])).error).toBeNull();
  });
});
