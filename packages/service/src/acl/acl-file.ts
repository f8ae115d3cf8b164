/** @module acl/acl-file Parser of opsi's `/etc/opsi/backendManager/acl.conf` (spec §4.7). */
import { BackendConfigurationError } from "@opsi-ts/core";
import { ACE_TYPES, type Ace, type AceType } from "./ace.js";

/** Options of {@link parseAclConf}. */
export interface AclParseOptions {
  /** Replaces `{admingroup}` in `sys_group(...)` (opsi.conf `[groups] admingroup`, default `opsiadmin`). */
  readonly adminGroup?: string;
  /** Replaces `{fileadmingroup}` (default `opsifileadmins`). */
  readonly fileAdminGroup?: string;
  /** Name of the file for error messages. */
  readonly source?: string;
}

/** Types that require at least one name (`sys_user(…)`, `sys_group(…)`). */
const NEEDS_NAMES: ReadonlySet<AceType> = new Set(["sys_user", "sys_group"]);
/** Types that accept names; `all` and `self` accept only `attributes(...)`. */
const TAKES_NAMES: ReadonlySet<AceType> = new Set(["sys_user", "sys_group", "opsi_client", "opsi_depotserver"]);

function isAceType(value: string): value is AceType {
  return (ACE_TYPES as readonly string[]).includes(value);
}

/**
 * Compiles a Python regex for `re.match` semantics: anchored at the start, not at the end. Python's
 * named-group syntax is translated; anything JavaScript cannot compile is reported by the caller.
 * @example compileMethodRegex("host_get").test("host_getObjects") // true
 */
export function compileMethodRegex(pattern: string): RegExp {
  const js = pattern.replace(/\(\?P</g, "(?<").replace(/\(\?P=(\w+)\)/g, "\\k<$1>");
  return new RegExp(`^(?:${js})`);
}

/** Splits at top-level commas; parentheses nest one level (`attributes(a, b)`). */
function splitParams(params: string, fail: (msg: string) => never): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of params) {
    if (ch === "(") {
      if (depth > 0) fail(`nested parentheses in '${params}'`);
      depth += 1;
    } else if (ch === ")") {
      if (depth === 0) fail(`unbalanced ')' in '${params}'`);
      depth -= 1;
    }
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (depth !== 0) fail(`missing ')' in '${params}'`);
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/**
 * Parses acl.conf text into ACEs in file order. Format per line: `<regex> : <entry>[; <entry>]`;
 * lines whose first non-blank character is `#` are comments; an entry is
 * `type[(name, …, attributes(a, !b))]`. Errors name the line: {@link BackendConfigurationError}.
 * @example parseAclConf("host_get.* : opsi_client(attributes(!opsiHostKey))")
 */
export function parseAclConf(text: string, options: AclParseOptions = {}): Ace[] {
  const adminGroup = options.adminGroup ?? "opsiadmin";
  const fileAdminGroup = options.fileAdminGroup ?? "opsifileadmins";
  const where = (line: number) => `at line ${line}${options.source ? ` in acl file '${options.source}'` : ""}`;
  const aces: Ace[] = [];
  const lines = text.split(/\r?\n/);
  for (const [idx, raw] of lines.entries()) {
    const lineNo = idx + 1;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fail: (msg: string) => never = (msg) => {
      throw new BackendConfigurationError(`${msg} ${where(lineNo)}`);
    };
    const colon = line.indexOf(":");
    const pattern = colon > 0 ? line.slice(0, colon).trim() : "";
    const entriesText = colon > 0 ? line.slice(colon + 1).trim() : "";
    if (pattern === "" || entriesText === "") fail(`Bad formatted line '${line}'`);
    let regex: RegExp;
    try {
      regex = compileMethodRegex(pattern);
    } catch (e: unknown) {
      fail(`Invalid method regex '${pattern}' (${e instanceof Error ? e.message : String(e)})`);
    }
    for (const rawEntry of entriesText.split(";")) {
      const entry = rawEntry.trim();
      if (entry === "") continue;
      let typeName = entry;
      let paramText = "";
      const open = entry.indexOf("(");
      if (open >= 0) {
        if (!entry.endsWith(")")) fail(`Bad formatted acl entry '${entry}': trailing ')' missing`);
        typeName = entry.slice(0, open).trim();
        paramText = entry.slice(open + 1, -1);
      }
      if (!isAceType(typeName)) fail(`Unhandled acl type: '${typeName}'`);
      const type = typeName;
      const names: string[] = [];
      const allowed = new Set<string>();
      const denied = new Set<string>();
      for (const param of splitParams(paramText, fail)) {
        const attrMatch = /^attributes\s*\((.*)\)$/s.exec(param);
        if (attrMatch) {
          for (const attr of (attrMatch[1] ?? "").split(",").map((a) => a.trim())) {
            if (attr === "") continue;
            if (attr.startsWith("!")) {
              const name = attr.slice(1).trim();
              if (name === "") fail(`Empty attribute name in '${param}'`);
              denied.add(name);
            } else {
              allowed.add(attr);
            }
          }
          continue;
        }
        if (param.includes("(") || param.includes(")")) fail(`Unhandled acl type param '${param}' for acl type '${type}'`);
        if (!TAKES_NAMES.has(type)) fail(`Unhandled acl type param '${param}' for acl type '${type}'`);
        // Identities carry lowercased user, group and host names.
        let name = param.toLowerCase();
        if (type === "sys_group")
          name = name.replaceAll("{admingroup}", adminGroup.toLowerCase()).replaceAll("{fileadmingroup}", fileAdminGroup.toLowerCase());
        names.push(name);
      }
      if (NEEDS_NAMES.has(type) && names.length === 0) fail(`Bad formatted acl type '${type}': no params given`);
      const base = { pattern, regex, type, allowedAttributes: allowed, deniedAttributes: denied, line: lineNo };
      if (names.length === 0) aces.push({ ...base, id: null });
      for (const name of names) aces.push({ ...base, id: name });
    }
  }
  return aces;
}
