/** @module @opsi-ts/depot — opsi packages (.opsi format), depots and the WebDAV shares. */

export * from "./package/archive.js";
export * from "./package/build.js";
export * from "./package/bytes.js";
export * from "./package/control.js";
export * from "./package/cpio.js";
export * from "./package/entry.js";
export * from "./package/version.js";
export { createWebdavHandler, type WebdavHandler, type WebdavOptions } from "./webdav/handler.js";
