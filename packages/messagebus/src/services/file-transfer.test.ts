/** @module services/file-transfer.test Uploads and downloads through the terminal service's file-transfer handler over a MemoryBroker. */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newUuid4 } from "../messages.js";
import { createFileTransfer, type FileTransferOptions } from "./file-transfer.js";
import { createTerminalService } from "./terminal.js";
import { hostService, TestClient, type TestHost, textOf } from "./test-helper.js";

const bytes = (text: string) => new TextEncoder().encode(text);

let dir: string;
let root: string;
let host: TestHost;
let client: TestClient;

async function setup(options: FileTransferOptions = {}): Promise<void> {
  host = await hostService(createTerminalService({ fileTransfer: createFileTransfer({ roots: [root], ...options }) }));
  client = await new TestClient(host.broker).connect();
}

beforeEach(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "opsi-ts-files-")));
  root = join(dir, "root");
  mkdirSync(root);
  await setup();
});

afterEach(async () => {
  await client.close();
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

async function upload(name: string, chunks: string[]): Promise<string> {
  const fileId = newUuid4();
  await client.send("file_upload_request", {
    channel: host.serviceChannel,
    file_id: fileId,
    content_type: "text/plain",
    name,
    destination_dir: root,
  });
  const response = await client.waitFor("file_upload_response", (m) => m.file_id === fileId);
  for (const [i, text] of chunks.entries()) {
    await client.send("file_chunk", {
      channel: host.serviceChannel,
      file_id: fileId,
      number: i + 1,
      last: i === chunks.length - 1,
      data: bytes(text),
    });
  }
  const result = await client.waitFor("file_upload_result", (m) => m.file_id === fileId);
  expect(result.path).toBe(response.path);
  return result.path as string;
}

describe("file upload", () => {
  it("writes the chunks in order into the destination with mode 0660", async () => {
    const path = await upload("a.txt", ["hello ", "bus ", "world"]);
    expect(path).toBe(join(root, "a.txt"));
    expect(readFileSync(path, "utf8")).toBe("hello bus world");
    expect(statSync(path).mode & 0o777).toBe(0o660);
  });

  it("appends .1, .2 … when the name is taken", async () => {
    writeFileSync(join(root, "b.txt"), "old");
    expect(await upload("b.txt", ["one"])).toBe(join(root, "b.txt.1"));
    expect(await upload("b.txt", ["two"])).toBe(join(root, "b.txt.2"));
    expect(readFileSync(join(root, "b.txt"), "utf8")).toBe("old");
    expect(readFileSync(join(root, "b.txt.2"), "utf8")).toBe("two");
  });

  it("rejects chunks out of order and removes the partial file", async () => {
    const fileId = newUuid4();
    await client.send("file_upload_request", {
      channel: host.serviceChannel,
      file_id: fileId,
      content_type: "text/plain",
      name: "c.txt",
      destination_dir: root,
    });
    const { path } = await client.waitFor("file_upload_response");
    await client.send("file_chunk", { channel: host.serviceChannel, file_id: fileId, number: 1, data: bytes("1") });
    await client.send("file_chunk", { channel: host.serviceChannel, file_id: fileId, number: 3, data: bytes("3") });
    const error = await client.waitFor("file_transfer_error");
    expect(error.file_id).toBe(fileId);
    expect(error.error.message).toBe(`Invalid file chunk: expected chunk number 2, received 3; upload of '${path}' aborted`);
    expect(existsSync(path as string)).toBe(false);
    // numbering starts at 1
    const other = newUuid4();
    await client.send("file_upload_request", {
      channel: host.serviceChannel,
      file_id: other,
      content_type: "text/plain",
      name: "d.txt",
      destination_dir: root,
    });
    await client.waitFor("file_upload_response", (m) => m.file_id === other);
    await client.send("file_chunk", { channel: host.serviceChannel, file_id: other, number: 0, data: bytes("0") });
    expect((await client.waitFor("file_transfer_error", (m) => m.file_id === other)).error.message).toMatch(
      /expected chunk number 1, received 0/,
    );
  });

  it("rejects names escaping the destination, missing fields and paths outside the roots", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: "../evil.txt", destination_dir: root }, /Invalid name '\.\.\/evil\.txt': it escapes the destination directory/],
      [{ name: "/etc/passwd", destination_dir: root }, /escapes the destination directory/],
      [{ destination_dir: root }, /'name' is missing/],
      [{ name: "x", content_type: "", destination_dir: root }, /'content_type' is missing/],
      [{ name: "x" }, /neither 'destination_dir' nor 'terminal_id' given/],
      [{ name: "x", destination_dir: dir }, /Path '.*' is outside the allowed directories/],
      [{ name: "x", destination_dir: join(root, "missing") }, /not found/],
      [{ name: "x", terminal_id: "nope" }, /Terminal 'nope' not found/],
    ];
    for (const [fields, expected] of cases) {
      const fileId = newUuid4();
      await client.send("file_upload_request", { channel: host.serviceChannel, file_id: fileId, content_type: "text/plain", ...fields });
      const error = await client.waitFor("file_transfer_error", (m) => m.file_id === fileId);
      expect(error.error.message, JSON.stringify(fields)).toMatch(expected);
    }
    expect(existsSync(join(dir, "evil.txt"))).toBe(false);
    // a symlink inside the root pointing out of it is refused too
    symlinkSync(dir, join(root, "escape"));
    const fileId = newUuid4();
    await client.send("file_upload_request", {
      channel: host.serviceChannel,
      file_id: fileId,
      content_type: "text/plain",
      name: "x",
      destination_dir: join(root, "escape"),
    });
    const error = await client.waitFor("file_transfer_error", (m) => m.file_id === fileId);
    expect(error.error).toMatchObject({ code: "permission_error" });
  });

  it("times out between chunks", async () => {
    await client.close();
    await host.close();
    await setup({ chunkTimeoutMs: 150 });
    const fileId = newUuid4();
    await client.send("file_upload_request", {
      channel: host.serviceChannel,
      file_id: fileId,
      content_type: "text/plain",
      name: "slow.txt",
      destination_dir: root,
    });
    const { path } = await client.waitFor("file_upload_response");
    await client.send("file_chunk", { channel: host.serviceChannel, file_id: fileId, number: 1, data: bytes("1") });
    const error = await client.waitFor("file_transfer_error", () => true, 3000);
    expect(error.error).toMatchObject({ code: "timeout_reached" });
    expect(error.error.message).toMatch(/timed out: no chunk received for 0 seconds/);
    expect(existsSync(path as string)).toBe(false);
  });
});

