/** @module webdav/xml.test: unit tests of the WebDAV XML parser and serializer. */

import { describe, expect, it } from "vitest";
import { childElements, escapeXml, parseXml, serializeXml, textContent, XmlError } from "./xml.js";

describe("parseXml", () => {
  it("resolves prefixes and default namespaces", () => {
    const root = parseXml('<?xml version="1.0"?>\n<D:propfind xmlns:D="DAV:"><D:prop><x xmlns="urn:a"/><D:getetag/></D:prop></D:propfind>');
    expect(root).toMatchObject({ ns: "DAV:", name: "propfind" });
    const prop = childElements(root, "DAV:", "prop")[0];
    expect(prop && childElements(prop).map((e) => `${e.ns}|${e.name}`)).toEqual(["urn:a|x", "DAV:|getetag"]);
  });

  it("decodes entities, character references and CDATA, skips comments", () => {
    const root = parseXml("<a>&lt;&amp;&#x10000;&#65;<!-- c --><![CDATA[<raw>]]></a>");
    expect(textContent(root)).toBe("<&\u{10000}A<raw>");
  });

  it("keeps no-namespace elements and xmlns='' resets", () => {
    const root = parseXml('<a xmlns="urn:x"><b xmlns=""/></a>');
    expect(childElements(root)[0]).toMatchObject({ ns: "", name: "b" });
  });

  it.each([
    ["empty", ""],
    ["not XML", "hello"],
    ["unclosed", "<a><b></a>"],
    ["mismatched", "<a></b>"],
    ["undeclared prefix", "<x:a/>"],
    ["prefix bound to empty namespace", '<a xmlns:p=""><p:b/></a>'],
    ["two roots", "<a/><b/>"],
    ["unknown entity", "<a>&foo;</a>"],
    ["DOCTYPE", '<!DOCTYPE a [<!ENTITY x "y">]><a/>'],
    ["duplicate attribute", '<a b="1" b="2"/>'],
    ["unquoted attribute", "<a b=1/>"],
    ["NUL", "<a>\0</a>"],
    ["bad name", "<1a/>"],
  ])("rejects %s", (_label, text) => {
    expect(() => parseXml(text)).toThrow(XmlError);
  });

  it("rejects absurd nesting", () => {
    expect(() => parseXml(`${"<a>".repeat(200)}${"</a>".repeat(200)}`)).toThrow(/deeply/);
  });
});

describe("serializeXml", () => {
  it("round-trips namespaced content self-contained", () => {
    const el = parseXml('<t:v xmlns:t="urn:t" xml:lang="en"><foo xmlns="bar">a&amp;b</foo><t:x/></t:v>');
    const s = serializeXml(el);
    expect(s).toBe('<v xmlns="urn:t" xml:lang="en"><foo xmlns="bar">a&amp;b</foo><x/></v>');
    expect(parseXml(s)).toEqual(el);
  });

  it("escapes attribute values and declares attribute namespaces", () => {
    const el = parseXml('<a xmlns:q="urn:q" q:z="&quot;&lt;"/>');
    expect(parseXml(serializeXml(el))).toEqual(el);
    expect(escapeXml('<>&"')).toBe("&lt;&gt;&amp;&quot;");
  });
});
