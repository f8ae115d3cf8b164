/**
 * @module main
 * opsi-ts depot server daemon: reads the settings, logs in to the config server as the depot (registering
 * it first when admin credentials are given) and serves the depot shares and the depot RPCs on 4447.
 */
import { readFileSync } from "node:fs";
import { createDepotServer, RedisTransferSlotStore, serviceNodeSettingsFromConfig } from "@opsi-ts/service";
import pino from "pino";
import { createClient } from "redis";
import { loadDepotConfig } from "./config.js";

async function main(): Promise<void> {
  const config = loadDepotConfig(process.env);
  const logger = pino({ level: config["log-level"] });
  const redis = config["redis-url"] ? await createClient({ url: config["redis-url"] }).connect() : undefined;
  if (redis) logger.info({ redis: config["redis-url"] }, "transfer slots in Redis");
  const depot = await createDepotServer({
    dataDir: config["data-dir"],
    depotId: config["depot-id"],
    configServerUrl: config["config-server-url"],
    ...(config["host-key"] ? { hostKey: config["host-key"].toLowerCase() } : {}),
    ...(config.registration ? { registration: config.registration } : {}),
    ...(config["config-server-ca-file"] ? { configServerCa: readFileSync(config["config-server-ca-file"], "utf8") } : {}),
    ...(config["external-url"] ? { externalUrl: config["external-url"] } : {}),
    ...serviceNodeSettingsFromConfig(config),
    ...(redis ? { transferSlots: new RedisTransferSlotStore(redis) } : {}),
    logger,
  });
  await depot.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    await depot.stop();
    await redis?.quit().catch(() => {});
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: unknown) => {
  process.stderr.write(`opsi-ts depot server failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
