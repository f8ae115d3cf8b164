import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackendBadValueError, BackendIOError, BackendMissingDataError } from "@opsi-ts/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultUserFile, JsonFileUserStore } from "./JsonFileUserStore.js";
import { hashPassword, isPasswordHash, verifyPassword } from "./password-hash.js";

const FAST = { N: 1024, r: 8, p: 1 };
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "opsi-ts-users-"));
  path = defaultUserFile(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("password hashes", () => {
  it("stores scrypt$N$r$p$salt$hash and verifies", async () => {
    const hash = await hashPassword("secret", FAST);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(isPasswordHash(hash)).toBe(true);
    expect(await verifyPassword("secret", hash)).toBe(true);
    expect(await verifyPassword("Secret", hash)).toBe(false);
    expect(await hashPassword("secret", FAST)).not.toBe(hash);
  });

  it("never matches malformed or hostile hashes", async () => {
    for (const bad of [
      "",
      "scrypt$1024$8$1$AA==",
      "md5$x",
      "scrypt$1000$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==",
      "scrypt$1073741824$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==",
    ]) {
      expect(isPasswordHash(bad)).toBe(false);
      expect(await verifyPassword("x", bad)).toBe(false);
    }
  });
});

describe("JsonFileUserStore", () => {
  it("adds, verifies, changes passwords and groups, lists and deletes", async () => {
    const store = new JsonFileUserStore({ path, scryptParams: FAST });
    const added = await store.add("Admin", "pw1", ["OpsiAdmin", "opsiadmin", "readers"]);
    expect(added).toMatchObject({ username: "admin", groups: ["opsiadmin", "readers"] });
    expect(await store.verify("admin", "pw1")).toMatchObject({ username: "admin", groups: ["opsiadmin", "readers"] });
    expect(await store.verify("ADMIN", "pw1")).toMatchObject({ username: "admin" });
    expect(await store.verify("admin", "wrong")).toBeUndefined();
    expect(await store.verify("nobody", "pw1")).toBeUndefined();
    await store.setPassword("admin", "pw2");
    expect(await store.verify("admin", "pw1")).toBeUndefined();
    expect(await store.verify("admin", "pw2")).toBeDefined();
    await store.setGroups("admin", ["x"]);
    expect((await store.get("admin"))?.groups).toEqual(["x"]);
    await store.add("bob", "pw");
    expect((await store.list()).map((u) => u.username)).toEqual(["admin", "bob"]);
    await store.delete("bob");
    expect(await store.get("bob")).toBeUndefined();
    expect(JSON.stringify(await store.list())).not.toContain("scrypt");
  });

  it("writes the file with mode 0600, atomically, without leftovers, and never stores plain passwords", async () => {
    const store = new JsonFileUserStore({ path, scryptParams: FAST });
    await store.add("alice", "plain-secret", ["opsiadmin"]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["users.json"]);
    const text = await readFile(path, "utf8");
    expect(text).not.toContain("plain-secret");
    expect(JSON.parse(text)).toMatchObject({ version: 1, users: { alice: { groups: ["opsiadmin"] } } });
  });

  it("rejects bad input with typed errors", async () => {
    const store = new JsonFileUserStore({ path, scryptParams: FAST });
    await store.add("alice", "pw");
    await expect(store.add("alice", "pw")).rejects.toBeInstanceOf(BackendBadValueError);
    await expect(store.add("bad name", "pw")).rejects.toBeInstanceOf(BackendBadValueError);
    await expect(store.add("pc1.dom.tld", "pw")).rejects.toThrow(/looks like a host id/);
    await expect(store.add("aa:bb:cc:dd:ee:ff", "pw")).rejects.toBeInstanceOf(BackendBadValueError);
    await expect(store.add("carol", "")).rejects.toThrow(/Empty password/);
    await expect(store.add("carol", "pw", ["bad group!"])).rejects.toThrow(/Invalid group name/);
    await expect(store.setPassword("nobody", "pw")).rejects.toBeInstanceOf(BackendMissingDataError);
    await expect(store.delete("nobody")).rejects.toBeInstanceOf(BackendMissingDataError);
  });

  it("serialises concurrent writes", async () => {
    const store = new JsonFileUserStore({ path, scryptParams: FAST });
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.add(`user${i}`, `pw${i}`)));
    expect(await store.list()).toHaveLength(8);
    const fresh = new JsonFileUserStore({ path, scryptParams: FAST });
    expect(await fresh.verify("user5", "pw5")).toBeDefined();
  });

  it("picks up changes made by another process (the CLI)", async () => {
    const server = new JsonFileUserStore({ path, scryptParams: FAST });
    expect(await server.list()).toEqual([]);
    const cli = new JsonFileUserStore({ path, scryptParams: FAST });
    await cli.add("dave", "pw", ["opsiadmin"]);
    expect(await server.verify("dave", "pw")).toMatchObject({ groups: ["opsiadmin"] });
    await cli.delete("dave");
    expect(await server.verify("dave", "pw")).toBeUndefined();
  });

  it("reports a corrupt file clearly", async () => {
    await writeFile(path, "{not json");
    await expect(new JsonFileUserStore({ path }).list()).rejects.toBeInstanceOf(BackendIOError);
    await writeFile(path, JSON.stringify({ version: 1, users: { x: { passwordHash: "plain", groups: [], created: "", modified: "" } } }));
    await expect(new JsonFileUserStore({ path }).list()).rejects.toThrow(/invalid/);
  });
});
