/**
 * @module auth/basic
 * HTTP Basic credentials the opsi way: split at the first `:`, except at the last one when the
 * decoded string has exactly 6 colons (a MAC address as user name).
 */
import { HttpError } from "../http/errors.js";

/** Decoded Basic credentials (user name not yet lowercased). */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses an `Authorization` header. Missing → 401 "Authorization header missing"; another scheme →
 * 401 "Authorization method unsupported"; undecodable → 401 "Invalid Authorization header".
 * @example parseBasicAuth("Basic " + btoa("aa:bb:cc:dd:ee:ff:secret")) // { username: "aa:bb:cc:dd:ee:ff", password: "secret" }
 */
export function parseBasicAuth(header: string | undefined): BasicCredentials {
  if (!header) throw new HttpError(401, "Authorization header missing");
  const match = /^basic[ \t]+(.*)$/i.exec(header.trim());
  if (!match) throw new HttpError(401, "Authorization method unsupported");
  const encoded = (match[1] ?? "").trim();
  if (!BASE64_RE.test(encoded) || encoded.length % 4 === 1) throw new HttpError(401, "Invalid Authorization header");
  let decoded: string;
  try {
    decoded = decoder.decode(Buffer.from(encoded, "base64"));
  } catch {
    throw new HttpError(401, "Invalid Authorization header");
  }
  const colons = decoded.split(":").length - 1;
  if (colons === 0) throw new HttpError(401, "Invalid Authorization header");
  const at = colons === 6 ? decoded.lastIndexOf(":") : decoded.indexOf(":");
  return { username: decoded.slice(0, at), password: decoded.slice(at + 1) };
}
