import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseFilter } from "../../filter/filter.js";
import { matchesFilter } from "../../filter/match.js";
import { keyPart } from "./keys.js";
import { planSelection, rowsByIndex, selectRows } from "./select.js";
import { attributeIndex, type Row, Table } from "./table.js";

function pocs(clients: number, products: number): Table {
  const t = new Table((r) => `${keyPart(r.productId)}|${keyPart(r.clientId)}`, [attributeIndex("clientId"), attributeIndex("productId")]);
  for (let c = 0; c < clients; c++) {
    for (let p = 0; p < products; p++) {
      t.put({
        type: "ProductOnClient",
        productId: `product${p}`,
        productType: "LocalbootProduct",
        clientId: `client${c}.dom.tld`,
        installationStatus: p % 2 === 0 ? "installed" : "not_installed",
        actionRequest: "none",
      });
    }
  }
  return t;
}

const filter = (f: Record<string, unknown>) => parseFilter("productOnClient", f);

describe("planSelection", () => {
  const table = pocs(50, 20);

  it("answers an exact filter from the most selective index", () => {
    const plan = planSelection(table, filter({ clientId: "client3.dom.tld", productId: ["product1", "product2"] }).conditions);
    expect(plan.index).toBe("clientId");
    expect(plan.candidates).toBe(20);
    expect(plan.residual.map((c) => c.attribute)).toEqual(["productId"]);
    const byProduct = planSelection(table, filter({ clientId: "client*", productId: "product1" }).conditions);
    expect(byProduct.index).toBe("productId");
    expect(byProduct.candidates).toBe(50);
  });

  it("uses IN lists (more than 10 values) and normalises keys", () => {
    const clients = Array.from({ length: 12 }, (_, i) => `CLIENT${i}.dom.tld`);
    const plan = planSelection(table, filter({ clientId: clients }).conditions);
    expect(plan.index).toBe("clientId");
    expect(plan.candidates).toBe(12 * 20);
  });

  it("scans when no condition is index-safe", () => {
    for (const f of [{ clientId: "client1*" }, { clientId: ">client1" }, { clientId: [null, "client1.dom.tld"] }, { clientId: 5 }, {}]) {
      const plan = planSelection(table, filter(f).conditions);
      expect(plan.index).toBeUndefined();
      expect(plan.candidates).toBe(table.size);
    }
    expect(planSelection(table, filter({ installationStatus: "installed" }).conditions).index).toBeUndefined();
  });

  it("stops at an empty bucket", () => {
    const plan = planSelection(table, filter({ clientId: "nope.dom.tld", productId: "product1" }).conditions);
    expect(plan.candidates).toBe(0);
    expect(selectRows(table, filter({ clientId: "nope.dom.tld", productId: "product1" }))).toEqual([]);
  });
});

describe("selectRows", () => {
  const table = pocs(8, 6);
  const all = [...table.values()];
  const clientValue = fc.oneof(
    fc.integer({ min: 0, max: 9 }).map((i) => `client${i}.dom.tld`),
    fc.integer({ min: 0, max: 9 }).map((i) => `CLIENT${i}.DOM.TLD `),
    fc.constantFrom("client1*", "*", null, ">client4"),
  );
  const productValue = fc.oneof(
    fc.integer({ min: 0, max: 7 }).map((i) => `product${i}`),
    fc.constantFrom("product1*", null),
  );
  const arbFilter = fc.record(
    {
      clientId: fc.oneof(clientValue, fc.array(clientValue, { maxLength: 14 })),
      productId: fc.oneof(productValue, fc.array(productValue, { maxLength: 4 })),
      installationStatus: fc.constantFrom("installed", "not_installed", "INSTALLED", null),
    },
    { requiredKeys: [] },
  );

  it("returns exactly what a full scan with matchesFilter returns", () => {
    fc.assert(
      fc.property(arbFilter, (f) => {
        const parsed = filter(f);
        const expected = all.filter((r) => matchesFilter(parsed, r));
        const key = (r: Row) => `${r.productId}|${r.clientId}`;
        expect(selectRows(table, parsed).map(key).sort()).toEqual(expected.map(key).sort());
      }),
      { numRuns: 300 },
    );
  });

  it("rowsByIndex returns one bucket by a raw value", () => {
    expect(rowsByIndex(table, "clientId", "Client2.dom.tld")).toHaveLength(6);
    expect(rowsByIndex(table, "clientId", "client99.dom.tld")).toEqual([]);
  });
});
