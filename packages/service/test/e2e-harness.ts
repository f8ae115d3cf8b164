/** @module test/e2e-harness `describeEndToEnd(name, makeBackend)`: the whole end-to-end suite against one config server per test file. */
import { afterAll, beforeAll, describe } from "vitest";
import { aclSuite } from "./e2e-acl.js";
import { authSuite } from "./e2e-auth.js";
import { type BackendFactory, E2eServer } from "./e2e-env.js";
import { methodsSuite } from "./e2e-methods.js";
import { transportSuite } from "./e2e-transport.js";

/** Options of {@link describeEndToEnd}. */
export interface EndToEndOptions {
  /** Run the suite (false: skipped, e.g. when the database server is unreachable). Default true. */
  readonly enabled?: boolean;
}

/**
 * Runs the end-to-end suite against a config server on `makeBackend`'s storage.
 * @example describeEndToEnd("SQLite", async (dir) => ({ backend: await openSqliteBackend({ path: join(dir, "opsi.sqlite") }) }));
 */
export function describeEndToEnd(name: string, makeBackend: BackendFactory, options: EndToEndOptions = {}): void {
  describe.runIf(options.enabled ?? true)(`config server end-to-end (${name})`, () => {
    const env = new E2eServer();
    beforeAll(() => env.start(makeBackend), 60_000);
    afterAll(() => env.stop(), 30_000);
    transportSuite(env);
    authSuite(env);
    aclSuite(env);
    methodsSuite(env);
  });
}
