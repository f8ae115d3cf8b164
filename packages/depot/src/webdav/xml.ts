/** @module webdav/xml: a small, strict, namespace-aware XML parser and serializer for WebDAV request bodies. */

/** An XML element with its namespace resolved (`ns` is "" for no namespace). */
export interface XmlElement {
  ns: string;
  name: string;
  /** Attributes keyed by `{ns}local` (or `local` without namespace); namespace declarations are not included. */
  attrs: Map<string, string>;
  children: XmlNode[];
}

/** A child node: an element or a text run. */
export type XmlNode = XmlElement | string;

/** Raised for input that is not well-formed or not namespace-well-formed XML. */
export class XmlError extends Error {
  override name = "XmlError";
}

const XML_NS = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NS = "http://www.w3.org/2000/xmlns/";
const MAX_DEPTH = 64;

const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r";
const NAME_START = /^[A-Za-z_\u00C0-\uFFFF]$/u;
const NAME_RE = /^[A-Za-z_\u00C0-\u{10FFFF}][A-Za-z0-9_.\-\u00B7\u00C0-\u{10FFFF}]*$/u;

function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&([^;&\s]*);?/g, (m, ent: string) => {
    if (!m.endsWith(";")) throw new XmlError("unterminated entity reference");
    switch (ent) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "amp":
        return "&";
      case "quot":
        return '"';
      case "apos":
        return "'";
    }
    let code = Number.NaN;
    if (/^#x[0-9A-Fa-f]+$/.test(ent)) code = Number.parseInt(ent.slice(2), 16);
    else if (/^#[0-9]+$/.test(ent)) code = Number.parseInt(ent.slice(1), 10);
    if (!Number.isFinite(code)) throw new XmlError(`unknown entity &${ent};`);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new XmlError("invalid character reference");
    return String.fromCodePoint(code);
  });
}

interface RawAttr {
  qname: string;
  value: string;
}

class Parser {
  private pos = 0;
  constructor(private readonly s: string) {}

  parseDocument(): XmlElement {
    if (this.s.startsWith("\uFEFF")) this.pos = 1;
    if (/[\0]/.test(this.s)) throw new XmlError("NUL character in document");
    this.skipMisc();
    if (this.s.startsWith("<!DOCTYPE", this.pos)) throw new XmlError("DOCTYPE is not allowed");
    if (this.s[this.pos] !== "<") throw new XmlError("document has no root element");
    const root = this.parseElement([new Map([["xml", XML_NS]])], 0);
    this.skipMisc();
    if (this.pos < this.s.length) throw new XmlError("content after the root element");
    return root;
  }

  private skipMisc(): void {
    for (;;) {
      while (isSpace(this.s[this.pos])) this.pos++;
      if (this.s.startsWith("<?", this.pos)) {
        const end = this.s.indexOf("?>", this.pos + 2);
        if (end < 0) throw new XmlError("unterminated processing instruction");
        this.pos = end + 2;
      } else if (this.s.startsWith("<!--", this.pos)) {
        this.skipComment();
      } else return;
    }
  }

  private skipComment(): void {
    const end = this.s.indexOf("-->", this.pos + 4);
    if (end < 0) throw new XmlError("unterminated comment");
    this.pos = end + 3;
  }

