/** @module acl/ace Access control entries of opsi's acl.conf and the attribute rules they carry. */

/** ACE types of acl.conf. */
export type AceType = "all" | "self" | "opsi_depotserver" | "opsi_client" | "sys_group" | "sys_user";

/** All ACE types, in the order opsi documents them. */
export const ACE_TYPES: readonly AceType[] = ["all", "self", "opsi_depotserver", "opsi_client", "sys_group", "sys_user"];

/** One access control entry (one id each: `sys_group(a, b)` gives two entries). */
export interface Ace {
  /** The method regex exactly as written in acl.conf (entries with identical strings belong together). */
  readonly pattern: string;
  /** The regex anchored at the start only, like Python's `re.match`. */
  readonly regex: RegExp;
  readonly type: AceType;
  /** User, group or host id; for `self` after filtering: the caller's host id. */
  readonly id: string | null;
  /** Allowed attributes (`attributes(a, b)`); empty = all. */
  readonly allowedAttributes: ReadonlySet<string>;
  /** Denied attributes (`attributes(!a)`). */
  readonly deniedAttributes: ReadonlySet<string>;
  /** 1-based line in the source file. */
  readonly line: number;
}

/**
 * Whether an ACE lets the caller see an attribute (allow-list and deny-list respected).
 * @example aceAllowsAttribute(ace, "opsiHostKey")
 */
export function aceAllowsAttribute(ace: Ace, attribute: string): boolean {
  if (ace.allowedAttributes.size > 0 && !ace.allowedAttributes.has(attribute)) return false;
  return !ace.deniedAttributes.has(attribute);
}

/**
 * True when every ACE is `self`: rows are then restricted to the caller's own objects.
 * @example onlySelf([{ type: "self", ... }]) // true
 */
export function onlySelf(aces: readonly Ace[]): boolean {
  return aces.length > 0 && aces.every((a) => a.type === "self");
}
