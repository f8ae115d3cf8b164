/** @module host-rpc.test callHosts against a MemoryBroker with simulated opsiclientd subscribers on host:<id>. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryBroker } from "./broker/memory-broker.js";
import type { Subscription } from "./broker/types.js";
import { callHosts, hostRpcTimeoutError } from "./host-rpc.js";
import { type AnyMessage, createMessage, isMessageOfType, type JsonRpcRequestMessage, responseChannel } from "./messages.js";

const SENDER = "service_worker:node1:1";

let broker: MemoryBroker<AnyMessage>;
const subscriptions: Subscription[] = [];

beforeEach(() => {
  broker = new MemoryBroker<AnyMessage>({ trimIntervalMs: 0 });
});
afterEach(async () => {
  for (const sub of subscriptions.splice(0)) await sub.unsubscribe();
  await broker.close();
});

/** A connected opsiclientd: answers `jsonrpc_request`s on its host channel like opsiclientd does (rpc_id echoed, no ref_id). */
async function simulateHost(
  hostId: string,
  answer: (request: JsonRpcRequestMessage) => { result?: unknown; error?: unknown },
  seen: JsonRpcRequestMessage[] = [],
): Promise<JsonRpcRequestMessage[]> {
  const sub = await broker.subscribe(`host:${hostId}`, { id: `session-${hostId}`, identity: `host:${hostId}` }, async (delivery) => {
    const request = delivery.message;
    if (!isMessageOfType(request, "jsonrpc_request")) return;
    seen.push(request);
    const { result = null, error = null } = answer(request);
    await broker.publish(
      createMessage("jsonrpc_response", {
        sender: `host:${hostId}`,
        channel: responseChannel(request),
        rpc_id: request.rpc_id,
        result,
        error,
      }),
    );
  });
  subscriptions.push(sub);
  return seen;
}

describe("callHosts", () => {
  it("sends one request per host to host:<id> and matches answers by rpc_id", async () => {
    const seenA = await simulateHost("pc1.opsi.test", (r) => ({ result: `uptime of pc1: ${r.params.join(",")}` }));
    const seenB = await simulateHost("pc2.opsi.test", () => ({
      error: { code: 0, message: "boom", data: { class: "RuntimeError", details: null } },
    }));
    const before = Date.now();
    const result = await callHosts(broker, {
      hostIds: ["PC1.opsi.test", "pc2.opsi.test", "pc1.opsi.test"],
      method: "uptime",
      params: [1, "x"],
      timeoutMs: 5000,
      senderId: SENDER,
    });
    expect(result).toEqual({
      "pc1.opsi.test": { result: "uptime of pc1: 1,x", error: null },
      "pc2.opsi.test": { result: null, error: { code: 0, message: "boom", data: { class: "RuntimeError", details: null } } },
    });
    expect(seenA).toHaveLength(1);
    const [request] = seenA;
    expect(request).toMatchObject({ sender: SENDER, channel: "host:pc1.opsi.test", method: "uptime", params: [1, "x"] });
    expect(request?.back_channel).toMatch(/^session:[0-9a-f-]{36}$/);
    expect(request?.expires).toBeGreaterThanOrEqual(before + 5000);
    expect(request?.expires).toBeLessThan(before + 6000);
    expect(seenB[0]?.back_channel).toBe(request?.back_channel);
    expect(seenB[0]?.rpc_id).not.toBe(request?.rpc_id);
    // the temporary session channel is gone
    expect(broker.stats().subscriptions).toBe(2);
  });

  it("reports opsiconfd's timeout text for hosts that do not answer", async () => {
    await simulateHost("fast.opsi.test", () => ({ result: true }));
    const silent: JsonRpcRequestMessage[] = [];
    subscriptions.push(
      await broker.subscribe("host:silent.opsi.test", { id: "silent" }, (d) => {
        silent.push(d.message as JsonRpcRequestMessage);
      }),
    );
    const begin = Date.now();
    const result = await callHosts(broker, {
      hostIds: ["fast.opsi.test", "silent.opsi.test"],
      method: "fireEvent",
      params: ["on_demand"],
      timeoutMs: 300,
      senderId: SENDER,
    });
    expect(Date.now() - begin).toBeGreaterThanOrEqual(290);
    expect(result).toEqual({
      "fast.opsi.test": { result: true, error: null },
      "silent.opsi.test": { result: null, error: "Timed out after 0.30 seconds  while waiting for response" },
    });
    expect(silent).toHaveLength(1);
    expect(hostRpcTimeoutError(15_000)).toBe("Timed out after 15.00 seconds  while waiting for response");
  });

  it("ignores answers that belong to no request and accepts integer rpc ids echoed as strings", async () => {
    await simulateHost("pc1.opsi.test", () => ({ result: "ok" }));
    subscriptions.push(
      await broker.subscribe("host:noisy.opsi.test", { id: "noisy" }, async (d) => {
        const request = d.message as JsonRpcRequestMessage;
        const reply = (rpcId: string | number, result: unknown) =>
          broker.publish(
            createMessage("jsonrpc_response", { sender: "host:noisy.opsi.test", channel: responseChannel(request), rpc_id: rpcId, result }),
          );
        await reply("unrelated", "wrong");
        await reply(request.rpc_id, "right");
      }),
    );
    const result = await callHosts(broker, {
      hostIds: ["pc1.opsi.test", "noisy.opsi.test"],
      method: "noop",
      timeoutMs: 2000,
      senderId: SENDER,
    });
    expect(result).toEqual({ "pc1.opsi.test": { result: "ok", error: null }, "noisy.opsi.test": { result: "right", error: null } });
  });

  it("returns at once for an empty host list", async () => {
    expect(await callHosts(broker, { hostIds: [], method: "uptime", timeoutMs: 10_000, senderId: SENDER })).toEqual({});
  });
});