  private readName(): string {
    const start = this.pos;
    while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      if (c === undefined || isSpace(c) || c === "/" || c === ">" || c === "=" || c === "<" || c === '"' || c === "'") break;
      this.pos++;
    }
    const name = this.s.slice(start, this.pos);
    if (!name) throw new XmlError(`expected a name at offset ${start}`);
    const parts = name.split(":");
    if (parts.length > 2 || !parts.every((p) => NAME_RE.test(p) && NAME_START.test(p[0] ?? ""))) {
      throw new XmlError(`invalid name "${name}"`);
    }
    return name;
  }

  private parseElement(scopes: Map<string, string>[], depth: number): XmlElement {
    if (depth > MAX_DEPTH) throw new XmlError("elements nested too deeply");
    this.pos++; // "<"
    const qname = this.readName();
    const raw: RawAttr[] = [];
    let selfClosing = false;
    for (;;) {
      const hadSpace = isSpace(this.s[this.pos]);
      while (isSpace(this.s[this.pos])) this.pos++;
      const c = this.s[this.pos];
      if (c === undefined) throw new XmlError("unterminated start tag");
      if (c === ">") {
        this.pos++;
        break;
      }
      if (c === "/") {
        if (this.s[this.pos + 1] !== ">") throw new XmlError("malformed empty-element tag");
        this.pos += 2;
        selfClosing = true;
        break;
      }
      if (!hadSpace) throw new XmlError("attributes must be separated by whitespace");
      const an = this.readName();
      while (isSpace(this.s[this.pos])) this.pos++;
      if (this.s[this.pos] !== "=") throw new XmlError(`attribute "${an}" has no value`);
      this.pos++;
      while (isSpace(this.s[this.pos])) this.pos++;
      const q = this.s[this.pos];
      if (q !== '"' && q !== "'") throw new XmlError("attribute value must be quoted");
      const end = this.s.indexOf(q, this.pos + 1);
      if (end < 0) throw new XmlError("unterminated attribute value");
      const rawValue = this.s.slice(this.pos + 1, end);
      if (rawValue.includes("<")) throw new XmlError("'<' in attribute value");
      this.pos = end + 1;
      if (raw.some((a) => a.qname === an)) throw new XmlError(`duplicate attribute "${an}"`);
      raw.push({ qname: an, value: decodeEntities(rawValue).replace(/[\t\n\r]/g, " ") });
    }
    // namespace declarations
    const scope = new Map<string, string>();
    for (const a of raw) {
      if (a.qname === "xmlns") {
        if (a.value === XML_NS || a.value === XMLNS_NS) throw new XmlError("reserved namespace bound as default");
        scope.set("", a.value);
      } else if (a.qname.startsWith("xmlns:")) {
        const prefix = a.qname.slice(6);
        if (a.value === "") throw new XmlError(`prefix "${prefix}" bound to the empty namespace`);
        if (prefix === "xmlns" || (prefix === "xml") !== (a.value === XML_NS)) throw new XmlError(`illegal binding of "${prefix}"`);
        scope.set(prefix, a.value);
      }
    }
    const scopesHere = scope.size > 0 ? [...scopes, scope] : scopes;
    const lookup = (prefix: string): string | undefined => {
      for (let i = scopesHere.length - 1; i >= 0; i--) {
        const v = scopesHere[i]?.get(prefix);
        if (v !== undefined) return v;
      }
      return undefined;
    };
    const resolve = (q: string, isAttr: boolean): { ns: string; local: string } => {
      const i = q.indexOf(":");
      if (i < 0) return { ns: isAttr ? "" : (lookup("") ?? ""), local: q };
      const prefix = q.slice(0, i);
      const ns = lookup(prefix);
      if (ns === undefined) throw new XmlError(`undeclared namespace prefix "${prefix}"`);
      return { ns, local: q.slice(i + 1) };
    };
    const { ns, local } = resolve(qname, false);
    const attrs = new Map<string, string>();
    for (const a of raw) {
      if (a.qname === "xmlns" || a.qname.startsWith("xmlns:")) continue;
      const r = resolve(a.qname, true);
      const key = r.ns ? `{${r.ns}}${r.local}` : r.local;
      if (attrs.has(key)) throw new XmlError(`duplicate attribute "${key}"`);
      attrs.set(key, a.value);
    }
    const el: XmlElement = { ns, name: local, attrs, children: [] };
    if (selfClosing) return el;
    let text = "";
    const flush = (): void => {
      if (text) el.children.push(text);
      text = "";
    };
    for (;;) {
      const lt = this.s.indexOf("<", this.pos);
      if (lt < 0) throw new XmlError(`unterminated element "${qname}"`);
      const chunk = this.s.slice(this.pos, lt);
      if (chunk.includes("]]>")) throw new XmlError("']]>' in content");
      text += decodeEntities(chunk);
      this.pos = lt;
      if (this.s.startsWith("</", this.pos)) {
        this.pos += 2;
        const close = this.readName();
        while (isSpace(this.s[this.pos])) this.pos++;
        if (this.s[this.pos] !== ">") throw new XmlError("malformed end tag");
        this.pos++;
        if (close !== qname) throw new XmlError(`mismatched end tag: expected </${qname}>, got </${close}>`);
        flush();
        return el;
      }
      if (this.s.startsWith("<!--", this.pos)) {
        this.skipComment();
      } else if (this.s.startsWith("<![CDATA[", this.pos)) {
        const end = this.s.indexOf("]]>", this.pos + 9);
        if (end < 0) throw new XmlError("unterminated CDATA section");
        text += this.s.slice(this.pos + 9, end);
        this.pos = end + 3;
      } else if (this.s.startsWith("<?", this.pos)) {
        const end = this.s.indexOf("?>", this.pos + 2);
        if (end < 0) throw new XmlError("unterminated processing instruction");
        this.pos = end + 2;
      } else if (this.s.startsWith("<!", this.pos)) {
        throw new XmlError("markup declarations are not allowed");
      } else {
        flush();
        el.children.push(this.parseElement(scopesHere, depth + 1));
      }
    }
  }
}

