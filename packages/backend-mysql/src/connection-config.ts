/**
 * @module connection-config
 * Connection settings from a `mysql://` URL and/or opsi's `/etc/opsi/backends/mysql.conf`, validated with zod.
 */
import { BackendConfigurationError, parsePythonAssignments } from "@opsi-ts/core";
import { z } from "zod";

/** Validated connection settings (what {@link MysqlDriver} needs). */
export interface MysqlConnectionOptions {
  /** Host name or IP address (ignored when `socketPath` is set). */
  readonly host: string;
  readonly port: number;
  /** Unix socket path (mysql.conf `address` starting with `/`). */
  readonly socketPath?: string | undefined;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Connection character set; always `utf8mb4` (opsi maps `utf8` to it too). */
  readonly charset: "utf8mb4";
  /** Connections kept in the pool (`connectionPoolSize`, default 20). */
  readonly poolSize: number;
  /** Extra connections allowed under load (`connectionPoolMaxOverflow`, default 10). */
  readonly poolMaxOverflow: number;
  /** Milliseconds to wait for a free pooled connection (`connectionPoolTimeout` seconds, default 30). */
  readonly poolTimeoutMs: number;
  /** Milliseconds after which idle connections are closed (`connectionPoolRecycling` seconds; -1 = never). */
  readonly poolRecyclingMs: number;
  /** Milliseconds to wait for the TCP connection and handshake (default 5000). */
  readonly connectTimeoutMs: number;
  /** TLS settings; undefined = plain connection. */
  readonly ssl?: MysqlSslOptions | undefined;
}

/** TLS options (`ssl`, `sslCa`, `sslKey`, `sslCert`, `sslCheckHostname` in mysql.conf). */
export interface MysqlSslOptions {
  /** PEM file paths as given in mysql.conf. */
  readonly caFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly checkHostname: boolean;
}

/** Raw settings as opsi names them (mysql.conf keys), before validation. */
export type MysqlConfigInput = Record<string, unknown>;

/** Defaults of opsiconfd's `MySQLConnection`. */
const DEFAULTS = {
  address: "localhost",
  username: "opsi",
  password: "opsi",
  database: "opsi",
  databaseCharset: "utf8mb4",
  connectionPoolSize: 20,
  connectionPoolMaxOverflow: 10,
  connectionPoolTimeout: 30,
  connectionPoolRecycling: -1,
  connectTimeout: 5,
} as const;

/** mysql.conf keys we understand, by their normalised (lower-case, no `_`) spelling. */
const KNOWN_KEYS: Readonly<Record<string, string>> = Object.fromEntries(
  [
    "address",
    "port",
    "database",
    "username",
    "password",
    "databaseCharset",
    "connectionPoolSize",
    "connectionPoolMaxOverflow",
    "connectionPoolTimeout",
    "connectionPoolRecycling",
    "connectTimeout",
    "ssl",
    "sslCa",
    "sslKey",
    "sslCert",
    "sslCheckHostname",
  ].map((k) => [k.toLowerCase(), k]),
);

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off", ""]);

/** A boolean, also as Python-ish text ("true", "0", "yes") or a number. */
const boolish = z.preprocess(
  (v) => {
    if (typeof v === "number") return v !== 0;
    if (typeof v !== "string") return v;
    const s = v.trim().toLowerCase();
    return TRUE_WORDS.has(s) ? true : FALSE_WORDS.has(s) ? false : v;
  },
  z.boolean({ error: "expected true or false" }),
);

/** An integer in [min, max], also given as text. */
const intish = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
    z
      .number({ error: "expected an integer" })
      .int({ error: "expected an integer" })
      .min(min, { error: `expected an integer >= ${min}` })
      .max(max, { error: `expected an integer <= ${max}` }),
  );

/** A number in [min, max], also given as text. */
const numberish = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v),
    z
      .number({ error: "expected a number" })
      .min(min, { error: `expected a number >= ${min}` })
      .max(max, { error: `expected a number <= ${max}` }),
  );

