/**
 * @module config
 * The config server's settings: TOML file (opsiconfd option names) overridden by environment
 * variables, validated with zod.
 */
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { serverIdFromHostname, serviceNodeConfigShape } from "@opsi-ts/service";
import { parse } from "smol-toml";
import { z } from "zod";

/** The TOML file (every key optional). */
export const ConfigFile = z
  .object({
    "data-dir": z.string().min(1).optional(),
    "server-id": z.string().min(1).optional(),
    ...serviceNodeConfigShape(100 * 1024 * 1024),
    "mysql-url": z.string().startsWith("mysql://").optional(),
    "mysql-conf": z.string().optional(),
    "hwaudit-conf": z.string().optional(),
  })
  .strict();

/** Resolved settings of one run. */
export type ConfigServerConfig = z.output<typeof ConfigFile> & { "data-dir": string; "server-id": string };

/**
 * Reads the settings: the TOML file from `OPSI_TS_CONFIG` (or `<data-dir>/configserver.toml` if present), then
 * `OPSI_TS_DATA_DIR`, `OPSI_TS_PORT`, `OPSI_TS_MYSQL_URL`, `OPSI_TS_REDIS_URL`, `OPSI_TS_SERVER_ID` on top.
 * @example loadConfig(process.env)
 */
export function loadConfig(env: NodeJS.ProcessEnv): ConfigServerConfig {
  const dataDir = resolve(env.OPSI_TS_DATA_DIR ?? "data");
  const path = env.OPSI_TS_CONFIG ?? resolve(dataDir, "configserver.toml");
  let raw: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      raw = parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    } catch (err: unknown) {
      throw new Error(`Invalid TOML in ${path}: ${(err as Error).message}`);
    }
  } else if (env.OPSI_TS_CONFIG) {
    throw new Error(`Config file ${path} does not exist`);
  }
  const parsed = ConfigFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid setting '${issue?.path.join(".") ?? "?"}' in ${path}: ${issue?.message ?? "invalid"}`);
  }
  const config = parsed.data;
  const port = env.OPSI_TS_PORT === undefined ? config.port : Number(env.OPSI_TS_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid OPSI_TS_PORT '${env.OPSI_TS_PORT}'`);
  const mysqlUrl = env.OPSI_TS_MYSQL_URL ?? config["mysql-url"];
  if (mysqlUrl !== undefined && !mysqlUrl.startsWith("mysql://")) throw new Error("OPSI_TS_MYSQL_URL must start with mysql://");
  const redisUrl = env.OPSI_TS_REDIS_URL ?? config["redis-url"];
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) throw new Error("OPSI_TS_REDIS_URL must start with redis:// or rediss://");
  return {
    ...config,
    port,
    "data-dir": resolve(env.OPSI_TS_DATA_DIR ?? config["data-dir"] ?? dataDir),
    "server-id": serverIdFromHostname(env.OPSI_TS_SERVER_ID ?? config["server-id"] ?? hostname()),
    ...(mysqlUrl ? { "mysql-url": mysqlUrl } : {}),
    ...(redisUrl ? { "redis-url": redisUrl } : {}),
  };
}
