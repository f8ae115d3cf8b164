#!/usr/bin/env -S node --conditions=source --import tsx
/**
 * @module main
 * The `opsi` executable: runs the CLI on the process's arguments and streams.
 */
import { runCli } from "./cli.js";
import { processIo } from "./io.js";

process.exitCode = await runCli(process.argv.slice(2), processIo());
