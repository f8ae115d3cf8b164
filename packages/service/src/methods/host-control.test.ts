/**
 * @module methods/host-control.test
 * hostControl_* / hostControlSafe_* end to end through the dispatcher: clients connected to a MemoryBroker
 * (a simulated opsiclientd answering on host:<id>) and a real HTTPS JSON-RPC server standing in for
 * opsiclientd's control server (port 4441) for the hybrid fallback.
 */

import { createSocket } from "node:dgram";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { BackendMissingDataError } from "@opsi-ts/core";
import {
  type AnyMessage,
  callHosts,
  createMessage,
  isMessageOfType,
  type JsonRpcRequestMessage,
  MemoryBroker,
  responseChannel,
  type Subscription,
} from "@opsi-ts/messagebus";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestTls, type TestTls } from "../http/test-support.js";
import { createHarness, type Harness, IDS, KEYS, seedProducts } from "../rpc/test-harness.js";
import type { HostControlBus, HostControlConfig } from "./context.js";

/** What the fake opsiclientd control server received. */
interface ControlCall {
  readonly authorization: string | undefined;
  readonly path: string | undefined;
  readonly method: string;
  readonly params: unknown[];
}

let tls: TestTls;
let server: Server;
let port: number;
const controlCalls: ControlCall[] = [];

