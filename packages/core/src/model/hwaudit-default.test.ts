import { describe, expect, it } from "vitest";
import { readSharedFixture } from "../testing/shared-fixtures.js";
import { parseHwauditConf } from "./hwaudit-config.js";
import { defaultHardwareAuditConfig, defaultHardwareAuditLocales } from "./hwaudit-default.js";
import { DEFAULT_HARDWARE_CLASSES } from "./hwaudit-default-classes.js";

const conf = readSharedFixture("hwaudit/opsihwaudit.conf");

describe("defaultHardwareAuditConfig", () => {
  it("embeds exactly the classes of opsi's default opsihwaudit.conf", () => {
    expect(DEFAULT_HARDWARE_CLASSES).toEqual(parseHwauditConf(conf).map((c) => ({ Class: c.Class, Values: c.Values })));
    expect(DEFAULT_HARDWARE_CLASSES).toHaveLength(37);
  });

  it("resolves the 32 STRUCTURAL classes with inherited values", () => {
    const config = defaultHardwareAuditConfig();
    expect(config.classNames()).toEqual([
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
    ]);
    const nc = config.get("NETWORK_CONTROLLER");
    expect([...(nc?.instanceAttributes.keys() ?? [])].sort()).toEqual([
      "ipAddress",
      "ipEnabled",
      "macAddress",
      "netConnectionStatus",
      "serialNumber",
    ]);
    // Inherited from the VIRTUAL BASIC_INFO / HARDWARE_DEVICE classes.
    expect(nc?.deviceIdent).toEqual(expect.arrayContaining(["name", "description", "vendor", "model", "vendorId", "deviceId"]));
  });

  it("returns one shared instance", () => {
    expect(defaultHardwareAuditConfig()).toBe(defaultHardwareAuditConfig());
  });
});

describe("defaultHardwareAuditLocales", () => {
  it("embeds opsi's de, en and fr locale files unchanged", () => {
    const locales = defaultHardwareAuditLocales();
    expect([...locales.keys()].sort()).toEqual(["de", "en", "fr"]);
    for (const lang of ["de", "en", "fr"]) expect(locales.get(lang)).toBe(readSharedFixture(`hwaudit/hwaudit_${lang}.properties`));
  });
});
