/** @module services/process.test Real child processes behind the process service, driven over a MemoryBroker. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newUuid4 } from "../messages.js";
import { createProcessService, localeEncoding, type ProcessService } from "./process.js";
import { hostService, TestClient, type TestHost, textOf, WORKER_CHANNEL } from "./test-helper.js";

const bytes = (text: string) => new TextEncoder().encode(text);

let service: ProcessService;
let host: TestHost;
let client: TestClient;

beforeEach(async () => {
  service = createProcessService();
  host = await hostService(service);
  client = await new TestClient(host.broker).connect();
});

afterEach(async () => {
  await client.close();
  await host.close();
});

const stdout = (processId: string) =>
  textOf(
    client
      .all("process_data_read")
      .filter((m) => m.process_id === processId)
      .map((m) => m.stdout),
  );
const stderr = (processId: string) =>
  textOf(
    client
      .all("process_data_read")
      .filter((m) => m.process_id === processId)
      .map((m) => m.stderr),
  );

describe("process service", () => {
  it("runs a command with stdin and reports output and exit code", async () => {
    const processId = newUuid4();
    await client.send("process_start_request", {
      channel: host.serviceChannel,
      process_id: processId,
      command: ["sh", "-c", 'read x; echo "got $x"; echo "id=$OPSI_PROCESS_ID" >&2; exit 3'],
    });
    const started = await client.waitFor("process_start_event");
    expect(started).toMatchObject({
      process_id: processId,
      back_channel: `${WORKER_CHANNEL}:process`,
      locale_encoding: expect.any(String),
    });
    expect(started.os_process_id).toBeGreaterThan(0);
    expect(service.processIds()).toEqual([processId]);

    await client.send("process_data_write", { channel: started.back_channel as string, process_id: processId, stdin: bytes("hello\n") });
    const stopped = await client.waitFor("process_stop_event");
    expect(stopped).toMatchObject({ process_id: processId, exit_code: 3 });
    expect(stdout(processId)).toBe("got hello\n");
    expect(stderr(processId)).toBe(`id=${processId}\n`);
    // all output precedes the stop event
    const stopIndex = client.received.indexOf(stopped);
    expect(client.received.slice(stopIndex + 1)).toEqual([]);
    expect(service.processIds()).toEqual([]);
  });

  it("joins the command with spaces when shell is set and passes env", async () => {
    const processId = newUuid4();
    await client.send("process_start_request", {
      channel: host.serviceChannel,
      process_id: processId,
      command: ["echo", "$GREETING", "world"],
      shell: true,
      env: { GREETING: "hello" },
    });
    expect((await client.waitFor("process_stop_event")).exit_code).toBe(0);
    expect(stdout(processId)).toBe("hello world\n");
  });

  it("splits output into chunks of at most 8 KiB", async () => {
    const processId = newUuid4();
    await client.send("process_start_request", {
      channel: host.serviceChannel,
      process_id: processId,
      command: ["head", "-c", "100000", "/dev/zero"],
    });
    await client.waitFor("process_stop_event");
    const reads = client.all("process_data_read");
    expect(reads.reduce((n, m) => n + m.stdout.byteLength, 0)).toBe(100_000);
    for (const m of reads) expect(m.stdout.byteLength).toBeLessThanOrEqual(8 * 1024);
  });

  it("stops a running process on request", async () => {
    const processId = newUuid4();
    await client.send("process_start_request", { channel: host.serviceChannel, process_id: processId, command: ["sleep", "100"] });
    const started = await client.waitFor("process_start_event");
    const begin = Date.now();
    await client.send("process_stop_request", { channel: started.back_channel as string, process_id: processId });
    const stopped = await client.waitFor("process_stop_event");
    expect(stopped.exit_code).toBe(-15); // SIGTERM, as Python's returncode reports it
    expect(Date.now() - begin).toBeGreaterThanOrEqual(900);
    expect(Date.now() - begin).toBeLessThan(5000);
  });

  it("kills a process that ignores SIGTERM", async () => {
    await host.close();
    service = createProcessService({ stopGraceMs: 100 });
    host = await hostService(service);
    client = await new TestClient(host.broker).connect();
    const processId = newUuid4();
    await client.send("process_start_request", {
      channel: host.serviceChannel,
      process_id: processId,
      command: ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"],
    });
    const started = await client.waitFor("process_start_event");
    await client.until(() => stdout(processId).includes("ready"), "ready");
    await client.send("process_stop_request", { channel: started.back_channel as string, process_id: processId });
    expect((await client.waitFor("process_stop_event")).exit_code).toBe(-9);
  });

  it("answers process_error for unknown commands, unknown processes and when disabled", async () => {
    const processId = newUuid4();
    await client.send("process_start_request", { channel: host.serviceChannel, process_id: processId, command: ["/nonexistent/cmd"] });
    const error = await client.waitFor("process_error");
    expect(error.process_id).toBe(processId);
    expect(error.error.message).toMatch(/Failed to start process \["\/nonexistent\/cmd"\]: spawn \/nonexistent\/cmd ENOENT/);

    const other = newUuid4();
    await client.send("process_data_write", { channel: `${WORKER_CHANNEL}:process`, process_id: other, stdin: bytes("x") });
    expect((await client.waitFor("process_error", (m) => m.process_id === other)).error.message).toBe(
      `Process '${other}' not found on this worker`,
    );

    const empty = newUuid4();
    await client.send("process_start_request", { channel: host.serviceChannel, process_id: empty, command: [] });
    expect((await client.waitFor("process_error", (m) => m.process_id === empty)).error.message).toBe(
      "Invalid process start request: 'command' is empty",
    );

    const disabled = await hostService(createProcessService({ enabled: false }));
    const c2 = await new TestClient(disabled.broker).connect();
    try {
      await c2.send("process_start_request", { channel: disabled.serviceChannel, command: ["true"] });
      expect((await c2.waitFor("process_error")).error.message).toBe("Process execution is disabled on this server");
    } finally {
      await c2.close();
      await disabled.close();
    }
  });

  it("kills running processes on stop", async () => {
    await client.send("process_start_request", { channel: host.serviceChannel, command: ["sleep", "100"] });
    const started = await client.waitFor("process_start_event");
    await service.stop?.();
    expect(service.processIds()).toEqual([]);
    expect(() => process.kill(started.os_process_id, 0)).toThrow();
  });

  it("derives the locale encoding like Python", () => {
    expect(localeEncoding({ LANG: "de_DE.UTF-8" })).toBe("UTF-8");
    expect(localeEncoding({ LC_ALL: "en_US.utf8", LANG: "C" })).toBe("UTF-8");
    expect(localeEncoding({ LANG: "de_DE.ISO-8859-15@euro" })).toBe("ISO-8859-15");
    expect(localeEncoding({})).toBe("UTF-8");
  });
});