/** opsiclientd's control server: JSON-RPC on /opsiclientd, Basic auth with an empty user and the host key. */
function controlServer(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const expected = `Basic ${Buffer.from(`:${KEYS[IDS.clientB]}`).toString("base64")}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Basic realm="opsiclientd"' });
      res.end(
        JSON.stringify({
          id: null,
          result: null,
          error: { code: 0, message: "Authentication error", data: { class: "OpsiAuthenticationError" } },
        }),
      );
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: unknown; method: string; params: unknown[] };
    controlCalls.push({ authorization: req.headers.authorization, path: req.url, method: body.method, params: body.params });
    const reply = (result: unknown, error: unknown = null) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, result, error }));
    };
    switch (body.method) {
      case "uptime":
        return reply(4711);
      case "slow":
        return; // never answers
      case "broken":
        return reply(null, { code: 0, message: "Invalid method 'broken'", data: { class: "ValueError", details: null } });
      default:
        return reply({ method: body.method, params: body.params });
    }
  });
}

beforeAll(async () => {
  tls = await createTestTls("client2.opsi.test");
  server = createServer({ key: tls.tls.serverKeyPem, cert: tls.tls.serverCertPem }, controlServer);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await tls.cleanup();
});

let broker: MemoryBroker<AnyMessage>;
let connected: string[];
let busRequests: JsonRpcRequestMessage[];
let hostSubscriptions: Subscription[];
let h: Harness;

/** A client connected to the bus: answers like opsiclientd (rpc_id echoed, no ref_id); `silent` never answers. */
async function connectClient(hostId: string, silent = false): Promise<void> {
  connected.push(hostId);
  hostSubscriptions.push(
    await broker.subscribe(`host:${hostId}`, { id: `session-${hostId}`, identity: `host:${hostId}` }, async (delivery) => {
      const request = delivery.message;
      if (!isMessageOfType(request, "jsonrpc_request")) return;
      busRequests.push(request);
      if (silent) return;
      await broker.publish(
        createMessage("jsonrpc_response", {
          sender: `host:${hostId}`,
          channel: responseChannel(request),
          rpc_id: request.rpc_id,
          result: { via: "messagebus", method: request.method, params: request.params },
        }),
      );
    }),
  );
}

async function harness(config: Partial<HostControlConfig> = {}, bus = true): Promise<Harness> {
  const hostControl: HostControlBus = {
    callHosts: (hostIds, method, params, timeoutMs) =>
      callHosts(broker, { hostIds, method, params, timeoutMs, senderId: "service_worker:test:1" }),
    connectedIds: async () => [...connected],
  };
  const created = await createHarness({
    settings: {
      hostControl: bus ? hostControl : undefined,
      hostControlConfig: { opsiclientdPort: port, hostRpcTimeoutMs: 3000, hostReachableTimeoutMs: 1000, ...config },
    },
  });
  await created.backend.updateObjects("host", [{ type: "OpsiClient", id: IDS.clientB, ipAddress: "127.0.0.1" }]);
  return created;
}

beforeEach(async () => {
  broker = new MemoryBroker<AnyMessage>({ trimIntervalMs: 0 });
  connected = [];
  busRequests = [];
  hostSubscriptions = [];
  controlCalls.length = 0;
  await connectClient(IDS.clientA);
  h = await harness();
});

afterEach(async () => {
  h.cleanup();
  for (const sub of hostSubscriptions) await sub.unsubscribe();
  await broker.close();
});

const busAnswer = (method: string, params: unknown[] = []) => ({ result: { via: "messagebus", method, params }, error: null });

describe("hybrid mode", () => {
  it("calls connected clients over the bus and the others over HTTPS on the control port", async () => {
    expect(await h.call("admin", "hostControl_uptime", [])).toEqual({
      [IDS.clientA]: busAnswer("uptime"),
      [IDS.clientB]: { result: 4711, error: null },
    });
    expect(busRequests).toHaveLength(1);
    expect(busRequests[0]).toMatchObject({ channel: `host:${IDS.clientA}`, sender: "service_worker:test:1", method: "uptime" });
    expect(busRequests[0]?.back_channel).toMatch(/^session:/);
    expect(controlCalls).toEqual([
      {
        authorization: `Basic ${Buffer.from(`:${KEYS[IDS.clientB]}`).toString("base64")}`,
        path: "/opsiclientd",
        method: "uptime",
        params: [],
      },
    ]);
  });

  it("passes the opsiclientd parameters of each method", async () => {
    const both = [IDS.clientA, IDS.clientB];
    const direct = (method: string, params: unknown[]) => ({ result: { method, params }, error: null });
    const cases: [string, unknown[], string, unknown[]][] = [
      ["hostControl_fireEvent", ["on_demand", both], "fireEvent", ["on_demand"]],
      ["hostControl_showPopup", ["hi", both], "showPopup", ["hi", "prepend", true]],
      ["hostControl_showPopup", ["hi", both, "append", false, 10], "showPopup", ["hi", "append", false, 10]],
      ["hostControlSafe_showPopup", ["hi", both], "showPopup", ["hi", "prepend", true, 0]],
      ["hostControl_getActiveSessions", [both], "getActiveSessions", []],
      ["hostControl_reboot", [both], "reboot", []],
      ["hostControl_shutdown", [both], "shutdown", []],
      ["hostControl_execute", ["ls -l", both], "execute", ["ls -l", true, true, null, 300]],
      ["hostControl_opsiclientdRpc", ["setBlockLogin", [true], both], "setBlockLogin", [true]],
      ["hostControl_processActionRequests", [both], "processActionRequests", []],
    ];
    for (const [rpc, params, method, expected] of cases) {
      expect(await h.call("admin", rpc, params), rpc).toEqual({
        [IDS.clientA]: busAnswer(method, expected),
        [IDS.clientB]: direct(method, expected),
      });
    }
  });

  it("reports errors per host: opsiclientd errors, wrong host keys, unreachable and silent hosts", async () => {
    expect(await h.call("admin", "hostControl_opsiclientdRpc", ["broken", [], [IDS.clientB]])).toEqual({
      [IDS.clientB]: { result: null, error: "ValueError: Invalid method 'broken'" },
    });
    await h.backend.updateObjects("host", [{ type: "OpsiClient", id: IDS.clientB, opsiHostKey: "cccccccccccccccccccccccccccccccc" }]);
    const denied = (await h.call("admin", "hostControl_uptime", [[IDS.clientB]])) as Record<string, { error: string }>;
    expect(denied[IDS.clientB]?.error).toBe(
      `Authentication at https://127.0.0.1:${port}/opsiclientd failed (HTTP 401): opsi host key not accepted`,
    );

    await h.backend.updateObjects("host", [{ type: "OpsiClient", id: IDS.clientB, ipAddress: "127.0.0.2" }]);
    await h.backend.createObjects("config", [{ type: "UnicodeConfig", id: "opsiclientd.control_server.port", defaultValues: ["4441"] }]);
    await h.backend.createObjects("configState", [{ configId: "opsiclientd.control_server.port", objectId: IDS.clientB, values: ["1"] }]);
    const refused = (await h.call("admin", "hostControl_uptime", [[IDS.clientB]])) as Record<string, { error: string }>;
    expect(refused[IDS.clientB]?.error).toBe("Failed to connect to https://127.0.0.2:1/opsiclientd: ECONNREFUSED");

    // a connected client that does not answer
    await connectClient("silent.opsi.test", true);
    await h.backend.createObjects("host", [{ type: "OpsiClient", id: "silent.opsi.test", opsiHostKey: KEYS[IDS.clientA] }]);
    const begin = Date.now();
    expect(await h.call("admin", "hostControl_opsiclientdRpc", ["noop", [], ["silent.opsi.test"], 1])).toEqual({
      "silent.opsi.test": { result: null, error: "Timed out after 1.00 seconds  while waiting for response" },
    });
    expect(Date.now() - begin).toBeGreaterThanOrEqual(950);
  });

  it("times out direct calls that get no answer", async () => {
    const result = (await h.call("admin", "hostControl_opsiclientdRpc", ["slow", [], [IDS.clientB], 1])) as Record<
      string,
      { error: string }
    >;
    expect(result[IDS.clientB]?.error).toBe("timed out after 1.00 seconds");
  });

  it("uses the per-client control server port", async () => {
    const other = await harness({ opsiclientdPort: 1 });
    try {
      const failed = (await other.call("admin", "hostControl_uptime", [[IDS.clientB]])) as Record<string, { error: string }>;
      expect(failed[IDS.clientB]?.error).toBe("Failed to connect to https://127.0.0.1:1/opsiclientd: ECONNREFUSED");
      await other.backend.createObjects("config", [
        { type: "UnicodeConfig", id: "opsiclientd.control_server.port", defaultValues: ["4441"] },
      ]);
      await other.backend.createObjects("configState", [
        { configId: "opsiclientd.control_server.port", objectId: IDS.clientB, values: [String(port)] },
      ]);
      expect(await other.call("admin", "hostControl_uptime", [[IDS.clientB]])).toEqual({ [IDS.clientB]: { result: 4711, error: null } });
    } finally {
      other.cleanup();
    }
  });

  it("hostControl_reachable: connected clients by the bus, the others by a TCP connect", async () => {
    expect(await h.call("admin", "hostControl_reachable", [])).toEqual({ [IDS.clientA]: true, [IDS.clientB]: true });
    expect(controlCalls).toEqual([]);
    const closed = await harness({ opsiclientdPort: 1 });
    try {
      expect(await closed.call("admin", "hostControlSafe_reachable", [[IDS.clientA, IDS.clientB]])).toEqual({
        [IDS.clientA]: true,
        [IDS.clientB]: false,
      });
    } finally {
      closed.cleanup();
    }
  });
});

