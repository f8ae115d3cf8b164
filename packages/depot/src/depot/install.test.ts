/** @module depot/install.test — installPackage/uninstallPackage on the MemoryBackend, SQLite and MariaDB. */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMysqlBackend } from "@opsi-ts/backend-mysql";
import { openSqliteBackend } from "@opsi-ts/backend-sqlite";
import {
  type Backend,
  BackendBadValueError,
  BackendError,
  BackendReferentialIntegrityError,
  BackendTemporaryError,
  BackendUnaccomplishableError,
  defaultHardwareAuditConfig,
  MemoryBackend,
} from "@opsi-ts/core";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { adminConnection, mariadbAvailable, resetBatchSql, useTestDatabase } from "../../../backend-mysql/test/mariadb.js";
import { installPackage, uninstallPackage } from "./install.js";
import { makeTestPackage, type TestPackageSpec } from "./test-packages.js";

const DEPOT = "depot.opsi.test";
const CLIENT = "pc1.opsi.test";
const mysqlOk = await mariadbAvailable();

interface Env {
  backend: Backend;
  root: string;
  depotDir: string;
  out: string;
}

const PROPS = `
[[ProductProperty]]
type = "unicode"
name = "lang"
values = ["de", "en", "fr"]
default = ["de"]
editable = false

[[ProductProperty]]
type = "bool"
name = "reboot"
default = [true]

[[ProductDependency]]
action = "setup"
requiredProduct = "base"
requiredStatus = "installed"
requirementType = "before"
`;

