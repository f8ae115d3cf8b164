/** @module depot/scripts.test — preinst/postinst preparation, environment, failures and timeout. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PackageScriptError, prepareScriptText, runPackageScript } from "./scripts.js";

const dir = mkdtempSync(join(tmpdir(), "opsi-scripts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("package scripts", () => {
  it("rewrites python tokens and CRLF only in scripts with a shebang", () => {
    expect(prepareScriptText("#!/usr/bin/python3\r\nimport os\r\npython x.py\r\nmypython y\r\n")).toBe(
      "#!/usr/bin/opsi-python\nimport os\nopsi-python x.py\nmypython y\n",
    );
    expect(prepareScriptText("#!/usr/bin/env python\n")).toBe("#!/usr/bin/env opsi-python\n");
    expect(prepareScriptText("python x\r\n")).toBe("python x\r\n");
  });

  it("runs with only the given environment, mode 0700, merged output", async () => {
    const path = join(dir, "postinst");
    writeFileSync(path, '#!/bin/sh\r\necho "id=$PRODUCT_ID leak=[$OPSI_TEST_LEAK]"\r\necho err >&2\r\n');
    process.env.OPSI_TEST_LEAK = "leaked";
    const out = await runPackageScript(path, { env: { PRODUCT_ID: "demo" } });
    delete process.env.OPSI_TEST_LEAK;
    expect(out).toContain("id=demo leak=[]");
    expect(out).toContain("err");
    expect(statSync(path).mode & 0o777).toBe(0o700);
    expect(readFileSync(path, "utf8")).not.toContain("\r");
  });

  it("rejects on a non-zero exit with the output, and kills on timeout", async () => {
    const bad = join(dir, "preinst");
    writeFileSync(bad, "#!/bin/sh\necho failing\nexit 7\n");
    const err = await runPackageScript(bad, { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackageScriptError);
    expect((err as Error).message).toMatch(/preinst exited with code 7; output:\nfailing/);
    const slow = join(dir, "slow");
    writeFileSync(slow, "#!/bin/sh\necho started\n/bin/sleep 30\n");
    const started = Date.now();
    const err2 = await runPackageScript(slow, { env: {}, timeoutMs: 300 }).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/timed out after 300 ms; output:\nstarted/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
