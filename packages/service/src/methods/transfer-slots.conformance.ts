/**
 * @module methods/transfer-slots.conformance The behaviour every {@link TransferSlotStore} must show,
 * as a vitest suite parameterised by a store factory and a clock: limits per depot and type, expiry,
 * refresh, release, and atomic acquires under concurrency.
 */
import { describe, expect, it } from "vitest";
import type { TransferSlotRequest, TransferSlotStore } from "./transfer-slots.js";

/** How a conformance run creates stores and moves time. */
export interface TransferSlotStoreHarness {
  /** A fresh, empty store whose new slot ids are `id-1`, `id-2`, … in order (a full acquire may use up an id). */
  create(): Promise<TransferSlotStore> | TransferSlotStore;
  /** Lets `ms` milliseconds pass (fake clock or real sleep). */
  advance(ms: number): Promise<void>;
  /** The store's current time (ms since the epoch). */
  now(): number;
  /** Retention used by the tests, seconds (short for real-time stores). */
  readonly retentionSeconds: number;
  /** Allowed difference between expected and reported `expiresAt`, ms (0 for fake clocks). */
  readonly clockToleranceMs: number;
}

const DEPOT = "depot1.opsi.test";
const DEPOT2 = "depot2.opsi.test";
const CLIENT_A = "client1.opsi.test";
const CLIENT_B = "client2.opsi.test";

/**
 * Registers the conformance tests for a store.
 * @example describeTransferSlotStore("MemoryTransferSlotStore", { create: () => new MemoryTransferSlotStore(clock, ids), … });
 */
export function describeTransferSlotStore(name: string, harness: TransferSlotStoreHarness): void {
  const retentionMs = harness.retentionSeconds * 1000;
  const request = (over: Partial<TransferSlotRequest> = {}): TransferSlotRequest => ({
    depotId: DEPOT,
    hostId: CLIENT_A,
    slotType: "opsiclientd_product_sync",
    slotId: null,
    max: 2,
    retentionSeconds: harness.retentionSeconds,
    ...over,
  });
  const expectExpiry = (actual: number | undefined, expected: number): void => {
    expect(Math.abs((actual ?? 0) - expected)).toBeLessThanOrEqual(harness.clockToleranceMs);
  };

  describe(`${name} (TransferSlotStore conformance)`, () => {
    it("limits slots per depot and type", async () => {
      const s = await harness.create();
      const first = await s.acquire(request());
      expect(first).toMatchObject({ depotId: DEPOT, hostId: CLIENT_A, slotType: "opsiclientd_product_sync", slotId: "id-1" });
      expectExpiry(first?.expiresAt, harness.now() + retentionMs);
      expect(await s.acquire(request({ hostId: CLIENT_B }))).toMatchObject({ slotId: "id-2" });
      expect(await s.acquire(request({ hostId: CLIENT_B }))).toBeNull();
      const updater = await s.acquire(request({ slotType: "opsi_package_updater" }));
      expect(updater).toMatchObject({ slotType: "opsi_package_updater", hostId: CLIENT_A });
      expect(await s.acquire(request({ depotId: DEPOT2 }))).toMatchObject({ depotId: DEPOT2 });
      const listed = await s.list(DEPOT);
      expect(listed.map((x) => x.slotId).sort()).toEqual(["id-1", "id-2", updater?.slotId].sort());
      expect(listed.find((x) => x.slotId === updater?.slotId)).toMatchObject({
        depotId: DEPOT,
        hostId: CLIENT_A,
        slotType: "opsi_package_updater",
      });
      for (const slot of listed) expect(slot.expiresAt).toBeGreaterThan(harness.now());
    });

    it("expires slots and refreshes an existing slot on re-acquire", async () => {
      const s = await harness.create();
      await s.acquire(request({ max: 1 }));
      await harness.advance(retentionMs * 0.6);
      const refreshed = await s.acquire(request({ max: 1, slotId: "id-1" }));
      expect(refreshed).toMatchObject({ slotId: "id-1" });
      expectExpiry(refreshed?.expiresAt, harness.now() + retentionMs);
      await harness.advance(retentionMs * 0.6);
      // 1.2 retention times after the first acquire, but only 0.6 after the refresh
      expect(await s.list(DEPOT)).toHaveLength(1);
      expect(await s.acquire(request({ max: 1 }))).toBeNull();
      await harness.advance(retentionMs * 0.6);
      expect(await s.list(DEPOT)).toEqual([]);
      // an expired caller slot id is reused for the new slot
      expect(await s.acquire(request({ max: 1, slotId: "id-1" }))).toMatchObject({ slotId: "id-1" });
    });

    it("re-acquiring another host's slot id does not refresh it", async () => {
      const s = await harness.create();
      await s.acquire(request({ max: 1 }));
      expect(await s.acquire(request({ max: 1, hostId: CLIENT_B, slotId: "id-1" }))).toBeNull();
    });

    it("releases only the matching slot", async () => {
      const s = await harness.create();
      await s.acquire(request());
      expect(await s.release(DEPOT, CLIENT_B, "opsiclientd_product_sync", "id-1")).toBe(false);
      expect(await s.release(DEPOT, CLIENT_A, "opsi_package_updater", "id-1")).toBe(false);
      expect(await s.release(DEPOT, CLIENT_A, "opsiclientd_product_sync", "id-1")).toBe(true);
      expect(await s.release(DEPOT, CLIENT_A, "opsiclientd_product_sync", "id-1")).toBe(false);
      expect(await s.list(DEPOT)).toEqual([]);
    });

    it("N parallel acquires against a max of M give exactly M slots", async () => {
      const s = await harness.create();
      const N = 50;
      const M = 7;
      const hosts = Array.from({ length: N }, (_, i) => `client${i}.opsi.test`);
      const results = await Promise.all(hosts.map((hostId) => s.acquire(request({ hostId, max: M }))));
      const granted = results.filter((r) => r !== null);
      expect(granted).toHaveLength(M);
      expect(new Set(granted.map((r) => r?.slotId)).size).toBe(M);
      expect(await s.list(DEPOT)).toHaveLength(M);
      // the other type and depot are unaffected
      const other = await Promise.all(hosts.map((hostId) => s.acquire(request({ hostId, max: M, slotType: "opsi_package_updater" }))));
      expect(other.filter((r) => r !== null)).toHaveLength(M);
    });
  });
}
