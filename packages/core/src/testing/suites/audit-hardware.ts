/**
 * @module testing/suites/audit-hardware
 * Hardware audit: decoding of a real client inventory, implicit AuditHardware devices, per-class
 * filter rules (hardwareClass wildcards, "" or null, keys dropped or classes skipped), idents and
 * value coercion by the configured SQL types.
 */
import { expect, it } from "vitest";
import type { Filter } from "../../filter/filter.js";
import { type Dict, expectBadValue, expected, expectObjects, type GetBackend } from "../assertions.js";
import { auditHardware, auditHardwareOnHost, CLIENT_ID, CLIENT2_ID, hardwareAuditFixture } from "../fixtures.js";

const FIXTURE_HOST = "testclient.opsi.org";

/** The STRUCTURAL classes of opsi's default `opsihwaudit.conf`, in config order. */
const DEFAULT_STRUCTURAL_CLASSES = [
  "COMPUTER_SYSTEM",
  "CHASSIS",
  "BASE_BOARD",
  "BIOS",
  "SYSTEM_SLOT",
  "PORT_CONNECTOR",
  "PROCESSOR",
  "MEMORY_BANK",
  "MEMORY_MODULE",
  "CACHE_MEMORY",
  "PCI_DEVICE",
  "NETWORK_CONTROLLER",
  "AUDIO_CONTROLLER",
  "HDAUDIO_DEVICE",
  "IDE_CONTROLLER",
  "SCSI_CONTROLLER",
  "FLOPPY_CONTROLLER",
  "USB_CONTROLLER",
  "1394_CONTROLLER",
  "PCMCIA_CONTROLLER",
  "VIDEO_CONTROLLER",
  "FLOPPY_DRIVE",
  "TAPE_DRIVE",
  "HARDDISK_DRIVE",
  "DISK_PARTITION",
  "OPTICAL_DRIVE",
  "USB_DEVICE",
  "MONITOR",
  "KEYBOARD",
  "POINTING_DEVICE",
  "PRINTER",
  "TPM",
];

/** The fixture objects without their `ident` (some NETWORK_CONTROLLER idents were anonymised differently). */
function fixtureObjects(): Dict[] {
  return hardwareAuditFixture().map(({ ident: _ident, ...rest }) => rest);
}

async function loadFixture(getBackend: GetBackend): Promise<Dict[]> {
  const objs = fixtureObjects();
  await getBackend().auditHardwareOnHost_createObjects(objs);
  return objs;
}

function summary(objs: readonly unknown[]): string[] {
  return (objs as Dict[]).map((o) => `${String(o.hardwareClass)}|${String(o.name)}`).sort();
}

/**
 * Registers the hardware audit tests (they assume opsi's default hardware-audit configuration).
 * @example describe("audit-hardware", () => auditHardwareSuite(() => backend))
 */