/** Database names we accept: they end up in `CREATE DATABASE` and must be plain identifiers. */
const databaseName = z
  .string({ error: "expected a string" })
  .min(1, "must not be empty")
  .max(64, "at most 64 characters")
  .regex(/^[A-Za-z0-9_$-]+$/, "only letters, digits, '_', '$' and '-' are allowed");

const InputSchema = z.object({
  address: z.string({ error: "expected a string" }).trim().min(1, "must not be empty"),
  port: intish(1, 65535).optional(),
  database: databaseName,
  username: z.string({ error: "expected a string" }).min(1, "must not be empty").max(80),
  password: z.string({ error: "expected a string" }),
  databaseCharset: z
    .string({ error: "expected a string" })
    .transform((s) => s.replace(/-/g, "").toLowerCase())
    .pipe(z.enum(["utf8", "utf8mb3", "utf8mb4"], { error: "only utf8 / utf8mb4 are supported" })),
  connectionPoolSize: intish(1, 1000),
  connectionPoolMaxOverflow: intish(0, 1000),
  connectionPoolTimeout: numberish(0.1, 3600),
  connectionPoolRecycling: numberish(-1, 86400 * 365),
  connectTimeout: numberish(0.1, 600),
  ssl: boolish.optional(),
  sslCa: z.string().optional(),
  sslKey: z.string().optional(),
  sslCert: z.string().optional(),
  sslCheckHostname: boolish.optional(),
});

/** Normalises keys (`connection_pool_size` / `connectionPoolSize` → `connectionPoolSize`); unknown keys are dropped. */
function normaliseKeys(input: MysqlConfigInput): { known: Record<string, unknown>; unknown: string[] } {
  const known: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    const canonical = KNOWN_KEYS[key.replace(/_/g, "").toLowerCase()];
    if (canonical === undefined) unknown.push(key);
    else if (value !== undefined && value !== null) known[canonical] = value;
  }
  return { known, unknown };
}

/** Splits `host`, `host:port`, `[v6]:port`, `::1` and socket paths. */
function splitAddress(address: string): { host: string; port?: number; socketPath?: string } {
  if (address.startsWith("/")) return { host: "localhost", socketPath: address };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed) {
    const host = bracketed[1] ?? "";
    return bracketed[2] === undefined ? { host } : { host, port: Number(bracketed[2]) };
  }
  const hostPort = /^([^:]+):(\d+)$/.exec(address);
  if (hostPort) return { host: hostPort[1] ?? "", port: Number(hostPort[2]) };
  return { host: address };
}

/**
 * Validates raw opsi-style settings (mysql.conf keys) into connection options; the error names the bad field.
 * @example resolveMysqlConfig({ address: "db:3307", username: "opsi", password: "x", database: "opsi" }).port // 3307
 */
export function resolveMysqlConfig(input: MysqlConfigInput, source = "MySQL configuration"): MysqlConnectionOptions {
  const { known } = normaliseKeys(input);
  const parsed = InputSchema.safeParse({ ...DEFAULTS, ...known });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "(root)";
    throw new BackendConfigurationError(`${source}: invalid value for '${field}': ${issue?.message ?? "invalid"}`);
  }
  const c = parsed.data;
  const addr = splitAddress(c.address);
  if (addr.port !== undefined && (addr.port < 1 || addr.port > 65535)) {
    throw new BackendConfigurationError(`${source}: invalid value for 'address': port out of range`);
  }
  const sslWanted = c.ssl === true || c.sslCa !== undefined || c.sslCert !== undefined || c.sslKey !== undefined;
  return {
    host: addr.host,
    port: c.port ?? addr.port ?? 3306,
    socketPath: addr.socketPath,
    user: c.username,
    password: c.password,
    database: c.database,
    charset: "utf8mb4",
    poolSize: c.connectionPoolSize,
    poolMaxOverflow: c.connectionPoolMaxOverflow,
    poolTimeoutMs: Math.round(c.connectionPoolTimeout * 1000),
    poolRecyclingMs: c.connectionPoolRecycling < 0 ? -1 : Math.round(c.connectionPoolRecycling * 1000),
    connectTimeoutMs: Math.round(c.connectTimeout * 1000),
    ssl: sslWanted
      ? {
          caFile: c.sslCa || undefined,
          keyFile: c.sslKey || undefined,
          certFile: c.sslCert || undefined,
          checkHostname: c.sslCheckHostname ?? false,
        }
      : undefined,
  };
}

