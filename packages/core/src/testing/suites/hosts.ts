/**
 * @module testing/suites/hosts
 * Host specifics: concrete types, generated host keys, "" written as NULL, MAC and systemUUID
 * uniqueness, type changes through insert.
 */
import { expect, it } from "vitest";
import { type Dict, expectBadValue, expected, expectObjects, type GetBackend } from "../assertions.js";
import { CLIENT_ID, CLIENT2_ID, DEPOT_ID, opsiClient, opsiDepotserver, uuidFor } from "../fixtures.js";

async function hosts(getBackend: GetBackend, filter: Dict = {}): Promise<Dict[]> {
  return (await getBackend().host_getObjects([], filter)) as Dict[];
}

/**
 * Registers the host tests.
 * @example describe("hosts", () => hostsSuite(() => backend))
 */
export function hostsSuite(getBackend: GetBackend): void {
  it("generates a different opsiHostKey for every inserted client and depot", async () => {
    const b = getBackend();
    await b.host_createObjects([
      { type: "OpsiClient", id: CLIENT_ID },
      { type: "OpsiClient", id: CLIENT2_ID },
      { type: "OpsiDepotserver", id: DEPOT_ID },
    ]);
    const keys = (await hosts(getBackend)).map((h) => h.opsiHostKey);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(keys).size).toBe(3);
  });

  it("keeps a given opsiHostKey on insert", async () => {
    const b = getBackend();
    await b.host_insertObject({ type: "OpsiClient", id: CLIENT_ID, opsiHostKey: "ABCDEF0123456789ABCDEF0123456789" });
    expect((await hosts(getBackend))[0]?.opsiHostKey).toBe("abcdef0123456789abcdef0123456789");
  });

  it('reads back "" hardwareAddress, ipAddress and systemUUID as null', async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient({ hardwareAddress: "", ipAddress: "", systemUUID: "" }));
    const [h] = await hosts(getBackend);
    expect([h?.hardwareAddress, h?.ipAddress, h?.systemUUID]).toEqual([null, null, null]);
  });

  it("an abstract Host without concrete type cannot be stored", async () => {
    const b = getBackend();
    await expectBadValue(b.host_insertObject({ id: CLIENT_ID }), "Host");
    await expectBadValue(b.host_createObjects([{ type: "Host", id: CLIENT_ID }]), "Host");
    await expectBadValue(b.host_updateObjects([{ type: "Host", id: CLIENT_ID }]), "Host");
    expect(await hosts(getBackend)).toEqual([]);
  });

  it("insertObject with another host type replaces the host (same ident)", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    const depot = opsiDepotserver({ id: CLIENT_ID, hardwareAddress: null, systemUUID: null });
    await b.host_insertObject(depot);
    expectObjects(b, await b.host_getObjects(), [expected(b, depot)]);
  });

  it("rejects a hardwareAddress already used by another host", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient({ hardwareAddress: "08:00:27:11:22:33" }));
    await expectBadValue(b.host_insertObject(opsiClient({ id: CLIENT2_ID, hardwareAddress: "08-00-27-11-22-33" })), "08:00:27:11:22:33");
    await expectBadValue(b.host_createObjects([opsiDepotserver({ hardwareAddress: "08:00:27:11:22:33" })]), "08:00:27:11:22:33");
    expect((await hosts(getBackend)).map((h) => h.id)).toEqual([CLIENT_ID]);
  });

  it("rejects a duplicate hardwareAddress through updateObject and updateObjects", async () => {
    const b = getBackend();
    await b.host_createObjects([opsiClient({ hardwareAddress: "08:00:27:11:22:33" }), opsiClient({ id: CLIENT2_ID })]);
    await expectBadValue(b.host_updateObject({ type: "OpsiClient", id: CLIENT2_ID, hardwareAddress: "08:00:27:11:22:33" }));
    await expectBadValue(b.host_updateObjects([{ type: "OpsiClient", id: CLIENT2_ID, hardwareAddress: "08:00:27:11:22:33" }]));
    const stored = await hosts(getBackend, { id: CLIENT2_ID });
    expect(stored.map((h) => h.hardwareAddress)).toEqual([opsiClient({ id: CLIENT2_ID }).hardwareAddress]);
  });

  it("rejects two hosts with the same hardwareAddress in one batch and writes neither", async () => {
    const b = getBackend();
    await expectBadValue(
      b.host_createObjects([
        opsiClient({ hardwareAddress: "08:00:27:11:22:33" }),
        opsiClient({ id: CLIENT2_ID, hardwareAddress: "08:00:27:11:22:33" }),
      ]),
    );
    expect(await hosts(getBackend)).toEqual([]);
  });

  it("allows rewriting a host with its own hardwareAddress", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.host_insertObject(opsiClient({ description: "again" }));
    await b.host_updateObject({ type: "OpsiClient", id: CLIENT_ID, hardwareAddress: opsiClient().hardwareAddress });
    expect((await hosts(getBackend)).map((h) => h.description)).toEqual(["again"]);
  });

  it('exempts hardware addresses starting with "00:00:00" and empty ones from uniqueness', async () => {
    const b = getBackend();
    await b.host_createObjects([
      opsiClient({ hardwareAddress: "00:00:00:00:00:01" }),
      opsiClient({ id: CLIENT2_ID, hardwareAddress: "00:00:00:00:00:01" }),
      opsiDepotserver({ hardwareAddress: "" }),
      opsiDepotserver({ id: "depot2.opsi.test", hardwareAddress: "" }),
    ]);
    expect(await hosts(getBackend)).toHaveLength(4);
  });

  it("rejects a systemUUID already used by another host", async () => {
    const b = getBackend();
    const uuid = uuidFor("shared");
    await b.host_insertObject(opsiClient({ systemUUID: uuid }));
    await expectBadValue(b.host_insertObject(opsiClient({ id: CLIENT2_ID, systemUUID: uuid.toUpperCase() })));
    expect((await hosts(getBackend)).map((h) => h.id)).toEqual([CLIENT_ID]);
  });

  it("allows several hosts without systemUUID", async () => {
    const b = getBackend();
    await b.host_createObjects([
      opsiClient({ systemUUID: "" }),
      opsiClient({ id: CLIENT2_ID, systemUUID: "" }),
      opsiDepotserver({ systemUUID: null }),
    ]);
    expect((await hosts(getBackend)).map((h) => h.systemUUID)).toEqual([null, null, null]);
  });

  it("stores an invalid ipAddress as null instead of failing (opsi's lenient setter)", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient({ ipAddress: "999.1.1.1" }));
    expect((await hosts(getBackend))[0]?.ipAddress).toBeNull();
  });

  it("does not check masterDepotId against existing hosts", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiDepotserver({ masterDepotId: "nowhere.opsi.test" }));
    expect((await hosts(getBackend))[0]?.masterDepotId).toBe("nowhere.opsi.test");
  });
}