describe("host ids", () => {
  it("an empty list means all clients; shutdown and reboot refuse it", async () => {
    expect(Object.keys((await h.call("admin", "hostControl_fireEvent", ["on_demand"])) as object).sort()).toEqual([
      IDS.clientA,
      IDS.clientB,
    ]);
    await expect(h.call("admin", "hostControl_shutdown", [[]])).rejects.toThrow(new BackendMissingDataError("No host ids given"));
    await expect(h.call("admin", "hostControl_reboot", [])).rejects.toThrow(new BackendMissingDataError("No host ids given"));
    await expect(h.call("admin", "hostControl_uptime", [["unknown.opsi.test"]])).rejects.toThrow(
      new BackendMissingDataError("No matching host ids found"),
    );
    // depots are not clients
    await expect(h.call("admin", "hostControl_uptime", [[IDS.depot]])).rejects.toThrow("No matching host ids found");
  });

  it("hostControlSafe_* refuse an empty host list and accept ids and wildcards", async () => {
    for (const [method, params] of [
      ["hostControlSafe_uptime", []],
      ["hostControlSafe_uptime", [[]]],
      ["hostControlSafe_shutdown", [null]],
      ["hostControlSafe_fireEvent", ["on_demand", ""]],
      ["hostControlSafe_execute", ["ls"]],
      ["hostControlSafe_opsiclientdRpc", ["noop", [], []]],
      ["hostControlSafe_getActiveSessions", []],
      ["hostControlSafe_reachable", []],
    ] as const) {
      await expect(h.call("admin", method, [...params]), method).rejects.toThrow(new BackendMissingDataError("No matching host ids found"));
    }
    expect(busRequests).toEqual([]);
    expect(controlCalls).toEqual([]);
    expect(await h.call("admin", "hostControlSafe_uptime", [IDS.clientB])).toEqual({ [IDS.clientB]: { result: 4711, error: null } });
    expect(Object.keys((await h.call("admin", "hostControlSafe_uptime", [["client*"]])) as object).sort()).toEqual([
      IDS.clientA,
      IDS.clientB,
    ]);
  });

  it("hostControl_start sends the magic packet to the client's network (real UDP on loopback)", async () => {
    const listener = createSocket("udp4");
    const received: Buffer[] = [];
    const udpPort = await new Promise<number>((resolve) => listener.bind(0, "127.0.0.1", () => resolve(listener.address().port)));
    listener.on("message", (m) => received.push(m));
    try {
      const wol = await harness({
        broadcastAddresses: { "127.0.0.0/8": { "127.0.0.1": [udpPort] }, "0.0.0.0/0": { "127.0.0.1": [udpPort + 1] } },
      });
      await wol.backend.updateObjects("host", [{ type: "OpsiClient", id: IDS.clientB, hardwareAddress: "aa:bb:cc:dd:ee:01" }]);
      await wol.backend.createObjects("host", [{ type: "OpsiClient", id: "nomac.opsi.test" }]);
      const result = await wol.call("admin", "hostControl_start", [[IDS.clientB, "nomac.opsi.test"]]);
      expect(result).toEqual({
        [IDS.clientB]: { result: "sent", error: null },
        "nomac.opsi.test": { result: null, error: "Failed to get hardware address for host 'nomac.opsi.test'" },
      });
      for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(received.map((m) => m.subarray(6, 12).toString("hex"))).toEqual(["aabbccddee01"]);
      await expect(wol.call("admin", "hostControlSafe_start", [[]])).rejects.toThrow("No matching host ids found");
      expect(await wol.call("admin", "powerOnHost", [IDS.clientB])).toEqual({ [IDS.clientB]: { result: "sent", error: null } });
      await wol.call("admin", "network_sendBroadcast", ["127.0.0.1", [udpPort], Buffer.from("hi").toString("base64")]);
      for (let i = 0; i < 100 && received.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(received[2]?.toString()).toBe("hi");
      await expect(wol.call("admin", "network_sendBroadcast", ["127.0.0.1", [0], "aGk="])).rejects.toThrow("Invalid ports");
    } finally {
      listener.close();
    }
  });

  it("applies the ACL of the unsafe method", async () => {
    await expect(h.call("clientA", "hostControlSafe_uptime", [[IDS.clientA]])).rejects.toThrow(
      "No permission for method 'hostControl_uptime'",
    );
  });
});

describe("useMessagebus", () => {
  it("true: clients without a bus connection are not called", async () => {
    const busOnly = await harness({ useMessagebus: true });
    try {
      expect(await busOnly.call("admin", "hostControl_uptime", [])).toEqual({
        [IDS.clientA]: busAnswer("uptime"),
        [IDS.clientB]: { result: null, error: "Host currently not connected to messagebus" },
      });
      expect(await busOnly.call("admin", "hostControl_reachable", [])).toEqual({ [IDS.clientA]: true, [IDS.clientB]: false });
      expect(controlCalls).toEqual([]);
    } finally {
      busOnly.cleanup();
    }
  });

  it("false, or no bus at all: every client is called directly", async () => {
    for (const [config, bus] of [
      [{ useMessagebus: false }, true],
      [{}, false],
    ] as const) {
      const direct = await harness(config, bus);
      try {
        // client A has no ip address and its name does not resolve (the text is Python's str() of the opsi error)
        expect(await direct.call("admin", "hostControl_uptime", [])).toEqual({
          [IDS.clientA]: { result: null, error: `Backend unaccomplishable error: Failed to resolve ip address for host '${IDS.clientA}'` },
          [IDS.clientB]: { result: 4711, error: null },
        });
      } finally {
        direct.cleanup();
      }
    }
    expect(busRequests).toEqual([]);
  });
});

describe("hostControl_processActionRequests", () => {
  it("expands the action requests of the given products with their dependencies", async () => {
    await seedProducts(h.backend);
    await h.backend.createObjects("productOnClient", [
      {
        productId: "firefox",
        productType: "LocalbootProduct",
        clientId: IDS.clientB,
        installationStatus: "not_installed",
        actionRequest: "setup",
      },
    ]);
    const result = (await h.call("admin", "hostControl_processActionRequests", [
      [IDS.clientA, IDS.clientB],
      ["firefox"],
      "hidden",
    ])) as Record<string, { result: { params: unknown[] } | null; error: unknown }>;
    expect(result[IDS.clientA]).toEqual({
      result: null,
      error: `No product action requests set for client '${IDS.clientA}' and products ['firefox']`,
    });
    expect(result[IDS.clientB]?.error).toBeNull();
    const [productIds, visibility] = result[IDS.clientB]?.result?.params ?? [];
    expect([...(productIds as string[])].sort()).toEqual(["firefox", "javavm"]);
    expect(visibility).toBe("hidden");
  });
});