/** The shared suite; `open` returns an empty backend for each test. */
function suite(name: string, enabled: boolean, open: () => Promise<Backend>): void {
  describe.runIf(enabled)(`installPackage / uninstallPackage on ${name}`, () => {
    const env = {} as Env;
    const pkg = (spec: TestPackageSpec): Promise<string> => makeTestPackage(spec, env.out);
    const install = (packageFile: string, extra: Partial<Parameters<typeof installPackage>[1]> = {}) =>
      installPackage(env.backend, {
        depotId: DEPOT,
        depotDir: env.depotDir,
        packageFile,
        serverDataTargets: { root: join(env.root, "fs"), bootDir: "/tftpboot" },
        ...extra,
      });
    const pod = async (productId: string) => env.backend.productOnDepot_getObjects(null, { productId, depotId: DEPOT });
    const causeOf = async (p: Promise<unknown>): Promise<unknown> => {
      const err = await p.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BackendError);
      return (err as Error).cause;
    };

    beforeEach(async () => {
      env.root = mkdtempSync(join(tmpdir(), "opsi-install-"));
      env.depotDir = join(env.root, "depot");
      env.out = join(env.root, "repo");
      env.backend = await open();
      await env.backend.host_createObjects([
        { type: "OpsiDepotserver", id: DEPOT, isMasterDepot: true },
        { type: "OpsiClient", id: CLIENT },
      ]);
      await env.backend.config_createObjects([
        { type: "UnicodeConfig", id: "clientconfig.depot.id", defaultValues: [DEPOT], possibleValues: [DEPOT] },
      ]);
    });
    afterEach(async () => {
      await env.backend.close();
      rmSync(env.root, { recursive: true, force: true });
    });

    it("creates all objects, the files and the .files file, runs the scripts with opsi's environment, and unlocks", async () => {
      const file = await pkg({
        id: "demo",
        productVersion: "1.0",
        packageVersion: "2",
        extraToml: PROPS,
        files: { "setup.opsiscript": "Message 'x'\n", "sub/it's.txt": "abc" },
        serverFiles: { "tftpboot/boot.img": "boot", "var/lib/opsi/x/y.txt": "y", "etc/passwd": "nope" },
        preinst: '#!/bin/sh\nenv | sort > "$TMP_DIR/../preinst.env"\n',
        postinst:
          '#!/bin/sh\necho postinst-ran\necho "$PRODUCT_ID $PRODUCT_TYPE $PRODUCT_VERSION $PACKAGE_VERSION $DEPOT_ID [$OLD_PRODUCT_VERSION] $CLIENT_DATA_DIR" > "$TMP_DIR/../postinst.txt"\n',
      });
      const result = await install(file, { tempDir: env.root });
      expect(result).toMatchObject({
        productId: "demo",
        productType: "LocalbootProduct",
        productVersion: "1.0",
        packageVersion: "2",
        previousVersion: null,
      });
      expect(result.scriptOutput).toContain("postinst-ran");

      const [product] = await env.backend.product_getObjects(null, { id: "demo" });
      expect(product?.type).toBe("LocalbootProduct");
      expect(await pod("demo")).toEqual([
        expect.objectContaining({ productVersion: "1.0", packageVersion: "2", locked: false, productType: "LocalbootProduct" }),
      ]);
      const deps = await env.backend.productDependency_getObjects(null, { productId: "demo" });
      expect(deps).toEqual([
        expect.objectContaining({ requiredProductId: "base", requiredInstallationStatus: "installed", productAction: "setup" }),
      ]);
      const props = await env.backend.productProperty_getObjects(null, { productId: "demo" });
      expect(props.map((p) => p.propertyId).sort()).toEqual(["lang", "reboot"]);
      const states = await env.backend.productPropertyState_getObjects(null, { productId: "demo", objectId: DEPOT });
      expect(Object.fromEntries(states.map((s) => [s.propertyId, s.values]))).toEqual({ lang: ["de"], reboot: [true] });

      const dir = join(env.depotDir, "demo");
      expect(readFileSync(join(dir, "sub", "it's.txt"), "utf8")).toBe("abc");
      const files = readFileSync(join(dir, "demo.files"), "utf8");
      expect(files.split("\n")).toEqual([
        `f 'setup.opsiscript' 12 ${createHash("md5").update("Message 'x'\n").digest("hex")}`,
        "d 'sub' 0 ",
        "f 'sub/it\\'s.txt' 3 900150983cd24fb0d6963f7d28e17f72",
      ]);
      expect(readdirSync(env.depotDir)).toEqual(["demo"]);
      expect(readdirSync(env.root).filter((n) => n.startsWith(".opsi-install-"))).toEqual([]);

      const preEnv = readFileSync(join(env.root, "preinst.env"), "utf8");
      for (const v of [
        "PRODUCT_ID=demo",
        "PRODUCT_TYPE=LocalbootProduct",
        "PRODUCT_VERSION=1.0",
        "PACKAGE_VERSION=2",
        `DEPOT_ID=${DEPOT}`,
        "BOOT_DIR=/tftpboot",
        `CLIENT_DATA_DIR=${dir}`,
        "OLD_PRODUCT_VERSION=",
        "OLD_PACKAGE_VERSION=",
      ]) {
        expect(preEnv).toContain(v);
      }
      expect(preEnv).not.toMatch(/^PATH=/m);
      expect(readFileSync(join(env.root, "postinst.txt"), "utf8")).toBe(`demo LocalbootProduct 1.0 2 ${DEPOT} [] ${dir}\n`);

      expect(readFileSync(join(env.root, "fs", "tftpboot", "boot.img"), "utf8")).toBe("boot");
      expect(readFileSync(join(env.root, "fs", "var", "lib", "opsi", "x", "y.txt"), "utf8")).toBe("y");
      expect(existsSync(join(env.root, "fs", "etc"))).toBe(false);
    });

    it("sets the depot's property states from propertyDefaultValues (non-editable ones filtered) and resets them on reinstall", async () => {
      const file = await pkg({ id: "demo", productVersion: "1.0", packageVersion: "1", extraToml: PROPS });
      await install(file, { runScripts: false, propertyDefaultValues: { lang: ["fr", "xx"], reboot: [false] } });
      const values = async () =>
        Object.fromEntries(
          (await env.backend.productPropertyState_getObjects(null, { productId: "demo", objectId: DEPOT })).map((s) => [
            s.propertyId,
            s.values,
          ]),
        );
      expect(await values()).toEqual({ lang: ["fr"], reboot: [false] });
      await install(file, { propertyDefaultValues: { lang: ["xx"] } });
      expect(await values()).toEqual({ lang: ["de"], reboot: [true] });
      // null → [], which a non-editable property (bool included) replaces by the package default.
      await install(file, { propertyDefaultValues: { lang: null, reboot: null } });
      expect(await values()).toEqual({ lang: ["de"], reboot: [true] });
    });

    it("checks package dependencies against the depot's ProductOnDepots (force skips) and leaves the product locked", async () => {
      const base = await pkg({ id: "base", productVersion: "2.0", packageVersion: "1" });
      const demo = await pkg({
        id: "demo",
        productVersion: "1.0",
        packageVersion: "1",
        depends: ['{ package = "base", condition = ">=", version = "2.0-1" }', '{ package = "other" }'],
      });
      const cause = await causeOf(install(demo));
      expect(cause).toBeInstanceOf(BackendUnaccomplishableError);
      expect(String((cause as Error).message)).toMatch(/base \(>= 2\.0-1\): not installed; other: not installed/);
      expect(await pod("demo")).toEqual([expect.objectContaining({ locked: true })]);
      expect(existsSync(join(env.depotDir, "demo"))).toBe(false);

      await install(base);
      const other = await pkg({ id: "other", productVersion: "1", packageVersion: "1" });
      await install(other);
      // Still locked from the failed attempt.
      expect(await causeOf(install(demo))).toBeInstanceOf(BackendTemporaryError);
      await install(demo, { force: true });
      expect(await pod("demo")).toEqual([expect.objectContaining({ locked: false })]);

      const tooNew = await pkg({
        id: "demo",
        productVersion: "1.0",
        packageVersion: "2",
        depends: ['{ package = "base", condition = ">", version = "2.0-1" }'],
      });
      expect(String(((await causeOf(install(tooNew))) as Error).message)).toContain("base (> 2.0-1): installed is 2.0-1");
      await install(tooNew, { force: true });
      const ok = await pkg({
        id: "demo",
        productVersion: "1.0",
        packageVersion: "3",
        depends: ['{ package = "base", condition = "<", version = "10.0-1" }'],
      });
      await install(ok);
      expect(await pod("demo")).toEqual([expect.objectContaining({ packageVersion: "3", locked: false })]);
    });

    it("upgrades: replaces the previous version's ProductOnDepot, files and Product, passes OLD_* to the scripts", async () => {
      const v1 = await pkg({
        id: "demo",
        productVersion: "1.0",
        packageVersion: "1",
        extraToml: PROPS,
        files: { "old.txt": "1", "same.txt": "1" },
      });
      const v2 = await pkg({
        id: "demo",
        productVersion: "2.0",
        packageVersion: "1",
        files: { "new.txt": "2", "same.txt": "2" },
        postinst: '#!/bin/sh\necho "old=$OLD_PRODUCT_VERSION-$OLD_PACKAGE_VERSION"\n',
      });
      await install(v1);
      await env.backend.productPropertyState_createObjects([
        { type: "ProductPropertyState", productId: "demo", propertyId: "lang", objectId: CLIENT, values: ["en"] },
      ]);
      const result = await install(v2);
      expect(result.previousVersion).toBe("1.0-1");
      expect(result.scriptOutput).toContain("old=1.0-1");
      expect(await pod("demo")).toEqual([expect.objectContaining({ productVersion: "2.0", packageVersion: "1", locked: false })]);
      expect((await env.backend.product_getObjects(null, { id: "demo" })).map((p) => p.productVersion)).toEqual(["2.0"]);
      expect(readdirSync(join(env.depotDir, "demo")).sort()).toEqual(["demo.files", "new.txt", "same.txt"]);
      expect(readFileSync(join(env.depotDir, "demo", "same.txt"), "utf8")).toBe("2");
      // v2 has no properties: the depot's states are gone; the client's stays (v1's properties still existed at that step, as in opsi).
      expect(await env.backend.productPropertyState_getObjects(null, { productId: "demo", objectId: DEPOT })).toEqual([]);
    });

    it("a failing preinst keeps the old files, a failing postinst (after the swap, as opsi) keeps the product locked; output is in the error", async () => {
      const v1 = await pkg({ id: "demo", productVersion: "1.0", packageVersion: "1", files: { "a.txt": "1" } });
      await install(v1);
      const badPre = await pkg({
        id: "demo",
        productVersion: "2.0",
        packageVersion: "1",
        files: { "b.txt": "2" },
        preinst: "#!/bin/sh\necho broken-pre >&2\nexit 3\n",
      });
      const err = await install(badPre).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as Error).message).toMatch(/preinst exited with code 3; output:\nbroken-pre/);
      expect(await pod("demo")).toEqual([expect.objectContaining({ productVersion: "2.0", locked: true })]);
      expect(readdirSync(join(env.depotDir, "demo")).sort()).toEqual(["a.txt", "demo.files"]);

      const badPost = await pkg({
        id: "demo",
        productVersion: "3.0",
        packageVersion: "1",
        files: { "c.txt": "3" },
        postinst: "#!/bin/sh\necho broken-post\nexit 1\n",
      });
      const err2 = await install(badPost, { force: true }).catch((e: unknown) => e);
      expect((err2 as Error).message).toContain("broken-post");
      expect(await pod("demo")).toEqual([expect.objectContaining({ productVersion: "3.0", locked: true })]);
      expect(readdirSync(join(env.depotDir, "demo")).sort()).toEqual(["c.txt"]);
      expect(readdirSync(env.depotDir)).toEqual(["demo"]);
    });

    it("refuses a locked product without force, and reports unreadable packages", async () => {
      const v1 = await pkg({ id: "demo", productVersion: "1.0", packageVersion: "1" });
      await install(v1);
      await env.backend.productOnDepot_updateObjects([{ ...(await pod("demo"))[0], locked: true }]);
      const cause = await causeOf(install(v1));
      expect(cause).toBeInstanceOf(BackendTemporaryError);
      expect((cause as Error).message).toContain("currently locked on depot");
      await install(v1, { force: true });
      expect(await pod("demo")).toEqual([expect.objectContaining({ locked: false })]);
      expect(await causeOf(install(join(env.out, "missing_1.0-1.opsi")))).toBeInstanceOf(BackendBadValueError);
    });

    it("installs netboot products (class, no .files) and honours forceProductId", async () => {
      const net = await pkg({ id: "win10", productVersion: "1.0", packageVersion: "1", type: "netboot" });
      await install(net, { forceProductId: "win10-x64" });
      const [product] = await env.backend.product_getObjects(null, { id: "win10-x64" });
      expect(product?.type).toBe("NetbootProduct");
      expect(await pod("win10-x64")).toEqual([expect.objectContaining({ productType: "NetbootProduct", locked: false })]);
      expect(readdirSync(join(env.depotDir, "win10-x64"))).toEqual(["setup.opsiscript"]);
      expect(await pod("win10")).toEqual([]);
    });

    it("uninstalls: deletes the ProductOnDepot and the files, keeps the Product; checks state, lock and use", async () => {
      const v1 = await pkg({ id: "demo", productVersion: "1.0", packageVersion: "1", extraToml: PROPS });
      await install(v1);
      await env.backend.productOnClient_createObjects([
        {
          type: "ProductOnClient",
          productId: "demo",
          productType: "LocalbootProduct",
          clientId: CLIENT,
          installationStatus: "installed",
          actionRequest: "setup",
        },
      ]);
      const opts = { depotId: DEPOT, depotDir: env.depotDir, productId: "demo" };

      await env.backend.config_createObjects([{ type: "BoolConfig", id: "allow_to_remove_package_in_use", defaultValues: [false] }]);
      await expect(uninstallPackage(env.backend, opts)).rejects.toBeInstanceOf(BackendReferentialIntegrityError);
      await env.backend.config_deleteObjects([{ type: "BoolConfig", id: "allow_to_remove_package_in_use" }]);

      await env.backend.productOnDepot_updateObjects([{ ...(await pod("demo"))[0], locked: true }]);
      await expect(uninstallPackage(env.backend, opts)).rejects.toBeInstanceOf(BackendTemporaryError);
      await uninstallPackage(env.backend, { ...opts, force: true });
      expect(await pod("demo")).toEqual([]);
      expect(readdirSync(env.depotDir)).toEqual([]);
      expect(await env.backend.product_getObjects(null, { id: "demo" })).toHaveLength(1);
      expect(await env.backend.productProperty_getObjects(null, { productId: "demo" })).toHaveLength(2);
      const [poc] = await env.backend.productOnClient_getObjects(null, { productId: "demo" });
      expect(poc?.actionRequest).toBe("none");
      await expect(uninstallPackage(env.backend, opts)).rejects.toBeInstanceOf(BackendBadValueError);

      await install(v1);
      await mkdir(join(env.depotDir, "keep"), { recursive: true });
      await writeFile(join(env.depotDir, "keep", "x"), "x");
      await uninstallPackage(env.backend, { ...opts, deleteFiles: false });
      expect(readdirSync(env.depotDir).sort()).toEqual(["demo", "keep"]);
    });
  });
}

suite("MemoryBackend", true, async () => new MemoryBackend());

const sqliteDirs: string[] = [];
afterAll(() => {
  for (const d of sqliteDirs) rmSync(d, { recursive: true, force: true });
});
suite("SQLite", true, async () => {
  const dir = mkdtempSync(join(tmpdir(), "opsi-install-sqlite-"));
  sqliteDirs.push(dir);
  return openSqliteBackend({ path: join(dir, "opsi.sqlite") });
});

describe.runIf(mysqlOk)("MariaDB database", () => {
  const db = useTestDatabase("depot_install");
  suite("MariaDB", true, async () => {
    const admin = await adminConnection(db.name);
    const backend = await createMysqlBackend({ url: db.url });
    await admin.query(resetBatchSql(defaultHardwareAuditConfig()));
    await admin.end();
    return backend;
  });
});
