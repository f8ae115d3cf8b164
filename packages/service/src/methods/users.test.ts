/** @module methods/users.test The passwd-file credentials store, opsi's Blowfish format and `user_getCredentials` / `user_setCredentials`. */
import { execFileSync } from "node:child_process";
import { createCipheriv } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackendNotImplementedError } from "@opsi-ts/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, IDS, KEYS } from "../rpc/test-harness.js";
import { type BlowfishCipher, FileCredentialsStore, nodeBlowfishCipher } from "./credentials-store.js";

/**
 * Real Blowfish-CBC from a Node.js child with OpenSSL's legacy provider (this test process may
 * not have it): same algorithm and opsi conventions as the in-process cipher.
 */
const childCipher: BlowfishCipher = {
  encrypt(key, plaintext) {
    return run("encrypt", key, plaintext);
  },
  decrypt(key, hex) {
    return run("decrypt", key, hex);
  },
};

function run(mode: "encrypt" | "decrypt", key: string, data: string): string {
  const script = `
    const c = require("node:crypto");
    const [mode, key, data] = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
    const iv = Buffer.from("OPSI1234");
    if (mode === "encrypt") {
      const raw = Buffer.from(data, "utf8");
      const padded = Buffer.alloc(Math.ceil(raw.length / 8) * 8); raw.copy(padded);
      const e = c.createCipheriv("bf-cbc", Buffer.from(key, "hex"), iv); e.setAutoPadding(false);
      process.stdout.write(Buffer.concat([e.update(padded), e.final()]).toString("hex"));
    } else {
      const d = c.createDecipheriv("bf-cbc", Buffer.from(key, "hex"), iv); d.setAutoPadding(false);
      const out = Buffer.concat([d.update(Buffer.from(data, "hex")), d.final()]);
      let end = out.length; while (end > 0 && out[end - 1] === 0) end--;
      process.stdout.write(out.subarray(0, end).toString("utf8"));
    }`;
  return execFileSync(process.execPath, ["--openssl-legacy-provider", "-e", script], { input: JSON.stringify([mode, key, data]) }).toString(
    "utf8",
  );
}

function inProcessBlowfish(): boolean {
  try {
    createCipheriv("bf-cbc", Buffer.alloc(16), Buffer.alloc(8));
    return true;
  } catch (e: unknown) {
    return !(e instanceof Error);
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opsi-ts-passwd-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("Blowfish in opsi's format", () => {
  it("matches the known answer computed with the openssl CLI (key = host key, IV OPSI1234, NUL padding)", () => {
    expect(childCipher.encrypt("0123456789abcdef0123456789abcdef", "pcpatch")).toBe("300751e5af002fd4");
    expect(childCipher.decrypt("0123456789abcdef0123456789abcdef", "300751e5af002fd4")).toBe("pcpatch");
  });

  it("nodeBlowfishCipher is available exactly when node:crypto has bf-cbc", () => {
    const cipher = nodeBlowfishCipher();
    expect(cipher !== undefined).toBe(inProcessBlowfish());
    if (cipher) expect(cipher.encrypt("0123456789abcdef0123456789abcdef", "pcpatch")).toBe("300751e5af002fd4");
  });
});

describe("FileCredentialsStore", () => {
  it("reads and writes <user>:<hex> lines, replacing existing users", async () => {
    const path = join(dir, "passwd");
    writeFileSync(path, "monitoring:abcdef0011223344\n\ngarbage line\npcpatch:00\n");
    const store = new FileCredentialsStore(path, childCipher);
    expect(await store.readEncrypted("pcpatch")).toBe("00");
    expect(await store.readEncrypted("nobody")).toBeNull();
    await Promise.all([store.writeEncrypted("pcpatch", "1122334455667788"), store.writeEncrypted("other", "99")]);
    expect(readFileSync(path, "utf8")).toBe("monitoring:abcdef0011223344\npcpatch:1122334455667788\nother:99\n");
    await expect(store.writeEncrypted("bad:name", "00")).rejects.toThrow("Invalid username");
  });
});

describe("user_getCredentials / user_setCredentials", () => {
  let h: Harness;
  let path: string;
  beforeEach(async () => {
    path = join(dir, "passwd");
    h = await createHarness({ credentials: new FileCredentialsStore(path, childCipher) });
  });
  afterEach(() => h.cleanup());

  it("stores the password encrypted with the config server's key", async () => {
    await h.call("admin", "user_setCredentials", ["PCPATCH", "s3cret"]);
    const line = readFileSync(path, "utf8").trim();
    expect(line).toBe(`pcpatch:${childCipher.encrypt(KEYS[IDS.configServer] ?? "", "s3cret")}`);
    await expect(h.call("admin", "user_setCredentials", ["pcpatch", 'a"b'])).rejects.toThrow("not allowed in password");
    await expect(h.call("clientA", "user_setCredentials", ["pcpatch", "x"])).rejects.toThrow(
      "No permission for method 'user_setCredentials'",
    );
  });

  it("returns the clear text to admins and re-encrypts for a host id", async () => {
    await h.call("admin", "user_setCredentials", ["pcpatch", "s3cret"]);
    expect(await h.call("admin", "user_getCredentials", [])).toEqual({ password: "s3cret", rsaPrivateKey: "" });
    const forDepot = (await h.call("depot", "user_getCredentials", ["pcpatch", IDS.depot])) as { password: string };
    expect(childCipher.decrypt(KEYS[IDS.depot] ?? "", forDepot.password)).toBe("s3cret");
  });

  it("always encrypts for the calling client with its own key", async () => {
    await h.call("admin", "user_setCredentials", ["pcpatch", "s3cret"]);
    const plain = (await h.call("clientA", "user_getCredentials", ["pcpatch"])) as { password: string };
    expect(plain.password).not.toBe("s3cret");
    expect(childCipher.decrypt(KEYS[IDS.clientA] ?? "", plain.password)).toBe("s3cret");
    const other = (await h.call("clientA", "user_getCredentials", ["pcpatch", IDS.clientB])) as { password: string };
    expect(childCipher.decrypt(KEYS[IDS.clientA] ?? "", other.password)).toBe("s3cret");
    expect(childCipher.decrypt(KEYS[IDS.clientA] ?? "", (await h.call("clientA", "getPcpatchPassword", [IDS.clientA])) as string)).toBe(
      "s3cret",
    );
  });

  it("names unknown users and hosts", async () => {
    await expect(h.call("admin", "user_getCredentials", ["ghost"])).rejects.toThrow(`Username 'ghost' not found in '${path}'`);
    await h.call("admin", "user_setCredentials", ["pcpatch", "x"]);
    await expect(h.call("admin", "user_getCredentials", ["pcpatch", "missing.opsi.test"])).rejects.toThrow(
      "Host 'missing.opsi.test' not found in backend",
    );
  });

  it("answers BackendNotImplementedError without a cipher or without a store", async () => {
    const noCipher = await createHarness({ credentials: new FileCredentialsStore(path, undefined) });
    const noStore = await createHarness();
    try {
      await expect(noCipher.call("admin", "user_getCredentials", [])).rejects.toThrow(BackendNotImplementedError);
      await expect(noCipher.call("admin", "user_setCredentials", ["pcpatch", "x"])).rejects.toThrow("--openssl-legacy-provider");
      await expect(noStore.call("admin", "user_getCredentials", [])).rejects.toThrow("needs a credentials store");
    } finally {
      noCipher.cleanup();
      noStore.cleanup();
    }
  });
});
