/** @module @opsi-ts/boot — netboot support; so far Wake-on-LAN. */
export * from "./wake-on-lan.js";
