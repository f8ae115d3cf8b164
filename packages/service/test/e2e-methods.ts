/** @module test/e2e-methods End-to-end tests of RPC methods through the typed `ServiceClient` (msgpack+lz4 and JSON+gzip), as opsi clients use them. */
import { createPrivateKey, createPublicKey, randomBytes, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { RemoteRpcError } from "@opsi-ts/core";
import { sharedPath } from "@opsi-ts/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, asDict, asDicts, DOMAIN, type E2eServer, type RecordedServiceClient, SERVER_ID, uid } from "./e2e-env.js";

/** The reference interface of opsiconfd 4.3 (`backend_getInterface` of a stock server). */
function referenceInterface(): { name: string; params: string[]; deprecated: boolean }[] {
  return JSON.parse(readFileSync(sharedPath("spec/rpc-interface.json"), "utf8")) as {
    name: string;
    params: string[];
    deprecated: boolean;
  }[];
}

function splitPem(pem: string): { keyPem: string; certPem: string } {
  const key = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA )?PRIVATE KEY-----\n?/.exec(pem)?.[0] ?? "";
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(pem)?.[0] ?? "";
  return { keyPem: key, certPem: cert };
}

const VARIANTS = [
  { serialization: "msgpack", compression: "lz4" },
  { serialization: "json", compression: "gzip" },
] as const;

