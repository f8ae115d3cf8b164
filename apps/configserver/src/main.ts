/**
 * @module main
 * opsi-ts config server daemon: reads the settings, opens the backend (SQLite under the data directory
 * by default, MariaDB/MySQL when a URL is configured), creates the first admin and starts HTTPS on 4447.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createMysqlBackend } from "@opsi-ts/backend-mysql";
import { openSqliteBackend } from "@opsi-ts/backend-sqlite";
import { type Backend, HardwareAuditConfig } from "@opsi-ts/core";
import {
  type AnyMessage,
  createConfigServer,
  ensureInitialAdmin,
  RedisBroker,
  RedisConnectionRegistry,
  RedisTransferSlotStore,
  serviceNodeSettingsFromConfig,
} from "@opsi-ts/service";
import pino from "pino";
import { createClient } from "redis";
import { loadConfig } from "./config.js";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = pino({ level: config["log-level"] });
  const dataDir = config["data-dir"];
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const hwauditConf = config["hwaudit-conf"] ? readFileSync(config["hwaudit-conf"], "utf8") : undefined;
  const hardwareAudit = hwauditConf ? HardwareAuditConfig.fromConf(hwauditConf) : undefined;
  const mysqlConf = config["mysql-conf"] ? readFileSync(config["mysql-conf"], "utf8") : undefined;
  const backend = (config["mysql-url"] || mysqlConf
    ? await createMysqlBackend({ url: config["mysql-url"], mysqlConf, hardwareAudit })
    : await openSqliteBackend({ path: join(dataDir, "opsi.sqlite"), hardwareAudit })) as unknown as Backend;
  logger.info({ backend: config["mysql-url"] || mysqlConf ? "mysql" : "sqlite", dataDir }, "backend ready");

  const redis = config["redis-url"] ? await createClient({ url: config["redis-url"] }).connect() : undefined;
  if (redis) logger.info({ redis: config["redis-url"] }, "transfer slots and message bus in Redis");
  const busBroker = config["redis-url"]
    ? await RedisBroker.connect<AnyMessage>({
        url: config["redis-url"],
        onError: (err, context) => logger.warn({ err, ...context }, "message broker"),
      })
    : undefined;
  const configServer = await createConfigServer(backend, {
    dataDir,
    serverId: config["server-id"],
    ...serviceNodeSettingsFromConfig(config),
    ...(hwauditConf ? { hwauditConf } : {}),
    ...(redis ? { transferSlots: new RedisTransferSlotStore(redis) } : {}),
    ...(busBroker && redis ? { messagebus: { broker: busBroker, connections: new RedisConnectionRegistry(redis) } } : {}),
    logger,
  });
  const { created } = await ensureInitialAdmin(configServer.users, {
    dataDir,
    password: process.env.OPSI_TS_ADMIN_PASSWORD,
    adminGroup: config["admin-group"],
  });
  if (created?.generated) {
    // Printed once on purpose: the only other copy is the 0600 file.
    process.stdout.write(
      `\nCreated admin user '${created.username}' with password: ${created.password}\n(also stored in ${created.passwordFile})\n\n`,
    );
  } else if (created) {
    logger.info({ user: created.username }, "created admin user with the password from OPSI_TS_ADMIN_PASSWORD");
  }
  await configServer.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    await configServer.stop();
    await busBroker?.close().catch(() => {});
    await redis?.quit().catch(() => {});
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: unknown) => {
  process.stderr.write(`opsi-ts config server failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
