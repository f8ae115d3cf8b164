import { MemoryBackend } from "@opsi-ts/core";
import { describe, expect, it } from "vitest";
import { ensureServerSetup, serverIdFromHostname } from "./server-setup.js";

const options = { serverId: "Opsi.Example.ORG", externalUrl: "https://opsi.example.org:4447" };

describe("ensureServerSetup", () => {
  it("creates the config server host and opsi's default configs once", async () => {
    const backend = new MemoryBackend();
    const first = await ensureServerSetup(backend, options);
    expect(first.createdServerHost).toBe(true);
    const [server] = await backend.host_getObjects([], { id: "opsi.example.org" });
    expect(server).toMatchObject({
      type: "OpsiConfigserver",
      isMasterDepot: true,
      depotWebdavUrl: "webdavs://opsi.example.org:4447/depot",
    });
    expect(server?.type === "OpsiConfigserver" && server.opsiHostKey).toMatch(/^[0-9a-f]{32}$/);
    const [depotId] = await backend.config_getObjects([], { id: "clientconfig.depot.id" });
    expect(depotId).toMatchObject({ possibleValues: ["opsi.example.org"], defaultValues: ["opsi.example.org"], editable: false });
    const [url] = await backend.config_getObjects([], { id: "clientconfig.configserver.url" });
    expect(url?.defaultValues).toEqual(["https://opsi.example.org:4447"]);
    const [timer] = await backend.config_getObjects([], { id: "opsiclientd.config_service.permanent_connection" });
    expect(timer).toMatchObject({ type: "BoolConfig", defaultValues: [true] });
    expect(first.createdConfigs).toContain("clientconfig.depot.drive");

    const second = await ensureServerSetup(backend, options);
    expect(second.createdServerHost).toBe(false);
    expect(second.createdConfigs).toEqual([]);
  });

  it("keeps admin changes, adds new depots and removes obsolete configs", async () => {
    const backend = new MemoryBackend();
    await ensureServerSetup(backend, options);
    await backend.config_updateObject({ type: "UnicodeConfig", id: "clientconfig.depot.drive", defaultValues: ["q:"] });
    await backend.host_createObjects([{ type: "OpsiDepotserver", id: "depot2.example.org" }]);
    await backend.config_createObjects([{ type: "UnicodeConfig", id: "product_sort_algorithm", defaultValues: ["algorithm1"] }]);
    const report = await ensureServerSetup(backend, options);
    expect(report.removedConfigs).toEqual(["product_sort_algorithm"]);
    const [drive] = await backend.config_getObjects([], { id: "clientconfig.depot.drive" });
    expect(drive?.defaultValues).toEqual(["q:"]);
    const [depotId] = await backend.config_getObjects([], { id: "clientconfig.depot.id" });
    expect(depotId?.possibleValues).toEqual(["depot2.example.org", "opsi.example.org"]);
  });

  it("derives a usable server id from a short host name", () => {
    expect(serverIdFromHostname("VM")).toBe("vm.opsi-ts.local");
    expect(serverIdFromHostname("opsi.corp.example.com.")).toBe("opsi.corp.example.com");
  });
});
