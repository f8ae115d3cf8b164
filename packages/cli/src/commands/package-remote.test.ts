import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBackend } from "@opsi-ts/core";
import { sharedFixturePath } from "@opsi-ts/core/testing";
import { type ConfigServer, createConfigServer } from "@opsi-ts/service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { type MemoryIoOptions, memoryIo } from "../memory-io.js";
import { depotPackageRows, depotPackageTable } from "./package-remote.js";

const SERVER = "opsi.test.example";
let dataDir: string;
let backend: MemoryBackend;
let server: ConfigServer;
let url: string;
let work: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "opsi-cli-pkg-remote-"));
  backend = new MemoryBackend();
  server = await createConfigServer(backend, { dataDir, serverId: SERVER, port: 0, keyBits: 2048 });
  await server.start();
  await server.users.add("admin1", "secret", ["opsiadmin"]);
  url = `https://localhost:${new URL(server.url()).port}`;
  work = mkdtempSync(join(tmpdir(), "opsi-cli-pkg-work-"));
  copyFileSync(sharedFixturePath("packages/localboot_new_42.0-1337.opsi"), join(work, "localboot_new_42.0-1337.opsi"));
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

async function opsi(args: string[], options: MemoryIoOptions = {}) {
  const mem = memoryIo({ env: { OPSI_TS_DATA_DIR: dataDir }, cwd: work, ...options });
  const code = await runCli(["package", ...args], mem.io);
  return { code, stdout: mem.stdout(), stderr: mem.stderr() };
}

const login = () => ["--url", url, "--username", "admin1", "--password", "secret"];

describe("opsi package list", () => {
  it("prints a note when no depot has packages, and [] with --json", async () => {
    expect(await opsi(["list", ...login()])).toEqual({ code: 0, stdout: "No packages installed on any depot\n", stderr: "" });
    expect(await opsi(["list", "--json", ...login()])).toEqual({ code: 0, stdout: "[]\n", stderr: "" });
  });

  it("lists depot, product, version, locked and name", async () => {
    await backend.host_createObjects({ type: "OpsiDepotserver", id: "depot2.test.example" });
    await backend.product_createObjects([
      { type: "LocalbootProduct", id: "firefox", productVersion: "128.0", packageVersion: "1", name: "Mozilla Firefox" },
      { type: "NetbootProduct", id: "win11", productVersion: "23H2", packageVersion: "3" },
    ]);
    await backend.productOnDepot_createObjects([
      { productId: "win11", productType: "NetbootProduct", productVersion: "23H2", packageVersion: "3", depotId: SERVER, locked: true },
      { productId: "firefox", productType: "LocalbootProduct", productVersion: "128.0", packageVersion: "1", depotId: SERVER },
      {
        productId: "firefox",
        productType: "LocalbootProduct",
        productVersion: "128.0",
        packageVersion: "1",
        depotId: "depot2.test.example",
      },
    ]);
    const r = await opsi(["list"], {
      env: { OPSI_TS_DATA_DIR: dataDir, OPSI_TS_URL: url, OPSI_TS_USERNAME: "admin1", OPSI_TS_PASSWORD: "secret" },
    });
    expect(r).toEqual({
      code: 0,
      stdout: [
        "DEPOT                PRODUCT  VERSION  LOCKED  NAME",
        "depot2.test.example  firefox  128.0-1  no      Mozilla Firefox",
        "opsi.test.example    firefox  128.0-1  no      Mozilla Firefox",
        "opsi.test.example    win11    23H2-3   yes     -",
        "",
      ].join("\n"),
      stderr: "",
    });
    const json = await opsi(["list", "--json", ...login()]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      {
        depotId: "depot2.test.example",
        productId: "firefox",
        productType: "LocalbootProduct",
        productVersion: "128.0",
        packageVersion: "1",
        locked: false,
        name: "Mozilla Firefox",
      },
      expect.objectContaining({ depotId: SERVER, productId: "firefox" }),
      expect.objectContaining({ depotId: SERVER, productId: "win11", locked: true, name: null }),
    ]);
  });

  it("needs a user name and reports a wrong password as an opsi error", async () => {
    expect(await opsi(["list", "--url", url])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: UsageError: No user name given: use --username <name> or OPSI_TS_USERNAME\n",
    });
    const bad = await opsi(["list", "--url", url, "-u", "admin1", "-p", "wrong"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error: OpsiAuthenticationError: /);
  });
});

describe("depotPackageRows / depotPackageTable", () => {
  it("ignores non-object entries and leaves unmatched names null", () => {
    const rows = depotPackageRows([null, { depotId: "d", productId: "p", productVersion: "1", packageVersion: "2", locked: null }], "x");
    expect(rows).toEqual([
      { depotId: "d", productId: "p", productType: "", productVersion: "1", packageVersion: "2", locked: false, name: null },
    ]);
    expect(depotPackageTable(rows)).toBe("DEPOT  PRODUCT  VERSION  LOCKED  NAME\nd      p        1-2      no      -\n");
  });
});

