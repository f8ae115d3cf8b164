import { describe, expect, it } from "vitest";
import { HttpError } from "../http/errors.js";
import { BruteForceGuard } from "./BruteForceGuard.js";
import { MemoryFailureCounter } from "./FailureCounter.js";

describe("BruteForceGuard", () => {
  it("blocks after max failures in the window; the blocking attempt passes; unblocks after the block time", async () => {
    let now = 1_000_000;
    const sleeps: number[] = [];
    const guard = new BruteForceGuard({
      maxAuthFailures: 3,
      authFailuresInterval: 120,
      clientBlockTime: 60,
      clock: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    for (let i = 0; i < 3; i++) {
      await guard.checkBlocked("10.0.0.1");
      await guard.recordFailure("10.0.0.1");
      now += 1000;
    }
    expect(sleeps).toEqual([200, 200, 200]);
    await guard.checkBlocked("10.0.0.1"); // sets the block, passes
    const err = await guard.checkBlocked("10.0.0.1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(403);
    expect((err as HttpError).message).toBe("Client '10.0.0.1' is blocked");
    await guard.checkBlocked("10.0.0.2");
    expect(await guard.counter.blockedAddresses(now)).toEqual(["10.0.0.1"]);
    now += 61_000;
    // Block over, but the failures are still inside the 120 s window: the next attempt re-blocks.
    await guard.checkBlocked("10.0.0.1");
    await expect(guard.checkBlocked("10.0.0.1")).rejects.toThrow(/blocked/);
    now += 121_000;
    await guard.checkBlocked("10.0.0.1");
    await guard.checkBlocked("10.0.0.1");
  });

  it("counts only failures inside the window and can be disabled", async () => {
    let now = 0;
    const counter = new MemoryFailureCounter();
    const guard = new BruteForceGuard({ counter, maxAuthFailures: 2, authFailuresInterval: 10, failureDelayMs: 0, clock: () => now });
    await guard.recordFailure("a");
    now = 11_000;
    await guard.recordFailure("a");
    await guard.checkBlocked("a");
    await guard.checkBlocked("a");
    expect(await counter.countFailures("a", 10_000, now)).toBe(1);
    const off = new BruteForceGuard({ counter, maxAuthFailures: 0, failureDelayMs: 0, clock: () => now });
    for (let i = 0; i < 5; i++) await off.recordFailure("b");
    await off.checkBlocked("b");
    await off.checkBlocked("b");
  });

  it("unblocks single addresses and all", async () => {
    const counter = new MemoryFailureCounter();
    await counter.block("a", 10_000);
    await counter.block("b", 10_000);
    expect(await counter.unblock("a")).toBe(true);
    expect(await counter.unblock("a")).toBe(false);
    expect(await counter.unblockAll()).toBe(1);
    expect(await counter.isBlocked("b", 0)).toBe(false);
  });
});