export function auditHardwareSuite(getBackend: GetBackend): void {
  it("uses opsi's default hardware-audit configuration (32 STRUCTURAL classes)", () => {
    expect(getBackend().hardwareAudit?.classNames()).toEqual(DEFAULT_STRUCTURAL_CLASSES);
    expect([...(getBackend().hardwareAudit?.get("NETWORK_CONTROLLER")?.instanceAttributes.keys() ?? [])].sort()).toEqual([
      "ipAddress",
      "ipEnabled",
      "macAddress",
      "netConnectionStatus",
      "serialNumber",
    ]);
  });

  it("stores the objects of a real inventory and reads them back equal", async () => {
    const b = getBackend();
    const objs = await loadFixture(getBackend);
    expect(objs).toHaveLength(46);
    expectObjects(
      b,
      await b.auditHardwareOnHost_getObjects(),
      objs.map((o) => expected(b, o)),
    );
  });

  it("creates the AuditHardware device of every AuditHardwareOnHost implicitly", async () => {
    const b = getBackend();
    const objs = await loadFixture(getBackend);
    const devices = (await b.auditHardware_getObjects()) as Dict[];
    expect(devices).toHaveLength(objs.length);
    const nic = (await b.auditHardware_getObjects([], {
      hardwareClass: "NETWORK_CONTROLLER",
      name: "Red Hat VirtIO Ethernet Adapter",
    })) as Dict[];
    expectObjects(b, nic, [
      expected(b, {
        type: "AuditHardware",
        hardwareClass: "NETWORK_CONTROLLER",
        name: "Red Hat VirtIO Ethernet Adapter",
        description: "Red Hat VirtIO Ethernet Adapter",
        vendor: "Red Hat, Inc.",
        model: null,
        deviceType: "PCI",
        vendorId: "1AF4",
        deviceId: "1000",
        subsystemVendorId: "0001",
        subsystemDeviceId: "1AF4",
        revision: "00",
        adapterType: "Ethernet 802.3",
        maxSpeed: 10000000000,
        autoSense: null,
      }),
    ]);
  });

  it("hosts with the same device share one AuditHardware; deleting an AuditHardwareOnHost keeps it", async () => {
    const b = getBackend();
    await b.auditHardwareOnHost_createObjects([auditHardwareOnHost(), auditHardwareOnHost({ hostId: CLIENT2_ID, serialNumber: "SN-2" })]);
    expectObjects(b, await b.auditHardware_getObjects(), [expected(b, auditHardware())]);
    await b.auditHardwareOnHost_deleteObjects([auditHardwareOnHost(), auditHardwareOnHost({ hostId: CLIENT2_ID, serialNumber: "SN-2" })]);
    expect(await b.auditHardwareOnHost_getObjects()).toEqual([]);
    expectObjects(b, await b.auditHardware_getObjects(), [expected(b, auditHardware())]);
  });

  it("updateObjects and insertObject of an AuditHardwareOnHost create the device too", async () => {
    const b = getBackend();
    await b.auditHardwareOnHost_updateObjects([auditHardwareOnHost()]);
    await b.auditHardwareOnHost_insertObject(auditHardwareOnHost({ vendor: "Other" }));
    expectObjects(b, await b.auditHardware_getObjects(), [expected(b, auditHardware()), expected(b, auditHardware({ vendor: "Other" }))]);
  });

  it("hardwareClass filters accept * wildcards and lists", async () => {
    const b = getBackend();
    const objs = await loadFixture(getBackend);
    const count = (pred: (cls: string) => boolean) => objs.filter((o) => pred(String(o.hardwareClass))).length;
    expect(await b.auditHardwareOnHost_getObjects([], { hardwareClass: "NETWORK*" })).toHaveLength(count((c) => c.startsWith("NETWORK")));
    expect(await b.auditHardwareOnHost_getObjects([], { hardwareClass: "*_CONTROLLER" })).toHaveLength(
      count((c) => c.endsWith("_CONTROLLER")),
    );
    expect(await b.auditHardwareOnHost_getObjects([], { hardwareClass: ["BIOS", "CHASSIS"] })).toHaveLength(2);
    expect(await b.auditHardwareOnHost_getObjects([], { hardwareClass: "NO_SUCH_CLASS" })).toEqual([]);
    expect(await b.auditHardware_getObjects([], { hardwareClass: "PRINTER" })).toHaveLength(count((c) => c === "PRINTER"));
  });

  it('a filter value "" or null on a class attribute matches empty and NULL values', async () => {
    const b = getBackend();
    const objs = await loadFixture(getBackend);
    const noMac = objs.filter((o) => o.hardwareClass === "NETWORK_CONTROLLER" && !o.macAddress);
    expect(noMac.length).toBeGreaterThan(0);
    for (const value of [null, ""]) {
      const rows = await b.auditHardwareOnHost_getObjects([], { hardwareClass: "NETWORK_CONTROLLER", macAddress: value });
      expect(summary(rows)).toEqual(summary(noMac));
    }
    // CHASSIS.serialNumber is "" and COMPUTER_SYSTEM.sku is "" in the fixture.
    expect(summary(await b.auditHardwareOnHost_getObjects([], { hardwareClass: "CHASSIS", serialNumber: null }))).toEqual([
      "CHASSIS|Computergehäuse",
    ]);
    expect(summary(await b.auditHardwareOnHost_getObjects([], { hardwareClass: "COMPUTER_SYSTEM", sku: null }))).toEqual([
      "COMPUTER_SYSTEM|TESTCLIENT",
    ]);
    expect(summary(await b.auditHardwareOnHost_getObjects([], { hardwareClass: "COMPUTER_SYSTEM", sku: "" }))).toEqual([
      "COMPUTER_SYSTEM|TESTCLIENT",
    ]);
    // The same rule on devices: OPTICAL_DRIVE.model is NULL.
    expect(summary(await b.auditHardware_getObjects([], { hardwareClass: "OPTICAL_DRIVE", model: "" }))).toEqual([
      "OPTICAL_DRIVE|QEMU QEMU DVD-ROM ATA Device",
    ]);
    expect(await b.auditHardware_getObjects([], { hardwareClass: "OPTICAL_DRIVE", vendor: "" })).toEqual([]);
  });

  it("filter keys that are not attributes of a class are dropped for that class", async () => {
    const b = getBackend();
    await loadFixture(getBackend);
    // DISK_PARTITION has no vendor: the vendor condition is dropped there.
    const rows = await b.auditHardwareOnHost_getObjects([], { driveLetter: "E:", vendor: "(Standard-CD-ROM-Laufwerke)" });
    expect(summary(rows)).toEqual(["DISK_PARTITION|Datenträgernr. 1, Partitionsnr. 0"]);
    const both = await b.auditHardwareOnHost_getObjects([], { driveLetter: "D:", vendor: "(Standard-CD-ROM-Laufwerke)" });
    expect(summary(both)).toEqual(["OPTICAL_DRIVE|QEMU QEMU DVD-ROM ATA Device"]);
  });

  it("classes without any of the filter keys are skipped; unknown keys raise no error", async () => {
    const b = getBackend();
    const objs = await loadFixture(getBackend);
    const microsoft = objs.filter((o) => o.vendor === "Microsoft");
    expect(microsoft.length).toBeGreaterThan(0);
    expect(summary(await b.auditHardwareOnHost_getObjects([], { vendor: "Microsoft" }))).toEqual(summary(microsoft));
    expect(summary(await b.auditHardwareOnHost_getObjects([], { driveLetter: ["D:", "E:"] }))).toEqual([
      "DISK_PARTITION|Datenträgernr. 1, Partitionsnr. 0",
      "OPTICAL_DRIVE|QEMU QEMU DVD-ROM ATA Device",
    ]);
    expect(await b.auditHardwareOnHost_getObjects([], { noSuchAttribute: "x" })).toEqual([]);
    expect(await b.auditHardware_getObjects([], { noSuchAttribute: "x" })).toEqual([]);
    expect(await b.auditHardwareOnHost_getIdents("str", { noSuchAttribute: "x" })).toEqual([]);
  });

  it("hostId, type and state filters apply to every class", async () => {
    const b = getBackend();
    const objs = await loadFixture(getBackend);
    expect(await b.auditHardwareOnHost_getObjects([], { hostId: FIXTURE_HOST })).toHaveLength(objs.length);
    expect(await b.auditHardwareOnHost_getObjects([], { hostId: CLIENT_ID })).toEqual([]);
    expect(await b.auditHardwareOnHost_getObjects([], { type: "AuditHardwareOnHost", hardwareClass: "BIOS" })).toHaveLength(1);
    expect(await b.auditHardwareOnHost_getObjects([], { state: 1 })).toHaveLength(objs.length);
    expect(await b.auditHardwareOnHost_getObjects([], { state: 0 })).toEqual([]);
  });

  it("idents: hardwareClass + sorted g-attributes, and hardwareClass;hostId + all sorted attributes", async () => {
    const b = getBackend();
    const objs = await loadFixture(getBackend);
    expect(await b.auditHardware_getIdents("str", { hardwareClass: "KEYBOARD" })).toEqual([
      "KEYBOARD;PS/2-Standardtastatur;;Erweitert (101 oder 102 Tasten);12;",
    ]);
    // The fixture's own idents are valid except for anonymised NETWORK_CONTROLLER MACs and the
    // COMPUTER_SYSTEM ident written before systemUUID was added to the class.
    const reliable = hardwareAuditFixture().filter(
      (o) => o.hardwareClass !== "NETWORK_CONTROLLER" && o.hardwareClass !== "COMPUTER_SYSTEM",
    );
    const idents = (await b.auditHardwareOnHost_getIdents("str")) as string[];
    expect(idents).toHaveLength(objs.length);
    for (const o of reliable) expect(idents).toContain(o.ident);
    const [dict] = await b.auditHardwareOnHost_getIdents("dict", { hardwareClass: "KEYBOARD" });
    expect(dict).toEqual({
      hardwareClass: "KEYBOARD",
      hostId: FIXTURE_HOST,
      description: "PS/2-Standardtastatur",
      model: "",
      name: "Erweitert (101 oder 102 Tasten)",
      numberOfFunctionKeys: "12",
      serialNumber: "",
      vendor: "",
    });
  });

  it("coerces values by their configured SQL type and drops unknown attributes", async () => {
    const b = getBackend();
    const long = "n".repeat(120);
    await b.auditHardwareOnHost_insertObject({
      type: "AuditHardwareOnHost",
      hostId: CLIENT_ID,
      hardwareClass: "NETWORK_CONTROLLER",
      name: `  ${long}  `,
      vendorId: "1af4",
      deviceId: "10f5",
      maxSpeed: "1000",
      macAddress: "aa:bb:cc:dd:ee:ff",
      notAnAttribute: "dropped",
    });
    const [o] = (await b.auditHardwareOnHost_getObjects()) as Dict[];
    expect([o?.name, o?.vendorId, o?.deviceId, o?.maxSpeed, o?.macAddress]).toEqual([
      "n".repeat(100),
      "1AF4",
      "10F5",
      1000,
      "aa:bb:cc:dd:ee:ff",
    ]);
    expect(o && "notAnAttribute" in o).toBe(false);
  });

  it("rejects a malformed hardware vendor id", async () => {
    const b = getBackend();
    await expectBadValue(
      b.auditHardwareOnHost_insertObject(auditHardwareOnHost({ hardwareClass: "PCI_DEVICE", vendorId: "XYZ1" })),
      "vendorId",
    );
    await expectBadValue(
      b.auditHardware_insertObject({ type: "AuditHardware", hardwareClass: "PCI_DEVICE", deviceId: "12G4" }),
      "deviceId",
    );
    expect(await b.auditHardwareOnHost_getObjects()).toEqual([]);
    expect(await b.auditHardware_getObjects()).toEqual([]);
  });

  it("does not require the host of an AuditHardwareOnHost to exist", async () => {
    const b = getBackend();
    await b.auditHardwareOnHost_insertObject(auditHardwareOnHost({ hostId: "no-host.opsi.test" }));
    expect((await b.auditHardwareOnHost_getObjects()).map((o) => o.hostId)).toEqual(["no-host.opsi.test"]);
  });

  it("getObjects with a hardwareClass filter and no other keys returns whole classes", async () => {
    const b = getBackend();
    await loadFixture(getBackend);
    const filter: Filter = { hardwareClass: "DISK_PARTITION" };
    expect(summary(await b.auditHardwareOnHost_getObjects([], filter))).toEqual([
      "DISK_PARTITION|Datenträgernr. 0, Partitionsnr. 0",
      "DISK_PARTITION|Datenträgernr. 1, Partitionsnr. 0",
      "DISK_PARTITION|Datenträgernr. 1, Partitionsnr. 1",
    ]);
  });
}
