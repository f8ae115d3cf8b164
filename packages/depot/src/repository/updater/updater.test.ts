import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Backend, MemoryBackend } from "@opsi-ts/core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { installPackage } from "../../depot/install.js";
import { makeTestPackage, type TestPackageSpec } from "../../depot/test-packages.js";
import { writeRepositoryMetadata } from "../metadata.js";
import { loadUpdaterConfig, type UpdaterConfig } from "./config.js";
import { UpdaterAlreadyRunningError, UpdaterConfigError } from "./errors.js";
import { UPDATER_LOCK_FILE } from "./lock.js";
import { type RepositoryServer, serveRepository } from "./test-repository.js";
import { runUpdater, type UpdaterDepot } from "./updater.js";

const DEPOT = "depot.updater.test";
const CLIENT = "pc1.updater.test";

let server: RepositoryServer;
let repoRoot: string;

let work: string;
let repoDir: string;
let packageDir: string;
let depotDir: string;
let backend: Backend;
let installs: string[];

beforeAll(async () => {
  repoRoot = mkdtempSync(join(tmpdir(), "opsi-updater-run-srv-"));
  server = await serveRepository(repoRoot);
});
afterAll(async () => {
  await server.close();
  rmSync(repoRoot, { recursive: true, force: true });
});

