import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBackend } from "@opsi-ts/core";
import { type ConfigServer, createConfigServer } from "@opsi-ts/service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { type MemoryIoOptions, memoryIo } from "../memory-io.js";
import { parseRpcParams } from "./rpc.js";

let dataDir: string;
let emptyDir: string;
let server: ConfigServer;
let url: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "opsi-cli-rpc-"));
  emptyDir = mkdtempSync(join(tmpdir(), "opsi-cli-rpc-empty-"));
  server = await createConfigServer(new MemoryBackend(), { dataDir, serverId: "opsi.test.example", port: 0, keyBits: 2048 });
  await server.start();
  await server.users.add("admin1", "secret", ["opsiadmin"]);
  url = `https://localhost:${new URL(server.url()).port}`;
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(emptyDir, { recursive: true, force: true });
});

async function opsi(args: string[], options: MemoryIoOptions = {}) {
  const mem = memoryIo({ env: { OPSI_TS_DATA_DIR: dataDir }, ...options });
  const code = await runCli(["rpc", ...args], mem.io);
  return { code, stdout: mem.stdout(), stderr: mem.stderr() };
}

const login = () => ["--url", url, "--username", "admin1", "--password", "secret"];

describe("opsi rpc", () => {
  it("calls host_getObjects over msgpack+lz4 and prints the result as pretty JSON, trusting <data-dir>/tls's CA", async () => {
    const r = await opsi(["host_getObjects", '[[], {"type": "OpsiConfigserver"}]', ...login()]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[\n {2}\{\n {4}"/);
    const hosts = JSON.parse(r.stdout) as { id: string; type: string; ident: string }[];
    expect(hosts).toHaveLength(1);
    expect(hosts[0]).toMatchObject({ id: "opsi.test.example", type: "OpsiConfigserver", ident: "opsi.test.example" });
  });

  it("gives the same result over JSON, with named params and with the connection from the environment", async () => {
    const env = { OPSI_TS_DATA_DIR: dataDir, OPSI_TS_URL: url, OPSI_TS_USERNAME: "admin1", OPSI_TS_PASSWORD: "secret" };
    const msgpack = await opsi(["host_getObjects", '{"attributes": ["id"], "type": "OpsiConfigserver"}', "--msgpack"], { env });
    const json = await opsi(["host_getObjects", '{"attributes": ["id"], "type": "OpsiConfigserver"}', "--json"], { env });
    expect(json.code).toBe(0);
    expect(json.stdout).toBe(msgpack.stdout);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id: "opsi.test.example", description: null })]);
    expect(await opsi(["accessControl_authenticated"], { env })).toMatchObject({ code: 0, stdout: "true\n" });
  });

  it("rejects params that are not a JSON list or object before connecting", async () => {
    const number = await opsi(["host_getObjects", "42", "--url", "https://localhost:1", "-u", "a", "-p", "b"]);
    expect(number).toMatchObject({ code: 1, stdout: "" });
    expect(number.stderr).toBe("Error: UsageError: params-json must be a JSON list or object, got number: 42\n");
    const broken = await opsi(["host_getObjects", "[[], {", ...login()]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^Error: UsageError: params-json is not valid JSON \(.+\); expected a JSON list or object\n$/);
    expect((await opsi(["host_getObjects", '"x"', ...login()])).stderr).toContain("got string");
    expect((await opsi(["host_getObjects", "null", ...login()])).stderr).toContain("got null");
  });

  it("prints RPC errors with the server's error class", async () => {
    const bad = await opsi(["host_createOpsiClient", '["not a host id"]', ...login()]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^Error: BackendBadValueError: .*'not a host id'/);
    const unknown = await opsi(["no_such_method", ...login(), "--json"]);
    expect(unknown).toMatchObject({ code: 1, stderr: "Error: ValueError: Invalid method 'no_such_method'\n" });
  });

  it("exits with 1 and an authentication error on a wrong password", async () => {
    const r = await opsi(["accessControl_authenticated", "--url", url, "--username", "admin1", "--password", "wrong"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Error: OpsiAuthenticationError: /);
  });

  it("needs the CA (from --ca or the data directory) or --insecure for TLS", async () => {
    const env = { OPSI_TS_DATA_DIR: emptyDir };
    const untrusted = await opsi(["accessControl_authenticated", ...login()], { env });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/^Error: OpsiConnectionError: HEAD https:\/\/localhost:\d+\/rpc failed: .*certificate/);
    expect(untrusted.stderr).toContain("Hint: the server certificate is not trusted");
    const ca = join(dataDir, "tls", "opsi-ca-cert.pem");
    expect(await opsi(["accessControl_authenticated", ...login(), "--ca", ca], { env })).toMatchObject({ code: 0, stdout: "true\n" });
    expect(await opsi(["accessControl_authenticated", ...login(), "--insecure"], { env })).toMatchObject({ code: 0, stdout: "true\n" });
    const missing = await opsi(["accessControl_authenticated", ...login(), "--ca", join(emptyDir, "nope.pem")], { env });
    expect(missing.stderr).toMatch(/^Error: UsageError: Cannot read CA file '.*nope\.pem'/);
  });

  it("asks for missing credentials: a user name is required, the password is prompted for on a terminal only", async () => {
    const noUser = await opsi(["accessControl_authenticated", "--url", url]);
    expect(noUser).toMatchObject({ code: 1, stderr: "Error: UsageError: No user name given: use --username <name> or OPSI_TS_USERNAME\n" });
    const noPassword = await opsi(["accessControl_authenticated", "--url", url, "-u", "admin1"]);
    expect(noPassword.stderr).toBe(
      "Error: UsageError: No password given: use --password <password> or OPSI_TS_PASSWORD, or run on a terminal\n",
    );
    const prompted = await opsi(["accessControl_authenticated", "--url", url, "-u", "admin1"], { tty: true, stdin: "secret\r" });
    expect(prompted).toMatchObject({ code: 0, stdout: "true\n", stderr: `Password for admin1 at ${url}: \n` });
  });
});

describe("parseRpcParams", () => {
  it("accepts lists and objects, defaults to no params", () => {
    expect(parseRpcParams(undefined)).toEqual([]);
    expect(parseRpcParams(' [[], {"id": "x"}] ')).toEqual([[], { id: "x" }]);
    expect(parseRpcParams('{"id": "x"}')).toEqual({ id: "x" });
    expect(() => parseRpcParams("true")).toThrow("params-json must be a JSON list or object, got boolean: true");
  });
});
