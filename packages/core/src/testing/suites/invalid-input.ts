/**
 * @module testing/suites/invalid-input
 * Invalid input on write: every validated attribute type raises BackendBadValueError naming the
 * attribute; malformed objects, unknown or foreign types and missing idents are rejected; a
 * failing batch writes nothing.
 */
import { describe, expect, it } from "vitest";
import type { ObjectPrefix } from "../../model/registry.js";
import { type Dict, expectBadValue, type GetBackend } from "../assertions.js";
import {
  auditHardwareOnHost,
  auditSoftware,
  auditSoftwareOnClient,
  CLIENT_ID,
  CLIENT2_ID,
  hostGroup,
  licenseContract,
  licensePool,
  localbootProduct,
  objectToGroup,
  opsiClient,
  opsiDepotserver,
  productDependency,
  productOnClient,
  productOnDepot,
  softwareLicense,
  unicodeConfig,
  user,
} from "../fixtures.js";
import { methodsOf } from "../prefix-methods.js";

interface InvalidCase {
  readonly what: string;
  readonly prefix: ObjectPrefix;
  readonly obj: unknown;
  /** Strings the error message must contain (the attribute name, an offending value). */
  readonly mentions: readonly string[];
}

const INVALID_VALUES: readonly InvalidCase[] = [
  { what: "host id without domain", prefix: "host", obj: opsiClient({ id: "nodomain" }), mentions: ["id", "nodomain"] },
  { what: "host id with a space", prefix: "host", obj: opsiClient({ id: "bad host.opsi.test" }), mentions: ["id"] },
  {
    what: "MAC with non-hex digits",
    prefix: "host",
    obj: opsiClient({ hardwareAddress: "08:00:27:zz:00:01" }),
    mentions: ["hardwareAddress"],
  },
  { what: "MAC with five octets", prefix: "host", obj: opsiClient({ hardwareAddress: "08:00:27:00:01" }), mentions: ["hardwareAddress"] },
  { what: "opsiHostKey", prefix: "host", obj: opsiClient({ opsiHostKey: "xyz" }), mentions: ["opsiHostKey"] },
  { what: "URL", prefix: "host", obj: opsiDepotserver({ depotLocalUrl: "not a url" }), mentions: ["depotLocalUrl"] },
  { what: "UUID", prefix: "host", obj: opsiClient({ systemUUID: "1234" }), mentions: ["systemUUID"] },
  { what: "timestamp", prefix: "host", obj: opsiClient({ lastSeen: "yesterday" }), mentions: ["lastSeen"] },
  {
    what: "timestamp with invalid month format",
    prefix: "licenseContract",
    obj: licenseContract({ conclusionDate: "2024-1-5" }),
    mentions: ["conclusionDate"],
  },
  { what: "user id", prefix: "user", obj: user({ id: "bad user!" }), mentions: ["id"] },
  { what: "mfa state", prefix: "user", obj: user({ mfaState: "enabled" }), mentions: ["mfaState"] },
  { what: "config id with whitespace", prefix: "config", obj: unicodeConfig({ id: "my config" }), mentions: ["id"] },
  { what: "product id", prefix: "product", obj: localbootProduct({ id: "bad product!" }), mentions: ["id"] },
  {
    what: "product version with a dash",
    prefix: "product",
    obj: localbootProduct({ productVersion: "1.0-1" }),
    mentions: ["productVersion"],
  },
  {
    what: "product version too long",
    prefix: "product",
    obj: localbootProduct({ productVersion: "1".repeat(33) }),
    mentions: ["productVersion"],
  },
  {
    what: "package version with an underscore",
    prefix: "product",
    obj: localbootProduct({ packageVersion: "1_2" }),
    mentions: ["packageVersion"],
  },
  { what: "priority", prefix: "product", obj: localbootProduct({ priority: "high" }), mentions: ["priority"] },
  {
    what: "product id in a ProductOnClient",
    prefix: "productOnClient",
    obj: productOnClient({ productId: "a/b" }),
    mentions: ["productId"],
  },
  { what: "action request", prefix: "productOnClient", obj: productOnClient({ actionRequest: "install" }), mentions: ["actionRequest"] },
  { what: "last action", prefix: "productOnClient", obj: productOnClient({ lastAction: "reboot" }), mentions: ["lastAction"] },
  {
    what: "installation status",
    prefix: "productOnClient",
    obj: productOnClient({ installationStatus: "broken" }),
    mentions: ["installationStatus"],
  },
  {
    what: "target configuration",
    prefix: "productOnClient",
    obj: productOnClient({ targetConfiguration: "maybe" }),
    mentions: ["targetConfiguration"],
  },
  { what: "action result", prefix: "productOnClient", obj: productOnClient({ actionResult: "ok" }), mentions: ["actionResult"] },
  { what: "product type", prefix: "productOnDepot", obj: productOnDepot({ productType: "Package" }), mentions: ["productType"] },
  {
    what: "product type of a ProductOnClient",
    prefix: "productOnClient",
    obj: productOnClient({ productType: "Package" }),
    mentions: ["productType"],
  },
  {
    what: "requirement type",
    prefix: "productDependency",
    obj: productDependency({ requirementType: "during" }),
    mentions: ["requirementType"],
  },
  {
    what: "product action",
    prefix: "productDependency",
    obj: productDependency({ productAction: "explode" }),
    mentions: ["productAction"],
  },
  { what: "group type", prefix: "objectToGroup", obj: objectToGroup({ groupType: "UserGroup" }), mentions: ["groupType"] },
  { what: "group id", prefix: "group", obj: hostGroup({ id: "-group" }), mentions: ["id"] },
  { what: "license contract id", prefix: "licenseContract", obj: licenseContract({ id: "-contract" }), mentions: ["id"] },
  {
    what: "maxInstallations",
    prefix: "softwareLicense",
    obj: softwareLicense({ maxInstallations: "many" }),
    mentions: ["maxInstallations"],
  },
  { what: "license pool id", prefix: "licensePool", obj: licensePool({ id: "pool/1" }), mentions: ["id"] },
  { what: "language code", prefix: "auditSoftware", obj: auditSoftware({ language: "de_DE.UTF-8" }), mentions: ["language"] },
  { what: "architecture", prefix: "auditSoftware", obj: auditSoftware({ architecture: "arm64" }), mentions: ["architecture", "arm64"] },
  { what: "audit state", prefix: "auditSoftwareOnClient", obj: auditSoftwareOnClient({ state: 2 }), mentions: ["state"] },
  { what: "hardware audit state", prefix: "auditHardwareOnHost", obj: auditHardwareOnHost({ state: 5 }), mentions: ["state"] },
];

