/** @module commands/repo — `opsi repo meta`: write a package repository's `packages.json` locally (no service). */
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BackendMissingDataError } from "@opsi-ts/core";
import { type RepositoryMetadata, writeRepositoryMetadata } from "@opsi-ts/depot";
import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { withSpinner } from "./package.js";

/** Options of `opsi repo meta`. */
interface MetaOptions {
  readonly name?: string;
  readonly sideFiles?: boolean;
  readonly json?: boolean;
}

/**
 * A human-readable summary of written repository metadata: the file, the counts and one line per product
 * with its versions (sorted).
 * @example io.stdout.write(repositoryMetadataText("/srv/repo/packages.json", meta))
 */
export function repositoryMetadataText(path: string, metadata: RepositoryMetadata): string {
  const products = Object.keys(metadata.packages).sort();
  const versions = products.map((id) => Object.keys(metadata.packages[id] ?? {}).sort());
  const count = versions.reduce((sum, v) => sum + v.length, 0);
  const lines = [
    `Wrote ${path} (repository '${metadata.repository.name}'): ${products.length} ${products.length === 1 ? "product" : "products"}, ${count} ${count === 1 ? "version" : "versions"}`,
  ];
  const width = Math.max(0, ...products.map((id) => id.length));
  products.forEach((id, i) => {
    lines.push(`  ${id.padEnd(width)}  ${(versions[i] ?? []).join(", ")}`);
  });
  return `${lines.join("\n")}\n`;
}

/**
 * Adds the `repo` command group to a program.
 * @example registerRepoCommands(program, io); // opsi repo meta /var/lib/opsi/repository --side-files
 */
export function registerRepoCommands(program: Command, io: CliIo): void {
  const repo = program.command("repo").description("maintain opsi package repositories locally");

  repo
    .command("meta")
    .description("scan <dir> recursively for .opsi files and write <dir>/packages.json (repository metadata, schema 1.1)")
    .argument("<dir>", "the repository directory")
    .option("--name <repo>", "repository name stored in packages.json", "opsi package repository")
    .option("--side-files", "also create missing .md5 and .zsync files next to the packages")
    .option("--json", "print the written packages.json as pretty JSON")
    .action(async (dir: string, options: MetaOptions) => {
      const target = resolve(io.cwd, dir);
      const info = await stat(target).catch(() => null);
      if (!info?.isDirectory()) throw new BackendMissingDataError(`Repository directory '${target}' not found`);
      const metadata = await withSpinner(io.stderr, "Scanning packages ...", () =>
        writeRepositoryMetadata(target, {
          ...(options.name === undefined ? {} : { repoName: options.name }),
          createSideFiles: options.sideFiles === true,
        }),
      );
      if (options.json) io.stdout.write(`${JSON.stringify(metadata, null, 2)}\n`);
      else io.stdout.write(repositoryMetadataText(join(target, "packages.json"), metadata));
    });
}
