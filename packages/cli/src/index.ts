/**
 * @module @opsi-ts/cli
 * The `opsi` command as a library: run it in-process, or reuse its HTTP fetch with custom trust.
 */
export { CLI_VERSION, createProgram, runCli } from "./cli.js";
export { type PackageInfoJson, packageInfoJson, packageInfoText, registerPackageCommands } from "./commands/package.js";
export { type DepotPackageRow, depotPackageRows, depotPackageTable, propertyDefaultValues } from "./commands/package-remote.js";
export { registerRepoCommands, repositoryMetadataText } from "./commands/repo.js";
export { DEFAULT_SERVICE_URL, parseRpcParams, type RpcParams } from "./commands/rpc.js";
export { resolveDataDir } from "./data-dir.js";
export { errorClass, errorHint, formatError, PasswordInputError, UsageError } from "./errors.js";
export { createHttpFetch, type HttpFetch, type HttpFetchOptions } from "./http-fetch.js";
export { type CliInput, type CliIo, type CliOutput, processIo } from "./io.js";
export { type MemoryIo, type MemoryIoOptions, memoryIo } from "./memory-io.js";
export { HiddenInput, newPassword, type PasswordSource, readStdinSecret } from "./password-input.js";
export {
  addConnectionOptions,
  type ConnectionOptions,
  connectService,
  openServiceConnection,
  type ServiceConnection,
  type ServiceEndpoint,
} from "./service-connection.js";
export { uploadFile, uploadProgress } from "./upload.js";
