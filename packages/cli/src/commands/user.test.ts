import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultUserFile, JsonFileUserStore } from "@opsi-ts/service";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { type MemoryIoOptions, memoryIo } from "../memory-io.js";

let dataDir: string;
let store: JsonFileUserStore;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "opsi-cli-user-"));
  store = new JsonFileUserStore({ path: defaultUserFile(dataDir) });
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

async function opsi(args: string[], options: MemoryIoOptions = {}) {
  const mem = memoryIo(options);
  const code = await runCli([...args, "--data-dir", dataDir], mem.io);
  return { code, stdout: mem.stdout(), stderr: mem.stderr(), rawModes: mem.rawModes };
}

describe("opsi user add", () => {
  it("adds a user with --password and repeated or comma-separated groups", async () => {
    const r = await opsi(["user", "add", "Alice", "--password", "s3cret", "--group", "opsiadmin", "-g", "pcpatch,Extra"]);
    expect(r).toMatchObject({ code: 0, stderr: "", stdout: "Added user 'alice' (groups: extra,opsiadmin,pcpatch)\n" });
    expect((await store.verify("alice", "s3cret"))?.groups).toEqual(["extra", "opsiadmin", "pcpatch"]);
    expect(await store.verify("alice", "wrong")).toBeUndefined();
  });

  it("reads the password from stdin, removing one trailing newline", async () => {
    const r = await opsi(["user", "add", "bob", "--password-stdin"], { stdin: "pass word \n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Added user 'bob' (groups: -)\n");
    expect(await store.verify("bob", "pass word ")).toMatchObject({ username: "bob", groups: [] });
  });

  it("prompts twice without echo on a terminal", async () => {
    const r = await opsi(["user", "add", "carol", "-g", "opsiadmin"], { tty: true, stdin: "t0p\u007fp\rt0p\r" });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("New password: \nRepeat new password: \n");
    expect(r.stdout).not.toContain("t0p");
    expect(r.rawModes).toEqual([true, false, true, false]);
    expect((await store.verify("carol", "t0p"))?.groups).toEqual(["opsiadmin"]);
  });

  it("refuses different passwords at the prompt and adds nothing", async () => {
    const r = await opsi(["user", "add", "carol"], { tty: true, stdin: "one\rtwo\r" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: PasswordInputError: Passwords do not match\n");
    expect(await store.get("carol")).toBeUndefined();
  });

  it("refuses to run without a password source when stdin is not a terminal", async () => {
    const r = await opsi(["user", "add", "dave"], { stdin: "ignored\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: UsageError: No password given: use --password <password> or --password-stdin, or run on a terminal\n");
    expect(existsSync(defaultUserFile(dataDir))).toBe(false);
  });

  it("rejects --password together with --password-stdin", async () => {
    const r = await opsi(["user", "add", "dave", "--password", "x", "--password-stdin"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: UsageError: option '--password-stdin' cannot be used with option '-p, --password <password>'/);
  });

  it("reports existing users, bad names and empty passwords with their opsi error class", async () => {
    await store.add("erin", "x", []);
    expect((await opsi(["user", "add", "erin", "--password", "y"])).stderr).toBe(
      "Error: BackendBadValueError: User 'erin' already exists\n",
    );
    const bad = await opsi(["user", "add", "client.domain.tld", "--password", "y"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error: BackendBadValueError: User name 'client.domain.tld' looks like a host id/);
    expect((await opsi(["user", "add", "frank", "--password-stdin"], { stdin: "\n" })).stderr).toBe(
      "Error: BackendBadValueError: Empty password\n",
    );
    expect((await opsi(["user", "add", "frank", "--password", "x", "--group", "bad group"])).stderr).toBe(
      "Error: BackendBadValueError: Invalid group name 'bad group'\n",
    );
  });
});

describe("opsi user passwd", () => {
  it("changes the password from stdin, --password or the prompt", async () => {
    await store.add("alice", "old", ["opsiadmin"]);
    expect(await opsi(["user", "passwd", "ALICE", "--password-stdin"], { stdin: "new1\r\n" })).toMatchObject({
      code: 0,
      stdout: "Changed the password of user 'alice'\n",
    });
    expect(await store.verify("alice", "old")).toBeUndefined();
    expect((await store.verify("alice", "new1"))?.groups).toEqual(["opsiadmin"]);
    expect((await opsi(["user", "passwd", "alice", "-p", "new2"])).code).toBe(0);
    expect(await store.verify("alice", "new2")).toBeDefined();
    expect((await opsi(["user", "passwd", "alice"], { tty: true, stdin: "new3\nnew3\n" })).code).toBe(0);
    expect(await store.verify("alice", "new3")).toBeDefined();
  });

  it("fails for an unknown user before asking for a password", async () => {
    const r = await opsi(["user", "passwd", "nobody"], { tty: true });
    expect(r).toMatchObject({ code: 1, stderr: "Error: BackendMissingDataError: User 'nobody' not found\n", rawModes: [] });
  });
});

describe("opsi user delete / list", () => {
  it("lists users as a table and as JSON, and deletes them", async () => {
    await store.add("bob", "x", ["opsiadmin"]);
    await store.add("alice", "y", []);
    const table = await opsi(["user", "list"]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines.map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ["NAME", "GROUPS"],
      ["alice", "-"],
      ["bob", "opsiadmin"],
    ]);
    const json = JSON.parse((await opsi(["user", "list", "--json"])).stdout) as { username: string; groups: string[] }[];
    expect(json.map((u) => [u.username, u.groups])).toEqual([
      ["alice", []],
      ["bob", ["opsiadmin"]],
    ]);
    expect(JSON.stringify(json)).not.toContain("scrypt");

    expect(await opsi(["user", "delete", "Bob"])).toMatchObject({ code: 0, stdout: "Deleted user 'bob'\n" });
    expect((await store.list()).map((u) => u.username)).toEqual(["alice"]);
    expect(await opsi(["user", "delete", "bob"])).toMatchObject({
      code: 1,
      stderr: "Error: BackendMissingDataError: User 'bob' not found\n",
    });
    await opsi(["user", "delete", "alice"]);
    expect((await opsi(["user", "list"])).stdout).toBe("No users\n");
    expect((await opsi(["user", "list", "--json"])).stdout).toBe("[]\n");
  });

  it("finds the data directory from OPSI_TS_DATA_DIR, or ./data relative to the working directory", async () => {
    await store.add("alice", "x", []);
    const fromEnv = memoryIo({ env: { OPSI_TS_DATA_DIR: dataDir } });
    expect(await runCli(["user", "list", "--json"], fromEnv.io)).toBe(0);
    expect(fromEnv.stdout()).toContain('"alice"');

    const cwd = mkdtempSync(join(tmpdir(), "opsi-cli-cwd-"));
    try {
      const local = memoryIo({ cwd });
      expect(await runCli(["user", "add", "zoe", "--password", "z"], local.io)).toBe(0);
      const localStore = new JsonFileUserStore({ path: join(cwd, "data", "users.json") });
      expect(await localStore.verify("zoe", "z")).toBeDefined();
      const relative = memoryIo({ cwd: join(dataDir, "..") });
      expect(await runCli(["--data-dir", dataDir.split("/").pop() ?? "", "user", "list"], relative.io)).toBe(0);
      expect(relative.stdout()).toContain("alice");
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
