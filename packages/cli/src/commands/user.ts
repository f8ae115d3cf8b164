/**
 * @module commands/user
 * `opsi user add|passwd|delete|list`: the local users of a data directory (`<data-dir>/users.json`),
 * the same store the config server reads (it picks changes up without a restart).
 */
import { BackendMissingDataError } from "@opsi-ts/core";
import { defaultUserFile, JsonFileUserStore, normalizeUsername, type UserInfo } from "@opsi-ts/service";
import { type Command, Option } from "commander";
import { resolveDataDir } from "../data-dir.js";
import type { CliIo } from "../io.js";
import { newPassword } from "../password-input.js";

/** Options every password-setting command takes. */
interface PasswordOptions {
  readonly password?: string;
  readonly passwordStdin?: boolean;
}

function collectGroups(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(",").filter((g) => g.trim() !== "")];
}

function passwordOptions(command: Command): Command {
  return command
    .addOption(new Option("-p, --password <password>", "the password (visible in the process list; prefer a prompt or stdin)"))
    .addOption(
      new Option("--password-stdin", "read the password from stdin (up to EOF, one trailing newline removed)").conflicts("password"),
    );
}

function storeOf(command: Command, io: CliIo): JsonFileUserStore {
  const { dataDir } = command.optsWithGlobals<{ dataDir?: string }>();
  return new JsonFileUserStore({ path: defaultUserFile(resolveDataDir(dataDir, io.env, io.cwd)) });
}

function groupsText(groups: readonly string[]): string {
  return groups.length > 0 ? groups.join(",") : "-";
}

function userTable(users: readonly UserInfo[]): string {
  const rows = [["NAME", "GROUPS", "CREATED", "MODIFIED"], ...users.map((u) => [u.username, groupsText(u.groups), u.created, u.modified])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell)).join("  ")).join("\n");
}

/**
 * Adds the `user` command group to a program.
 * @example registerUserCommands(program, io); // opsi user add alice --group opsiadmin
 */
export function registerUserCommands(program: Command, io: CliIo): void {
  const user = program
    .command("user")
    .description("manage the local users of the data directory (members of 'opsiadmin' are admins)")
    .addHelpText("after", "\nUsers live in <data-dir>/users.json; a running config server picks changes up without a restart.");

  passwordOptions(
    user
      .command("add")
      .description("add a user; prompts for the password on a terminal unless --password or --password-stdin is given")
      .argument("<name>", "user name (lowercase letters, digits, '-', '_', '.', '@')")
      .option("-g, --group <group>", "add the user to a group (repeatable or comma-separated; 'opsiadmin' for admins)", collectGroups),
  ).action(async (name: string, options: PasswordOptions & { group?: string[] }, command: Command) => {
    const store = storeOf(command, io);
    const password = await newPassword(options, io);
    const info = await store.add(name, password, options.group ?? []);
    io.stdout.write(`Added user '${info.username}' (groups: ${groupsText(info.groups)})\n`);
  });

  passwordOptions(
    user
      .command("passwd")
      .description("set the password of a user; prompts on a terminal unless --password or --password-stdin is given")
      .argument("<name>", "user name"),
  ).action(async (name: string, options: PasswordOptions, command: Command) => {
    const store = storeOf(command, io);
    const username = normalizeUsername(name);
    // Checked first, so nobody types a new password twice for a user that does not exist.
    if (!(await store.get(username))) throw new BackendMissingDataError(`User '${username}' not found`);
    await store.setPassword(username, await newPassword(options, io));
    io.stdout.write(`Changed the password of user '${username}'\n`);
  });

  user
    .command("delete")
    .description("delete a user")
    .argument("<name>", "user name")
    .action(async (name: string, _options: unknown, command: Command) => {
      const username = normalizeUsername(name);
      await storeOf(command, io).delete(username);
      io.stdout.write(`Deleted user '${username}'\n`);
    });

  user
    .command("list")
    .description("list the users with their groups")
    .option("--json", "print a JSON list")
    .action(async (options: { json?: boolean }, command: Command) => {
      const users = await storeOf(command, io).list();
      if (options.json) io.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
      else io.stdout.write(users.length > 0 ? `${userTable(users)}\n` : "No users\n");
    });
}
