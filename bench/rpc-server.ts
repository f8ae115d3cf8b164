/**
 * @module bench/rpc-server
 * The config server daemon (apps/configserver, SQLite backend) in a child process for the RPC benchmark,
 * with its memory (`/proc/<pid>/status`) and CPU time (`/proc/<pid>/stat`) readable from outside.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const READY_MESSAGE = "opsi config server listening";

/** A running config server child process. */
export interface ServerProcess {
  readonly pid: number;
  /** `https://localhost:<port>`. */
  readonly url: string;
  readonly serverId: string;
  /** The server's CA certificate (PEM). */
  readonly caPem: string;
  /** Resident and peak resident memory in bytes (VmRSS, VmHWM). */
  memory(): { rss: number; peak: number };
  /** User + system CPU time of the process in ms. */
  cpuMs(): number;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

/** Options of {@link startServerProcess}. */
export interface ServerProcessOptions {
  readonly dataDir: string;
  readonly serverId: string;
  readonly adminPassword: string;
  /** Extra Node options for the server, e.g. `["--cpu-prof"]` (also from BENCH_RPC_SERVER_NODE_OPTIONS). */
  readonly nodeArgs?: readonly string[];
  /** Startup limit in ms (default 120 s: two RSA-4096 keys are generated on first start). */
  readonly timeoutMs?: number;
}

/**
 * A free TCP port on the loopback interface.
 * @example const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function statusField(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (clock ticks, 100 Hz on Linux).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Spawns `node --openssl-legacy-provider --conditions=source --import tsx apps/configserver/src/main.ts` with
 * `OPSI_TS_DATA_DIR`, `OPSI_TS_PORT`, `OPSI_TS_ADMIN_PASSWORD` and `OPSI_TS_SERVER_ID` (SQLite in the data
 * directory) and resolves once it logs that it listens.
 * @example const server = await startServerProcess({ dataDir, serverId: "configserver.bench.test", adminPassword: "secret" });
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPSI_TS_DATA_DIR: options.dataDir,
    OPSI_TS_PORT: String(port),
    OPSI_TS_ADMIN_PASSWORD: options.adminPassword,
    OPSI_TS_SERVER_ID: options.serverId,
  };
  // SQLite only: no MySQL URL or foreign config file from the caller's environment.
  delete env.OPSI_TS_MYSQL_URL;
  delete env.OPSI_TS_CONFIG;
  delete env.NODE_OPTIONS;
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? process.env.BENCH_RPC_SERVER_NODE_OPTIONS?.split(" ").filter((a) => a !== "") ?? []),
      "--openssl-legacy-provider",
      "--conditions=source",
      "--import",
      "tsx",
      join("apps", "configserver", "src", "main.ts"),
    ],
    { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error("config server did not start");
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4000);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await waitForExit(child);
      clearTimeout(timer);
    }
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(
        () => reject(new Error(`config server not ready after ${options.timeoutMs ?? 120_000} ms`)),
        options.timeoutMs ?? 120_000,
      );
      const onData = (chunk: Buffer) => {
        stdout = (stdout + chunk.toString("utf8")).slice(-8000);
        if (stdout.includes(READY_MESSAGE)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on("data", onData);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`config server exited (${code ?? signal}) before listening: ${stderr.trim() || stdout.trim()}`));
      });
    });
  } catch (e: unknown) {
    await stop();
    throw e;
  }
  // Keep draining the log so the child never blocks on a full pipe.
  child.stdout?.resume();
  return {
    pid,
    url: `https://localhost:${port}`,
    serverId: options.serverId,
    caPem: readFileSync(join(options.dataDir, "tls", "opsi-ca-cert.pem"), "utf8"),
    memory: () => ({ rss: statusField(pid, "VmRSS"), peak: statusField(pid, "VmHWM") }),
    cpuMs: () => cpuTimeMs(pid),
    stop,
  };
}
