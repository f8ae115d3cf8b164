/**
 * @module auth/host-login
 * Which Basic user names mean host authentication (opsiconfd `_authenticate`): empty, the
 * `{hardware_address}` / `{system_uuid}` prefixes, FQDN-like names, MAC addresses, or two dots.
 */

/** `^[^.]+\.[^.]+\.\S+$` */
export const HOST_ID_RE = /^[^.]+\.[^.]+\.\S+$/;
/** `^[a-fA-F0-9]{2}(:[a-fA-F0-9]{2}){5}$` */
export const HARDWARE_ADDRESS_RE = /^[a-fA-F0-9]{2}(:[a-fA-F0-9]{2}){5}$/;
/** Prefix of a MAC-address login. */
export const HARDWARE_ADDRESS_PREFIX = "{hardware_address}";
/** Prefix of a system-UUID login. */
export const SYSTEM_UUID_PREFIX = "{system_uuid}";

/**
 * Whether a (lowercased) login name means host authentication.
 * @example isHostLoginName("client1.dom.tld") // true
 */
export function isHostLoginName(username: string): boolean {
  return (
    username === "" ||
    username.startsWith(HARDWARE_ADDRESS_PREFIX) ||
    username.startsWith(SYSTEM_UUID_PREFIX) ||
    HOST_ID_RE.test(username) ||
    HARDWARE_ADDRESS_RE.test(username) ||
    username.split(".").length - 1 >= 2
  );
}
