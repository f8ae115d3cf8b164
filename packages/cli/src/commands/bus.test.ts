/** @module commands/bus.test — `opsi bus listen` and `opsi terminal` against a real config server. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBackend } from "@opsi-ts/core";
import { type ConfigServer, createConfigServer } from "@opsi-ts/service";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { memoryIo } from "../memory-io.js";

const SERVER = "config.cli-bus.test";
let dataDir: string;
let backend: MemoryBackend;
let cs: ConfigServer;
let url: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "opsi-cli-bus-"));
  backend = new MemoryBackend();
  cs = await createConfigServer(backend, {
    dataDir,
    serverId: SERVER,
    interface: "127.0.0.1",
    port: 0,
    keyBits: 2048,
    logger: pino({ level: "silent" }),
  });
  await cs.start();
  await cs.users.add("admin1", "secret", ["opsiadmin"]);
  url = `https://localhost:${new URL(cs.url()).port}`;
}, 60_000);

afterAll(async () => {
  await cs?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const login = () => ["--url", url, "--username", "admin1", "--password", "secret"];

describe("opsi bus listen", () => {
  it("prints the events of the subscribed channels as JSON lines and stops after --count", async () => {
    const mem = memoryIo({ env: { OPSI_TS_DATA_DIR: dataDir }, cwd: dataDir });
    const running = runCli(["bus", "listen", "event:host_created", "--json", "--count", "2", ...login()], mem.io);
    for (let i = 0; i < 100 && !mem.stderr().includes("Listening"); i++) await new Promise((r) => setTimeout(r, 50));
    expect(mem.stderr()).toContain("Listening on");
    const caller = {
      identity: { kind: "user", name: "admin1", isAdmin: true, isReadOnly: false, groups: ["opsiadmin"] },
      sessionId: "t",
      clientAddress: "127.0.0.1",
    } as const;
    await cs.dispatcher.call("host_createOpsiClient", ["pc1.cli-bus.test"], caller);
    await cs.dispatcher.call("host_createOpsiClient", ["pc2.cli-bus.test"], caller);
    expect(await running).toBe(0);
    const lines = mem
      .stdout()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.data)).toEqual([
      { type: "OpsiClient", id: "pc1.cli-bus.test" },
      { type: "OpsiClient", id: "pc2.cli-bus.test" },
    ]);
    expect(lines.every((l) => l.type === "event" && l.channel === "event:host_created")).toBe(true);
  });

  it("names a channel the user may not read", async () => {
    await cs.users.add("plain1", "secret", []);
    const mem = memoryIo({ env: { OPSI_TS_DATA_DIR: dataDir }, cwd: dataDir });
    const code = await runCli(
      ["bus", "listen", "event:host_created", "--url", url, "--username", "plain1", "--password", "secret"],
      mem.io,
    );
    expect(code).toBe(1);
    expect(mem.stderr()).toMatch(/HTTP 403/);
  });
});

describe("opsi terminal", () => {
  it("runs a shell on the config server over the bus", async () => {
    const mem = memoryIo({ env: { OPSI_TS_DATA_DIR: dataDir }, cwd: dataDir, tty: true });
    const stdin = mem.input;
    const running = runCli(["terminal", SERVER, "--shell", "/bin/sh", ...login()], mem.io);
    for (let i = 0; i < 200 && mem.stdout() === ""; i++) await new Promise((r) => setTimeout(r, 50));
    stdin.write("echo opsi-$((40+2))\n");
    for (let i = 0; i < 200 && !mem.stdout().includes("opsi-42"); i++) await new Promise((r) => setTimeout(r, 50));
    stdin.write("exit\n");
    expect(await running).toBe(0);
    expect(mem.stdout()).toContain("opsi-42");
    expect(mem.rawModes).toEqual([true, false]);
  }, 30_000);
});
