import { describe, expect, it } from "vitest";
import { CLI_VERSION, runCli } from "./cli.js";
import { memoryIo } from "./memory-io.js";

async function opsi(args: string[]) {
  const mem = memoryIo();
  const code = await runCli(args, mem.io);
  return { code, stdout: mem.stdout(), stderr: mem.stderr() };
}

describe("runCli", () => {
  it("prints help for the program and every command with exit code 0", async () => {
    const top = await opsi(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: opsi \[options\] \[command\]/);
    expect(top.stdout).toContain("user ");
    expect(top.stdout).toContain("rpc [options] <method> [params-json]");
    for (const command of [
      ["user"],
      ["user", "add"],
      ["user", "passwd"],
      ["user", "delete"],
      ["user", "list"],
      ["rpc"],
      ["package"],
      ["package", "make"],
      ["package", "info"],
      ["package", "extract"],
    ]) {
      const r = await opsi([...command, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: opsi ${command.join(" ")}`);
      expect(r.stdout).toContain("--data-dir <dir>");
    }
    expect((await opsi(["help", "rpc"])).stdout).toContain("--insecure");
  });

  it("prints the version", async () => {
    expect(await opsi(["--version"])).toEqual({ code: 0, stdout: `${CLI_VERSION}\n`, stderr: "" });
  });

  it("reports usage errors as 'Error: UsageError: …' with exit code 1", async () => {
    const unknown = await opsi(["frobnicate"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^Error: UsageError: unknown command 'frobnicate'\n/);
    const missing = await opsi(["user", "delete"]);
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toMatch(/^Error: UsageError: missing required argument 'name'\n\(add --help/);
    expect((await opsi(["user", "list", "--yaml"])).stderr).toMatch(/^Error: UsageError: unknown option '--yaml'/);
    expect((await opsi(["rpc", "m", "--json", "--msgpack"])).stderr).toMatch(
      /^Error: UsageError: option '--json' cannot be used with option '--msgpack'\n/,
    );
  });

  it("shows help on stderr and fails when no command is given", async () => {
    const r = await opsi([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Usage: opsi");
  });
});
