/** @module commands/package-update.test — `opsi package update` end to end: a real config server on SQLite and a real HTTP(S) repository. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteBackend } from "@opsi-ts/backend-sqlite";
import type { Backend } from "@opsi-ts/core";
import { writeRepositoryMetadata } from "@opsi-ts/depot";
import { type ConfigServer, createConfigServer } from "@opsi-ts/service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// Test helpers of sibling packages (not part of their public API).
import { makeTestPackage, type TestPackageSpec } from "../../../depot/src/depot/test-packages.js";
import { type RepositoryServer, serveRepository } from "../../../depot/src/repository/updater/test-repository.js";
import { runCli } from "../cli.js";
import type { CliIo } from "../io.js";
import { memoryIo } from "../memory-io.js";

const SERVER = "opsi.update.test";
const CLIENT = "pc1.update.test";
let dataDir: string;
let backend: Backend;
let server: ConfigServer;
let url: string;
let work: string;
let repoDir: string;
let repo: RepositoryServer;
let httpsRepo: RepositoryServer;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "opsi-cli-update-"));
  backend = await openSqliteBackend({ path: join(dataDir, "opsi.sqlite") });
  server = await createConfigServer(backend, { dataDir, serverId: SERVER, port: 0, keyBits: 2048 });
  await server.start();
  await server.users.add("admin1", "secret", ["opsiadmin"]);
  url = `https://localhost:${new URL(server.url()).port}`;
  work = mkdtempSync(join(tmpdir(), "opsi-cli-update-work-"));
  repoDir = join(work, "repo");
  mkdirSync(repoDir);
  mkdirSync(join(work, "repos.d"));
  repo = await serveRepository(repoDir);
  const tls = join(dataDir, "tls");
  httpsRepo = await serveRepository(repoDir, {
    tls: { key: readFileSync(join(tls, "opsiconfd-key.pem")), cert: readFileSync(join(tls, "opsiconfd-cert.pem")) },
  });
  await backend.host_createObjects([{ type: "OpsiClient", id: CLIENT }]);
}, 60_000);

afterAll(async () => {
  await repo?.close();
  await httpsRepo?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

async function opsi(args: string[], io?: CliIo): Promise<{ code: number; stdout: string; stderr: string }> {
  const mem = memoryIo({ env: { OPSI_TS_DATA_DIR: dataDir }, cwd: work });
  const code = await runCli(["package", ...args], io ?? mem.io);
  return { code, stdout: mem.stdout(), stderr: mem.stderr() };
}

const login = () => ["--url", url, "--username", "admin1", "--password", "secret"];

function writeConfig(repoSection: string): string[] {
  writeFileSync(join(work, "repos.d", "test.repo"), repoSection);
  writeFileSync(
    join(work, "updater.conf"),
    `[general]\npackageDir = ${join(work, "packages")}\nrepositoryConfigDir = ${join(work, "repos.d")}\n`,
  );
  return ["--config", "updater.conf"];
}

async function publish(...specs: TestPackageSpec[]): Promise<void> {
  for (const spec of specs) await makeTestPackage(spec, repoDir);
  await writeRepositoryMetadata(repoDir, { createSideFiles: true });
}

const PROPS = `
[[ProductProperty]]
type = "unicode"
name = "lang"
values = ["de", "en"]
default = ["de"]
editable = false
`;

describe("opsi package update", () => {
  it("installs on the config server's depot, does nothing the second time, updates with autoUpdate and sets setup with autoSetup", async () => {
    await publish({ id: "app", productVersion: "1.0", packageVersion: "1", extraToml: PROPS });
    const conf = writeConfig(`[repository_test]\nactive = true\nbaseUrl = ${repo.url}\nautoInstall = true\nautoSetup = true\n`);

    const first = await opsi(["update", ...conf, ...login()]);
    expect(first).toEqual({
      code: 0,
      stdout: `Downloaded app_1.0-1.opsi from repository 'test'\nInstalling app 1.0-1 on ${SERVER}\n1 downloaded, 1 installed\n`,
      stderr: "",
    });
    expect(await backend.productOnDepot_getObjects([], { productId: "app", depotId: SERVER })).toMatchObject([
      { productVersion: "1.0", packageVersion: "1" },
    ]);
    const uploaded = join(dataDir, "repository", "app_1.0-1.opsi");
    expect(readFileSync(`${uploaded}.md5`, "utf8")).toBe(readFileSync(join(repoDir, "app_1.0-1.opsi.md5"), "utf8"));
    const uploadTime = statSync(uploaded).mtimeMs;

    const second = await opsi(["update", ...conf, ...login()]);
    expect(second).toEqual({ code: 0, stdout: "All products are up to date\n", stderr: "" });
    expect(statSync(uploaded).mtimeMs).toBe(uploadTime);

    await backend.productPropertyState_updateObjects([{ productId: "app", propertyId: "lang", objectId: SERVER, values: ["en"] }]);
    await backend.productOnClient_createObjects([
      { productId: "app", productType: "LocalbootProduct", clientId: CLIENT, installationStatus: "installed", actionRequest: "none" },
    ]);
    rmSync(join(repoDir, "app_1.0-1.opsi"));
    await publish({ id: "app", productVersion: "1.1", packageVersion: "1", extraToml: PROPS });
    const mem = memoryIo({ env: { OPSI_TS_DATA_DIR: dataDir }, cwd: work });
    let tty = "";
    const third = await opsi(["update", ...conf, "--json", ...login()], {
      ...mem.io,
      stderr: { isTTY: true, write: (text: string) => (tty += text) },
    });
    expect(third.code).toBe(0);
    const summary = JSON.parse(mem.stdout());
    expect(summary).toMatchObject({
      mode: "update",
      repositories: ["test"],
      installed: [{ depotId: SERVER, productId: "app", version: "1.1-1" }],
      setup: [{ depotId: SERVER, productId: "app", clientId: CLIENT }],
      errors: [],
      exitCode: 0,
    });
    expect(summary.packages).toEqual([
      expect.objectContaining({ productId: "app", version: "1.1-1", installedVersions: { [SERVER]: "1.0-1" }, installNeededOn: [SERVER] }),
    ]);
    expect(tty).toContain("\r\u001b[KDownloading app_1.1-1.opsi: ");
    expect(tty).toContain(`Uploading app_1.1-1.opsi to ${SERVER}: `);
    expect(await backend.productOnDepot_getObjects([], { productId: "app", depotId: SERVER })).toMatchObject([{ productVersion: "1.1" }]);
    const states = await backend.productPropertyState_getObjects([], { productId: "app", objectId: SERVER });
    expect(states.map((s) => s.values)).toEqual([["en"]]);
    const [poc] = await backend.productOnClient_getObjects([], { productId: "app", clientId: CLIENT });
    expect(poc?.actionRequest).toBe("setup");
    expect(existsSync(join(work, "packages", "app_1.0-1.opsi"))).toBe(false);
  }, 30_000);

  it("does not upload a package the depot's repository already has (same MD5)", async () => {
    await publish({ id: "same", productVersion: "1.0", packageVersion: "1" });
    const conf = writeConfig(`[repository_test]\nactive = true\nbaseUrl = ${repo.url}\n`);
    const repositoryDir = join(dataDir, "repository");
    const mem = memoryIo({ env: { OPSI_TS_DATA_DIR: dataDir }, cwd: work });
    let tty = "";
    const r = await opsi(["update", "same", "--mode", "install", ...conf, "--package-dir", repositoryDir, ...login()], {
      ...mem.io,
      stderr: { isTTY: true, write: (text: string) => (tty += text) },
    });
    expect(r.code).toBe(0);
    expect(mem.stdout()).toBe(
      `Downloaded same_1.0-1.opsi from repository 'test'\nInstalling same 1.0-1 on ${SERVER}\n1 downloaded, 1 installed\n`,
    );
    expect(tty).toContain("Downloading same_1.0-1.opsi");
    expect(tty).not.toContain("Uploading");
    expect(await backend.productOnDepot_getObjects([], { productId: "same", depotId: SERVER })).toHaveLength(1);
  }, 30_000);

  it("lists what an update would do, and the repositories", async () => {
    await publish({ id: "listed", productVersion: "3.0", packageVersion: "1" });
    const conf = writeConfig(
      `[repository_test]\nactive = true\ndescription = test repo\nbaseUrl = ${repo.url}\nautoInstall = true\n\n[repository_off]\nbaseUrl = http://off.example.org\n`,
    );
    const list = await opsi(["update", "listed", "app", "--mode", "list", ...conf, ...login()]);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe(
      [
        `PRODUCT  AVAILABLE  REPOSITORY  ${SERVER}  ACTION`,
        "app      1.1-1      test        1.1-1             -",
        "listed   3.0-1      test        -                 install on 1",
        "",
      ].join("\n"),
    );
    expect(existsSync(join(work, "packages", "listed_3.0-1.opsi"))).toBe(false);
    const repos = await opsi(["update", "--mode", "list", "--repos", ...conf]);
    expect(repos).toEqual({
      code: 0,
      stdout: [
        "REPOSITORY  ACTIVE  URL                     DESCRIPTION",
        `test        yes     ${repo.url}  test repo`,
        "off         no      http://off.example.org  -",
        "",
      ].join("\n"),
      stderr: "",
    });
    const json = await opsi(["update", "--mode", "list", "--repos", "--json", ...conf]);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({
        name: "test",
        active: true,
        baseUrl: repo.url,
        dirs: ["/"],
        autoInstall: true,
        excludes: [],
        password: "",
      }),
      expect.objectContaining({ name: "off", active: false }),
    ]);
  }, 30_000);

  it("reads an HTTPS repository (verifyCert=false by default) and reports an untrusted one with verifyCert=true", async () => {
    await publish({ id: "secure", productVersion: "1.0", packageVersion: "1" });
    const conf = writeConfig(`[repository_tls]\nactive = true\nbaseUrl = ${httpsRepo.url}\n`);
    const ok = await opsi(["update", "secure", "--mode", "download", ...conf]);
    expect(ok).toEqual({ code: 0, stdout: "Downloaded secure_1.0-1.opsi from repository 'tls'\n1 package(s) downloaded\n", stderr: "" });
    const strict = writeConfig(`[repository_tls]\nactive = true\nbaseUrl = ${httpsRepo.url}\nverifyCert = true\n`);
    const bad = await opsi(["update", "secure", "--mode", "download", ...strict]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      new RegExp(`^Error: UpdaterErrors: 2 error\\(s\\): Cannot reach '${httpsRepo.url}/packages.msgpack.zstd': .*certificate`),
    );
  }, 30_000);

  it("exits with 2 and names the failures, installing the rest", async () => {
    await publish({ id: "fine", productVersion: "1.0", packageVersion: "1" });
    const conf = writeConfig(
      `[repository_test]\nactive = true\nbaseUrl = ${repo.url}\nautoInstall = true\n\n[repository_broken]\nactive = true\nbaseUrl = ${repo.url}/missing\n`,
    );
    const r = await opsi(["update", "fine", "--json", ...conf, ...login()]);
    expect(r.code).toBe(2);
    const summary = JSON.parse(r.stdout);
    expect(summary.installed).toEqual([{ depotId: SERVER, productId: "fine", version: "1.0-1" }]);
    expect(summary.errors).toEqual([
      { repository: "broken", message: `Repository 'broken': ${repo.url}/missing/ answered HTTP 404 Not Found` },
    ]);
    expect(r.stderr).toBe(`Error: UpdaterErrors: 1 error(s): Repository 'broken': ${repo.url}/missing/ answered HTTP 404 Not Found\n`);
  }, 30_000);

  it("reports configuration errors with file, section and key, and unknown repositories", async () => {
    writeFileSync(join(work, "repos.d", "test.repo"), "[repository_test]\nactive = true\nbaseUrl = ftp://x\n");
    const bad = await opsi(["update", "--config", "updater.conf", "--mode", "download"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      new RegExp(
        `^Error: UpdaterConfigError: ${join(work, "repos.d", "test.repo")}:3: \\[repository_test\\] baseUrl: expected an http\\(s\\) or webdav\\(s\\) URL`,
      ),
    );
    const conf = writeConfig(`[repository_test]\nactive = true\nbaseUrl = ${repo.url}\n`);
    const unknown = await opsi(["update", "--repo", "nope", "--mode", "download", ...conf]);
    expect(unknown).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: UpdaterConfigError: Repository 'nope' not found (repositories: test)\n",
    });
    const mode = await opsi(["update", "--mode", "sideways", ...conf]);
    expect(mode.code).toBe(1);
    expect(mode.stderr).toContain("Allowed choices are update, install, download, list");
  });
});
