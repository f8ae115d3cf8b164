/** @module services/terminal.test A real pty behind the terminal service, driven over a MemoryBroker. */
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTerminalService, type TerminalService } from "./terminal.js";
import { type TestClient as Client, hostService, TestClient, type TestHost, textOf, WORKER_CHANNEL } from "./test-helper.js";

const bytes = (text: string) => new TextEncoder().encode(text);

let dir: string;
let service: TerminalService;
let host: TestHost;
let client: Client;

beforeEach(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "opsi-ts-terminal-")));
  service = createTerminalService({ cwd: dir, defaultShell: "sh", env: { PATH: process.env.PATH, HOME: dir, PS1: "$ " } });
  host = await hostService(service);
  client = await new TestClient(host.broker).connect();
});

afterEach(async () => {
  await client.close();
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

function output(terminalId: string): string {
  return textOf(
    client
      .all("terminal_data_read")
      .filter((m) => m.terminal_id === terminalId)
      .map((m) => m.data),
  );
}

async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function waitForOutput(terminalId: string, text: string): Promise<void> {
  await client.until(() => output(terminalId).includes(text), `terminal output containing '${text}'`);
}

describe("terminal service", () => {
  it("opens a pty, echoes input and announces the worker channel", async () => {
    await client.send("terminal_open_request", { channel: host.serviceChannel, terminal_id: "t1", shell: "bash --norc --noprofile" });
    const open = await client.waitFor("terminal_open_event");
    expect(open).toMatchObject({
      terminal_id: "t1",
      rows: 30,
      cols: 120,
      back_channel: `${WORKER_CHANNEL}:terminal`,
      sender: WORKER_CHANNEL,
    });
    expect(service.instanceChannel).toBe(`${WORKER_CHANNEL}:terminal`);

    await client.send("terminal_data_write", { channel: open.back_channel as string, terminal_id: "t1", data: bytes("echo hel''lo\n") });
    await waitForOutput("t1", "hello");
    // opsi's environment rules
    await client.send("terminal_data_write", {
      channel: open.back_channel as string,
      terminal_id: "t1",
      data: bytes('echo "id=$OPSI_TERMINAL_ID term=$TERM"\n'),
    });
    await waitForOutput("t1", "id=t1 term=xterm-256color");
    for (const m of client.all("terminal_data_read")) expect(m.data.byteLength).toBeLessThanOrEqual(16 * 1024);
  });

  it("clamps the size, resizes and closes on request", async () => {
    await client.send("terminal_open_request", { channel: host.serviceChannel, terminal_id: "t2", rows: 500, cols: 0 });
    const open = await client.waitFor("terminal_open_event");
    expect([open.rows, open.cols]).toEqual([100, 1]);
    const channel = open.back_channel as string;

    await client.send("terminal_resize_request", { channel, terminal_id: "t2", rows: 40, cols: 400 });
    expect(await client.waitFor("terminal_resize_event")).toMatchObject({ terminal_id: "t2", rows: 40, cols: 300 });
    await client.send("terminal_data_write", { channel, terminal_id: "t2", data: bytes("stty size\n") });
    await waitForOutput("t2", "40 300");

    await client.send("terminal_close_request", { channel, terminal_id: "t2" });
    await client.waitFor("terminal_close_event", (m) => m.terminal_id === "t2");
    expect(service.terminalIds()).toEqual([]);
    await client.send("terminal_data_write", { channel, terminal_id: "t2", data: bytes("x") });
    const error = await client.waitFor("terminal_error");
    expect(error.error.message).toBe("Terminal 't2' not found on this worker");
  });

  it("reuses a terminal by id and reports its working directory", async () => {
    await client.send("terminal_open_request", { channel: host.serviceChannel, terminal_id: "shared" });
    const first = await client.waitFor("terminal_open_event");
    const channel = first.back_channel as string;
    await client.send("terminal_data_write", { channel, terminal_id: "shared", data: bytes("mkdir sub && cd sub && export MARK=kept\n") });
    await eventually(async () => expect(await service.terminalCwd("shared")).toBe(join(dir, "sub")));

    const second = await new TestClient(host.broker).connect();
    try {
      await second.send("terminal_open_request", { channel: host.serviceChannel, terminal_id: "shared", rows: 20, cols: 80 });
      expect(await second.waitFor("terminal_open_event")).toMatchObject({ terminal_id: "shared", rows: 20, cols: 80 });
      expect(service.terminalIds()).toEqual(["shared"]);
      await second.send("terminal_data_write", { channel, terminal_id: "shared", data: bytes('echo "mark=$MARK"\n') });
      // output now goes to the requester that attached last
      await second.until(
        () => textOf(second.all("terminal_data_read").map((m) => m.data)).includes("mark=kept"),
        "output on the second client",
      );
    } finally {
      await second.close();
    }
  });

  it("sends terminal_close_event when the shell exits", async () => {
    await client.send("terminal_open_request", { channel: host.serviceChannel, terminal_id: "t3" });
    const open = await client.waitFor("terminal_open_event");
    await client.send("terminal_data_write", { channel: open.back_channel as string, terminal_id: "t3", data: bytes("echo bye; exit\n") });
    await client.waitFor("terminal_close_event", (m) => m.terminal_id === "t3");
    expect(output("t3")).toContain("bye");
    // data before close: every data_read precedes the close event
    const closeIndex = client.received.findIndex((m) => m.type === "terminal_close_event");
    expect(client.received.slice(closeIndex + 1).filter((m) => m.type === "terminal_data_read")).toEqual([]);
    expect(service.terminalIds()).toEqual([]);
  });

  it("closes idle terminals", async () => {
    await host.close();
    service = createTerminalService({ cwd: dir, defaultShell: "sh", idleTimeoutMs: 300 });
    host = await hostService(service);
    client = await new TestClient(host.broker).connect();
    await client.send("terminal_open_request", { channel: host.serviceChannel, terminal_id: "idle" });
    await client.waitFor("terminal_open_event");
    await client.waitFor("terminal_close_event", (m) => m.terminal_id === "idle", 5000);
    expect(service.terminalIds()).toEqual([]);
  });

  it("answers terminal_error for an unknown shell and when disabled", async () => {
    await client.send("terminal_open_request", { channel: host.serviceChannel, terminal_id: "bad", shell: "/nonexistent/shell" });
    const error = await client.waitFor("terminal_error", (m) => m.terminal_id === "bad");
    expect(error.error.message).toMatch(/nonexistent/);

    const disabled = createTerminalService({ enabled: false });
    const other = await hostService(disabled);
    const c2 = await new TestClient(other.broker).connect();
    try {
      await c2.send("terminal_open_request", { channel: other.serviceChannel, terminal_id: "x" });
      expect((await c2.waitFor("terminal_error")).error.message).toBe("Terminal access is disabled on this server");
    } finally {
      await c2.close();
      await other.close();
    }
  });

  it("uploads a file into the terminal's working directory over the worker channel", async () => {
    await client.send("terminal_open_request", { channel: host.serviceChannel, terminal_id: "up" });
    const open = await client.waitFor("terminal_open_event");
    const channel = open.back_channel as string;
    const fileId = globalThis.crypto.randomUUID();
    await client.send("file_upload_request", { channel, file_id: fileId, content_type: "text/plain", name: "up.txt", terminal_id: "up" });
    const response = await client.waitFor("file_upload_response");
    expect(response.path).toBe(join(dir, "up.txt"));
    await client.send("file_chunk", { channel, file_id: fileId, number: 1, last: true, data: bytes("content") });
    expect((await client.waitFor("file_upload_result")).path).toBe(join(dir, "up.txt"));
    expect(readFileSync(join(dir, "up.txt"), "utf8")).toBe("content");
  });

  it("kills its ptys on stop", async () => {
    await client.send("terminal_open_request", { channel: host.serviceChannel, terminal_id: "s1" });
    await client.waitFor("terminal_open_event");
    await service.stop?.();
    expect(service.terminalIds()).toEqual([]);
    expect(host.broker.stats().subscriptions).toBe(2); // the test host's service consumer and the client
  });
});
