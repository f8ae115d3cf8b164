/**
 * @module test/depot-server.test
 * A config server and a depot server in one process, talking over real HTTPS: registration, the
 * depot's certificate from the opsi CA, users checked by the config server, forwarding of RPCs,
 * local depot_* methods, and a package uploaded to the depot's /repository and installed there.
 */

import { randomUUID, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteBackend } from "@opsi-ts/backend-sqlite";
import type { Backend } from "@opsi-ts/core";
import { freePort, sharedFixturePath } from "@opsi-ts/core/testing";
import { MessagebusClient, type MessageOf } from "@opsi-ts/messagebus";
import { type ConfigServer, createConfigServer, createDepotServer, type DepotServer, isDepotLocalMethod } from "@opsi-ts/service";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, type HttpsTarget, httpsRequest } from "./e2e-https.js";

const CONFIG_ID = "config.pair.test";
const DEPOT_ID = "depot1.pair.test";
const CLIENT_ID = "pc1.pair.test";
const CLIENT_KEY = "0123456789abcdef0123456789abcdef";
const ADMIN = { username: "pairadmin", password: "Pair-Admin-1" } as const;
const FIXTURE = "packages/localboot_new_42.0-1337.opsi";
const silent = pino({ level: "silent" });

let csDir: string;
let depotDir: string;
let backend: Backend;
let cs: ConfigServer;
let depot: DepotServer;
let csTarget: HttpsTarget;
let depotTarget: HttpsTarget;
let depotPort: number;
const admin = basicAuth(ADMIN.username, ADMIN.password);

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface RpcAnswer {
  result: unknown;
  error: { class: string; message: string } | null;
}

async function rpc(target: HttpsTarget, authorization: string, method: string, params: unknown[] = []): Promise<RpcAnswer> {
  const res = await httpsRequest(target, {
    method: "POST",
    path: "/rpc",
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify({ id: 1, method, params }),
  });
  expect(res.status, res.text()).toBe(200);
  return res.json() as RpcAnswer;
}

async function ok(target: HttpsTarget, authorization: string, method: string, params: unknown[] = []): Promise<unknown> {
  const answer = await rpc(target, authorization, method, params);
  expect(answer.error, `${method}: ${answer.error?.message}`).toBeNull();
  return answer.result;
}

beforeAll(async () => {
  csDir = await mkdtemp(join(tmpdir(), "opsi-ts-pair-cs-"));
  depotDir = await mkdtemp(join(tmpdir(), "opsi-ts-pair-depot-"));
  backend = (await openSqliteBackend({ path: join(csDir, "opsi.sqlite") })) as unknown as Backend;
  cs = await createConfigServer(backend, {
    dataDir: csDir,
    serverId: CONFIG_ID,
    interface: "127.0.0.1",
    port: 0,
    keyBits: 2048,
    logger: silent,
  });
  await cs.start();
  await cs.users.add(ADMIN.username, ADMIN.password, ["opsiadmin"]);
  await backend.host_createObjects([{ type: "OpsiClient", id: CLIENT_ID, opsiHostKey: CLIENT_KEY }]);
  csTarget = { port: Number(new URL(cs.url()).port), ca: cs.tls.caCertPem };
  depotPort = await freePort();
  depot = await createDepotServer({
    dataDir: depotDir,
    depotId: DEPOT_ID,
    configServerUrl: `https://localhost:${csTarget.port}`,
    registration: { ...ADMIN, description: "pair test depot" },
    externalUrl: `https://localhost:${depotPort}`,
    interface: "127.0.0.1",
    port: depotPort,
    logger: silent,
  });
  await depot.start();
  depotTarget = { port: depotPort, ca: cs.tls.caCertPem };
}, 120_000);

afterAll(async () => {
  await depot?.stop();
  await cs?.stop().catch(() => {});
  await rm(csDir, { recursive: true, force: true });
  await rm(depotDir, { recursive: true, force: true });
});

