/**
 * @module node-config
 * The daemon settings every opsi-ts server shares (opsiconfd option names as TOML keys), validated with zod, and
 * their mapping onto {@link ServiceNodeSettings}. The config and depot server daemons add their own keys.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { ServiceNodeSettings } from "./service-node.js";

const cidrList = z.array(z.string().min(1)).default([]);

/**
 * The zod shape of the shared TOML keys; `maxBodySize` is the default of `max-body-size` (package uploads to a
 * depot need more than RPC bodies).
 * @example const ConfigFile = z.object({ ...serviceNodeConfigShape(100 * 1024 * 1024), "server-id": z.string() }).strict();
 */
export function serviceNodeConfigShape(maxBodySize: number) {
  return {
    interface: z.string().min(1).default("0.0.0.0"),
    port: z.number().int().min(0).max(65535).default(4447),
    "session-lifetime": z.number().int().min(1).max(86400).default(120),
    "max-session-per-ip": z.number().int().min(1).default(30),
    networks: cidrList,
    "admin-networks": cidrList,
    "trusted-proxies": z.array(z.string()).default(["127.0.0.1/32", "::1/128"]),
    "max-auth-failures": z.number().int().min(1).default(10),
    "auth-failures-interval": z.number().int().min(1).default(120),
    "client-block-time": z.number().int().min(1).default(120),
    "update-ip": z.boolean().default(true),
    "admin-group": z.string().min(1).default("opsiadmin"),
    "readonly-user-groups": z.array(z.string()).default([]),
    "provide-deprecated-methods": z.boolean().default(true),
    "max-body-size": z.number().int().min(1024).default(maxBodySize),
    "acl-file": z.string().optional(),
    /** Redis for state shared between processes (transfer slots, message bus), e.g. `redis://127.0.0.1:6379`. */
    "redis-url": z
      .string()
      .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
      .optional(),
    "log-level": z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info"),
  };
}

/** The parsed shared keys. */
export type ServiceNodeConfig = z.output<z.ZodObject<ReturnType<typeof serviceNodeConfigShape>>>;

/**
 * The shared keys as {@link ServiceNodeSettings} (the `acl-file` is read here).
 * @example createConfigServer(backend, { dataDir, serverId, ...serviceNodeSettingsFromConfig(config), logger })
 */
export function serviceNodeSettingsFromConfig(config: ServiceNodeConfig): Omit<ServiceNodeSettings, "dataDir"> {
  return {
    interface: config.interface,
    port: config.port,
    sessionLifetime: config["session-lifetime"],
    maxSessionPerIp: config["max-session-per-ip"],
    networks: config.networks,
    adminNetworks: config["admin-networks"],
    trustedProxies: config["trusted-proxies"],
    maxAuthFailures: config["max-auth-failures"],
    authFailuresInterval: config["auth-failures-interval"],
    clientBlockTime: config["client-block-time"],
    updateIp: config["update-ip"],
    adminGroup: config["admin-group"],
    readOnlyGroups: config["readonly-user-groups"],
    provideDeprecatedMethods: config["provide-deprecated-methods"],
    maxBodySize: config["max-body-size"],
    ...(config["acl-file"] ? { aclConf: readFileSync(config["acl-file"], "utf8") } : {}),
  };
}
