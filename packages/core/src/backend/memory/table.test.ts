import { describe, expect, it } from "vitest";
import { keyPart } from "./keys.js";
import { attributeIndex, type Row, Table } from "./table.js";
import { UndoLog } from "./undo-log.js";

const pocTable = () =>
  new Table((r) => `${keyPart(r.productId)}|${keyPart(r.clientId)}`, [attributeIndex("clientId"), attributeIndex("productId")]);
const poc = (productId: string, clientId: string, extra: Record<string, unknown> = {}): Row => ({ productId, clientId, ...extra });
const bucket = (t: Table, index: string, key: string) => [...(t.lookup(index, key)?.values() ?? [])];

describe("Table", () => {
  it("keeps rows by primary key and in every index", () => {
    const t = pocTable();
    t.put(poc("firefox", "pc1.dom.tld"));
    t.put(poc("7zip", "pc1.dom.tld"));
    t.put(poc("firefox", "pc2.dom.tld"));
    expect(t.size).toBe(3);
    expect(t.get("firefox|pc2.dom.tld")).toEqual(poc("firefox", "pc2.dom.tld"));
    expect(bucket(t, "clientId", "pc1.dom.tld").map((r) => r.productId)).toEqual(["firefox", "7zip"]);
    expect(bucket(t, "productId", "firefox").map((r) => r.clientId)).toEqual(["pc1.dom.tld", "pc2.dom.tld"]);
    expect(t.indexKeys("clientId").sort()).toEqual(["pc1.dom.tld", "pc2.dom.tld"]);
  });

  it("keys indexes like MySQL compares strings (case-insensitive, trailing spaces ignored)", () => {
    const t = pocTable();
    t.put(poc("firefox", "PC1.Dom.TLD "));
    expect(bucket(t, "clientId", keyPart("pc1.dom.tld"))).toHaveLength(1);
  });

  it("replaces a row with the same key, moving it between index buckets and dropping empty ones", () => {
    const t = pocTable();
    const first = poc("firefox", "pc1.dom.tld", { n: 1 });
    expect(t.put(first)).toBeUndefined();
    const byClient = new Table((r) => keyPart(r.id), [attributeIndex("group")]);
    byClient.put({ id: "a", group: "x" });
    byClient.put({ id: "a", group: "y" });
    expect(byClient.lookup("group", "x")).toBeUndefined();
    expect(byClient.indexKeys("group")).toEqual(["y"]);
    expect(t.put(poc("firefox", "pc1.dom.tld", { n: 2 }))).toBe(first);
    expect(bucket(t, "clientId", "pc1.dom.tld")).toEqual([poc("firefox", "pc1.dom.tld", { n: 2 })]);
  });

  it("keeps the bucket position of a replaced row whose index key did not change", () => {
    const t = pocTable();
    t.put(poc("a", "pc1.dom.tld"));
    t.put(poc("b", "pc1.dom.tld"));
    t.put(poc("a", "pc1.dom.tld", { n: 2 }));
    expect(bucket(t, "clientId", "pc1.dom.tld").map((r) => r.productId)).toEqual(["a", "b"]);
  });

  it("does not index non-string values", () => {
    const t = new Table((r) => keyPart(r.id), [attributeIndex("boundToHost")]);
    t.put({ id: "l1", boundToHost: null });
    t.put({ id: "l2", boundToHost: 5 });
    expect(t.indexKeys("boundToHost")).toEqual([]);
  });

  it("undoes puts, replacements and deletes through the log", () => {
    const t = pocTable();
    t.put(poc("firefox", "pc1.dom.tld", { n: 1 }));
    t.put(poc("7zip", "pc1.dom.tld"));
    const log = new UndoLog();
    t.put(poc("firefox", "pc1.dom.tld", { n: 2 }), log);
    t.put(poc("new", "pc3.dom.tld"), log);
    expect(t.delete("7zip|pc1.dom.tld", log)).toEqual(poc("7zip", "pc1.dom.tld"));
    expect(t.delete("missing|x", log)).toBeUndefined();
    expect(log.size).toBe(3);
    log.rollback();
    expect([...t.values()]).toEqual([poc("firefox", "pc1.dom.tld", { n: 1 }), poc("7zip", "pc1.dom.tld")]);
    expect(t.lookup("clientId", "pc3.dom.tld")).toBeUndefined();
    expect(bucket(t, "clientId", "pc1.dom.tld")).toHaveLength(2);
  });

  it("clears rows and indexes; unknown indexes are a programming error", () => {
    const t = pocTable();
    t.put(poc("firefox", "pc1.dom.tld"));
    t.clear();
    expect(t.size).toBe(0);
    expect(t.indexKeys("clientId")).toEqual([]);
    expect(() => t.lookup("nope", "x")).toThrow(/no index/);
  });
});
