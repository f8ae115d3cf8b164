/** @module methods/depot-librsync.test depot_librsyncSignature / DeltaFile / PatchFile (and the legacy librsyncSignature) through the dispatcher: wire encoding, round trip, path confinement. */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BackendBadValueError, BackendIOError } from "@opsi-ts/core";
import { signatureOf } from "@opsi-ts/depot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../rpc/test-harness.js";
import { encodeBytesPython } from "./depot.js";

describe("librsync depot methods", () => {
  let h: Harness;
  let repo = "";
  let depot = "";
  let workbench = "";
  const old = randomBytes(50_000);
  const neu = Buffer.concat([old.subarray(0, 20_000), randomBytes(3000), old.subarray(21_000)]);

  beforeEach(async () => {
    h = await createHarness();
    repo = h.environment.repositoryDir;
    depot = h.environment.depotDir;
    workbench = h.environment.workbenchDir;
    for (const d of [repo, depot, workbench, h.environment.publicDir]) mkdirSync(d, { recursive: true });
    writeFileSync(join(repo, "x_1.0-1.opsi"), old);
    writeFileSync(join(workbench, "x_1.0-2.opsi"), neu);
  });
  afterEach(() => h.cleanup());

  it("encodes like Python's base64.encodebytes (76-character lines, trailing newline)", () => {
    expect(encodeBytesPython(Buffer.alloc(0))).toBe("");
    expect(encodeBytesPython(Buffer.from("rs"))).toBe("cnM=\n");
    const lines = encodeBytesPython(Buffer.alloc(100, 1)).split("\n");
    expect(lines.map((l) => l.length)).toEqual([76, 60, 0]);
  });

  it("returns opsi's MD4 signature (2048-byte blocks, 8-byte sums) base64-encoded, relative or absolute path", async () => {
    const sig = (await h.call("admin", "depot_librsyncSignature", ["x_1.0-1.opsi"])) as string;
    expect(Buffer.from(sig, "base64").equals(await signatureOf(old))).toBe(true);
    expect(Buffer.from(sig, "base64").subarray(0, 12).toString("hex")).toBe("727301360000080000000008");
    expect(sig.split("\n").every((line) => line.length <= 76)).toBe(true);
    expect(await h.call("admin", "depot_librsyncSignature", { filename: join(repo, "x_1.0-1.opsi") })).toBe(sig);
    // the deprecated wrapper answers the same
    expect(await h.call("admin", "librsyncSignature", [join(repo, "x_1.0-1.opsi")])).toBe(sig);
  });

  it("delta from the signature, then patch on the depot side rebuilds the new file", async () => {
    const sig = (await h.call("admin", "depot_librsyncSignature", ["x_1.0-1.opsi"])) as string;
    const deltaPath = join(workbench, "x_depot.delta");
    expect(await h.call("admin", "depot_librsyncDeltaFile", [join(workbench, "x_1.0-2.opsi"), sig, deltaPath])).toBeNull();
    expect(readFileSync(deltaPath).length).toBeLessThan(8000);
    expect(await h.call("admin", "depot_librsyncPatchFile", ["x_1.0-1.opsi", deltaPath, "x_1.0-2.opsi"])).toBeNull();
    expect(readFileSync(join(repo, "x_1.0-2.opsi")).equals(neu)).toBe(true);
  });

  it("refuses paths outside the depot, repository and workbench directories", async () => {
    const outside = join(h.logDir, "outside.bin");
    writeFileSync(outside, "secret");
    symlinkSync(outside, join(repo, "link.opsi"));
    for (const [method, params] of [
      ["depot_librsyncSignature", ["/etc/passwd"]],
      ["depot_librsyncSignature", ["../outside.bin"]],
      ["depot_librsyncSignature", ["link.opsi"]],
      ["depot_librsyncSignature", [join(h.environment.publicDir, "x")]],
      ["depot_librsyncDeltaFile", ["x_1.0-1.opsi", "cnM=", "/tmp/evil.delta"]],
      ["depot_librsyncPatchFile", ["x_1.0-1.opsi", "d.delta", "../escaped.opsi"]],
      ["depot_librsyncPatchFile", ["/etc/hostname", "d.delta", "new.opsi"]],
    ] as const) {
      const err = await h.call("admin", method, params).catch((e: unknown) => e);
      expect(err, `${method} ${JSON.stringify(params)}`).toBeInstanceOf(BackendBadValueError);
      expect((err as Error).message).toMatch(/not inside/);
    }
  });

  it("rejects identical paths, bad signatures and broken deltas with clear errors", async () => {
    await expect(h.call("admin", "depot_librsyncPatchFile", ["x_1.0-1.opsi", "d.delta", "x_1.0-1.opsi"])).rejects.toThrow(
      /oldfile and newfile are the same file/,
    );
    await expect(h.call("admin", "depot_librsyncDeltaFile", ["x_1.0-1.opsi", "cnM=", "x_1.0-1.opsi"])).rejects.toThrow(/same file/);
    await expect(h.call("admin", "depot_librsyncDeltaFile", ["x_1.0-1.opsi", "%%%", "d.delta"])).rejects.toBeInstanceOf(
      BackendBadValueError,
    );
    await expect(h.call("admin", "depot_librsyncDeltaFile", ["x_1.0-1.opsi", 42, "d.delta"])).rejects.toBeInstanceOf(BackendBadValueError);
    const notASig = await h.call("admin", "depot_librsyncDeltaFile", ["x_1.0-1.opsi", "cnM=", "d.delta"]).catch((e: unknown) => e);
    expect(notASig).toBeInstanceOf(BackendIOError);
    expect((notASig as Error).message).toMatch(/Failed to create librsync delta file .*signature too short/);
    writeFileSync(join(repo, "bad.delta"), Buffer.from("727302364f001000000000000100", "hex"));
    const bad = await h.call("admin", "depot_librsyncPatchFile", ["x_1.0-1.opsi", "bad.delta", "out.opsi"]).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BackendIOError);
    expect((bad as Error).message).toMatch(/Failed to patch file .*librsync/);
    await expect(h.call("admin", "depot_librsyncSignature", ["missing.opsi"])).rejects.toBeInstanceOf(BackendIOError);
  });

  it("keeps the method ACL: clients may not call them", async () => {
    await expect(h.call("clientA", "depot_librsyncSignature", ["x_1.0-1.opsi"])).rejects.toThrow(/No permission/);
  });
});
