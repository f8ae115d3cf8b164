/**
 * @module repository/updater/config — `opsi-package-updater.conf` and the `*.repo` files of its
 * `repositoryConfigDir` (spec §3.2), validated with zod; errors name file, section and key.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { UpdaterConfigError } from "./errors.js";
import { type IniSection, IniSyntaxError, parseIni } from "./ini.js";

/** The default main configuration file. */
export const DEFAULT_UPDATER_CONFIG_FILE = "/etc/opsi/opsi-package-updater.conf";

/** `[general]`. */
export interface UpdaterGeneralConfig {
  readonly packageDir: string;
  readonly logFile: string;
  readonly logLevel: number;
  /** Socket timeout in seconds. */
  readonly timeout: number;
  readonly tempDir: string;
  readonly repositoryConfigDir: string;
  /** `system`, a proxy URL or "" (direct). */
  readonly proxy: string;
  readonly ignoreErrors: boolean;
}

/** `[installation]`: installs happen only between `windowStart` and `windowEnd` (`HH:MM`, may cross midnight). */
export interface InstallationWindowConfig {
  readonly windowStart: string | null;
  readonly windowEnd: string | null;
  /** Installed even outside the window. */
  readonly exceptProductIds: readonly string[];
}

/** `[notification]` (parsed and kept; opsi-ts sends no e-mail). */
export interface NotificationConfig {
  readonly active: boolean;
  readonly smtpHost: string;
  readonly smtpPort: number;
  readonly smtpUser: string;
  readonly smtpPassword: string;
  readonly useStarttls: boolean;
  readonly sender: string;
  readonly receivers: readonly string[];
  readonly subject: string;
}

/** `[wol]` (parsed and kept; opsi-ts wakes no clients). */
export interface WolConfig {
  readonly active: boolean;
  readonly excludeProductIds: readonly string[];
  readonly shutdownWanted: boolean;
  /** Seconds between wake-ups. */
  readonly startGap: number;
}

/** One `[repository_<name>]` section. */
export interface RepositoryConfig {
  /** Section name without `repository_`. */
  readonly name: string;
  /** The file and section it came from (for messages). */
  readonly file: string;
  readonly section: string;
  readonly active: boolean;
  readonly description: string;
  /** `http(s)://…` without trailing slash (`webdav(s)` rewritten), or null with `opsiDepotId`. */
  readonly baseUrl: string | null;
  /** Sub-directories relative to `baseUrl`, `/` = the base itself. */
  readonly dirs: readonly string[];
  readonly opsiDepotId: string | null;
  readonly username: string;
  readonly password: string;
  readonly authCertFile: string;
  readonly authKeyFile: string;
  readonly verifyCert: boolean;
  /** Effective proxy: the repository's, else `[general] proxy`. */
  readonly proxy: string;
  readonly includeProductIds: readonly RegExp[];
  readonly excludes: readonly RegExp[];
  readonly autoInstall: boolean;
  readonly autoUpdate: boolean;
  readonly autoSetup: boolean;
  readonly autoSetupExcludes: readonly RegExp[];
  readonly onlyDownload: boolean;
  readonly inheritProductProperties: boolean;
}

/** The whole updater configuration. */
export interface UpdaterConfig {
  /** The main file, or null when running on defaults. */
  readonly configFile: string | null;
  readonly general: UpdaterGeneralConfig;
  readonly installation: InstallationWindowConfig;
  readonly notification: NotificationConfig;
  readonly wol: WolConfig;
  /** In file order: the main file's sections first, then the `*.repo` files sorted by name. */
  readonly repositories: readonly RepositoryConfig[];
  /** Things that were ignored (unknown sections, missing repository directory). */
  readonly warnings: readonly string[];
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["", "0", "false", "no", "off"]);

const bool = z.string().transform((v, ctx) => {
  const value = v.trim().toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  ctx.addIssue({ code: "custom", message: `expected a boolean (true/false), got '${v}'` });
  return z.NEVER;
});

const text = z.string().transform((v) => v.trim());

const list = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== ""),
);

