/** @module repository/updater/ini — a small INI reader in the manner of Python's `configparser` (as opsi's updater reads its files). */

/** One `[section]` with its keys (lowercased) and raw values, plus the line of each key for messages. */
export interface IniSection {
  readonly name: string;
  readonly values: Map<string, string>;
  readonly lines: Map<string, number>;
}

/** Thrown for a line that is neither a section header, a `key = value` pair, a continuation nor a comment. */
export class IniSyntaxError extends Error {
  override readonly name = "IniSyntaxError";
}

/**
 * Parses INI text: `[section]` headers (names case-sensitive), `key = value` or `key: value` (keys
 * case-insensitive, stored lowercased), full-line comments with `#` or `;`, indented continuation lines
 * appended with a newline. Keys before the first section and duplicate sections/keys are errors, as in
 * `configparser` (strict mode).
 * @example parseIni("[general]\npackageDir = /srv/repo\n")[0]?.values.get("packagedir") // "/srv/repo"
 */
export function parseIni(text: string, fileName = "<text>"): IniSection[] {
  const sections: IniSection[] = [];
  let current: IniSection | undefined;
  let lastKey: string | undefined;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) {
      if (trimmed === "") lastKey = undefined;
      return;
    }
    if (/^\s/.test(raw) && current && lastKey !== undefined) {
      current.values.set(lastKey, `${current.values.get(lastKey) ?? ""}\n${trimmed}`);
      return;
    }
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header) {
      const name = (header[1] ?? "").trim();
      if (sections.some((s) => s.name === name)) throw new IniSyntaxError(`${fileName}:${lineNo}: duplicate section [${name}]`);
      current = { name, values: new Map(), lines: new Map() };
      sections.push(current);
      lastKey = undefined;
      return;
    }
    const sep = /[=:]/.exec(trimmed);
    if (!sep || sep.index === 0) throw new IniSyntaxError(`${fileName}:${lineNo}: expected [section] or key = value, got '${trimmed}'`);
    if (!current) throw new IniSyntaxError(`${fileName}:${lineNo}: key '${trimmed.slice(0, sep.index).trim()}' outside of a section`);
    const key = trimmed.slice(0, sep.index).trim().toLowerCase();
    if (current.values.has(key)) throw new IniSyntaxError(`${fileName}:${lineNo}: duplicate key '${key}' in [${current.name}]`);
    current.values.set(key, trimmed.slice(sep.index + 1).trim());
    current.lines.set(key, lineNo);
    lastKey = key;
  });
  return sections;
}
