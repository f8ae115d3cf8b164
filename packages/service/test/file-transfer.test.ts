/** @module test/file-transfer.test — `/file-transfer` over HTTPS against a real config server (spec config-service §5.7). */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBackend } from "@opsi-ts/core";
import { type ConfigServer, cleanupFileTransfers, createConfigServer, dispositionFilename } from "@opsi-ts/service";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, type HttpsTarget, httpsRequest } from "./e2e-https.js";

const CLIENT_ID = "pc1.ft.test";
const CLIENT_KEY = "0123456789abcdef0123456789abcdef";
let dataDir: string;
let cs: ConfigServer;
let target: HttpsTarget;
const admin = basicAuth("ftadmin", "Ft-Admin-1");
const storage = () => join(dataDir, "tmp", "file-transfer");

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "opsi-ts-ft-"));
  const backend = new MemoryBackend();
  cs = await createConfigServer(backend, {
    dataDir,
    serverId: "config.ft.test",
    interface: "127.0.0.1",
    port: 0,
    keyBits: 2048,
    logger: pino({ level: "silent" }),
  });
  await cs.start();
  await cs.users.add("ftadmin", "Ft-Admin-1", ["opsiadmin"]);
  await backend.host_createObjects([{ type: "OpsiClient", id: CLIENT_ID, opsiHostKey: CLIENT_KEY }]);
  target = { port: Number(new URL(cs.url()).port), ca: cs.tls.caCertPem };
}, 60_000);

afterAll(async () => {
  await cs?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("/file-transfer", () => {
  it("stores a raw body with its type and name, serves it, and deletes it on ?delete=true", async () => {
    const body = Buffer.from([0, 1, 2, 255, 254]);
    const up = await httpsRequest(target, {
      method: "POST",
      path: "/file-transfer",
      headers: {
        authorization: admin,
        "content-type": "application/x-test",
        "content-disposition": 'attachment; filename="../x/backup.bin"',
      },
      body,
    });
    expect(up.status).toBe(201);
    const { file_id } = up.json() as { file_id: string };
    expect(file_id).toMatch(/^[0-9a-f-]{36}$/);
    const meta = JSON.parse(await readFile(join(storage(), `${file_id}.meta`), "utf8"));
    expect(meta).toMatchObject({ file_id, filename: "backup.bin", content_type: "application/x-test", username: "ftadmin" });
    expect(Date.parse(meta.expires) - Date.parse(meta.created)).toBe(24 * 3600 * 1000);

    const down = await httpsRequest(target, { path: `/file-transfer/${file_id}?delete=true`, headers: { authorization: admin } });
    expect(down.status).toBe(200);
    expect(down.body.equals(body)).toBe(true);
    expect(down.headers["content-type"]).toBe("application/x-test");
    expect(down.headers["content-disposition"]).toContain("backup.bin");
    expect((await httpsRequest(target, { path: `/file-transfer/${file_id}`, headers: { authorization: admin } })).status).toBe(404);
  });

  it("accepts multipart uploads (field 'file') and DELETE", async () => {
    const boundary = "----opsits";
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="log.txt"\r\nContent-Type: text/plain\r\n\r\n`),
      Buffer.from("hello multipart"),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const up = await httpsRequest(target, {
      method: "POST",
      path: "/file-transfer/multipart",
      headers: { authorization: basicAuth(CLIENT_ID, CLIENT_KEY), "content-type": `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(up.status).toBe(201);
    const { file_id } = up.json() as { file_id: string };
    const down = await httpsRequest(target, { path: `/file-transfer/${file_id}`, headers: { authorization: admin } });
    expect(down.text()).toBe("hello multipart");
    expect(down.headers["content-type"]).toMatch(/^text\/plain/);
    expect(
      (await httpsRequest(target, { method: "DELETE", path: `/file-transfer/${file_id}`, headers: { authorization: admin } })).status,
    ).toBe(200);
    expect((await readdir(storage())).filter((n) => n.startsWith(file_id))).toEqual([]);
  });

  it("refuses anonymous callers, bad ids and bad multipart bodies", async () => {
    expect((await httpsRequest(target, { method: "POST", path: "/file-transfer", body: "x" })).status).toBe(401);
    expect((await httpsRequest(target, { path: "/file-transfer/../../etc/passwd", headers: { authorization: admin } })).status).toBe(400);
    expect((await httpsRequest(target, { path: "/file-transfer/not-a-uuid", headers: { authorization: admin } })).status).toBe(400);
    const bad = await httpsRequest(target, {
      method: "POST",
      path: "/file-transfer/multipart",
      headers: { authorization: admin, "content-type": "multipart/form-data; boundary=x" },
      body: "garbage",
    });
    expect(bad.status).toBe(400);
  });

  it("cleans up expired files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "opsi-ts-ft-clean-"));
    const id = "00000000-0000-4000-8000-000000000000";
    await writeFile(join(dir, id), "old");
    await writeFile(join(dir, `${id}.meta`), JSON.stringify({ file_id: id, expires: new Date(1000).toISOString() }));
    expect(await cleanupFileTransfers(dir, 2000)).toBe(1);
    expect(await readdir(dir)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it("reads file names from Content-Disposition (upstream's misspelling fixed)", () => {
    expect(dispositionFilename('attachment; filename="a b.txt"')).toBe("a b.txt");
    expect(dispositionFilename("attachment; filename*=UTF-8''%C3%A4.txt")).toBe("ä.txt");
    expect(dispositionFilename("attachment; filename=../../etc/passwd")).toBe("passwd");
    expect(dispositionFilename("attachment")).toBeNull();
    expect(dispositionFilename(undefined)).toBeNull();
  });
});
