/** @module @opsi-ts/depot — opsi packages (.opsi format), depots and the WebDAV shares. */

export {
  type InstallPackageOptions,
  type InstallPackageResult,
  installPackage,
  PackageScriptError,
  type RecoveryReport,
  recoverInterruptedInstalls,
  type UninstallPackageOptions,
  uninstallPackage,
} from "./depot/install.js";
export * from "./librsync/index.js";
export * from "./package/archive.js";
export * from "./package/build.js";
export * from "./package/bytes.js";
export * from "./package/control.js";
export * from "./package/cpio.js";
export * from "./package/entry.js";
export * from "./package/version.js";
export * from "./repository/metadata.js";
export * from "./repository/updater/index.js";
export * from "./side-files/content-file.js";
export * from "./side-files/md4.js";
export * from "./side-files/md5.js";
export * from "./side-files/zsync.js";
export { createWebdavHandler, type WebdavHandler, type WebdavOptions } from "./webdav/handler.js";
