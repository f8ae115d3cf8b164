/**
 * @module cli
 * The `opsi` program: commander setup, commands, and one error path (`Error: <class>: <message>`, exit 1).
 */
import { Command, CommanderError } from "commander";
import { registerBusCommands } from "./commands/bus.js";
import { registerPackageCommands } from "./commands/package.js";
import { registerRepoCommands } from "./commands/repo.js";
import { registerRpcCommand } from "./commands/rpc.js";
import { registerUserCommands } from "./commands/user.js";
import { errorHint, formatError } from "./errors.js";
import type { CliIo } from "./io.js";

/** The version `opsi --version` prints. */
export const CLI_VERSION = "0.1.0";

/**
 * Builds the `opsi` program writing to `io` (a new one per run: commander keeps parse state).
 * @example await createProgram(processIo()).parseAsync(["user", "list"], { from: "user" });
 */
export function createProgram(io: CliIo): Command {
  const program = new Command("opsi")
    .description("opsi-ts command line: local administration, opsi packages and calls to an opsi service")
    .version(CLI_VERSION)
    .option("--data-dir <dir>", "data directory of the local server (default $OPSI_TS_DATA_DIR or ./data)")
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .showHelpAfterError("(add --help for additional information)")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`Error: UsageError: ${text.replace(/^error: /, "")}`),
    });
  registerUserCommands(program, io);
  registerRpcCommand(program, io);
  registerPackageCommands(program, io);
  registerRepoCommands(program, io);
  registerBusCommands(program, io);
  return program;
}

/**
 * Runs the CLI in-process with user arguments (no `node` / script path) and returns the exit code:
 * 0 on success and for `--help`, 1 on any error (printed to `io.stderr`).
 * @example process.exitCode = await runCli(process.argv.slice(2), processIo());
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await createProgram(io).parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e: unknown) {
    // Commander has already printed its usage errors and help.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    io.stderr.write(`${formatError(e)}\n`);
    const hint = errorHint(e);
    if (hint) io.stderr.write(`${hint}\n`);
    // Commands may ask for a specific code (`opsi package update`: 2 when errors were collected).
    const code = (e as { exitCode?: unknown }).exitCode;
    return typeof code === "number" && Number.isInteger(code) && code > 0 ? code : 1;
  }
}
