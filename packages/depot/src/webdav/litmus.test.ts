/** @module webdav/litmus.test: runs Debian's litmus WebDAV compliance suite against the handler. */

import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebdavHandler } from "./handler.js";

interface LitmusResult {
  code: number;
  output: string;
}

function runLitmus(url: string, tests: string): Promise<LitmusResult> {
  return new Promise((resolve) => {
    execFile("/usr/bin/litmus", [url], { env: { ...process.env, TESTS: tests }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err && typeof err.code === "number" ? err.code : err ? 1 : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** Lines like "<- summary for `basic': of 16 tests run: 16 passed, 0 failed. 100.0%". */
function summaries(output: string): string[] {
  return output.split("\n").filter((l) => l.includes("summary for"));
}

describe("litmus", () => {
  let server: Server;
  let dir: string;
  let url = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "webdav-litmus-"));
    const root = join(dir, "root");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(root);
    const dav = createWebdavHandler({ root, stateDir: join(dir, "state") });
    server = createServer((req, res) => void dav(req, res, (req.url ?? "/").split("?")[0] ?? "/"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  for (const group of ["basic", "copymove", "props", "locks"]) {
    it(`passes every test of the ${group} group`, async () => {
      const { code, output } = await runLitmus(url, group);
      const lines = summaries(output);
      const msg = `litmus ${group}:\n${lines.join("\n")}\n\n${output}`;
      expect(lines.length, msg).toBe(1);
      const m = /of (\d+) tests run: (\d+) passed, (\d+) failed/.exec(lines[0] ?? "");
      expect(m, msg).not.toBeNull();
      expect(Number(m?.[3]), msg).toBe(0);
      expect(Number(m?.[2]), msg).toBe(Number(m?.[1]));
      expect(output, msg).not.toMatch(/\bFAIL\b/);
      expect(output, msg).not.toMatch(/WARNING/);
      expect(code, msg).toBe(0);
    }, 120_000);
  }
});