describe("registration", () => {
  it("creates the OpsiDepotserver object with its URLs and stores the host key (0600)", async () => {
    const [host] = await backend.host_getObjects([], { id: DEPOT_ID });
    expect(host).toMatchObject({
      type: "OpsiDepotserver",
      description: "pair test depot",
      repositoryRemoteUrl: `webdavs://localhost:${depotPort}/repository`,
      depotWebdavUrl: `webdavs://localhost:${depotPort}/depot`,
      isMasterDepot: true,
    });
    const key = readFileSync(join(depotDir, "host-key"), "utf8").trim();
    expect(host && "opsiHostKey" in host ? host.opsiHostKey : null).toBe(key);
    expect((await stat(join(depotDir, "host-key"))).mode & 0o777).toBe(0o600);
  });

  it("serves a certificate issued by the config server's opsi CA (the test connects trusting only that CA)", async () => {
    const cert = new X509Certificate(await readFile(join(depotDir, "tls", "depot-cert.pem"), "utf8"));
    expect(cert.subject).toContain(`CN=${DEPOT_ID}`);
    expect(cert.checkIssued(new X509Certificate(cs.tls.caCertPem))).toBe(true);
    const res = await httpsRequest(depotTarget, { path: "/ssl/opsi-ca-cert.pem" });
    expect(res.text()).toBe(cs.tls.caCertPem);
    expect(res.headers["x-opsi-server-role"]).toBe("depotserver");
  });

  it("starts again from the stored host key, and refuses a wrong key with a clear error", async () => {
    const again = await createDepotServer({
      dataDir: depotDir,
      depotId: DEPOT_ID,
      configServerUrl: `https://localhost:${csTarget.port}`,
      interface: "127.0.0.1",
      port: 0,
      logger: silent,
    });
    await again.start();
    const port = Number(new URL(again.url()).port);
    expect(await ok({ port, ca: cs.tls.caCertPem }, admin, "accessControl_authenticated")).toBe(true);
    await again.stop();
    await expect(
      createDepotServer({
        dataDir: await mkdtemp(join(tmpdir(), "opsi-ts-pair-bad-")),
        depotId: DEPOT_ID,
        configServerUrl: `https://localhost:${csTarget.port}`,
        configServerCa: cs.tls.caCertPem,
        hostKey: "ffffffffffffffffffffffffffffffff",
        port: 0,
        logger: silent,
      }),
    ).rejects.toThrow(`refused depot '${DEPOT_ID}'`);
  });
});

describe("authentication on the depot", () => {
  it("accepts the config server's users and hosts and refuses wrong passwords", async () => {
    expect(await ok(depotTarget, admin, "accessControl_userIsAdmin")).toBe(true);
    const wrong = await httpsRequest(depotTarget, {
      method: "POST",
      path: "/rpc",
      headers: { authorization: basicAuth(ADMIN.username, "wrong"), "content-type": "application/json" },
      body: JSON.stringify({ id: 1, method: "backend_info", params: [] }),
    });
    expect(wrong.status).toBe(401);
    expect(await ok(depotTarget, basicAuth(CLIENT_ID, CLIENT_KEY), "accessControl_authenticated")).toBe(true);
  });
});

