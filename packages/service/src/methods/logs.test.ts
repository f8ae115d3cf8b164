/** @module methods/logs.test `log_write` / `log_read`: files, append, rotation, size limits, ACL and `log_updated`. */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, IDS } from "../rpc/test-harness.js";

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(() => h.cleanup());

const file = (type: string, id: string, suffix = "") => join(h.logDir, type, `${id}.log${suffix}`);

describe("log_write", () => {
  it("writes <logDir>/<type>/<objectId>.log, appends on request and emits log_updated", async () => {
    await h.call("clientA", "log_write", ["instlog", "first\n", IDS.clientA]);
    await h.call("clientA", "log_write", ["instlog", "second\n", IDS.clientA, true]);
    expect(readFileSync(file("instlog", IDS.clientA), "utf8")).toBe("first\nsecond\n");
    expect(statSync(file("instlog", IDS.clientA)).mode & 0o777).toBe(0o644);
    expect(h.emitted).toEqual([
      { name: "log_updated", data: { type: "instlog", object_id: IDS.clientA } },
      { name: "log_updated", data: { type: "instlog", object_id: IDS.clientA } },
    ]);
  });

  it("rotates when not appending, keeping keep-rotated-logs copies", async () => {
    await h.call("admin", "log_write", ["clientconnect", "one\n", IDS.clientA]);
    await h.call("admin", "log_write", ["clientconnect", "two\n", IDS.clientA]);
    await h.call("admin", "log_write", ["clientconnect", "three\n", IDS.clientA]);
    expect(readFileSync(file("clientconnect", IDS.clientA), "utf8")).toBe("three\n");
    expect(readFileSync(file("clientconnect", IDS.clientA, ".1"), "utf8")).toBe("two\n");
    expect(existsSync(file("clientconnect", IDS.clientA, ".2"))).toBe(false);
  });

  it("rotates an appended file that would exceed max-log-size, removing stray copies", async () => {
    const small = await createHarness({
      settings: { logLimits: { maxLogSizeMb: 0.00002, keepRotatedLogs: 2, writeLimitBytes: 10_000_000 } },
    });
    try {
      await small.call("admin", "log_write", ["userlogin", "0123456789\n", IDS.clientA]);
      writeFileSync(join(small.logDir, "userlogin", `${IDS.clientA}.log.old`), "stray");
      await small.call("admin", "log_write", ["userlogin", "abcdefghij\n", IDS.clientA, true]);
      const dir = join(small.logDir, "userlogin");
      expect(readdirSync(dir).sort()).toEqual([`${IDS.clientA}.log`, `${IDS.clientA}.log.1`]);
      expect(readFileSync(join(dir, `${IDS.clientA}.log`), "utf8")).toBe("abcdefghij\n");
      await small.call("admin", "log_write", ["userlogin", "x\n", IDS.clientA, true]);
      expect(readFileSync(join(dir, `${IDS.clientA}.log`), "utf8")).toBe("abcdefghij\nx\n");
    } finally {
      small.cleanup();
    }
  });

  it("cuts one write at the byte limit on the last newline", async () => {
    const small = await createHarness({ settings: { logLimits: { maxLogSizeMb: 5, keepRotatedLogs: 1, writeLimitBytes: 12 } } });
    try {
      await small.call("admin", "log_write", ["instlog", "line1\nline2\nline3\n", IDS.clientA]);
      expect(readFileSync(join(small.logDir, "instlog", `${IDS.clientA}.log`), "utf8")).toBe("line1\nline2\n");
    } finally {
      small.cleanup();
    }
  });

  it("rejects unknown types, a missing objectId and bad ids", async () => {
    await expect(h.call("admin", "log_write", ["syslog", "x", IDS.clientA])).rejects.toThrow("Unknown log type 'syslog'");
    await expect(h.call("admin", "log_write", ["instlog", "x"])).rejects.toThrow("Writing instlog log requires an objectId");
    await expect(h.call("admin", "log_write", ["instlog", "x", "../etc/passwd"])).rejects.toThrow("Bad object id");
  });

  it("lets a client write only its own logs; depots and admins write any", async () => {
    await expect(h.call("clientA", "log_write", ["instlog", "x\n", IDS.clientB])).rejects.toThrow(
      `No permission for log of '${IDS.clientB}'`,
    );
    await h.call("depot", "log_write", ["instlog", "from depot\n", IDS.clientB]);
    await expect(h.call("user", "log_write", ["instlog", "x\n", IDS.clientA])).rejects.toThrow("No permission for method 'log_write'");
    expect(readFileSync(file("instlog", IDS.clientB), "utf8")).toBe("from depot\n");
  });

  it("writeLog appends by default", async () => {
    await h.call("clientA", "writeLog", ["instlog", "a\n", IDS.clientA]);
    await h.call("clientA", "writeLog", ["instlog", "b\n", IDS.clientA]);
    expect(readFileSync(file("instlog", IDS.clientA), "utf8")).toBe("a\nb\n");
  });
});

describe("log_read", () => {
  beforeEach(async () => {
    await h.call("admin", "log_write", ["instlog", "alpha\nbeta\ngamma\n", IDS.clientA]);
  });

  it("returns the content, '' for a missing file and cuts at maxSize on the last newline", async () => {
    expect(await h.call("clientA", "log_read", ["instlog", IDS.clientA])).toBe("alpha\nbeta\ngamma\n");
    expect(await h.call("admin", "log_read", ["instlog", IDS.clientB])).toBe("");
    expect(await h.call("admin", "log_read", ["instlog", IDS.clientA, 13])).toBe("alpha\nbeta\n");
    expect(await h.call("admin", "readLog", ["instlog", IDS.clientA, 3])).toBe("alp");
  });

  it("requires objectId except for the opsiconfd log", async () => {
    await expect(h.call("admin", "log_read", ["instlog"])).rejects.toThrow("Log type 'instlog' requires objectId");
    expect(await h.call("admin", "log_read", ["opsiconfd"])).toBe("");
  });

  it("does not let a client read another client's log", async () => {
    await expect(h.call("clientB", "log_read", ["instlog", IDS.clientA])).rejects.toThrow("No permission for log");
  });
});