describe("file download", () => {
  it("sends information, chunks numbered from 0 and a final empty chunk", async () => {
    const content = "0123456789abcdefghij-tail";
    writeFileSync(join(root, "dl.txt"), content);
    const fileId = newUuid4();
    await client.send("file_download_request", {
      channel: host.serviceChannel,
      file_id: fileId,
      path: join(root, "dl.txt"),
      chunk_size: 10,
    });
    expect(await client.waitFor("file_download_information")).toMatchObject({ file_id: fileId, size: content.length });
    await client.waitFor("file_chunk", (m) => m.last);
    const chunks = client.all("file_chunk");
    expect(chunks.map((c) => c.number)).toEqual([0, 1, 2, 3]);
    expect(chunks.map((c) => c.last)).toEqual([false, false, false, true]);
    expect(chunks.map((c) => c.data.byteLength)).toEqual([10, 10, 5, 0]);
    expect(textOf(chunks.map((c) => c.data))).toBe(content);
  });

  it("follows a growing file until aborted", async () => {
    await client.close();
    await host.close();
    await setup({ followIntervalMs: 20 });
    const path = join(root, "log.txt");
    writeFileSync(path, "line1\n");
    const fileId = newUuid4();
    await client.send("file_download_request", { channel: host.serviceChannel, file_id: fileId, path, follow: true });
    expect((await client.waitFor("file_download_information")).size).toBeNull();
    await client.until(() => textOf(client.all("file_chunk").map((c) => c.data)) === "line1\n", "first line");
    appendFileSync(path, "line2\n");
    await client.until(() => textOf(client.all("file_chunk").map((c) => c.data)) === "line1\nline2\n", "second line");
    await client.send("file_download_abort_request", { channel: host.serviceChannel, file_id: fileId });
    const last = await client.waitFor("file_chunk", (m) => m.last);
    expect(last.data.byteLength).toBe(0);
  });

  it("reports missing files and paths outside the roots", async () => {
    const missing = newUuid4();
    await client.send("file_download_request", { channel: host.serviceChannel, file_id: missing, path: join(root, "nope") });
    expect((await client.waitFor("file_transfer_error", (m) => m.file_id === missing)).error).toMatchObject({
      code: "file_not_found",
      message: `File or directory '${join(root, "nope")}' not found`,
    });
    writeFileSync(join(dir, "secret"), "s");
    const outside = newUuid4();
    await client.send("file_download_request", { channel: host.serviceChannel, file_id: outside, path: join(dir, "secret") });
    expect((await client.waitFor("file_transfer_error", (m) => m.file_id === outside)).error.code).toBe("permission_error");
    const relative = newUuid4();
    await client.send("file_download_request", { channel: host.serviceChannel, file_id: relative, path: "secret" });
    expect((await client.waitFor("file_transfer_error", (m) => m.file_id === relative)).error.message).toBe(
      "Path 'secret' is not absolute and no 'terminal_id' was given",
    );
    expect(client.all("file_chunk")).toEqual([]);
  });
});