describe("RPC forwarding", () => {
  it("knows which methods run locally (spec §0)", () => {
    for (const m of [
      "depot_installPackage",
      "workbench_buildPackage",
      "dhcpd_updateHost",
      "network_sendBroadcast",
      "backend_getInterface",
    ]) {
      expect(isDepotLocalMethod(m)).toBe(true);
    }
    for (const m of ["host_getObjects", "backend_info", "getDepotSelectionAlgorithm", "productOnClient_getObjects"]) {
      expect(isDepotLocalMethod(m)).toBe(false);
    }
  });

  it("answers forwarded methods as the config server does, errors included", async () => {
    const viaDepot = await ok(depotTarget, admin, "host_getObjects", [["id", "type"], {}]);
    const direct = await ok(csTarget, admin, "host_getObjects", [["id", "type"], {}]);
    expect(viaDepot).toEqual(direct);
    expect((viaDepot as { id: string }[]).map((h) => h.id).sort()).toEqual([CLIENT_ID, CONFIG_ID, DEPOT_ID].sort());
    const bad = await rpc(depotTarget, admin, "host_createOpsiClient", ["not a host id"]);
    const badDirect = await rpc(csTarget, admin, "host_createOpsiClient", ["not a host id"]);
    expect(bad.error?.class).toBe(badDirect.error?.class);
    expect(bad.error?.message).toBe(badDirect.error?.message);
  });

  it("writes through the depot land in the config server's database", async () => {
    await ok(depotTarget, admin, "host_createOpsiClient", ["pc2.pair.test"]);
    expect((await backend.host_getObjects(["id"], { id: "pc2.pair.test" })).length).toBe(1);
  });

  it("runs non-admin callers locally behind the depot's ACL", async () => {
    const client = basicAuth(CLIENT_ID, CLIENT_KEY);
    const denied = await rpc(depotTarget, client, "host_delete", [CONFIG_ID]);
    expect(denied.error?.class).toBe("OpsiServicePermissionError");
    // The client's view through the depot equals its view on the config server (same ACL, attributes hidden).
    const params = [[], { type: "OpsiClient" }];
    const viaDepot = (await ok(depotTarget, client, "host_getObjects", params)) as Record<string, unknown>[];
    expect(viaDepot).toEqual(await ok(csTarget, client, "host_getObjects", params));
    expect(viaDepot.find((h) => h.id === "pc2.pair.test")?.opsiHostKey ?? null).toBeNull();
    expect(viaDepot.find((h) => h.id === CLIENT_ID)?.opsiHostKey).toBe(CLIENT_KEY);
  });

  it("runs depot_* methods on the depot's own directories", async () => {
    const usage = (await ok(depotTarget, admin, "depot_getDiskSpaceUsage", [join(depotDir, "depot")])) as Record<string, unknown>;
    expect(usage).toHaveProperty("capacity");
  });
});

describe("installing a package on the remote depot", () => {
  it("uploads to the depot's /repository, installs there, and the config server knows the product on that depot", async () => {
    const body = readFileSync(sharedFixturePath(FIXTURE));
    const put = await httpsRequest(depotTarget, {
      method: "PUT",
      path: "/repository/localboot_new_42.0-1337.opsi",
      headers: { authorization: admin },
      body,
    });
    expect(put.status).toBeLessThan(300);
    expect(readFileSync(join(depotDir, "repository", "localboot_new_42.0-1337.opsi")).equals(body)).toBe(true);

    await ok(depotTarget, admin, "depot_installPackage", ["localboot_new_42.0-1337.opsi"]);

    const pods = await backend.productOnDepot_getObjects([], { productId: "localboot_new" });
    expect(pods.map((p) => [p.depotId, p.productVersion, p.packageVersion, p.locked])).toEqual([[DEPOT_ID, "42.0", "1337", false]]);
    expect((await backend.product_getObjects(["id"], { id: "localboot_new" })).length).toBe(1);
    const states = await backend.productPropertyState_getObjects([], { productId: "localboot_new", objectId: DEPOT_ID });
    expect(states.length).toBeGreaterThan(0);
    expect((await stat(join(depotDir, "depot", "localboot_new"))).isDirectory()).toBe(true);
    await expect(stat(join(csDir, "depot", "localboot_new"))).rejects.toThrow();

    const md5 = await ok(depotTarget, admin, "depot_getMD5Sum", [join(depotDir, "repository", "localboot_new_42.0-1337.opsi")]);
    expect(md5).toMatch(/^[0-9a-f]{32}$/);
  });

  it("a client reads the product files from the depot's /depot share", async () => {
    const listing = await httpsRequest(depotTarget, {
      method: "PROPFIND",
      path: "/depot/localboot_new/",
      headers: { authorization: basicAuth(CLIENT_ID, CLIENT_KEY), depth: "1" },
    });
    expect(listing.status).toBe(207);
  });

  it("uninstalls on the depot and removes the product from that depot on the config server", async () => {
    await ok(depotTarget, admin, "depot_uninstallPackage", ["localboot_new"]);
    expect(await backend.productOnDepot_getObjects([], { productId: "localboot_new" })).toEqual([]);
    await expect(stat(join(depotDir, "depot", "localboot_new"))).rejects.toThrow();
  });
});

