/**
 * @module config
 * The depot server's settings: TOML file (opsiconfd option names where they exist) overridden by
 * environment variables, validated with zod.
 */
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { serverIdFromHostname, serviceNodeConfigShape } from "@opsi-ts/service";
import { parse } from "smol-toml";
import { z } from "zod";

/** The TOML file (every key optional except where the environment supplies it). */
export const DepotConfigFile = z
  .object({
    "data-dir": z.string().min(1).optional(),
    "depot-id": z.string().min(1).optional(),
    "config-server-url": z.string().url().optional(),
    /** PEM file of the opsi CA (default: stored on first contact, trust on first use). */
    "config-server-ca-file": z.string().min(1).optional(),
    "host-key": z
      .string()
      .regex(/^[0-9a-fA-F]{32}$/, "must be 32 hex digits")
      .optional(),
    "external-url": z.string().url().optional(),
    ...serviceNodeConfigShape(10 * 1024 * 1024 * 1024),
  })
  .strict();

/** Resolved settings of one run. */
export type DepotServerConfig = z.output<typeof DepotConfigFile> & {
  "data-dir": string;
  "depot-id": string;
  "config-server-url": string;
  /** Admin credentials for the first start (`OPSI_TS_REGISTER_USERNAME` / `OPSI_TS_REGISTER_PASSWORD`). */
  registration?: { username: string; password: string };
};

/**
 * Reads the settings: the TOML file from `OPSI_TS_CONFIG` (or `<data-dir>/depotserver.toml` if present), then
 * `OPSI_TS_DATA_DIR`, `OPSI_TS_DEPOT_ID`, `OPSI_TS_CONFIG_SERVER_URL`, `OPSI_TS_HOST_KEY`, `OPSI_TS_PORT`,
 * `OPSI_TS_EXTERNAL_URL`, `OPSI_TS_REDIS_URL` and the registration credentials on top.
 * @example loadDepotConfig(process.env)
 */
export function loadDepotConfig(env: NodeJS.ProcessEnv): DepotServerConfig {
  const dataDir = resolve(env.OPSI_TS_DATA_DIR ?? "data-depot");
  const path = env.OPSI_TS_CONFIG ?? resolve(dataDir, "depotserver.toml");
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
  const withEnv = {
    ...raw,
    ...(env.OPSI_TS_CONFIG_SERVER_URL ? { "config-server-url": env.OPSI_TS_CONFIG_SERVER_URL } : {}),
    ...(env.OPSI_TS_HOST_KEY ? { "host-key": env.OPSI_TS_HOST_KEY } : {}),
    ...(env.OPSI_TS_EXTERNAL_URL ? { "external-url": env.OPSI_TS_EXTERNAL_URL } : {}),
    ...(env.OPSI_TS_REDIS_URL ? { "redis-url": env.OPSI_TS_REDIS_URL } : {}),
    ...(env.OPSI_TS_PORT !== undefined ? { port: Number(env.OPSI_TS_PORT) } : {}),
  };
  const parsed = DepotConfigFile.safeParse(withEnv);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid setting '${issue?.path.join(".") ?? "?"}' (${path} or environment): ${issue?.message ?? "invalid"}`);
  }
  const config = parsed.data;
  const url = config["config-server-url"];
  if (!url) throw new Error(`No config server: set config-server-url in ${path} or OPSI_TS_CONFIG_SERVER_URL`);
  const username = env.OPSI_TS_REGISTER_USERNAME;
  const password = env.OPSI_TS_REGISTER_PASSWORD;
  if ((username === undefined) !== (password === undefined)) {
    throw new Error("Registration needs both OPSI_TS_REGISTER_USERNAME and OPSI_TS_REGISTER_PASSWORD");
  }
  return {
    ...config,
    "data-dir": resolve(env.OPSI_TS_DATA_DIR ?? config["data-dir"] ?? dataDir),
    "depot-id": serverIdFromHostname(env.OPSI_TS_DEPOT_ID ?? config["depot-id"] ?? hostname()),
    "config-server-url": url,
    ...(username !== undefined && password !== undefined ? { registration: { username, password } } : {}),
  };
}