beforeEach(async () => {
  work = mkdtempSync(join(tmpdir(), "opsi-updater-run-"));
  repoDir = mkdtempSync(join(repoRoot, "repo-"));
  packageDir = join(work, "packages");
  depotDir = join(work, "depot");
  mkdirSync(join(work, "repos.d"));
  backend = new MemoryBackend();
  await backend.host_createObjects([
    { type: "OpsiDepotserver", id: DEPOT, isMasterDepot: true },
    { type: "OpsiClient", id: CLIENT },
  ]);
  await backend.config_createObjects([
    { type: "UnicodeConfig", id: "clientconfig.depot.id", defaultValues: [DEPOT], possibleValues: [DEPOT] },
  ]);
  installs = [];
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** A depot backed by a MemoryBackend and the real package installer. */
function memoryDepot(): UpdaterDepot {
  return {
    id: DEPOT,
    async installedProducts() {
      return backend.productOnDepot_getObjects(null, { depotId: DEPOT });
    },
    async propertyDefaults(productId) {
      const states = await backend.productPropertyState_getObjects(null, { productId, objectId: DEPOT });
      return Object.fromEntries(states.map((s) => [s.propertyId, [...(s.values ?? [])]]));
    },
    async install(file, propertyDefaultValues) {
      installs.push(file.slice(file.lastIndexOf("/") + 1));
      await installPackage(backend, { depotId: DEPOT, depotDir, packageFile: file, propertyDefaultValues, serverDataTargets: false });
    },
    async setupWhereInstalled(productIds) {
      const clients = (await backend.configState_getClientToDepotserver([DEPOT])).map((r) => r.clientId);
      if (clients.length === 0) return [];
      const pocs = await backend.productOnClient_getObjects(null, {
        productId: [...productIds],
        clientId: clients,
        productType: "LocalbootProduct",
        installationStatus: "installed",
      });
      await backend.productOnClient_updateObjects(pocs.map((p) => ({ ...p, actionRequest: "setup" })));
      return pocs.map((p) => ({ productId: p.productId, clientId: p.clientId }));
    },
  };
}

async function publish(...specs: TestPackageSpec[]): Promise<void> {
  for (const spec of specs) await makeTestPackage(spec, repoDir);
  await writeRepositoryMetadata(repoDir, { createSideFiles: true });
}

async function config(repo: string, main = ""): Promise<UpdaterConfig> {
  writeFileSync(join(work, "repos.d", "test.repo"), repo);
  writeFileSync(
    join(work, "updater.conf"),
    `[general]\npackageDir = ${packageDir}\nrepositoryConfigDir = ${join(work, "repos.d")}\n${main}`,
  );
  return loadUpdaterConfig({ configFile: join(work, "updater.conf") });
}

const repoUrl = () => `${server.url}/${repoDir.slice(repoDir.lastIndexOf("/") + 1)}`;
const repoSection = (extra = "", autoInstall = true) =>
  `[repository_test]\nactive = true\nbaseUrl = ${repoUrl()}\nautoInstall = ${autoInstall}\n${extra}`;

const PROPS = `
[[ProductProperty]]
type = "unicode"
name = "lang"
values = ["de", "en"]
default = ["de"]
editable = false
`;

describe("runUpdater update", () => {
  it("installs in dependency order, does nothing the second time, updates a newer version keeping property values", async () => {
    await publish(
      {
        id: "app",
        productVersion: "1.0",
        packageVersion: "1",
        depends: ['{ package = "lib", condition = ">=", version = "1.0-1" }'],
        extraToml: PROPS,
      },
      { id: "lib", productVersion: "1.0", packageVersion: "1" },
    );
    const cfg = await config(repoSection());
    const first = await runUpdater({ config: cfg, mode: "update", depots: [memoryDepot()] });
    expect(first.errors).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(installs).toEqual(["lib_1.0-1.opsi", "app_1.0-1.opsi"]);
    expect(first.installed).toEqual([
      { depotId: DEPOT, productId: "lib", version: "1.0-1" },
      { depotId: DEPOT, productId: "app", version: "1.0-1" },
    ]);
    expect(first.downloaded.map((d) => [d.fileName, d.verified])).toEqual([
      ["lib_1.0-1.opsi", true],
      ["app_1.0-1.opsi", true],
    ]);
    expect(readdirSync(packageDir).sort()).toEqual([
      "app_1.0-1.opsi",
      "app_1.0-1.opsi.md5",
      "app_1.0-1.opsi.zsync",
      "lib_1.0-1.opsi",
      "lib_1.0-1.opsi.md5",
      "lib_1.0-1.opsi.zsync",
    ]);

    const second = await runUpdater({ config: cfg, mode: "update", depots: [memoryDepot()] });
    expect([second.downloaded, second.installed, second.errors]).toEqual([[], [], []]);

    await backend.productPropertyState_updateObjects([{ productId: "app", propertyId: "lang", objectId: DEPOT, values: ["en"] }]);
    rmSync(join(repoDir, "app_1.0-1.opsi"));
    rmSync(join(repoDir, "app_1.0-1.opsi.md5"));
    rmSync(join(repoDir, "app_1.0-1.opsi.zsync"));
    await publish({ id: "app", productVersion: "1.1", packageVersion: "1", extraToml: PROPS });
    const third = await runUpdater({ config: cfg, mode: "update", depots: [memoryDepot()] });
    expect(third.installed).toEqual([{ depotId: DEPOT, productId: "app", version: "1.1-1" }]);
    expect(await backend.productOnDepot_getObjects(null, { productId: "app" })).toMatchObject([{ productVersion: "1.1" }]);
    const states = await backend.productPropertyState_getObjects(null, { productId: "app", objectId: DEPOT });
    expect(states.map((s) => s.values)).toEqual([["en"]]);
    expect(existsSync(join(packageDir, "app_1.0-1.opsi"))).toBe(false);
    expect(existsSync(join(packageDir, "app_1.1-1.opsi.md5"))).toBe(true);
  });

  it("sets setup on installed client products with autoSetup, never for netboot products", async () => {
    await publish(
      { id: "app", productVersion: "2.0", packageVersion: "1" },
      { id: "boot", productVersion: "2.0", packageVersion: "1", type: "netboot" },
    );
    const cfg = await config(repoSection("autoSetup = true\n"));
    const old = await makeTestPackage({ id: "app", productVersion: "1.0", packageVersion: "1" }, work);
    const oldBoot = await makeTestPackage({ id: "boot", productVersion: "1.0", packageVersion: "1", type: "netboot" }, work);
    for (const f of [old, oldBoot]) await installPackage(backend, { depotId: DEPOT, depotDir, packageFile: f, serverDataTargets: false });
    await backend.productOnClient_createObjects([
      { productId: "app", productType: "LocalbootProduct", clientId: CLIENT, installationStatus: "installed", actionRequest: "none" },
      { productId: "boot", productType: "NetbootProduct", clientId: CLIENT, installationStatus: "installed", actionRequest: "none" },
    ]);
    const result = await runUpdater({ config: cfg, mode: "update", depots: [memoryDepot()] });
    expect(result.installed.map((i) => i.productId).sort()).toEqual(["app", "boot"]);
    expect(result.setup).toEqual([{ depotId: DEPOT, productId: "app", clientId: CLIENT }]);
    const pocs = await backend.productOnClient_getObjects(null, { clientId: CLIENT });
    expect(Object.fromEntries(pocs.map((p) => [p.productId, p.actionRequest]))).toEqual({ app: "setup", boot: "none" });
  });

  it("collects errors of one package and one repository and goes on with the others (exit code 2)", async () => {
    await publish({ id: "good", productVersion: "1.0", packageVersion: "1" }, { id: "bad", productVersion: "1.0", packageVersion: "1" });
    const metaPath = join(repoDir, "packages.json");
    const meta = JSON.parse(readFileSync(metaPath, "utf8"));
    meta.packages.bad["1.0-1"].md5_hash = "0".repeat(32);
    writeFileSync(metaPath, JSON.stringify(meta));
    const cfg = await config(`${repoSection()}\n[repository_down]\nactive = true\nbaseUrl = ${server.url}/nothing-here\n`);
    const logs: string[] = [];
    const result = await runUpdater({
      config: cfg,
      mode: "update",
      depots: [memoryDepot()],
      log: (level, m) => logs.push(`${level}: ${m}`),
    });
    expect(result.exitCode).toBe(2);
    expect(result.installed.map((i) => i.productId)).toEqual(["good"]);
    expect(result.errors).toEqual([
      { repository: "down", message: `Repository 'down': ${server.url}/nothing-here/ answered HTTP 404 Not Found` },
      {
        repository: "test",
        productId: "bad",
        message: expect.stringContaining(`Package bad (bad_1.0-1.opsi): MD5 of the download is`),
      },
    ]);
    expect(logs.filter((l) => l.startsWith("error: "))).toHaveLength(2);
    expect(existsSync(join(packageDir, "bad_1.0-1.opsi"))).toBe(false);
  });

  it("downloads but does not install outside the installation window, except the listed products", async () => {
    await publish({ id: "app", productVersion: "1.0", packageVersion: "1" }, { id: "urgent", productVersion: "1.0", packageVersion: "1" });
    const cfg = await config(repoSection(), "[installation]\nwindowStart = 01:00\nwindowEnd = 02:00\nexceptProductIds = urgent\n");
    const result = await runUpdater({ config: cfg, mode: "update", depots: [memoryDepot()], now: new Date(2025, 0, 1, 12, 0) });
    expect(result.installed.map((i) => i.productId)).toEqual(["urgent"]);
    expect(result.skipped).toEqual([{ productId: "app", reason: "outside the installation window 01:00-02:00" }]);
    expect(result.downloaded.map((d) => d.productId)).toEqual(["app", "urgent"]);
  });
});

describe("runUpdater download, list, install and repository selection", () => {
  it("download mode fetches the newest versions without a depot and skips files already there unless forced", async () => {
    await publish({ id: "app", productVersion: "1.0", packageVersion: "1" }, { id: "app", productVersion: "1.10", packageVersion: "1" });
    const cfg = await config(repoSection("", false));
    const first = await runUpdater({ config: cfg, mode: "download", fetch: globalThis.fetch });
    expect(first.downloaded.map((d) => d.fileName)).toEqual(["app_1.10-1.opsi"]);
    const again = await runUpdater({ config: cfg, mode: "download" });
    expect(again.downloaded).toEqual([]);
    const forced = await runUpdater({ config: cfg, mode: "download", forceDownload: true });
    expect(forced.downloaded.map((d) => d.fileName)).toEqual(["app_1.10-1.opsi"]);
  });

  it("list mode reads only; install mode installs what autoInstall would not", async () => {
    await publish({ id: "app", productVersion: "1.0", packageVersion: "1" });
    const cfg = await config(repoSection("excludes = ^app$\n", false));
    const listed = await runUpdater({ config: cfg, mode: "list", depots: [memoryDepot()] });
    expect(listed.plan.entries).toEqual([]);
    expect(listed.plan.filtered).toEqual([{ productId: "app", repository: "test", reason: "excluded by /^app$/" }]);
    expect(existsSync(packageDir)).toBe(false);
    const update = await runUpdater({ config: cfg, mode: "update", depots: [memoryDepot()] });
    expect(update.installed).toEqual([]);
    const install = await runUpdater({ config: cfg, mode: "install", depots: [memoryDepot()], productIds: ["app"] });
    expect(install.installed).toEqual([{ depotId: DEPOT, productId: "app", version: "1.0-1" }]);
    const unknown = await runUpdater({ config: cfg, mode: "install", depots: [memoryDepot()], productIds: ["nope"] });
    expect(unknown.errors).toEqual([{ productId: "nope", message: "Product 'nope' not found in the repositories" }]);
    expect(unknown.exitCode).toBe(2);
  });

  it("selects one repository, refusing unknown and inactive ones unless allowed", async () => {
    await publish({ id: "app", productVersion: "1.0", packageVersion: "1" });
    const cfg = await config(`[repository_test]\nactive = false\nbaseUrl = ${repoUrl()}\nautoInstall = true\n`);
    const none = await runUpdater({ config: cfg, mode: "update", depots: [memoryDepot()] });
    expect(none.repositories).toEqual([]);
    await expect(runUpdater({ config: cfg, mode: "update", repoName: "nope" })).rejects.toThrow(
      "Repository 'nope' not found (repositories: test)",
    );
    await expect(runUpdater({ config: cfg, mode: "update", repoName: "test" })).rejects.toThrow(UpdaterConfigError);
    const used = await runUpdater({ config: cfg, mode: "update", repoName: "test", useInactiveRepository: true, depots: [memoryDepot()] });
    expect(used.installed.map((i) => i.productId)).toEqual(["app"]);
  });
});

describe("the package directory lock", () => {
  it("refuses a second run while one is running and replaces a stale lock", async () => {
    await publish({ id: "app", productVersion: "1.0", packageVersion: "1" });
    const cfg = await config(repoSection());
    mkdirSync(packageDir, { recursive: true });
    writeFileSync(join(packageDir, UPDATER_LOCK_FILE), `${process.pid}\n`);
    const refused = runUpdater({ config: cfg, mode: "update", depots: [memoryDepot()] });
    await expect(refused).rejects.toThrow(UpdaterAlreadyRunningError);
    await expect(refused).rejects.toThrow(`already running (pid ${process.pid}, lock file ${join(packageDir, UPDATER_LOCK_FILE)})`);
    writeFileSync(join(packageDir, UPDATER_LOCK_FILE), "2147483646\n");
    expect((await runUpdater({ config: cfg, mode: "download" })).exitCode).toBe(0);
    expect(existsSync(join(packageDir, UPDATER_LOCK_FILE))).toBe(false);
    const slow = runUpdater({ config: cfg, mode: "update", depots: [memoryDepot()] });
    const parallel = runUpdater({ config: cfg, mode: "download" });
    const results = await Promise.allSettled([slow, parallel]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(existsSync(join(packageDir, UPDATER_LOCK_FILE))).toBe(false);
  });
});

describe("repositories with opsiDepotId", () => {
  it("download under a transfer slot on the source depot: waits while it is busy, releases at the end", async () => {
    await publish({ id: "app", productVersion: "1.0", packageVersion: "1" });
    writeFileSync(
      join(work, "repos.d", "test.repo"),
      "[repository_master]\nactive = true\nopsiDepotId = master.updater.test\nautoInstall = true\n",
    );
    writeFileSync(join(work, "updater.conf"), `[general]\npackageDir = ${packageDir}\nrepositoryConfigDir = ${join(work, "repos.d")}\n`);
    const cfg = await loadUpdaterConfig({ configFile: join(work, "updater.conf") });
    const calls: string[] = [];
    const slept: number[] = [];
    let busy = 2;
    const result = await runUpdater({
      config: cfg,
      mode: "update",
      depots: [memoryDepot()],
      sleep: async (ms) => {
        slept.push(ms);
      },
      sourceDepots: {
        async repository(depotId) {
          calls.push(`repository ${depotId}`);
          return { baseUrl: repoUrl(), username: DEPOT, password: "0123456789abcdef0123456789abcdef" };
        },
        async propertyDefaults() {
          return {};
        },
        async acquireTransferSlot(depotId, slotId) {
          calls.push(`acquire ${depotId} ${slotId}`);
          if (busy-- > 0) return { slot_id: null, retry_after: 2, retention: null };
          return { slot_id: "slot-1", retry_after: null, retention: 60 };
        },
        async releaseTransferSlot(depotId, slotId) {
          calls.push(`release ${depotId} ${slotId}`);
        },
      },
    });
    expect(result.errors).toEqual([]);
    expect(result.downloaded.map((d) => d.fileName)).toEqual(["app_1.0-1.opsi"]);
    expect(slept).toEqual([2000, 2000]);
    expect(calls).toEqual([
      "repository master.updater.test",
      "acquire master.updater.test null",
      "acquire master.updater.test null",
      "acquire master.updater.test null",
      "release master.updater.test slot-1",
    ]);
    expect(installs).toEqual(["app_1.0-1.opsi"]);
  });
});