describe("the depot's message bus connection", () => {
  it("serves terminals and JSON-RPC on service:depot:<depot>:* through the config server's bus", async () => {
    await waitFor(() => depot.messagebus !== undefined, "the depot's bus connection");
    const bus = new MessagebusClient({ url: `https://localhost:${csTarget.port}`, ...ADMIN, ca: cs.tls.caCertPem });
    try {
      await bus.connect();
      const rpc = await bus.jsonrpc("accessControl_authenticated", [], { channel: `service:depot:${DEPOT_ID}:jsonrpc`, timeoutMs: 10_000 });
      expect(rpc).toBe(true);

      const terminalId = randomUUID();
      let output = "";
      let writeChannel: string | null = null;
      bus.onMessage((m) => {
        if ((m as { terminal_id?: string }).terminal_id !== terminalId) return;
        if (m.type === "terminal_open_event") writeChannel = m.back_channel;
        if (m.type === "terminal_data_read") output += Buffer.from((m as MessageOf<"terminal_data_read">).data).toString("utf8");
      });
      bus.sendMessage("terminal_open_request", {
        channel: `service:depot:${DEPOT_ID}:terminal`,
        terminal_id: terminalId,
        shell: "/bin/sh",
      });
      await waitFor(() => writeChannel !== null, "terminal_open_event");
      expect(writeChannel).toMatch(/^service_worker:.+:terminal$/);
      bus.sendMessage("terminal_data_write", {
        channel: writeChannel as unknown as string,
        terminal_id: terminalId,
        data: Buffer.from("echo depot-$((6*7))\n"),
      });
      await waitFor(() => output.includes("depot-42"), "the terminal's answer");
      bus.sendMessage("terminal_close_request", { channel: writeChannel as unknown as string, terminal_id: terminalId });
    } finally {
      await bus.close();
    }
  }, 30_000);
});

describe("config server unreachable", () => {
  it("keeps the depot running and answers with an error naming the config server", async () => {
    // A session made while the config server was up.
    const login = await httpsRequest(depotTarget, { method: "HEAD", path: "/rpc", headers: { authorization: admin } });
    const cookie = String(login.headers["set-cookie"]?.[0] ?? "").split(";")[0] ?? "";
    await cs.stop();
    const res = await httpsRequest(depotTarget, {
      method: "POST",
      path: "/rpc",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ id: 1, method: "host_getObjects", params: [] }),
    });
    const answer = res.json() as RpcAnswer;
    expect(answer.error?.message).toMatch(/localhost:\d+|config server/i);
    const fresh = await httpsRequest(depotTarget, {
      method: "POST",
      path: "/rpc",
      headers: { authorization: admin, "content-type": "application/json" },
      body: JSON.stringify({ id: 1, method: "backend_info", params: [] }),
    });
    expect(fresh.status).toBe(503);
    expect(fresh.headers["retry-after"]).toBe("10");
    expect(fresh.text()).toMatch(/localhost:\d+/);
    // The depot itself still serves its shares' CA route.
    expect((await httpsRequest(depotTarget, { path: "/ssl/opsi-ca-cert.pem" })).status).toBe(200);
  });
});