const INVALID_OBJECTS: readonly InvalidCase[] = [
  { what: "a string instead of an object", prefix: "host", obj: CLIENT_ID, mentions: [] },
  { what: "a number instead of an object", prefix: "product", obj: 42, mentions: [] },
  { what: "null instead of an object", prefix: "config", obj: null, mentions: [] },
  { what: "a list inside a list", prefix: "group", obj: [[hostGroup()]], mentions: [] },
  { what: "an unknown type", prefix: "host", obj: opsiClient({ type: "Computer" }), mentions: ["Computer"] },
  { what: "a class of another prefix", prefix: "host", obj: localbootProduct(), mentions: ["LocalbootProduct"] },
  { what: "a host class for products", prefix: "product", obj: opsiClient(), mentions: ["OpsiClient"] },
  { what: "a missing host id", prefix: "host", obj: { type: "OpsiClient", description: "x" }, mentions: ["id"] },
  {
    what: "a missing clientId",
    prefix: "productOnClient",
    obj: { type: "ProductOnClient", productId: "p", productType: "LocalbootProduct" },
    mentions: ["clientId"],
  },
  {
    what: "a missing productVersion",
    prefix: "product",
    obj: { type: "LocalbootProduct", id: "p", packageVersion: "1" },
    mentions: ["productVersion"],
  },
  { what: "a missing hardware hostId", prefix: "auditHardwareOnHost", obj: auditHardwareOnHost({ hostId: null }), mentions: ["hostId"] },
  { what: "a missing hardwareClass", prefix: "auditHardware", obj: { type: "AuditHardware", name: "x" }, mentions: ["hardwareClass"] },
  { what: "an ident with too few fields", prefix: "productOnClient", obj: { ident: "p;LocalbootProduct" }, mentions: ["ident"] },
];

/**
 * Registers the invalid-input tests.
 * @example describe("invalid-input", () => invalidInputSuite(() => backend))
 */
export function invalidInputSuite(getBackend: GetBackend): void {
  describe("bad attribute values raise BackendBadValueError naming the attribute", () => {
    for (const c of INVALID_VALUES) {
      it(`${c.prefix}: ${c.what}`, async () => {
        const m = methodsOf(getBackend(), c.prefix);
        await expectBadValue(m.insertObject(c.obj), ...c.mentions);
        await expectBadValue(m.updateObjects([c.obj]), ...c.mentions);
        expect(await m.getObjects()).toEqual([]);
      });
    }
  });

  describe("malformed objects raise BackendBadValueError", () => {
    for (const c of INVALID_OBJECTS) {
      it(`${c.prefix}: ${c.what}`, async () => {
        const m = methodsOf(getBackend(), c.prefix);
        const single = Array.isArray(c.obj) ? c.obj[0] : c.obj;
        await expectBadValue(m.insertObject(single), ...c.mentions);
        await expectBadValue(m.createObjects(Array.isArray(c.obj) ? c.obj : [c.obj]), ...c.mentions);
        expect(await m.getObjects()).toEqual([]);
      });
    }
  });

  it("a failing createObjects batch writes nothing, wherever the bad object is", async () => {
    const b = getBackend();
    const bad = opsiClient({ id: "bad", hardwareAddress: null });
    await expectBadValue(b.host_createObjects([opsiClient(), bad]));
    await expectBadValue(b.host_createObjects([bad, opsiClient()]));
    await expectBadValue(b.product_createObjects([localbootProduct(), localbootProduct({ id: "p2", priority: "x" })]));
    expect(await b.host_getObjects()).toEqual([]);
    expect(await b.product_getObjects()).toEqual([]);
  });

  it("a failing updateObjects batch neither creates nor updates", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await expectBadValue(
      b.host_updateObjects([
        { type: "OpsiClient", id: CLIENT_ID, description: "changed" },
        { type: "OpsiClient", id: CLIENT2_ID },
        { type: "OpsiClient", id: "client3.opsi.test", lastSeen: "never" },
      ]),
      "lastSeen",
    );
    const hosts = (await b.host_getObjects()) as Dict[];
    expect(hosts.map((h) => [h.id, h.description])).toEqual([[CLIENT_ID, opsiClient().description]]);
  });

  it("updateObject with a bad value raises and leaves the stored object unchanged", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await expectBadValue(
      b.host_updateObject({ type: "OpsiClient", id: CLIENT_ID, description: "changed", hardwareAddress: "nope" }),
      "hardwareAddress",
    );
    const hosts = (await b.host_getObjects()) as Dict[];
    expect(hosts.map((h) => [h.description, h.hardwareAddress])).toEqual([[opsiClient().description, opsiClient().hardwareAddress]]);
  });
}
