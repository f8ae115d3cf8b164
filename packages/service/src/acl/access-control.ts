/** @module acl/access-control ACE lookup per RPC method and filtering by the calling identity (spec §4.7). */
import { readFile } from "node:fs/promises";
import { OpsiServicePermissionError } from "@opsi-ts/core";
import type { Identity } from "../identity.js";
import type { Ace } from "./ace.js";
import { type AclParseOptions, parseAclConf } from "./acl-file.js";

/**
 * The ACL name a method is checked against: `<prefix>_getIdents` and `<prefix>_getHashes` use the
 * `<prefix>_getObjects` rule, `hostControlSafe_*` the `hostControl_*` rule.
 * @example aclMethodName("host_getIdents") // "host_getObjects"
 */
export function aclMethodName(method: string): string {
  const crud = /^(.+)_(getIdents|getHashes)$/.exec(method);
  if (crud) return `${crud[1]}_getObjects`;
  if (method.startsWith("hostControlSafe_")) return `hostControl_${method.slice("hostControlSafe_".length)}`;
  return method;
}

/**
 * Whether an ACE applies to a caller: `all` to everyone; users by `sys_user` (name) and `sys_group`
 * (group membership); clients by `opsi_client` and `self`; depots by `opsi_depotserver` and `self`.
 */
function applies(ace: Ace, identity: Identity): boolean {
  if (ace.type === "all") return true;
  if (identity.kind === "user") {
    if (ace.type === "sys_user") return ace.id === null || ace.id === identity.name;
    if (ace.type === "sys_group") return ace.id === null || identity.groups.includes(ace.id);
    return false;
  }
  const hostId = (identity.hostId ?? identity.name).toLowerCase();
  if (ace.type === "self") return true;
  if (identity.kind === "client" && ace.type === "opsi_client") return ace.id === null || ace.id === hostId;
  if (identity.kind === "depot" && ace.type === "opsi_depotserver") return ace.id === null || ace.id === hostId;
  return false;
}

/**
 * A parsed acl.conf. For each method the ACEs of the first matching regex (Python `re.match`:
 * anchored at the start only) apply, plus later entries with the IDENTICAL regex string; scanning
 * stops at the first later entry that also matches but is written differently.
 * @example
 * const acl = AccessControl.fromText("backend_.* : all\n.* : sys_group({admingroup})");
 * acl.aces("backend_info", identity);
 */
export class AccessControl {
  private readonly cache = new Map<string, readonly Ace[]>();

  constructor(readonly entries: readonly Ace[]) {}

  /** Parses acl.conf text. */
  static fromText(text: string, options: AclParseOptions = {}): AccessControl {
    return new AccessControl(parseAclConf(text, options));
  }

  /**
   * Reads and parses an acl.conf file.
   * @example await AccessControl.fromFile("/etc/opsi/backendManager/acl.conf", { adminGroup: "opsiadmin" })
   */
  static async fromFile(path: string, options: AclParseOptions = {}): Promise<AccessControl> {
    const text = await readFile(path, "utf8");
    return AccessControl.fromText(text, { source: path, ...options });
  }

  /** All ACEs for a method (before filtering by caller); empty when no rule matches. */
  methodAces(method: string): readonly Ace[] {
    const cached = this.cache.get(method);
    if (cached) return cached;
    const result: Ace[] = [];
    let pattern: string | null = null;
    for (const ace of this.entries) {
      if (!ace.regex.test(method)) continue;
      if (pattern === null) pattern = ace.pattern;
      else if (pattern !== ace.pattern) break;
      result.push(ace);
    }
    this.cache.set(method, result);
    return result;
  }

  /** The ACEs that apply to the caller; `self` ACEs carry the caller's host id. May be empty. */
  matchingAces(method: string, identity: Identity): Ace[] {
    const hostId = (identity.hostId ?? identity.name).toLowerCase();
    const result: Ace[] = [];
    for (const ace of this.methodAces(method)) {
      if (!applies(ace, identity)) continue;
      result.push(ace.type === "self" ? { ...ace, id: hostId } : ace);
    }
    return result;
  }

  /**
   * The ACEs that apply to the caller, or `OpsiServicePermissionError("No permission for method '<m>'")`.
   * @example acl.require("host_deleteObjects", clientIdentity) // throws for a client with the default acl.conf
   */
  require(method: string, identity: Identity): Ace[] {
    const aces = this.matchingAces(method, identity);
    if (aces.length === 0) throw new OpsiServicePermissionError(`No permission for method '${method}'`);
    return aces;
  }

  /** Whether the caller may call the method at all. */
  allows(method: string, identity: Identity): boolean {
    return this.matchingAces(method, identity).length > 0;
  }
}
