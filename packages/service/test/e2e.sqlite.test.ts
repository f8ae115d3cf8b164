/** @module test/e2e.sqlite.test The end-to-end suite against a config server on a SQLite file. */
import { join } from "node:path";
import { openSqliteBackend } from "@opsi-ts/backend-sqlite";
import { describeEndToEnd } from "./e2e-harness.js";

describeEndToEnd("SQLite", async (dataDir) => ({ backend: await openSqliteBackend({ path: join(dataDir, "opsi.sqlite") }) }));
