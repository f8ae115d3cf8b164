import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JsonFileUserStore } from "../auth/JsonFileUserStore.js";
import { ensureInitialAdmin } from "./initial-admin.js";

describe("ensureInitialAdmin", () => {
  it("generates a password once, stores it 0600 and leaves existing admins alone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "opsi-admin-"));
    const users = new JsonFileUserStore({ path: join(dataDir, "users.json") });
    const first = await ensureInitialAdmin(users, { dataDir });
    expect(first.created?.generated).toBe(true);
    const file = first.created?.passwordFile ?? "";
    expect(readFileSync(file, "utf8").trim()).toBe(first.created?.password);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await users.verify("adminuser", first.created?.password ?? "")).toMatchObject({ groups: ["opsiadmin"] });
    expect(await ensureInitialAdmin(users, { dataDir })).toEqual({});
  });

  it("uses a given password without writing it to disk", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "opsi-admin-"));
    const users = new JsonFileUserStore({ path: join(dataDir, "users.json") });
    const result = await ensureInitialAdmin(users, { dataDir, password: "s3cret-Pass" });
    expect(result.created).toMatchObject({ username: "adminuser", generated: false, passwordFile: null });
    expect(await users.verify("adminuser", "s3cret-Pass")).toBeDefined();
  });
});
