/**
 * @module testing/suites/normalisation
 * Normalisation of values on the way in: host ids, MAC and IP addresses, UUIDs, timestamps,
 * versions, priorities, action requests, installation status, product and group types.
 */
import { expect, it } from "vitest";
import type { Dict, GetBackend } from "../assertions.js";
import {
  CLIENT_ID,
  CLIENT2_ID,
  DEPOT_ID,
  licenseContract,
  localbootProduct,
  opsiClient,
  opsiDepotserver,
  productDependency,
  productOnClient,
  productOnDepot,
} from "../fixtures.js";

async function host(getBackend: GetBackend, id: string): Promise<Dict | undefined> {
  return ((await getBackend().host_getObjects([], { id })) as Dict[])[0];
}

async function onlyPoc(getBackend: GetBackend): Promise<Dict | undefined> {
  const list = (await getBackend().productOnClient_getObjects()) as Dict[];
  expect(list).toHaveLength(1);
  return list[0];
}

/**
 * Registers the normalisation tests.
 * @example describe("normalisation", () => normalisationSuite(() => backend))
 */
export function normalisationSuite(getBackend: GetBackend): void {
  it("host ids are lowercased and lose a trailing dot", async () => {
    await getBackend().host_insertObject(opsiClient({ id: "Client9.OPSI.Test." }));
    expect(await getBackend().host_getIdents("str")).toEqual(["client9.opsi.test"]);
  });

  it("MAC addresses are normalised from any separator style and case", async () => {
    const b = getBackend();
    await b.host_createObjects([
      opsiClient({ id: "mac1.opsi.test", hardwareAddress: "08-00-27-AA-BB-C1" }),
      opsiClient({ id: "mac2.opsi.test", hardwareAddress: "080027AABBC2" }),
      opsiClient({ id: "mac3.opsi.test", hardwareAddress: "08:00:27:Aa:bB:C3" }),
    ]);
    const hosts = (await b.host_getObjects(["hardwareAddress"])) as Dict[];
    expect(hosts.map((h) => h.hardwareAddress).sort()).toEqual(["08:00:27:aa:bb:c1", "08:00:27:aa:bb:c2", "08:00:27:aa:bb:c3"]);
  });

  it("a MAC address list stores its first element", async () => {
    await getBackend().host_insertObject(opsiClient({ hardwareAddress: ["08:00:27:AA:BB:01", "08:00:27:aa:bb:02"] }));
    expect((await host(getBackend, CLIENT_ID))?.hardwareAddress).toBe("08:00:27:aa:bb:01");
  });

  it("IPv6 addresses are compressed and IPv4-mapped addresses become IPv4", async () => {
    const b = getBackend();
    await b.host_createObjects([
      opsiClient({ ipAddress: "2001:0DB8:0000:0000:0000:0000:0000:0001" }),
      opsiClient({ id: CLIENT2_ID, ipAddress: "::ffff:192.168.1.2" }),
      opsiDepotserver({ ipAddress: "fe80:0:0:0:1:0:0:1" }),
    ]);
    expect((await host(getBackend, CLIENT_ID))?.ipAddress).toBe("2001:db8::1");
    expect((await host(getBackend, CLIENT2_ID))?.ipAddress).toBe("192.168.1.2");
    expect((await host(getBackend, DEPOT_ID))?.ipAddress).toBe("fe80::1:0:0:1");
  });

  it("system UUIDs are stored lowercase", async () => {
    await getBackend().host_insertObject(opsiClient({ systemUUID: "8B3F2F5E-1234-4ABC-8DEF-0123456789AB" }));
    expect((await host(getBackend, CLIENT_ID))?.systemUUID).toBe("8b3f2f5e-1234-4abc-8def-0123456789ab");
  });

  it("timestamps accept optional separators, fractions and dates without time", async () => {
    const b = getBackend();
    await b.host_createObjects([
      opsiClient({ created: "20240102103000", lastSeen: "2024-01-02" }),
      opsiClient({ id: CLIENT2_ID, created: "2024-01-02 10:30:00.123456", lastSeen: "20240102 103001" }),
    ]);
    const one = await host(getBackend, CLIENT_ID);
    const two = await host(getBackend, CLIENT2_ID);
    expect([one?.created, one?.lastSeen, two?.created, two?.lastSeen]).toEqual([
      "2024-01-02 10:30:00",
      "2024-01-02 00:00:00",
      "2024-01-02 10:30:00",
      "2024-01-02 10:30:01",
    ]);
  });

  it("license contract dates are normalised like every timestamp", async () => {
    await getBackend().licenseContract_insertObject(licenseContract({ conclusionDate: "2023-07-01", expirationDate: "20251231235959" }));
    const [c] = (await getBackend().licenseContract_getObjects()) as Dict[];
    expect([c?.conclusionDate, c?.expirationDate]).toEqual(["2023-07-01 00:00:00", "2025-12-31 23:59:59"]);
  });

  it("product ids are lowercased; product and package versions keep their case", async () => {
    await getBackend().product_insertObject(localbootProduct({ id: "My_Product.X", productVersion: "1.0RC1", packageVersion: "2a" }));
    expect(await getBackend().product_getIdents("str")).toEqual(["my_product.x;1.0RC1;2a"]);
  });

  it("priorities are clamped to [-100, 100] and numeric strings accepted", async () => {
    const b = getBackend();
    await b.product_createObjects([
      localbootProduct({ id: "high", priority: 150 }),
      localbootProduct({ id: "low", priority: -200 }),
      localbootProduct({ id: "text", priority: "42" }),
    ]);
    const products = (await b.product_getObjects(["priority"])) as Dict[];
    expect(Object.fromEntries(products.map((p) => [p.id, p.priority]))).toEqual({ high: 100, low: -100, text: 42 });
  });

  it('action requests are lowercased and "undefined" becomes null', async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_insertObject(productOnClient({ actionRequest: "SETUP", lastAction: "Uninstall" }));
    let poc = await onlyPoc(getBackend);
    expect([poc?.actionRequest, poc?.lastAction]).toEqual(["setup", "uninstall"]);
    await b.productOnClient_insertObject(productOnClient({ actionRequest: "undefined", lastAction: "undefined" }));
    poc = await onlyPoc(getBackend);
    // insertObject applies setDefaults(): the null actionRequest becomes "none".
    expect([poc?.actionRequest, poc?.lastAction]).toEqual(["none", null]);
  });

  it("installation status, target configuration and action result are lowercased", async () => {
    const b = getBackend();
    await b.host_insertObject(opsiClient());
    await b.productOnClient_insertObject(
      productOnClient({ installationStatus: "INSTALLED", targetConfiguration: "Always", actionResult: "Failed" }),
    );
    const poc = await onlyPoc(getBackend);
    expect([poc?.installationStatus, poc?.targetConfiguration, poc?.actionResult]).toEqual(["installed", "always", "failed"]);
  });

  it('product types accept "localboot"/"netboot" in any case', async () => {
    const b = getBackend();
    await b.host_createObjects([opsiClient(), opsiDepotserver()]);
    await b.product_insertObject(localbootProduct());
    await b.productOnClient_createObjects([
      productOnClient({ productType: "localboot" }),
      productOnClient({ productId: "other", productType: "NETBOOT" }),
    ]);
    await b.productOnDepot_insertObject(productOnDepot({ productType: "LocalBootProduct" }));
    expect(((await b.productOnClient_getIdents("str")) as string[]).sort()).toEqual([
      `other;NetbootProduct;${CLIENT_ID}`,
      `prod-a;LocalbootProduct;${CLIENT_ID}`,
    ]);
    expect(await b.productOnDepot_getIdents("list")).toEqual([["prod-a", "LocalbootProduct", "1.0", "1", DEPOT_ID]]);
  });

  it('ProductDependency: requirementType "" and requiredAction "undefined" become null', async () => {
    const b = getBackend();
    await b.product_insertObject(localbootProduct());
    await b.productDependency_insertObject(productDependency({ requirementType: "", requiredAction: "undefined", productAction: "SETUP" }));
    const [d] = (await b.productDependency_getObjects()) as Dict[];
    expect([d?.productAction, d?.requirementType, d?.requiredAction]).toEqual(["setup", null, null]);
  });
}