/** Registers the method tests, once per serialisation/compression pair. */
export function methodsSuite(env: E2eServer): void {
  describe.each(VARIANTS)("methods via ServiceClient ($serialization + $compression)", ({ serialization, compression }) => {
    let rec: RecordedServiceClient;
    beforeAll(() => {
      rec = env.serviceClient({ username: ADMIN.username, password: ADMIN.password, serialization, compression });
    });
    afterAll(async () => {
      await rec.client.disconnect();
    });

    it("connects with HEAD /rpc and uses the negotiated serialisation and compression", async () => {
      const { client, exchanges } = rec;
      await client.connect();
      expect(exchanges[0]?.method).toBe("HEAD");
      expect(client.serverName).toMatch(/^opsiconfd 4\.3\.\d+\.\d+ \(opsi-ts\)$/);
      expect(client.serverVersion).toMatch(/^4\.3\./);
      expect(client.serialization).toBe(serialization);
      expect(client.compression).toBe(compression);
      expect(client.sessionCookie).toMatch(/^opsiconfd-session=[0-9a-f]{32}$/);
      // The client asks for its own session lifetime (python-opsi-common sends X-opsi-session-lifetime).
      expect(exchanges[0]?.requestHeaders["x-opsi-session-lifetime"]).toBe("150");
      expect(exchanges[0]?.responseHeaders.getSetCookie()[0]).toMatch(/; Max-Age=150$/);

      expect(await client.call("accessControl_authenticated")).toBe(true);
      const post = exchanges.at(-1);
      expect(post?.method).toBe("POST");
      expect(post?.requestHeaders["content-type"]).toBe(`application/${serialization}`);
      expect(post?.requestHeaders["content-encoding"]).toBe(compression);
      expect(post?.requestHeaders["accept-encoding"]).toBe(compression);
      expect(post?.requestHeaders.cookie).toBe(client.sessionCookie);
      expect(post?.requestHeaders.authorization).toBeUndefined();
      expect(post?.responseHeaders.get("content-type")).toBe(`application/${serialization}`);
    });

    it("round-trips hosts, products and ProductOnClients", async () => {
      const api = rec.client.backend;
      const clientId = `${uid("crud")}.${DOMAIN}`;
      const productId = uid("crud-prod");

      expect(
        await api.host_createObjects([{ type: "OpsiClient", id: clientId, description: "created", ipAddress: "10.5.5.5" }]),
      ).toBeNull();
      const [created] = await api.host_getObjects([], { id: clientId });
      expect(created).toMatchObject({ type: "OpsiClient", id: clientId, ident: clientId, description: "created", ipAddress: "10.5.5.5" });
      expect(asDict(created).opsiHostKey).toMatch(/^[0-9a-f]{32}$/);
      await api.host_updateObject({ type: "OpsiClient", id: clientId, notes: "updated" });
      expect((await api.host_getObjects(["notes", "description"], { id: clientId }))[0]).toMatchObject({
        notes: "updated",
        description: "created",
      });

      await api.product_createObjects([
        {
          type: "LocalbootProduct",
          id: productId,
          productVersion: "2.0",
          packageVersion: "3",
          name: "E2E product",
          setupScript: "setup.opsiscript",
        },
      ]);
      expect((await api.product_getObjects([], { id: productId }))[0]).toMatchObject({
        type: "LocalbootProduct",
        id: productId,
        name: "E2E product",
        ident: `${productId};2.0;3`,
      });

      await api.productOnClient_createObjects([{ productId, productType: "LocalbootProduct", clientId }]);
      expect((await api.productOnClient_getObjects([], { clientId }))[0]).toMatchObject({
        productId,
        clientId,
        installationStatus: "not_installed",
        actionRequest: "none",
        ident: `${productId};LocalbootProduct;${clientId}`,
      });
      await api.productOnClient_updateObjects([
        { productId, productType: "LocalbootProduct", clientId, actionRequest: "setup", installationStatus: "installed" },
      ]);
      expect((await api.productOnClient_getObjects(["actionRequest", "installationStatus"], { clientId }))[0]).toMatchObject({
        actionRequest: "setup",
        installationStatus: "installed",
      });
      expect(await api.productOnClient_getIdents("dict", { clientId })).toEqual([{ productId, productType: "LocalbootProduct", clientId }]);
      await api.productOnClient_deleteObjects([{ productId, productType: "LocalbootProduct", clientId }]);
      expect(await api.productOnClient_getObjects([], { clientId })).toEqual([]);

      await api.product_deleteObjects([{ type: "LocalbootProduct", id: productId, productVersion: "2.0", packageVersion: "3" }]);
      await api.host_deleteObjects([{ type: "OpsiClient", id: clientId }]);
      expect(await api.product_getObjects([], { id: productId })).toEqual([]);
      expect(await api.host_getObjects([], { id: clientId })).toEqual([]);
    });

    it("backend_getInterface lists the 490 methods with opsi's params notation, compressed on the wire", async () => {
      const entries = asDicts(await rec.client.call("backend_getInterface"));
      expect(entries).toHaveLength(490);
      const response = rec.exchanges.at(-1);
      expect(response?.responseHeaders.get("content-encoding")).toBe(compression);
      const byName = new Map(entries.map((e) => [String(e.name), e]));
      expect(byName.get("host_getObjects")).toMatchObject({ params: ["*attributes", "**filter"], deprecated: false });
      expect(byName.get("configState_getValues")).toMatchObject({ params: ["*config_ids", "*object_ids", "*with_defaults"] });
      expect(entries.filter((e) => e.deprecated === true)).toHaveLength(175);
      const reference = referenceInterface();
      expect(entries.map((e) => [e.name, e.params, e.deprecated])).toEqual(
        [...reference].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((e) => [e.name, e.params, e.deprecated]),
      );
    });

    it("backend_info, accessControl_authenticated and getDomain", async () => {
      const info = asDict(await rec.client.call("backend_info"));
      expect(info.opsiVersion).toBe(rec.client.serverVersion);
      expect(asDict(info.modules).valid).toBe(true);
      expect(await rec.client.call("accessControl_authenticated")).toBe(true);
      expect(await rec.client.call("accessControl_userIsAdmin")).toBe(true);
      expect(await rec.client.call("getDomain")).toBe(DOMAIN);
    });

    it("setProductActionRequestWithDependencies, then productOnClient_getObjectsWithSequence", async () => {
      const api = rec.client.backend;
      const main = uid("seq-main");
      const dependency = uid("seq-dep");
      const client = await env.createClient();
      await api.configState_createObjects([
        { type: "ConfigState", configId: "clientconfig.depot.id", objectId: client.id, values: [env.depot.id] },
      ]);
      await api.product_createObjects([
        { type: "LocalbootProduct", id: main, productVersion: "1.0", packageVersion: "1", setupScript: "setup.opsiscript" },
        { type: "LocalbootProduct", id: dependency, productVersion: "1.0", packageVersion: "1", setupScript: "setup.opsiscript" },
      ]);
      await api.productOnDepot_createObjects(
        [main, dependency].map((productId) => ({
          productId,
          productType: "LocalbootProduct",
          productVersion: "1.0",
          packageVersion: "1",
          depotId: env.depot.id,
        })),
      );
      await api.productDependency_createObjects([
        {
          productId: main,
          productVersion: "1.0",
          packageVersion: "1",
          productAction: "setup",
          requiredProductId: dependency,
          requiredAction: "setup",
          requirementType: "before",
        },
      ]);

      expect(await api.setProductActionRequestWithDependencies(main, client.id, "setup")).toBeNull();
      const sequenced = await api.productOnClient_getObjectsWithSequence([], { clientId: client.id });
      expect(sequenced.map((p) => [p.productId, p.actionRequest, p.actionSequence])).toEqual([
        [dependency, "setup", 0],
        [main, "setup", 1],
      ]);
      expect(sequenced[0]?.ident).toBe(`${dependency};LocalbootProduct;${client.id}`);
    });

    it("configState_getClientToDepotserver", async () => {
      const assigned = await env.createClient();
      const unassigned = await env.createClient();
      await rec.client.backend.configState_createObjects([
        { type: "ConfigState", configId: "clientconfig.depot.id", objectId: assigned.id, values: [env.depot.id] },
      ]);
      const result = await rec.client.backend.configState_getClientToDepotserver(null, [assigned.id, unassigned.id]);
      const byClient = new Map(result.map((r) => [r.clientId, r]));
      expect(byClient.get(assigned.id)).toMatchObject({ clientId: assigned.id, depotId: env.depot.id, alternativeDepotIds: [] });
      expect(byClient.get(unassigned.id)).toMatchObject({ clientId: unassigned.id, depotId: SERVER_ID });
    });

    it("getOpsiCACert equals /ssl/opsi-ca-cert.pem", async () => {
      const pem = await rec.client.call("getOpsiCACert");
      const res = await env.request({ method: "GET", path: "/ssl/opsi-ca-cert.pem" });
      expect(res.status).toBe(200);
      expect(pem).toBe(res.text());
      expect(new X509Certificate(String(pem)).subject).toContain("CN=opsi CA");
    });

    it("getCACerts holds the same certificates as /ssl/ca-certs.pem", async () => {
      const res = await env.request({ method: "GET", path: "/ssl/ca-certs.pem" });
      expect(res.status).toBe(200);
      const certsOf = (bundle: string) => bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      const bundle = String(await rec.client.call("getCACerts"));
      expect(certsOf(bundle)).toEqual(certsOf(res.text()));
      expect(certsOf(bundle)).toEqual([env.cs.tls.caCertPem.trim()]);
    });

    it("host_getTLSCertificate gives a client a key and certificate issued by the opsi CA", async () => {
      const client = await env.createClient({ ipAddress: "10.9.8.7" });
      const other = await env.createClient();
      const asClient = env.serviceClient({ username: client.id, password: client.key, serialization, compression });
      try {
        const pem = String(await asClient.client.call("host_getTLSCertificate", [client.id]));
        const { keyPem, certPem } = splitPem(pem);
        expect(keyPem).not.toBe("");
        const cert = new X509Certificate(certPem);
        const ca = new X509Certificate(env.cs.tls.caCertPem);
        expect(cert.verify(ca.publicKey)).toBe(true);
        expect(cert.checkIssued(ca)).toBe(true);
        expect(cert.subject).toContain(`CN=${client.id}`);
        expect(cert.checkHost(client.id)).toBe(client.id);
        expect(cert.checkIP("10.9.8.7")).toBe("10.9.8.7");
        const validDays = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
        expect(Math.round(validDays)).toBeGreaterThanOrEqual(359);
        expect(Math.round(validDays)).toBeLessThanOrEqual(361);
        expect(createPublicKey(createPrivateKey(keyPem)).export({ type: "spki", format: "pem" })).toBe(
          cert.publicKey.export({ type: "spki", format: "pem" }),
        );
        const error = await asClient.client.call("host_getTLSCertificate", [other.id]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RemoteRpcError);
      } finally {
        await asClient.client.disconnect();
      }
    });

    it("auditHardware_getConfig('de') has German labels", async () => {
      const classes = asDicts(await rec.client.call("auditHardware_getConfig", ["de"]));
      const byClass = new Map(classes.map((c) => [String(asDict(c.Class).Opsi), c]));
      expect(asDict(byClass.get("BASE_BOARD")?.Class).UI).toBe("Hauptplatine");
      const values = asDicts(byClass.get("COMPUTER_SYSTEM")?.Values);
      expect(values.find((v) => v.Opsi === "totalPhysicalMemory")?.UI).toBe("Arbeitsspeicher");
      const english = asDicts(await rec.client.call("auditHardware_getConfig", ["en"]));
      expect(english.map((c) => asDict(c.Class).Opsi)).toEqual(classes.map((c) => asDict(c.Class).Opsi));
      expect(asDict(english.find((c) => asDict(c.Class).Opsi === "BASE_BOARD")?.Class).UI).toBe("Base board");
    });

    it("batches and errors: jsonrpc() keeps the order, errors carry the server's class", async () => {
      const results = await rec.client.jsonrpc([
        { method: "getDomain" },
        { method: "no_such_method" },
        { method: "accessControl_authenticated" },
      ]);
      expect(results.map((r) => r.result)).toEqual([DOMAIN, null, true]);
      expect(results[1]?.error).toBeInstanceOf(RemoteRpcError);
      expect(results[1]?.error?.remoteClass).toBe("ValueError");
      expect(await rec.client.jsonrpc([{ method: "getDomain" }])).toEqual([expect.objectContaining({ result: DOMAIN, error: null })]);

      const error = await rec.client.call("dhcpd_updateHost", ["client1.opsi.test"]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteRpcError);
      expect(error).toMatchObject({ remoteClass: "BackendNotImplementedError", details: expect.any(String) });
    });

    it("a client connecting by MAC address learns its host id", async () => {
      const mac = ["02", ...[...randomBytes(5)].map((b) => b.toString(16).padStart(2, "0"))].join(":");
      const client = await env.createClient({ hardwareAddress: mac });
      const byMac = env.serviceClient({ username: mac, password: client.key, serialization, compression });
      try {
        await byMac.client.connect();
        expect(byMac.client.newHostId).toBe(client.id);
        expect(await byMac.client.call("accessControl_userIsAdmin")).toBe(false);
        const [own] = await byMac.client.backend.host_getObjects([], { id: client.id });
        expect(asDict(own).opsiHostKey).toBe(client.key);
      } finally {
        await byMac.client.disconnect();
      }
    });
  });
}