const regexList = list.transform((patterns, ctx) => {
  const out: RegExp[] = [];
  for (const pattern of patterns) {
    try {
      out.push(new RegExp(pattern));
    } catch (e: unknown) {
      ctx.addIssue({ code: "custom", message: `invalid regular expression '${pattern}': ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return out;
});

function intIn(min: number, max: number) {
  return z.string().transform((v, ctx) => {
    const value = v.trim();
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `expected an integer from ${min} to ${max}, got '${v}'` });
      return z.NEVER;
    }
    return n;
  });
}

const timeOfDay = z.string().transform((v, ctx) => {
  const value = v.trim();
  if (value === "") return null;
  const m = /^(\d{1,2}):(\d{2})$/.exec(value);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) {
    ctx.addIssue({ code: "custom", message: `expected a time HH:MM, got '${v}'` });
    return z.NEVER;
  }
  return `${(m[1] ?? "").padStart(2, "0")}:${m[2]}`;
});

const url = z.string().transform((v, ctx) => {
  const value = v.trim();
  if (value === "") return null;
  const rewritten = value.replace(/^webdavs:/i, "https:").replace(/^webdav:/i, "http:");
  try {
    const parsed = new URL(rewritten);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`unsupported scheme '${parsed.protocol}'`);
  } catch (e: unknown) {
    ctx.addIssue({
      code: "custom",
      message: `expected an http(s) or webdav(s) URL, got '${v}' (${e instanceof Error ? e.message : String(e)})`,
    });
    return z.NEVER;
  }
  return rewritten.replace(/\/+$/, "");
});

const proxy = z.string().transform((v, ctx) => {
  const value = v.trim();
  if (value === "" || value.toLowerCase() === "system") return value.toLowerCase();
  try {
    new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: `expected 'system', a proxy URL or nothing, got '${v}'` });
    return z.NEVER;
  }
  return value;
});

const GeneralSchema = z.object({
  packagedir: text.default("/var/lib/opsi/repository"),
  logfile: text.default("/var/log/opsi/opsi-package-updater.log"),
  loglevel: intIn(0, 9).default(5),
  timeout: intIn(1, 86_400).default(60),
  tempdir: text.default("/var/lib/opsi/tmp"),
  repositoryconfigdir: text.default("/etc/opsi/package-updater.repos.d/"),
  proxy: proxy.default(""),
  ignoreerrors: bool.default(false),
});

const InstallationSchema = z.object({
  windowstart: timeOfDay.default(null),
  windowend: timeOfDay.default(null),
  exceptproductids: list.default([]),
});

const NotificationSchema = z.object({
  active: bool.default(false),
  smtphost: text.default("smtp"),
  smtpport: intIn(1, 65_535).default(25),
  smtpuser: text.default(""),
  smtppassword: text.default(""),
  use_starttls: bool.default(false),
  sender: text.default(""),
  receivers: list.default([]),
  subject: text.default("opsi-package-updater"),
});

const WolSchema = z.object({
  active: bool.default(false),
  excludeproductids: list.default([]),
  shutdownwanted: bool.default(true),
  startgap: intIn(0, 86_400).default(0),
});

const RepositorySchema = z.object({
  active: bool.default(false),
  description: text.default(""),
  baseurl: url.default(null),
  dirs: list.default(["/"]),
  opsidepotid: z
    .string()
    .transform((v) => v.trim().toLowerCase() || null)
    .default(null),
  username: text.default(""),
  password: text.default(""),
  authcertfile: text.default(""),
  authkeyfile: text.default(""),
  verifycert: bool.default(false),
  proxy: proxy.default(""),
  includeproductids: regexList.default([]),
  excludes: regexList.default([]),
  autoinstall: bool.default(false),
  autoupdate: bool.default(true),
  autosetup: bool.default(false),
  autosetupexcludes: regexList.default([]),
  onlydownload: bool.default(false),
  inheritproductproperties: bool.default(false),
});

/** Canonical spellings of the (lowercased) keys, for messages. */
const KEY_NAMES: Readonly<Record<string, string>> = {
  packagedir: "packageDir",
  logfile: "logFile",
  loglevel: "logLevel",
  repositoryconfigdir: "repositoryConfigDir",
  ignoreerrors: "ignoreErrors",
  windowstart: "windowStart",
  windowend: "windowEnd",
  exceptproductids: "exceptProductIds",
  excludeproductids: "excludeProductIds",
  shutdownwanted: "shutdownWanted",
  startgap: "startGap",
  baseurl: "baseUrl",
  opsidepotid: "opsiDepotId",
  authcertfile: "authcertfile",
  authkeyfile: "authkeyfile",
  verifycert: "verifyCert",
  includeproductids: "includeProductIds",
  autoinstall: "autoInstall",
  autoupdate: "autoUpdate",
  autosetup: "autoSetup",
  autosetupexcludes: "autoSetupExcludes",
  onlydownload: "onlyDownload",
  inheritproductproperties: "inheritProductProperties",
};

function keyName(key: string): string {
  return KEY_NAMES[key] ?? key;
}

function parseSection<S extends z.ZodType>(schema: S, section: IniSection | undefined, file: string, name: string): z.output<S> {
  const values = Object.fromEntries(section?.values ?? []);
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const messages = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? "");
    const line = section?.lines.get(key);
    return `${file}${line === undefined ? "" : `:${line}`}: [${name}] ${keyName(key)}: ${issue.message}`;
  });
  throw new UpdaterConfigError(messages.join("; "));
}

function iniSections(content: string, file: string): IniSection[] {
  try {
    return parseIni(content, file);
  } catch (e: unknown) {
    if (e instanceof IniSyntaxError) throw new UpdaterConfigError(e.message);
    throw e;
  }
}

/**
 * Builds a repository from its section; the effective proxy falls back to `generalProxy`.
 * @example repositoryFromSection(section, "uib-windows.repo", "")
 */
export function repositoryFromSection(section: IniSection, file: string, generalProxy = ""): RepositoryConfig {
  const v = parseSection(RepositorySchema, section, file, section.name);
  const repo: RepositoryConfig = {
    name: section.name.replace(/^repository_/, ""),
    file,
    section: section.name,
    active: v.active,
    description: v.description,
    baseUrl: v.baseurl,
    dirs: v.opsidepotid !== null ? ["/"] : v.dirs.length > 0 ? v.dirs : ["/"],
    opsiDepotId: v.opsidepotid,
    username: v.username,
    password: v.password,
    authCertFile: v.authcertfile,
    authKeyFile: v.authkeyfile,
    verifyCert: v.verifycert,
    proxy: v.proxy === "" ? generalProxy : v.proxy,
    includeProductIds: v.includeproductids,
    excludes: v.excludes,
    autoInstall: v.autoinstall,
    autoUpdate: v.autoupdate,
    autoSetup: v.autosetup,
    autoSetupExcludes: v.autosetupexcludes,
    onlyDownload: v.onlydownload,
    inheritProductProperties: v.inheritproductproperties,
  };
  if (repo.active) assertRepositoryUsable(repo);
  return repo;
}

/**
 * Throws {@link UpdaterConfigError} unless the repository has a `baseUrl` or an `opsiDepotId`
 * (checked for active repositories on load, and for a repository activated with `--use-inactive-repository`).
 * @example assertRepositoryUsable(repo)
 */
export function assertRepositoryUsable(repo: RepositoryConfig): void {
  if (repo.baseUrl === null && repo.opsiDepotId === null) {
    throw new UpdaterConfigError(`${repo.file}: [${repo.section}] baseUrl: missing (set baseUrl or opsiDepotId)`);
  }
}

/**
 * Parses the text of one `*.repo` file: every section whose name starts with `repository`.
 * @example parseRepositoryFile("[repository_uib]\nactive = true\nbaseUrl = https://opsipackages.43.opsi.org/stable\n", "uib.repo")
 */
export function parseRepositoryFile(content: string, file: string, generalProxy = ""): RepositoryConfig[] {
  return iniSections(content, file)
    .filter((s) => s.name.startsWith("repository"))
    .map((s) => repositoryFromSection(s, file, generalProxy));
}

/** The main file parsed (see {@link parseUpdaterConfig}). */
export type MainConfig = Omit<UpdaterConfig, "warnings"> & { readonly warnings: string[] };

/**
 * Parses the text of `opsi-package-updater.conf` (its `[repository_*]` sections included).
 * @example parseUpdaterConfig("[general]\npackageDir = /srv/repo\n", "opsi-package-updater.conf").general.packageDir // "/srv/repo"
 */
export function parseUpdaterConfig(content: string, file: string): MainConfig {
  const sections = iniSections(content, file);
  const find = (name: string) => sections.find((s) => s.name.toLowerCase() === name);
  const g = parseSection(GeneralSchema, find("general"), file, "general");
  const inst = parseSection(InstallationSchema, find("installation"), file, "installation");
  if ((inst.windowstart === null) !== (inst.windowend === null)) {
    const missing = inst.windowstart === null ? "windowStart" : "windowEnd";
    throw new UpdaterConfigError(`${file}: [installation] ${missing}: missing (windowStart and windowEnd go together)`);
  }
  const n = parseSection(NotificationSchema, find("notification"), file, "notification");
  const w = parseSection(WolSchema, find("wol"), file, "wol");
  const warnings: string[] = [];
  const repositories: RepositoryConfig[] = [];
  for (const s of sections) {
    if (s.name.startsWith("repository")) repositories.push(repositoryFromSection(s, file, g.proxy));
    else if (!["general", "installation", "notification", "wol"].includes(s.name.toLowerCase())) {
      warnings.push(`${file}: unknown section [${s.name}] ignored`);
    }
  }
  return {
    configFile: file,
    general: {
      packageDir: g.packagedir,
      logFile: g.logfile,
      logLevel: g.loglevel,
      timeout: g.timeout,
      tempDir: g.tempdir,
      repositoryConfigDir: g.repositoryconfigdir,
      proxy: g.proxy,
      ignoreErrors: g.ignoreerrors,
    },
    installation: { windowStart: inst.windowstart, windowEnd: inst.windowend, exceptProductIds: inst.exceptproductids },
    notification: {
      active: n.active,
      smtpHost: n.smtphost,
      smtpPort: n.smtpport,
      smtpUser: n.smtpuser,
      smtpPassword: n.smtppassword,
      useStarttls: n.use_starttls,
      sender: n.sender,
      receivers: n.receivers,
      subject: n.subject,
    },
    wol: { active: w.active, excludeProductIds: w.excludeproductids, shutdownWanted: w.shutdownwanted, startGap: w.startgap },
    repositories,
    warnings,
  };
}

/** Options of {@link loadUpdaterConfig}. */
export interface LoadUpdaterConfigOptions {
  /** The main file; null = built-in defaults (default {@link DEFAULT_UPDATER_CONFIG_FILE}). */
  readonly configFile?: string | null;
  /** Overrides `[general] repositoryConfigDir` (then the directory must exist). */
  readonly repositoryConfigDir?: string;
  /** Overrides `[general] packageDir`. */
  readonly packageDir?: string;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Reads the main file and every `*.repo` file of the repository config directory (sorted by name).
 * Repository names must be unique over all files.
 * @example const config = await loadUpdaterConfig({ configFile: "/etc/opsi/opsi-package-updater.conf" })
 */
export async function loadUpdaterConfig(options: LoadUpdaterConfigOptions = {}): Promise<UpdaterConfig> {
  const configFile = options.configFile === undefined ? DEFAULT_UPDATER_CONFIG_FILE : options.configFile;
  let main: MainConfig;
  if (configFile === null) {
    main = { ...parseUpdaterConfig("", "(defaults)"), configFile: null };
  } else {
    let content: string;
    try {
      content = await readFile(configFile, "utf8");
    } catch (e: unknown) {
      throw new UpdaterConfigError(
        errno(e) === "ENOENT"
          ? `Config file '${configFile}' not found`
          : `Cannot read config file '${configFile}': ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    main = parseUpdaterConfig(content, configFile);
  }
  const general = {
    ...main.general,
    ...(options.packageDir === undefined ? {} : { packageDir: options.packageDir }),
    ...(options.repositoryConfigDir === undefined ? {} : { repositoryConfigDir: options.repositoryConfigDir }),
  };
  const repositories = [...main.repositories];
  const dir = general.repositoryConfigDir;
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".repo")).sort();
  } catch (e: unknown) {
    if (errno(e) !== "ENOENT" || options.repositoryConfigDir !== undefined) {
      throw new UpdaterConfigError(`Cannot read repository config dir '${dir}': ${e instanceof Error ? e.message : String(e)}`);
    }
    main.warnings.push(`Repository config dir '${dir}' does not exist`);
  }
  for (const name of names) {
    const file = join(dir, name);
    repositories.push(...parseRepositoryFile(await readFile(file, "utf8"), file, general.proxy));
  }
  const seen = new Map<string, RepositoryConfig>();
  for (const repo of repositories) {
    const before = seen.get(repo.name);
    if (before) {
      throw new UpdaterConfigError(
        `Repository '${repo.name}' is defined twice: ${before.file} [${before.section}] and ${repo.file} [${repo.section}]`,
      );
    }
    seen.set(repo.name, repo);
  }
  return { ...main, general, repositories, warnings: main.warnings };
}

/**
 * Whether `now` (local time) lies in the installation window; no window means always. A window whose
 * start is after its end crosses midnight (`22:00`–`04:00`). Start inclusive, end exclusive.
 * @example inInstallationWindow({ windowStart: "22:00", windowEnd: "04:00", exceptProductIds: [] }, new Date(2025, 0, 1, 1, 30)) // true
 */
export function inInstallationWindow(window: InstallationWindowConfig, now: Date): boolean {
  if (window.windowStart === null || window.windowEnd === null) return true;
  const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const start = minutes(window.windowStart);
  const end = minutes(window.windowEnd);
  const t = now.getHours() * 60 + now.getMinutes();
  if (start === end) return true;
  return start < end ? t >= start && t < end : t >= start || t < end;
}