/**
 * Parses an XML document (UTF-8 string) into a namespace-resolved element tree. Throws XmlError on garbage.
 * @example
 * const root = parseXml('<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'); // root.ns === "DAV:"
 */
export function parseXml(text: string): XmlElement {
  return new Parser(text).parseDocument();
}

/**
 * Escapes text for use in XML content or double-quoted attribute values.
 * @example
 * escapeXml('a<b & "c"'); // 'a&lt;b &amp; &quot;c&quot;'
 */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"\r]/g, (c) => (c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "&" ? "&amp;" : c === '"' ? "&quot;" : "&#13;"));
}

/**
 * Child elements of `el` (text nodes skipped), optionally filtered by namespace and local name.
 * @example
 * childElements(root, "DAV:", "prop");
 */
export function childElements(el: XmlElement, ns?: string, name?: string): XmlElement[] {
  return el.children.filter(
    (c): c is XmlElement => typeof c !== "string" && (ns === undefined || c.ns === ns) && (name === undefined || c.name === name),
  );
}

/**
 * Concatenated text content of an element and its descendants.
 * @example
 * textContent(parseXml("<a>x<b>y</b></a>")); // "xy"
 */
export function textContent(el: XmlElement): string {
  return el.children.map((c) => (typeof c === "string" ? c : textContent(c))).join("");
}

/**
 * Serializes an element self-contained: default-namespace declarations where the namespace changes, generated
 * prefixes for namespaced attributes. `parentNs` is the default namespace in effect around it (undefined: unknown).
 * @example
 * serializeXml(parseXml('<x:a xmlns:x="urn:x">t</x:a>')); // '<a xmlns="urn:x">t</a>'
 */
export function serializeXml(el: XmlElement, parentNs?: string): string {
  let out = `<${el.name}`;
  if (el.ns !== parentNs) out += ` xmlns="${escapeXml(el.ns)}"`;
  let n = 0;
  for (const [key, value] of el.attrs) {
    const m = /^\{(.*)\}(.*)$/.exec(key);
    if (!m) {
      out += ` ${key}="${escapeXml(value)}"`;
    } else if (m[1] === XML_NS) {
      out += ` xml:${m[2]}="${escapeXml(value)}"`;
    } else {
      const p = `a${n++}`;
      out += ` xmlns:${p}="${escapeXml(m[1] ?? "")}" ${p}:${m[2]}="${escapeXml(value)}"`;
    }
  }
  if (el.children.length === 0) return `${out}/>`;
  out += ">";
  for (const c of el.children) out += typeof c === "string" ? escapeXml(c) : serializeXml(c, el.ns);
  return `${out}</${el.name}>`;
}
