/**
 * @module SqliteBackend.conformance.test
 * Runs the shared backend conformance suite against the SQLite backend; every test gets a fresh
 * database file (a copy of a once-created template, so the schema is not rebuilt each time),
 * deleted after the test.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeBackend } from "@opsi-ts/core/testing";
import { afterAll, afterEach, beforeAll } from "vitest";
import { openSqliteBackend } from "./openSqliteBackend.js";

const dir = mkdtempSync(join(tmpdir(), "opsi-sqlite-conformance-"));
const template = join(dir, "template.sqlite");
let n = 0;
let current: string | undefined;

beforeAll(async () => {
  const backend = await openSqliteBackend({ path: template });
  await backend.close();
});

// Runs after the suite's own afterEach has closed the backend.
afterEach(() => {
  if (!current) return;
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${current}${suffix}`, { force: true });
  current = undefined;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeBackend("SqliteBackend", async () => {
  n += 1;
  const path = join(dir, `test-${n}.sqlite`);
  copyFileSync(template, path);
  current = path;
  return openSqliteBackend({ path });
});
