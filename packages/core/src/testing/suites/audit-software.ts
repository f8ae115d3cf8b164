/**
 * @module testing/suites/audit-software
 * Software audit specifics: normalisation of the five ident attributes, empty ident values,
 * the link between AuditSoftwareOnClient and AuditSoftware.
 */
import { expect, it } from "vitest";
import type { Dict, GetBackend } from "../assertions.js";
import { auditSoftware, auditSoftwareOnClient, auditSoftwareToLicensePool, CLIENT_ID, licensePool, opsiClient } from "../fixtures.js";

/**
 * Registers the software audit tests.
 * @example describe("audit-software", () => auditSoftwareSuite(() => backend))
 */
export function auditSoftwareSuite(getBackend: GetBackend): void {
  it("lowercases version, subVersion and windowsSoftwareId and normalises language and architecture", async () => {
    const b = getBackend();
    await b.auditSoftware_insertObject(
      auditSoftware({ version: "1.0 Beta", subVersion: "SP1", language: "de_de", architecture: "X64", windowsSoftwareId: "{ABC-Def}" }),
    );
    const [s] = (await b.auditSoftware_getObjects()) as Dict[];
    expect([s?.version, s?.subVersion, s?.language, s?.architecture, s?.windowsSoftwareId]).toEqual([
      "1.0 beta",
      "sp1",
      "de-DE",
      "x64",
      "{abc-def}",
    ]);
  });

  it("stores missing optional ident values as empty strings", async () => {
    const b = getBackend();
    await b.auditSoftware_insertObject({
      type: "AuditSoftware",
      name: "Tool",
      version: null,
      subVersion: null,
      language: null,
      architecture: null,
    });
    expect(await b.auditSoftware_getIdents("str")).toEqual(["Tool;;;;"]);
    expect(await b.auditSoftware_getIdents("dict")).toEqual([
      { name: "Tool", version: "", subVersion: "", language: "", architecture: "" },
    ]);
  });

  it("normalises the ident of AuditSoftwareOnClient and AuditSoftwareToLicensePool like AuditSoftware", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.licensePool_insertObject(licensePool());
    await b.auditSoftware_insertObject(auditSoftware({ version: "2.0a", language: "zh-Hans-CN" }));
    const raw = { name: "Firefox", version: "2.0A", subVersion: "", language: "zh-hans-cn", architecture: "x64" };
    await b.auditSoftwareOnClient_insertObject(auditSoftwareOnClient(raw));
    await b.auditSoftwareToLicensePool_insertObject(auditSoftwareToLicensePool(raw));
    expect(await b.auditSoftwareOnClient_getIdents("str")).toEqual([`Firefox;2.0a;;zh-Hans-CN;x64;${CLIENT_ID}`]);
    expect(await b.auditSoftwareToLicensePool_getIdents("str")).toEqual(["Firefox;2.0a;;zh-Hans-CN;x64;pool-1"]);
  });

  it("auditSoftwareOnClient filters by client and state", async () => {
    const b = getBackend();
    await b.host_createObjects([opsiClient(), opsiClient({ id: "client2.opsi.test" })]);
    await b.auditSoftware_createObjects([auditSoftware(), auditSoftware({ name: "Other" })]);
    await b.auditSoftwareOnClient_createObjects([
      auditSoftwareOnClient({ state: 1 }),
      auditSoftwareOnClient({ name: "Other", state: 0 }),
      auditSoftwareOnClient({ clientId: "client2.opsi.test", state: 1 }),
    ]);
    const rows = (await b.auditSoftwareOnClient_getObjects([], { clientId: CLIENT_ID, state: 1 })) as Dict[];
    expect(rows.map((r) => r.name)).toEqual(["Firefox"]);
  });
}