describe("opsi package install / uninstall", () => {
  const pkgFile = "localboot_new_42.0-1337.opsi";

  it("uploads the package to /repository, installs it with property defaults and uninstalls it again", async () => {
    const r = await opsi(["install", pkgFile, "--properties", "propname=b", "boolprop=true", ...login()]);
    expect(r).toEqual({ code: 0, stdout: `Installed localboot_new 42.0-1337 on ${SERVER}\n`, stderr: "" });
    expect(existsSync(join(dataDir, "repository", pkgFile))).toBe(true);
    expect(await backend.productOnDepot_getObjects([], { productId: "localboot_new", depotId: SERVER })).toMatchObject([
      { productVersion: "42.0", packageVersion: "1337", locked: false },
    ]);
    const states = await backend.productPropertyState_getObjects([], { productId: "localboot_new", objectId: SERVER });
    expect(Object.fromEntries(states.map((st) => [st.propertyId, st.values]))).toEqual({ propname: ["b"], boolprop: [true] });
    const list = await opsi(["list", ...login()]);
    expect(list.stdout).toMatch(new RegExp(`${SERVER.replace(/\./g, "\\.")} +localboot_new +42\\.0-1337 +no +localboot new`));

    const un = await opsi(["uninstall", "localboot_new", "--depots", SERVER, ...login()]);
    expect(un).toEqual({ code: 0, stdout: `Uninstalled localboot_new from ${SERVER}\n`, stderr: "" });
    expect(await backend.productOnDepot_getObjects([], { productId: "localboot_new" })).toEqual([]);
  });

  it("shows upload progress on a terminal and clears the line", async () => {
    const mem = memoryIo({ env: { OPSI_TS_DATA_DIR: dataDir }, cwd: work });
    let err = "";
    const io = { ...mem.io, stderr: { isTTY: true, write: (text: string) => (err += text) } };
    expect(await runCli(["package", "install", pkgFile, "--force", ...login()], io)).toBe(0);
    expect(err.startsWith("\r\u001b[KUploading localboot_new_42.0-1337.opsi to opsi.test.example: ")).toBe(true);
    expect(err).toContain(": 2.0 KiB / 2.0 KiB (100%)");
    expect(err.endsWith("\r\u001b[K")).toBe(true);
    expect(mem.stdout()).toBe(`Installed localboot_new 42.0-1337 on ${SERVER}\n`);
    expect(await opsi(["uninstall", "localboot_new", "--keep-files", ...login()])).toMatchObject({ code: 0 });
  });

  it("refuses unknown properties, bad bool values, missing files and unknown depots", async () => {
    expect(await opsi(["install", pkgFile, "--properties", "nope=1", ...login()])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: UsageError: Package localboot_new has no property 'nope' (properties: propname, boolprop)\n",
    });
    expect((await opsi(["install", pkgFile, "--properties", "boolprop=yes", ...login()])).stderr).toBe(
      "Error: UsageError: Property 'boolprop' is a bool property: use true or false, got 'yes'\n",
    );
    expect((await opsi(["install", "missing.opsi", ...login()])).stderr).toBe(
      `Error: BackendMissingDataError: Package file '${join(work, "missing.opsi")}' not found\n`,
    );
    expect(await opsi(["install", pkgFile, "--depots", "nodepot.test.example", ...login()])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: BackendMissingDataError: Depot 'nodepot.test.example' not found\n",
    });
    const un = await opsi(["uninstall", "localboot_new", "--depots", "nodepot.test.example", ...login()]);
    expect(un.stderr).toBe("Error: BackendMissingDataError: Depot 'nodepot.test.example' not found\n");
  });

  it("reports a wrong password on upload and server errors of the install call", async () => {
    const bad = await opsi(["install", pkgFile, "--url", url, "-u", "admin1", "-p", "wrong"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error: OpsiAuthenticationError: /);
    const notInstalled = await opsi(["uninstall", "not_there", ...login()]);
    expect(notInstalled.code).toBe(1);
    expect(notInstalled.stderr).toMatch(/^Error: \w+: .*not_there/);
  });

  it("installs on another depot through that depot's own service", async () => {
    const otherDir = mkdtempSync(join(tmpdir(), "opsi-cli-pkg-depot2-"));
    const otherBackend = new MemoryBackend();
    const other = await createConfigServer(otherBackend, { dataDir: otherDir, serverId: "depot3.test.example", port: 0, keyBits: 2048 });
    try {
      await other.start();
      await other.users.add("admin1", "secret", ["opsiadmin"]);
      const port = new URL(other.url()).port;
      await backend.host_createObjects({
        type: "OpsiDepotserver",
        id: "depot3.test.example",
        repositoryRemoteUrl: `webdavs://localhost:${port}/repository`,
      });
      const r = await opsi(["install", pkgFile, "--depots", `${SERVER},depot3.test.example`, "--insecure", ...login()]);
      expect(r).toEqual({
        code: 0,
        stdout: `Installed localboot_new 42.0-1337 on ${SERVER}\nInstalled localboot_new 42.0-1337 on depot3.test.example\n`,
        stderr: "",
      });
      expect(existsSync(join(otherDir, "repository", pkgFile))).toBe(true);
      expect(await otherBackend.productOnDepot_getObjects([], { productId: "localboot_new", depotId: "depot3.test.example" })).toHaveLength(
        1,
      );
      const un = await opsi(["uninstall", "localboot_new", "--depots", `depot3.test.example,${SERVER}`, "--insecure", ...login()]);
      expect(un).toMatchObject({
        code: 0,
        stdout: `Uninstalled localboot_new from depot3.test.example\nUninstalled localboot_new from ${SERVER}\n`,
      });
      expect(await otherBackend.productOnDepot_getObjects([], { productId: "localboot_new" })).toEqual([]);
    } finally {
      await other.stop();
      rmSync(otherDir, { recursive: true, force: true });
    }
  }, 60_000);
});
