/**
 * @module setup/initial-admin
 * The first admin user: created when no user is in the admin group, with a given or generated password
 * that is written once to `<data>/initial-admin-password` (mode 0600).
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { UserStore } from "../auth/UserStore.js";

/** Result of {@link ensureInitialAdmin}. */
export interface InitialAdminResult {
  /** Set when a user was created. */
  readonly created?: {
    readonly username: string;
    readonly password: string;
    readonly generated: boolean;
    readonly passwordFile: string | null;
  };
}

/**
 * Creates `adminuser` in the admin group if no admin exists. A generated password (24 url-safe chars)
 * is written to `<dataDir>/initial-admin-password` with mode 0600; a given one is not written anywhere.
 * @example const { created } = await ensureInitialAdmin(users, { dataDir: "data", password: process.env.OPSI_TS_ADMIN_PASSWORD })
 */
export async function ensureInitialAdmin(
  users: UserStore,
  options: { dataDir: string; password?: string | undefined; adminGroup?: string; username?: string },
): Promise<InitialAdminResult> {
  const adminGroup = options.adminGroup ?? "opsiadmin";
  const existing = await users.list();
  if (existing.some((u) => u.groups.includes(adminGroup))) return {};
  const username = options.username ?? "adminuser";
  const generated = !options.password;
  const password = options.password || randomBytes(18).toString("base64url");
  if (existing.some((u) => u.username === username)) {
    await users.setPassword(username, password);
    await users.setGroups(username, [adminGroup]);
  } else {
    await users.add(username, password, [adminGroup]);
  }
  let passwordFile: string | null = null;
  if (generated) {
    passwordFile = join(options.dataDir, "initial-admin-password");
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  return { created: { username, password, generated, passwordFile } };
}
