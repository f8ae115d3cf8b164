/**
 * @module auth/UserStore
 * Local opsi users (name, password hash, groups): the interface the service and the CLI
 * (`opsi user add|passwd|delete`) use, with user-name and group-name rules.
 */
import { BackendBadValueError } from "@opsi-ts/core";
import { isHostLoginName } from "./host-login.js";

/** A user as reported by a {@link UserStore} (never the hash). */
export interface UserInfo {
  readonly username: string;
  readonly groups: readonly string[];
  /** ISO timestamps. */
  readonly created: string;
  readonly modified: string;
}

/** Local users with scrypt password hashes. */
export interface UserStore {
  /** Adds a user; an existing name → `BackendBadValueError`. */
  add(username: string, password: string, groups?: readonly string[]): Promise<UserInfo>;
  /** Changes a password; an unknown name → `BackendMissingDataError`. */
  setPassword(username: string, password: string): Promise<void>;
  /** Replaces the groups of a user. */
  setGroups(username: string, groups: readonly string[]): Promise<void>;
  /** Deletes a user; an unknown name → `BackendMissingDataError`. */
  delete(username: string): Promise<void>;
  get(username: string): Promise<UserInfo | undefined>;
  list(): Promise<UserInfo[]>;
  /** The user when the password is right, else `undefined` (same time for unknown names). */
  verify(username: string, password: string): Promise<UserInfo | undefined>;
}

const USER_RE = /^[a-z0-9_][a-z0-9\-_.@]{0,63}$/;
const GROUP_RE = /^[a-z0-9_][a-z0-9_.-]{0,63}$/;

/**
 * Normalises and checks a user name: lowercase, `[a-z0-9_][a-z0-9-_.@]{0,63}`, and not something the
 * service would treat as a host login (FQDN-like, two dots, MAC address).
 * @example normalizeUsername(" Admin ") // "admin"
 */
export function normalizeUsername(username: string): string {
  const name = username.trim().toLowerCase();
  if (!USER_RE.test(name)) throw new BackendBadValueError(`Invalid user name '${username}'`);
  if (isHostLoginName(name)) throw new BackendBadValueError(`User name '${username}' looks like a host id or MAC address`);
  return name;
}

/**
 * Normalises a group list: lowercase, de-duplicated, sorted; bad names → `BackendBadValueError`.
 * @example normalizeGroups(["OpsiAdmin", "opsiadmin"]) // ["opsiadmin"]
 */
export function normalizeGroups(groups: readonly string[]): string[] {
  const result = new Set<string>();
  for (const g of groups) {
    const name = g.trim().toLowerCase();
    if (!GROUP_RE.test(name)) throw new BackendBadValueError(`Invalid group name '${g}'`);
    result.add(name);
  }
  return [...result].sort();
}

/**
 * Rejects empty (opsi refuses them at login) and absurdly long passwords.
 * @example checkNewPassword("") // throws BackendBadValueError
 */
export function checkNewPassword(password: string): void {
  if (password.length === 0) throw new BackendBadValueError("Empty password");
  if (password.length > 1024) throw new BackendBadValueError("Password too long");
}
