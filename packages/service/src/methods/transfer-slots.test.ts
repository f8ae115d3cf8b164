/** @module methods/transfer-slots.test The in-memory transfer slot store (conformance suite on a fake clock) and the depot_*TransferSlot / depot_getHostRSAPublicKey methods through the dispatcher. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BackendBadValueError, BackendMissingDataError } from "@opsi-ts/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, IDS } from "../rpc/test-harness.js";
import { describeTransferSlotStore } from "./transfer-slots.conformance.js";
import { MemoryTransferSlotStore, type TransferSlotResult } from "./transfer-slots.js";

let now = 1_000_000;
let ids = 0;
describeTransferSlotStore("MemoryTransferSlotStore", {
  create: () => {
    ids = 0;
    return new MemoryTransferSlotStore(
      () => now,
      () => `id-${++ids}`,
    );
  },
  advance: async (ms) => {
    now += ms;
  },
  now: () => now,
  retentionSeconds: 60,
  clockToleranceMs: 0,
});

describe("MemoryTransferSlotStore", () => {
  it("drops a slot exactly at its expiry time", async () => {
    const s = new MemoryTransferSlotStore(() => now);
    const slot = await s.acquire({
      depotId: IDS.depot,
      hostId: IDS.clientA,
      slotType: "opsiclientd_product_sync",
      slotId: null,
      max: 1,
      retentionSeconds: 60,
    });
    expect(slot?.expiresAt).toBe(now + 60_000);
    now += 59_999;
    expect(await s.list(IDS.depot)).toHaveLength(1);
    now += 1;
    expect(await s.list(IDS.depot)).toEqual([]);
  });
});

describe("transfer slot methods", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ settings: { random: () => 0.999 } });
  });
  afterEach(() => h.cleanup());

  const acquire = (who: "clientA" | "clientB" | "depot", params: unknown) =>
    h.call(who, "depot_acquireTransferSlot", params) as Promise<TransferSlotResult>;

  it("acquires, refreshes, lists and releases a slot", async () => {
    const slot = await acquire("clientA", [IDS.depot, IDS.clientA]);
    expect(slot).toMatchObject({
      depot_id: IDS.depot,
      host_id: IDS.clientA,
      slot_type: "opsiclientd_product_sync",
      retry_after: null,
      retention: 60,
    });
    expect(slot.slot_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await acquire("clientA", { depot: IDS.depot, host: IDS.clientA, slot_id: slot.slot_id })).toEqual(slot);
    expect(await h.call("admin", "depot_listTransferSlot", [IDS.depot])).toEqual([{ ...slot, retention: null }]);
    expect(await h.call("clientA", "depot_releaseTransferSlot", [IDS.depot, IDS.clientA, slot.slot_id])).toBeNull();
    expect(await h.call("admin", "depot_listTransferSlot", [IDS.depot])).toEqual([]);
  });

  it("takes the limit from the config default, overridden by the depot's config state", async () => {
    await h.backend.createObjects("config", [
      {
        type: "UnicodeConfig",
        id: "opsiconfd.transfer.slots_opsiclientd_product_sync",
        defaultValues: ["1"],
        possibleValues: [],
        editable: true,
      },
    ]);
    expect((await acquire("clientA", [IDS.depot, IDS.clientA])).slot_id).not.toBeNull();
    const full = await acquire("clientB", [IDS.depot, IDS.clientB]);
    expect(full).toEqual({
      depot_id: null,
      host_id: null,
      slot_id: null,
      slot_type: "opsiclientd_product_sync",
      retry_after: 120,
      retention: 60,
    });
    await h.backend.createObjects("configState", [
      { configId: "opsiconfd.transfer.slots_opsiclientd_product_sync", objectId: IDS.depot, values: ["2"] },
    ]);
    expect((await acquire("clientB", [IDS.depot, IDS.clientB])).slot_id).not.toBeNull();
    // the other type has no config: fallback 1000
    expect((await acquire("depot", [IDS.depot, IDS.depot, null, "opsi_package_updater"])).slot_type).toBe("opsi_package_updater");
  });

  it("keeps retry_after within 60–120 s", async () => {
    const low = await createHarness({ settings: { random: () => 0 } });
    try {
      await low.backend.createObjects("config", [
        {
          type: "UnicodeConfig",
          id: "opsiconfd.transfer.slots_opsiclientd_product_sync",
          defaultValues: ["0"],
          possibleValues: [],
          editable: true,
        },
      ]);
      const full = (await low.call("clientA", "depot_acquireTransferSlot", [IDS.depot, IDS.clientA])) as TransferSlotResult;
      expect(full.retry_after).toBe(60);
    } finally {
      low.cleanup();
    }
  });

  it("validates ids and slot types", async () => {
    await expect(acquire("clientA", ["not a host", IDS.clientA])).rejects.toBeInstanceOf(BackendBadValueError);
    await expect(acquire("clientA", [IDS.depot, IDS.clientA, null, "other"])).rejects.toBeInstanceOf(BackendBadValueError);
    await expect(acquire("clientA", [IDS.depot, IDS.clientA, "no-uuid"])).rejects.toBeInstanceOf(BackendBadValueError);
    await expect(h.call("clientA", "depot_releaseTransferSlot", [IDS.depot, IDS.clientA, null])).rejects.toBeInstanceOf(
      BackendBadValueError,
    );
  });

  it("acquire and release skip the method ACL; list keeps it", async () => {
    const slot = await acquire("clientA", [IDS.depot, IDS.clientA]);
    await expect(h.call("user", "depot_releaseTransferSlot", [IDS.depot, IDS.clientA, slot.slot_id])).resolves.toBeNull();
    const listed = await h.call("clientA", "depot_listTransferSlot", [IDS.depot]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(listed).toBeInstanceOf(Error);
    expect((listed as Error).message).toContain("No permission");
  });
});

describe("depot_getHostRSAPublicKey", () => {
  let h: Harness;
  afterEach(() => h.cleanup());

  it("returns the key file text", async () => {
    h = await createHarness();
    const file = join(h.logDir, "ssh_host_rsa_key.pub");
    writeFileSync(file, "ssh-rsa AAAAB3Nza root@config\n");
    const h2 = await createHarness({ settings: { sshHostRsaPublicKeyFile: file } });
    try {
      expect(await h2.call("admin", "depot_getHostRSAPublicKey")).toBe("ssh-rsa AAAAB3Nza root@config\n");
      expect(await h2.call("admin", "getHostRSAPublicKey")).toBe("ssh-rsa AAAAB3Nza root@config\n");
    } finally {
      h2.cleanup();
    }
  });

  it("answers BackendMissingDataError naming the file when unreadable", async () => {
    h = await createHarness();
    const file = join(h.logDir, "missing.pub");
    const h2 = await createHarness({ settings: { sshHostRsaPublicKeyFile: file } });
    try {
      const err = await h2.call("admin", "depot_getHostRSAPublicKey").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendMissingDataError);
      expect((err as Error).message).toContain(file);
    } finally {
      h2.cleanup();
    }
  });
});