/**
 * Parses `mysql://user:password@host:port/database?option=value` (also `mysql+pymysql://...`) into raw
 * settings. Unlike opsiconfd's `--mysql-internal-url`, the port is honoured.
 * @example parseMysqlUrl("mysql://opsi:secret@db:3307/opsi").address // "db:3307"
 */
export function parseMysqlUrl(url: string): MysqlConfigInput {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BackendConfigurationError("MySQL URL: not a valid URL (expected mysql://user:password@host:port/database)");
  }
  if (!/^mysql(\+[a-z0-9]+)?:$/i.test(parsed.protocol) && parsed.protocol.toLowerCase() !== "mariadb:") {
    throw new BackendConfigurationError(`MySQL URL: invalid value for 'scheme': expected mysql://, got ${parsed.protocol}//`);
  }
  const decode = (s: string, field: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new BackendConfigurationError(`MySQL URL: invalid value for '${field}': bad percent-encoding`);
    }
  };
  const out: MysqlConfigInput = {};
  for (const [key, value] of parsed.searchParams) out[key] = value;
  if (!parsed.hostname) throw new BackendConfigurationError("MySQL URL: invalid value for 'host': missing");
  const host = parsed.hostname;
  out.address = parsed.port ? `${host}:${parsed.port}` : host;
  if (parsed.username) out.username = decode(parsed.username, "username");
  if (parsed.password || parsed.username) out.password = decode(parsed.password, "password");
  const db = decode(parsed.pathname.replace(/^\//, ""), "database");
  if (db) out.database = db;
  return out;
}

/**
 * Parses opsi's `mysql.conf` (a Python file with `module = 'MySQL'` and a `config = {...}` dict literal).
 * @example parseMysqlConf('module = "MySQL"\nconfig = {"address": "localhost", "password": "x"}').password // "x"
 */
export function parseMysqlConf(text: string): MysqlConfigInput {
  const assignments = parsePythonAssignments(text, "mysql.conf");
  const moduleName = assignments.get("module");
  if (moduleName !== undefined && (typeof moduleName !== "string" || moduleName.toLowerCase() !== "mysql")) {
    throw new BackendConfigurationError(`mysql.conf: invalid value for 'module': expected 'MySQL', got ${JSON.stringify(moduleName)}`);
  }
  const config = assignments.get("config");
  if (config === undefined) throw new BackendConfigurationError("mysql.conf: no 'config = {...}' assignment found");
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new BackendConfigurationError("mysql.conf: invalid value for 'config': expected a dict");
  }
  return config as MysqlConfigInput;
}

/**
 * Combines mysql.conf content and a URL (URL values win, as with opsiconfd's `--mysql-internal-url`).
 * @example resolveConnectionOptions({ url: "mysql://root@127.0.0.1:3306/opsi" }).user // "root"
 */
export function resolveConnectionOptions(sources: { url?: string | undefined; mysqlConf?: string | undefined }): MysqlConnectionOptions {
  const fromConf = sources.mysqlConf === undefined ? {} : normaliseKeys(parseMysqlConf(sources.mysqlConf)).known;
  const fromUrl = sources.url === undefined ? {} : normaliseKeys(parseMysqlUrl(sources.url)).known;
  const source = sources.url !== undefined ? "MySQL URL" : sources.mysqlConf !== undefined ? "mysql.conf" : "MySQL configuration";
  return resolveMysqlConfig({ ...fromConf, ...fromUrl }, source);
}

/**
 * `host:port` (or the socket path) for messages; never contains credentials.
 * @example describeServer({ host: "::1", port: 3306 }) // "[::1]:3306"
 */
export function describeServer(options: Pick<MysqlConnectionOptions, "host" | "port" | "socketPath">): string {
  if (options.socketPath) return options.socketPath;
  return options.host.includes(":") ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
}
