/**
 * @module sql-format
 * Binds positional `?` parameters into MySQL statement text with proper literal escaping.
 */
import { BackendBadValueError } from "@opsi-ts/core";

/** Characters MySQL needs escaped inside a single-quoted literal (backslash escapes are on: we clear NO_BACKSLASH_ESCAPES). */
const STRING_ESCAPES: Readonly<Record<string, string>> = {
  "\0": "\\0",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
  "\x1a": "\\Z",
  '"': '\\"',
  "'": "\\'",
  "\\": "\\\\",
};

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/**
 * One value as a MySQL literal. Accepts null/undefined, strings, finite numbers, bigints, booleans,
 * Dates (local time) and byte arrays; anything else is a programming error.
 * @example escapeLiteral("O'Neil") // "'O\\'Neil'"
 */
export function escapeLiteral(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  switch (typeof value) {
    case "string":
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are exactly what must be escaped
      return `'${value.replace(/[\0\b\t\n\r\x1a"'\\]/g, (c) => STRING_ESCAPES[c] ?? c)}'`;
    case "number":
      if (!Number.isFinite(value)) throw new BackendBadValueError(`Cannot store non-finite number ${value}`);
      return String(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "1" : "0";
    default:
      break;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new BackendBadValueError("Cannot store an invalid date");
    const d = value;
    return `'${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}'`;
  }
  if (value instanceof Uint8Array) return `X'${Buffer.from(value).toString("hex")}'`;
  throw new TypeError(`Unsupported SQL parameter of type ${Object.prototype.toString.call(value)}`);
}

/**
 * Replaces each `?` outside string literals, quoted identifiers and comments by the escaped parameter.
 * The number of placeholders must equal the number of parameters.
 * @example formatSql("SELECT * FROM `HOST` WHERE `hostId` = ?", ["a.b.c"]) // "SELECT * FROM `HOST` WHERE `hostId` = 'a.b.c'"
 */
export function formatSql(sql: string, params: readonly unknown[] | undefined): string {
  const values = params ?? [];
  const out: string[] = [];
  let last = 0;
  let used = 0;
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const ch = sql.charCodeAt(i);
    // ' " `
    if (ch === 39 || ch === 34 || ch === 96) {
      i = skipQuoted(sql, i, ch);
      continue;
    }
    // -- comment (MySQL requires whitespace after --), # comment
    if ((ch === 45 && sql.charCodeAt(i + 1) === 45 && /\s/.test(sql[i + 2] ?? "\n")) || ch === 35) {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    // /* comment */
    if (ch === 47 && sql.charCodeAt(i + 1) === 42) {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (ch === 63) {
      if (used >= values.length) throw new Error(`SQL has more '?' placeholders than the ${values.length} parameters given`);
      out.push(sql.slice(last, i), escapeLiteral(values[used]));
      used++;
      last = i + 1;
    }
    i++;
  }
  if (used !== values.length) throw new Error(`SQL has ${used} '?' placeholders but ${values.length} parameters were given`);
  if (used === 0) return sql;
  out.push(sql.slice(last));
  return out.join("");
}

/** Index after the literal/identifier that starts at `start` with quote char code `quote`. */
function skipQuoted(sql: string, start: number, quote: number): number {
  let i = start + 1;
  const n = sql.length;
  while (i < n) {
    const ch = sql.charCodeAt(i);
    if (ch === 92 && quote !== 96) {
      i += 2;
      continue;
    }
    if (ch === quote) {
      if (sql.charCodeAt(i + 1) === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return n;
}
