/**
 * @module model/python-literal
 * The Python literal subset opsi's configuration files are written in (`opsihwaudit.conf`,
 * `/etc/opsi/backends/mysql.conf`): top-level `name = literal` assignments and `global` declarations,
 * with str (incl. raw, adjacent and triple-quoted), int, float, bool, None, dict, list and tuple values.
 */
import { BackendConfigurationError } from "../errors.js";

/** A value of the supported Python literal subset. */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** Top-level `name = literal` assignments with Python literals (str, int, float, bool, None, dict, list, tuple). */
class PythonLiteralParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {}

  private fail(message: string): never {
    const line = this.text.slice(0, this.pos).split("\n").length;
    throw new BackendConfigurationError(`${this.source}: syntax error at line ${line}: ${message}`);
  }

  private skipSpace(newlines: boolean): void {
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (ch === "#") {
        while (this.pos < this.text.length && this.text[this.pos] !== "\n") this.pos++;
      } else if (ch === " " || ch === "\t" || ch === "\r" || (newlines && ch === "\n")) {
        this.pos++;
      } else if (ch === "\\" && this.text[this.pos + 1] === "\n") {
        this.pos += 2;
      } else {
        return;
      }
    }
  }

  parseAssignments(): Map<string, PyValue> {
    const out = new Map<string, PyValue>();
    for (;;) {
      this.skipSpace(true);
      if (this.pos >= this.text.length) return out;
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))?.[0];
      if (!name) this.fail(`unexpected ${JSON.stringify(this.text[this.pos])}`);
      this.pos += name.length;
      this.skipSpace(false);
      if (name === "global") {
        // `global NAME[, NAME]` declarations carry no value.
        const names = /^[A-Za-z_][A-Za-z0-9_]*(\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*/.exec(this.text.slice(this.pos))?.[0];
        if (!names) this.fail("expected a name after 'global'");
        this.pos += names.length;
        continue;
      }
      if (this.text[this.pos] !== "=" || this.text[this.pos + 1] === "=") this.fail(`expected '=' after ${name}`);
      this.pos++;
      this.skipSpace(false);
      out.set(name, this.parseValue(0));
      this.skipSpace(false);
      if (this.text[this.pos] === ";") this.pos++;
      this.skipSpace(false);
      if (this.pos < this.text.length && this.text[this.pos] !== "\n") this.fail("expected end of line");
    }
  }

  private parseValue(depth: number): PyValue {
    if (depth > 20) this.fail("nesting too deep");
    this.skipSpace(depth > 0);
    const ch = this.text[this.pos];
    if (ch === "{") return this.parseDict(depth);
    if (ch === "[" || ch === "(") return this.parseList(depth, ch === "[" ? "]" : ")");
    if (ch === undefined) this.fail("unexpected end of file");
    if (/["'rRuUbB]/.test(ch) && this.looksLikeString()) return this.parseStrings(depth);
    const word = /^(True|False|None)\b/.exec(this.text.slice(this.pos))?.[1];
    if (word) {
      this.pos += word.length;
      return word === "True" ? true : word === "False" ? false : null;
    }
    const num = /^[-+]?(\d[\d_]*(\.\d*)?([eE][-+]?\d+)?|\.\d+)/.exec(this.text.slice(this.pos))?.[0];
    if (num) {
      this.pos += num.length;
      return Number(num.replace(/_/g, ""));
    }
    this.fail(`unexpected ${JSON.stringify(ch)}`);
  }

  private looksLikeString(): boolean {
    return /^[rRuUbB]{0,2}["']/.test(this.text.slice(this.pos, this.pos + 3));
  }

  /** One or more adjacent string literals (Python concatenates them). */
  private parseStrings(depth: number): string {
    let out = "";
    do {
      out += this.parseString();
      this.skipSpace(depth > 0);
    } while (this.pos < this.text.length && this.looksLikeString());
    return out;
  }

  private parseString(): string {
    let raw = false;
    while (/[rRuUbB]/.test(this.text[this.pos] ?? "")) {
      if (this.text[this.pos] === "r" || this.text[this.pos] === "R") raw = true;
      this.pos++;
    }
    const quote = this.text[this.pos] ?? "";
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const end = triple ? quote.repeat(3) : quote;
    this.pos += end.length;
    let out = "";
    for (;;) {
      if (this.pos >= this.text.length) this.fail("unterminated string");
      if (this.text.startsWith(end, this.pos)) {
        this.pos += end.length;
        return out;
      }
      const ch = this.text[this.pos] ?? "";
      if (ch === "\n" && !triple) this.fail("unterminated string");
      if (ch === "\\" && !raw) {
        const next = this.text[this.pos + 1] ?? "";
        this.pos += 2;
        const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"', "\n": "" };
        if (next in simple) out += simple[next];
        else if (next === "x" || next === "u" || next === "U") {
          const len = next === "x" ? 2 : next === "u" ? 4 : 8;
          const hex = this.text.slice(this.pos, this.pos + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`bad \\${next} escape`);
          out += String.fromCodePoint(Number.parseInt(hex, 16));
          this.pos += len;
        } else out += `\\${next}`;
        continue;
      }
      if (ch === "\\" && raw) {
        out += ch + (this.text[this.pos + 1] ?? "");
        this.pos += 2;
        continue;
      }
      out += ch;
      this.pos++;
    }
  }

  private parseDict(depth: number): { [key: string]: PyValue } {
    this.pos++;
    const out: { [key: string]: PyValue } = {};
    for (;;) {
      this.skipSpace(true);
      if (this.text[this.pos] === "}") {
        this.pos++;
        return out;
      }
      const key = this.parseValue(depth + 1);
      if (typeof key !== "string") this.fail("dict keys must be strings");
      this.skipSpace(true);
      if (this.text[this.pos] !== ":") this.fail(`expected ':' after key ${JSON.stringify(key)}`);
      this.pos++;
      out[key] = this.parseValue(depth + 1);
      this.skipSpace(true);
      if (this.text[this.pos] === ",") this.pos++;
      else if (this.text[this.pos] !== "}") this.fail("expected ',' or '}' in dict");
    }
  }

  private parseList(depth: number, close: string): PyValue[] {
    this.pos++;
    const out: PyValue[] = [];
    for (;;) {
      this.skipSpace(true);
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.parseValue(depth + 1));
      this.skipSpace(true);
      if (this.text[this.pos] === ",") this.pos++;
      else if (this.text[this.pos] !== close) this.fail(`expected ',' or '${close}'`);
    }
  }
}

/**
 * Parses the top-level assignments of a Python configuration file; errors name `source` and the line.
 * @example parsePythonAssignments('config = {"address": "localhost"}', "mysql.conf").get("config")
 */
export function parsePythonAssignments(text: string, source: string): Map<string, PyValue> {
  return new PythonLiteralParser(text, source).parseAssignments();
}
