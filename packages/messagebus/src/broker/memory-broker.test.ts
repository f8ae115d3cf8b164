import { afterEach, describe, expect, it, vi } from "vitest";
import { describeBroker, Recorder, testMessage } from "./conformance.js";
import { MemoryBroker } from "./memory-broker.js";
import { BrokerError } from "./types.js";

describeBroker("MemoryBroker", (options) => new MemoryBroker(options));

describe("MemoryBroker specifics", () => {
  let broker: MemoryBroker | undefined;
  afterEach(async () => {
    await broker?.close();
    broker = undefined;
    vi.useRealTimers();
  });

  it("rejects invalid options with a clear error", () => {
    expect(() => new MemoryBroker({ claimIdleMs: 0 })).toThrow(BrokerError);
    expect(() => new MemoryBroker({ prefetch: 1.5 })).toThrow(/prefetch must be a positive integer, got 1.5/);
    expect(() => new MemoryBroker({ trimIntervalMs: -1 })).toThrow(/trimIntervalMs must be a non-negative integer/);
  });

  it("keeps at most maxStreamLength messages per inbox channel", async () => {
    broker = new MemoryBroker({ maxStreamLength: 3, trimIntervalMs: 0 });
    const ch = "host:pc1.test.local";
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const m = testMessage(ch);
      ids.push(m.id);
      await broker.publish(m);
    }
    const rec = new Recorder();
    await broker.subscribe(ch, { id: "s", identity: ch }, rec.handler);
    await rec.waitForCount(3);
    expect(rec.ids).toEqual(ids.slice(2));
  });

  it("trim() drops messages older than retentionMs and expired ones", async () => {
    let now = 1_000_000;
    broker = new MemoryBroker({ retentionMs: 1000, trimIntervalMs: 0, now: () => now });
    const ch = "user:adminuser";
    const old = { ...testMessage(ch), expires: now + 10_000_000 };
    await broker.publish(old);
    now += 600;
    const expiring = { ...testMessage(ch), expires: now + 100 };
    const fresh = { ...testMessage(ch), expires: now + 10_000_000 };
    await broker.publish(expiring);
    await broker.publish(fresh);
    now += 500;
    broker.trim();
    const rec = new Recorder();
    await broker.subscribe(ch, { id: "s", identity: ch }, rec.handler);
    await rec.waitForCount(1);
    expect(rec.ids).toEqual([fresh.id]);
  });

  it("runs trim() every trimIntervalMs", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    broker = new MemoryBroker({ trimIntervalMs: 1000 });
    const trim = vi.spyOn(broker, "trim");
    vi.advanceTimersByTime(3000);
    expect(trim).toHaveBeenCalledTimes(3);
  });
});
