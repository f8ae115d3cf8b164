/**
 * @module auth/JsonFileUserStore
 * `UserStore` in one JSON file (default `<dataDir>/users.json`, mode 0600). Writes are atomic
 * (temp file + rename) and serialised; changes made by another process (the CLI) are picked up.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { BackendBadValueError, BackendIOError, BackendMissingDataError } from "@opsi-ts/core";
import { z } from "zod";
import { readFileIfExists, writeFileAtomic } from "../tls/atomic-file.js";
import {
  burnPasswordCheck,
  DEFAULT_SCRYPT_PARAMS,
  hashPassword,
  isPasswordHash,
  type ScryptParams,
  verifyPassword,
} from "./password-hash.js";
import { checkNewPassword, normalizeGroups, normalizeUsername, type UserInfo, type UserStore } from "./UserStore.js";

const UserRecord = z.object({
  passwordHash: z.string().refine(isPasswordHash, "not a scrypt hash"),
  groups: z.array(z.string()),
  created: z.string(),
  modified: z.string(),
});
const UserFile = z.object({ version: z.literal(1), users: z.record(z.string(), UserRecord) });
type UserRecord = z.infer<typeof UserRecord>;
type UserFile = z.infer<typeof UserFile>;

/** Options of {@link JsonFileUserStore}. */
export interface JsonFileUserStoreOptions {
  /** File path (use {@link defaultUserFile} for `<dataDir>/users.json`). */
  readonly path: string;
  /** scrypt cost for new hashes (default N=2^15, r=8, p=1). */
  readonly scryptParams?: ScryptParams;
  /** Clock in ms (default `Date.now`). */
  readonly clock?: () => number;
}

/**
 * The default user file of a data directory.
 * @example defaultUserFile("/var/lib/opsi-ts") // "/var/lib/opsi-ts/users.json"
 */
export function defaultUserFile(dataDir: string): string {
  return join(dataDir, "users.json");
}

function info(username: string, rec: UserRecord): UserInfo {
  return { username, groups: [...rec.groups], created: rec.created, modified: rec.modified };
}

/**
 * Local users in a JSON file.
 * @example
 * const users = new JsonFileUserStore({ path: defaultUserFile(dataDir) });
 * await users.add("admin", "secret", ["opsiadmin"]);
 * await users.verify("admin", "secret"); // { username: "admin", groups: ["opsiadmin"], ... }
 */
export class JsonFileUserStore implements UserStore {
  readonly path: string;
  private readonly params: ScryptParams;
  private readonly clock: () => number;
  private cache: { file: UserFile; stamp: string } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: JsonFileUserStoreOptions) {
    this.path = options.path;
    this.params = options.scryptParams ?? DEFAULT_SCRYPT_PARAMS;
    this.clock = options.clock ?? Date.now;
  }

  private async stamp(): Promise<string> {
    try {
      const s = await stat(this.path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return "missing";
    }
  }

  private async load(): Promise<UserFile> {
    const stamp = await this.stamp();
    if (this.cache && this.cache.stamp === stamp) return this.cache.file;
    const text = await readFileIfExists(this.path);
    let file: UserFile;
    if (text === undefined) {
      file = { version: 1, users: {} };
    } else {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (e: unknown) {
        throw new BackendIOError(`User file '${this.path}' is not valid JSON`, { cause: e });
      }
      const parsed = UserFile.safeParse(raw);
      if (!parsed.success)
        throw new BackendIOError(`User file '${this.path}' is invalid: ${parsed.error.issues[0]?.message ?? "bad format"}`);
      file = parsed.data;
    }
    this.cache = { file, stamp };
    return file;
  }

  private mutate<T>(change: (file: UserFile) => Promise<T>): Promise<T> {
    const run = async () => {
      this.cache = undefined;
      const file = structuredClone(await this.load());
      const result = await change(file);
      await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
      this.cache = { file, stamp: await this.stamp() };
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  async add(username: string, password: string, groups: readonly string[] = []): Promise<UserInfo> {
    const name = normalizeUsername(username);
    checkNewPassword(password);
    const normalizedGroups = normalizeGroups(groups);
    return this.mutate(async (file) => {
      if (file.users[name]) throw new BackendBadValueError(`User '${name}' already exists`);
      const now = this.now();
      const rec: UserRecord = {
        passwordHash: await hashPassword(password, this.params),
        groups: normalizedGroups,
        created: now,
        modified: now,
      };
      file.users[name] = rec;
      return info(name, rec);
    });
  }

  async setPassword(username: string, password: string): Promise<void> {
    const name = normalizeUsername(username);
    checkNewPassword(password);
    return this.mutate(async (file) => {
      const rec = file.users[name];
      if (!rec) throw new BackendMissingDataError(`User '${name}' not found`);
      rec.passwordHash = await hashPassword(password, this.params);
      rec.modified = this.now();
    });
  }

  async setGroups(username: string, groups: readonly string[]): Promise<void> {
    const name = normalizeUsername(username);
    const normalized = normalizeGroups(groups);
    return this.mutate(async (file) => {
      const rec = file.users[name];
      if (!rec) throw new BackendMissingDataError(`User '${name}' not found`);
      rec.groups = normalized;
      rec.modified = this.now();
    });
  }

  async delete(username: string): Promise<void> {
    const name = normalizeUsername(username);
    return this.mutate(async (file) => {
      if (!file.users[name]) throw new BackendMissingDataError(`User '${name}' not found`);
      delete file.users[name];
    });
  }

  async get(username: string): Promise<UserInfo | undefined> {
    const name = username.trim().toLowerCase();
    const rec = (await this.load()).users[name];
    return rec ? info(name, rec) : undefined;
  }

  async list(): Promise<UserInfo[]> {
    const file = await this.load();
    return Object.entries(file.users)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, rec]) => info(name, rec));
  }

  async verify(username: string, password: string): Promise<UserInfo | undefined> {
    const name = username.trim().toLowerCase();
    const rec = (await this.load()).users[name];
    if (!rec) {
      await burnPasswordCheck(password);
      return undefined;
    }
    return (await verifyPassword(password, rec.passwordHash)) ? info(name, rec) : undefined;
  }
}
