/**
 * @module commands/depot-pair.test
 * `opsi package install|list|uninstall --depots <depot>` against a config server + depot server pair: the
 * CLI finds the depot's service from its repositoryRemoteUrl, uploads to the depot's /repository and the
 * depot installs the package, writing the product objects to the config server.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBackend } from "@opsi-ts/core";
import { freePort, sharedFixturePath } from "@opsi-ts/core/testing";
import { writeRepositoryMetadata } from "@opsi-ts/depot";
import { type ConfigServer, createConfigServer, createDepotServer, type DepotServer } from "@opsi-ts/service";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { memoryIo } from "../memory-io.js";

const CONFIG_ID = "config.cli-pair.test";
const DEPOT_ID = "depot.cli-pair.test";
const PACKAGE = "localboot_new_42.0-1337.opsi";
let csDir: string;
let depotDir: string;
let work: string;
let backend: MemoryBackend;
let cs: ConfigServer;
let depot: DepotServer;
let url: string;

beforeAll(async () => {
  csDir = mkdtempSync(join(tmpdir(), "opsi-cli-pair-cs-"));
  depotDir = mkdtempSync(join(tmpdir(), "opsi-cli-pair-depot-"));
  work = mkdtempSync(join(tmpdir(), "opsi-cli-pair-work-"));
  backend = new MemoryBackend();
  const logger = pino({ level: "silent" });
  cs = await createConfigServer(backend, { dataDir: csDir, serverId: CONFIG_ID, interface: "127.0.0.1", port: 0, keyBits: 2048, logger });
  await cs.start();
  await cs.users.add("admin1", "secret", ["opsiadmin"]);
  url = `https://localhost:${new URL(cs.url()).port}`;
  const port = await freePort();
  depot = await createDepotServer({
    dataDir: depotDir,
    depotId: DEPOT_ID,
    configServerUrl: url,
    configServerCa: cs.tls.caCertPem,
    registration: { username: "admin1", password: "secret" },
    externalUrl: `https://localhost:${port}`,
    interface: "127.0.0.1",
    port,
    logger,
  });
  await depot.start();
  copyFileSync(sharedFixturePath(`packages/${PACKAGE}`), join(work, PACKAGE));
}, 120_000);

afterAll(async () => {
  await depot?.stop();
  await cs?.stop();
  for (const dir of [csDir, depotDir, work]) rmSync(dir, { recursive: true, force: true });
});

async function opsi(args: string[]) {
  const mem = memoryIo({ env: { OPSI_TS_DATA_DIR: csDir }, cwd: work });
  const code = await runCli(["package", ...args, "--url", url, "--username", "admin1", "--password", "secret"], mem.io);
  return { code, stdout: mem.stdout(), stderr: mem.stderr() };
}

describe("opsi package install on a remote depot server", () => {
  it("uploads to the depot server and installs there; the config server lists the product on that depot", async () => {
    const r = await opsi(["install", PACKAGE, "--depots", DEPOT_ID]);
    expect(r.stderr.split("\n").filter((l) => l.includes("Error"))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Installed localboot_new 42.0-1337 on ${DEPOT_ID}`);
    expect(existsSync(join(depotDir, "repository", PACKAGE))).toBe(true);
    expect(existsSync(join(depotDir, "depot", "localboot_new"))).toBe(true);
    expect(existsSync(join(csDir, "depot", "localboot_new"))).toBe(false);
    const pods = await backend.productOnDepot_getObjects([], { productId: "localboot_new" });
    expect(pods.map((p) => [p.depotId, p.locked])).toEqual([[DEPOT_ID, false]]);

    const list = await opsi(["list", "--json"]);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ depotId: DEPOT_ID, productId: "localboot_new", productVersion: "42.0" }),
    ]);
  });

  it("uninstalls from the depot server", async () => {
    const r = await opsi(["uninstall", "localboot_new", "--depots", DEPOT_ID]);
    expect(r.code).toBe(0);
    expect(await backend.productOnDepot_getObjects([], { productId: "localboot_new" })).toEqual([]);
    expect(existsSync(join(depotDir, "depot", "localboot_new"))).toBe(false);
  });
});

describe("opsi package update pulling from another depot (opsiDepotId)", () => {
  it("reads the config server's repository as the depot, under a transfer slot, and installs on the depot server", async () => {
    const csPort = new URL(cs.url()).port;
    // The config server's own URLs name its FQDN, which does not resolve here.
    await backend.host_updateObjects([
      { type: "OpsiConfigserver", id: CONFIG_ID, repositoryRemoteUrl: `webdavs://localhost:${csPort}/repository` },
    ]);
    copyFileSync(sharedFixturePath(`packages/${PACKAGE}`), join(csDir, "repository", PACKAGE));
    await writeRepositoryMetadata(join(csDir, "repository"), { createSideFiles: true });
    mkdirSync(join(work, "repos.d"), { recursive: true });
    writeFileSync(
      join(work, "repos.d", "master.repo"),
      `[repository_master]\nactive = true\nopsiDepotId = ${CONFIG_ID}\nautoInstall = true\n`,
    );
    writeFileSync(
      join(work, "updater.conf"),
      `[general]\npackageDir = ${join(work, "pulled")}\nrepositoryConfigDir = ${join(work, "repos.d")}\n`,
    );

    const r = await opsi(["update", "--config", "updater.conf", "--depots", DEPOT_ID, "--json", "-v"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`Transfer slot [0-9a-f-]+ acquired on depot '${CONFIG_ID.replace(/\./g, "\\.")}'`));
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      repositories: ["master"],
      installed: [{ depotId: DEPOT_ID, productId: "localboot_new", version: "42.0-1337" }],
    });
    expect(readFileSync(join(work, "pulled", PACKAGE)).equals(readFileSync(sharedFixturePath(`packages/${PACKAGE}`)))).toBe(true);
    expect(existsSync(join(depotDir, "depot", "localboot_new"))).toBe(true);
    expect((await backend.productOnDepot_getObjects([], { productId: "localboot_new" })).map((p) => p.depotId)).toEqual([DEPOT_ID]);
    // Released at the end.
    const slots = await cs.dispatcher.call("depot_listTransferSlot", [CONFIG_ID], {
      identity: { kind: "user", name: "admin1", isAdmin: true, isReadOnly: false, groups: ["opsiadmin"] },
      sessionId: "test",
      clientAddress: "127.0.0.1",
    });
    expect(slots).toEqual([]);
  });
});
