/**
 * @module test/litmus-shares.test Debian's litmus WebDAV suite (groups basic, copymove, props)
 * against the shares a real config server (SQLite backend) mounts, over HTTPS with admin Basic
 * auth, plus the write refusals of the read-only `/public` share and of a client on `/depot`.
 * litmus (neon) does not verify the server certificate, so the server's own CA needs no setup.
 * Missing litmus fails the file with OPSI_TEST_REQUIRE_SERVICES=1, otherwise it is skipped with a warning.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteBackend } from "@opsi-ts/backend-sqlite";
import type { Backend } from "@opsi-ts/core";
import { type ConfigServer, createConfigServer } from "@opsi-ts/service";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, type HttpsTarget, httpsRequest } from "./e2e-https.js";

const LITMUS = "/usr/bin/litmus";
const SERVER_ID = "config.litmus-opsi.test";
const CLIENT_ID = "pc1.litmus-opsi.test";
const CLIENT_KEY = "0123456789abcdef0123456789abcdef";
const ADMIN = { username: "litmusadmin", password: "Litmus-Pass-1" } as const;
const FILE_ADMIN = { username: "litmusfileadmin", password: "Litmus-Pass-2" } as const;

function litmusAvailable(): boolean {
  const r = spawnSync(LITMUS, ["--version"], { encoding: "utf8" });
  if (!r.error) return true;
  if (process.env.OPSI_TEST_REQUIRE_SERVICES === "1")
    throw new Error(`${LITMUS} (Debian package litmus) is required but not runnable: ${r.error.message}`);
  console.warn(
    `Skipping litmus share tests: ${LITMUS} not runnable (${r.error.message}). apt-get install litmus, or set OPSI_TEST_REQUIRE_SERVICES=1 to fail.`,
  );
  return false;
}

interface LitmusResult {
  code: number;
  output: string;
}

function runLitmus(url: string, group: string, user: string, password: string): Promise<LitmusResult> {
  return new Promise((resolve) => {
    execFile(LITMUS, [url, user, password], { env: { ...process.env, TESTS: group }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err && typeof err.code === "number" ? err.code : err ? 1 : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe.runIf(litmusAvailable())("litmus against the config server's shares (HTTPS, admin)", () => {
  let dataDir = "";
  let cs: ConfigServer;
  let backend: Backend;
  let target: HttpsTarget;
  let base = "";

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "opsi-ts-litmus-shares-"));
    backend = await openSqliteBackend({ path: join(dataDir, "opsi.sqlite") });
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
    await cs.users.add(FILE_ADMIN.username, FILE_ADMIN.password, ["opsiadmin", "opsifileadmins"]);
    await backend.host_createObjects([{ type: "OpsiClient", id: CLIENT_ID, opsiHostKey: CLIENT_KEY }]);
    // cs.url() names the server id, which does not resolve here; litmus and the client connect by address.
    base = `https://127.0.0.1:${new URL(cs.url()).port}`;
    expect(base).toMatch(/^https:\/\//);
    target = { port: Number(new URL(base).port), ca: cs.tls.caCertPem };
  }, 120_000);

  afterAll(async () => {
    await cs?.stop();
    await backend?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  for (const share of ["repository", "workbench"] as const) {
    for (const group of ["basic", "copymove", "props"]) {
      it(`/${share}/ passes every litmus ${group} test`, async () => {
        const { code, output } = await runLitmus(`${base}/${share}/`, group, ADMIN.username, ADMIN.password);
        const lines = output.split("\n").filter((l) => l.includes("summary for"));
        const msg = `litmus ${group} on /${share}/:\n${output}`;
        expect(lines, msg).toHaveLength(1);
        const m = /of (\d+) tests run: (\d+) passed, (\d+) failed/.exec(lines[0] ?? "");
        expect(m, msg).not.toBeNull();
        expect(Number(m?.[1]), msg).toBeGreaterThan(0);
        expect(Number(m?.[3]), msg).toBe(0);
        expect(Number(m?.[2]), msg).toBe(Number(m?.[1]));
        expect(output, msg).not.toMatch(/\bFAIL\b/);
        expect(output, msg).not.toMatch(/WARNING/);
        expect(code, msg).toBe(0);
        // nothing but litmus' own collection was written, and nothing outside the share
        expect(
          (await readdir(join(dataDir, share))).filter((name) => name !== "litmus"),
          msg,
        ).toEqual([]);
      }, 150_000);
    }
  }

  it("refuses litmus without credentials (401, so the suite cannot even start)", async () => {
    const { code, output } = await runLitmus(`${base}/repository/`, "basic", ADMIN.username, "wrong-password");
    expect(code, output).not.toBe(0);
    expect(output).toMatch(/401|auth/i);
  }, 60_000);

  describe("write refusals", () => {
    const admin = basicAuth(ADMIN.username, ADMIN.password);
    const client = basicAuth(CLIENT_ID, CLIENT_KEY);
    const writes = (path: string): readonly { method: string; path: string; headers?: Record<string, string>; body?: string }[] => [
      { method: "PUT", path: `${path}/new.txt`, body: "x" },
      { method: "DELETE", path: `${path}/file.txt` },
      { method: "MKCOL", path: `${path}/newdir` },
      { method: "COPY", path: `${path}/file.txt`, headers: { destination: `${base}${path}/copy.txt` } },
      { method: "MOVE", path: `${path}/file.txt`, headers: { destination: `${base}${path}/moved.txt` } },
      {
        method: "PROPPATCH",
        path: `${path}/file.txt`,
        headers: { "content-type": "application/xml" },
        body: '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x xmlns="urn:t">1</x></D:prop></D:set></D:propertyupdate>',
      },
    ];

    it("/public is read-only: every write method answers 405, even for an admin; reads work without auth", async () => {
      await writeFile(join(dataDir, "public", "file.txt"), "public");
      for (const w of writes("/public")) {
        const res = await httpsRequest(target, {
          method: w.method,
          path: w.path,
          headers: { authorization: admin, ...w.headers },
          ...(w.body ? { body: w.body } : {}),
        });
        expect(res.status, `${w.method} ${w.path}`).toBe(405);
      }
      expect((await httpsRequest(target, { method: "GET", path: "/public/file.txt" })).text()).toBe("public");
      expect((await readdir(join(dataDir, "public"))).sort()).toEqual(["file.txt"]);
    });

    it("a client reads /depot but every write answers 401 Permission denied (opsiconfd's answer, not 403)", async () => {
      await mkdir(join(dataDir, "depot", "prod"), { recursive: true });
      await writeFile(join(dataDir, "depot", "prod", "file.txt"), "depot");
      const read = await httpsRequest(target, { method: "GET", path: "/depot/prod/file.txt", headers: { authorization: client } });
      expect(read.status).toBe(200);
      expect(read.text()).toBe("depot");
      const listing = await httpsRequest(target, {
        method: "PROPFIND",
        path: "/depot/prod/",
        headers: { authorization: client, depth: "1" },
      });
      expect(listing.status).toBe(207);
      for (const w of writes("/depot/prod")) {
        const res = await httpsRequest(target, {
          method: w.method,
          path: w.path,
          headers: { authorization: client, ...w.headers },
          ...(w.body ? { body: w.body } : {}),
        });
        expect(res.status, `${w.method} ${w.path}`).toBe(401);
        expect(res.text(), `${w.method} ${w.path}`).toContain("Permission denied");
      }
      expect((await readdir(join(dataDir, "depot", "prod"))).sort()).toEqual(["file.txt"]);
      expect((await stat(join(dataDir, "depot", "prod", "file.txt"))).size).toBe(5);
      // opsiconfd: writing to /depot needs an admin in the file admin group (opsifileadmins) ...
      const plainAdmin = await httpsRequest(target, {
        method: "PUT",
        path: "/depot/prod/new.txt",
        headers: { authorization: admin },
        body: "x",
      });
      expect(plainAdmin.status).toBe(401);
      expect(plainAdmin.text()).toContain("Permission denied");
      // ... which may (the refusals above are the client's role, not a read-only share)
      const fileAdmin = basicAuth(FILE_ADMIN.username, FILE_ADMIN.password);
      const put = await httpsRequest(target, {
        method: "PUT",
        path: "/depot/prod/new.txt",
        headers: { authorization: fileAdmin },
        body: "x",
      });
      expect(put.status, put.text()).toBeLessThan(300);
      expect((await readdir(join(dataDir, "depot", "prod"))).sort()).toEqual(["file.txt", "new.txt"]);
    });
  });
});
