/** @module sequencing/algorithm.test */
import { describe, expect, it } from "vitest";
import { BackendBadValueError } from "../errors.js";
import type { ProductOnClient } from "../model/classes.js";
import { decodeObject } from "../model/object.js";
import {
  type ClientSequence,
  opsiSinglePassOrder,
  type SequencingCatalog,
  type SequencingDependency,
  type SequencingProduct,
  sequenceClientActions,
} from "./algorithm.js";

const CLIENT = "client1.test.local";
const ALL_SCRIPTS = ["setup", "uninstall", "update", "always", "once", "custom"];

function product(id: string, priority = 0, scripts: readonly string[] = ALL_SCRIPTS, productVersion = "1.0"): SequencingProduct {
  const script = (action: string) => (scripts.includes(action) ? `${action}.opsiscript` : "");
  return {
    id,
    type: "LocalbootProduct",
    productVersion,
    packageVersion: "1",
    priority,
    setupScript: script("setup"),
    uninstallScript: script("uninstall"),
    updateScript: script("update"),
    alwaysScript: script("always"),
    onceScript: script("once"),
    customScript: script("custom"),
  };
}

/** `requires(b, "before")`: a dependency with requiredAction setup for productAction setup. */
function requires(requiredProductId: string, requirementType: "before" | "after" | null, extra: Partial<SequencingDependency> = {}) {
  return { productAction: "setup", requiredProductId, requiredAction: "setup", requirementType, ...extra };
}

function catalog(
  products: readonly SequencingProduct[],
  dependencies: Record<string, SequencingDependency[]> = {},
  stored: readonly ProductOnClient[] = [],
): SequencingCatalog {
  return {
    products: new Map(products.map((p) => [p.id, p])),
    dependencies: new Map(Object.entries(dependencies)),
    storedProductOnClients: new Map(stored.map((p) => [p.productId, p])),
  };
}

function poc(productId: string, actionRequest: string | null, extra: Record<string, unknown> = {}): ProductOnClient {
  return decodeObject("productOnClient", { productId, productType: "LocalbootProduct", clientId: CLIENT, actionRequest, ...extra });
}

function flat(result: ClientSequence): string[] {
  return result.groups.flatMap((g) => g.product_on_clients.map((p) => `${p.productId}:${p.actionRequest}`));
}

function ids(result: ClientSequence): string[][] {
  return result.groups.map((g) => g.product_on_clients.map((p) => p.productId));
}

const opsi = { groupOrder: opsiSinglePassOrder };

describe("sequenceClientActions: seeding and groups", () => {
  it("keeps input order for independent products of equal priority (groups are not sorted alphabetically)", () => {
    const cat = catalog(["a", "b", "c", "d"].map((id) => product(id)));
    const pocs = ["d", "a", "c", "b"].map((id) => poc(id, "setup"));
    for (const options of [{}, opsi]) {
      const result = sequenceClientActions(CLIENT, pocs, cat, options);
      expect(ids(result)).toEqual([["d"], ["a"], ["c"], ["b"]]);
      expect(result.groups.flatMap((g) => g.product_on_clients.map((p) => p.actionSequence))).toEqual([0, 1, 2, 3]);
    }
  });

  it("orders groups by priority, descending, and numbers only required actions", () => {
    const cat = catalog([product("low", -5), product("high", 50), product("mid", 0), product("idle", 90)]);
    const result = sequenceClientActions(
      CLIENT,
      [poc("low", "setup"), poc("mid", "setup"), poc("idle", "none"), poc("high", "setup")],
      cat,
    );
    expect(flat(result)).toEqual(["high:setup", "mid:setup", "idle:none", "low:setup"]);
    expect(result.groups.map((g) => g.priority)).toEqual([50, 0, 0, -5]);
    expect(result.groups.flatMap((g) => g.product_on_clients.map((p) => p.actionSequence))).toEqual([0, 1, -1, 2]);
  });

  it("skips POCs of products that are not on the depot", () => {
    const result = sequenceClientActions(CLIENT, [poc("gone", "setup"), poc("a", "setup")], catalog([product("a")]));
    expect(flat(result)).toEqual(["a:setup"]);
  });

  it("keeps the attributes of the input POC and creates bare POCs for dependency actions", () => {
    const cat = catalog([product("a"), product("b")], { a: [requires("b", "before")] });
    const result = sequenceClientActions(CLIENT, [poc("a", "setup", { installationStatus: "installed", productVersion: "1.0" })], cat);
    const [b, a] = result.groups[0]?.product_on_clients ?? [];
    expect(a).toMatchObject({
      productId: "a",
      installationStatus: "installed",
      productVersion: "1.0",
      actionRequest: "setup",
      actionSequence: 1,
    });
    expect(b).toMatchObject({
      productId: "b",
      clientId: CLIENT,
      productType: "LocalbootProduct",
      installationStatus: null,
      actionRequest: "setup",
    });
    expect(b?.actionSequence).toBe(0);
  });

  it("negates the priority of uninstall actions", () => {
    const cat = catalog([product("x", 10), product("y", 0)]);
    const result = sequenceClientActions(CLIENT, [poc("x", "uninstall"), poc("y", "setup")], cat);
    expect(flat(result)).toEqual(["y:setup", "x:uninstall"]);
    expect(result.groups.map((g) => g.priority)).toEqual([0, -10]);
    expect(result.groups[1]?.priorities).toEqual({ x: -10 });
  });

  it("moves a product requiring a priority-20 product into a priority-20 group, and one requiring −20 to −20", () => {
    const cat = catalog([product("a"), product("high", 20), product("b"), product("low", -20), product("c")], {
      a: [requires("high", "before")],
      b: [requires("low", "before")],
    });
    const result = sequenceClientActions(CLIENT, [poc("c", "setup"), poc("b", "setup"), poc("a", "setup")], cat);
    expect(result.groups.map((g) => g.priority)).toEqual([20, 0, -20]);
    expect(ids(result)).toEqual([["high", "a"], ["c"], ["low", "b"]]);
  });

  it("uses the maximum positive priority, else the minimum negative one, for a group", () => {
    const cat = catalog([product("a", 0), product("p", 30), product("n", -40), product("q", 10)], {
      a: [requires("p", "before"), requires("n", "after"), requires("q", "before")],
    });
    const result = sequenceClientActions(CLIENT, [poc("a", "setup")], cat);
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0]?.priority).toBe(30);
    const neg = catalog([product("a", 0), product("n", -40), product("m", -10)], { a: [requires("n", "after"), requires("m", "after")] });
    expect(sequenceClientActions(CLIENT, [poc("a", "setup")], neg).groups[0]?.priority).toBe(-40);
  });

  it("appends merged groups at the end of the group list (merge history, not input order)", () => {
    // c and a are separate groups until b (seeded last) connects them.
    const cat = catalog([product("a"), product("b"), product("c"), product("d")], { b: [requires("a", "before"), requires("c", "after")] });
    const result = sequenceClientActions(CLIENT, [poc("c", "setup"), poc("a", "setup"), poc("d", "setup"), poc("b", "setup")], cat);
    expect(ids(result)).toEqual([["d"], ["a", "b", "c"]]);
  });

  it("does not join groups through dependencies without requirementType", () => {
    const cat = catalog([product("a"), product("b")], { a: [requires("b", null)] });
    const result = sequenceClientActions(CLIENT, [poc("a", "setup")], cat);
    expect(ids(result)).toEqual([["a"], ["b"]]);
    expect(flat(result)).toEqual(["a:setup", "b:setup"]);
  });
});

describe("sequenceClientActions: dependency expansion", () => {
  it("adds required actions recursively", () => {
    const cat = catalog([product("a"), product("b"), product("c")], { a: [requires("b", "before")], b: [requires("c", "before")] });
    expect(flat(sequenceClientActions(CLIENT, [poc("a", "setup")], cat))).toEqual(["c:setup", "b:setup", "a:setup"]);
  });

  it("considers a dependency only for its own productAction", () => {
    const cat = catalog([product("a"), product("b")], { a: [requires("b", "before")] });
    expect(flat(sequenceClientActions(CLIENT, [poc("a", "update")], cat))).toEqual(["a:update"]);
  });

  it("derives setup/uninstall from requiredInstallationStatus and skips fulfilled dependencies", () => {
    const cat = catalog(
      [product("a"), product("inst"), product("gone"), product("there")],
      {
        a: [
          { productAction: "setup", requiredProductId: "inst", requiredInstallationStatus: "installed", requirementType: "before" },
          { productAction: "setup", requiredProductId: "gone", requiredInstallationStatus: "not_installed", requirementType: "before" },
          { productAction: "setup", requiredProductId: "there", requiredInstallationStatus: "installed", requirementType: "before" },
        ],
      },
      [poc("gone", "none", { installationStatus: "installed" }), poc("there", "none", { installationStatus: "installed" })],
    );
    const result = sequenceClientActions(CLIENT, [poc("a", "setup")], cat);
    // One group; both dependencies are pulled in front of a in base order (gone before inst).
    expect(flat(result)).toEqual(["gone:uninstall", "inst:setup", "a:setup"]);
    expect(result.groups).toHaveLength(1);
  });

  it("checks required versions against the client's POC (unset on either side passes)", () => {
    const deps = {
      a: [
        {
          productAction: "setup",
          requiredProductId: "b",
          requiredInstallationStatus: "installed",
          requiredProductVersion: "2.0",
          requirementType: "before",
        },
      ],
    };
    const products = [product("a"), product("b", 0, ALL_SCRIPTS, "2.0")];
    const run = (stored: ProductOnClient[]) => flat(sequenceClientActions(CLIENT, [poc("a", "setup")], catalog(products, deps, stored)));
    expect(run([poc("b", "none", { installationStatus: "installed", productVersion: "1.0" })])).toEqual(["b:setup", "a:setup"]);
    expect(run([poc("b", "none", { installationStatus: "installed", productVersion: "2.0" })])).toEqual(["a:setup"]);
    expect(run([poc("b", "none", { installationStatus: "installed" })])).toEqual(["a:setup"]);
    expect(run([])).toEqual(["b:setup", "a:setup"]);
  });

  it("prefers the input POC over the stored one for the fulfilment check", () => {
    const deps = {
      a: [{ productAction: "setup", requiredProductId: "b", requiredInstallationStatus: "installed", requirementType: "before" }],
    };
    const cat = catalog([product("a"), product("b")], deps, [poc("b", "none", { installationStatus: "not_installed" })]);
    const result = sequenceClientActions(CLIENT, [poc("a", "setup"), poc("b", null, { installationStatus: "installed" })], cat);
    expect(flat(result)).toEqual(["a:setup", "b:none"]);
  });

  it("skips a dependency whose required version is not the one on the depot", () => {
    const cat = catalog([product("a"), product("b", 0, ALL_SCRIPTS, "1.0")], {
      a: [requires("b", "before", { requiredProductVersion: "9.9" })],
    });
    expect(flat(sequenceClientActions(CLIENT, [poc("a", "setup")], cat))).toEqual(["a:setup"]);
  });

  it("skips a required dependency whose product lacks the <action>Script, with a warning", () => {
    const cat = catalog([product("a"), product("b", 0, ["uninstall"])], { a: [requires("b", "before")] });
    const result = sequenceClientActions(CLIENT, [poc("a", "setup")], cat);
    expect(flat(result)).toEqual(["a:setup"]);
    expect(result.warnings).toEqual([expect.stringContaining("missing a setupScript")]);
  });

  it("does not check the script of an already fulfilled dependency", () => {
    const deps = {
      a: [{ productAction: "setup", requiredProductId: "b", requiredInstallationStatus: "installed", requirementType: "before" }],
    };
    const cat = catalog([product("a"), product("b", 0, [])], deps, [poc("b", "none", { installationStatus: "installed" })]);
    const result = sequenceClientActions(CLIENT, [poc("a", "setup")], cat);
    expect(flat(result)).toEqual(["a:setup"]);
    expect(result.warnings).toEqual([]);
  });

  it("rejects a dependency with neither requiredAction nor a valid requiredInstallationStatus, like opsi", () => {
    const cat = catalog([product("a"), product("b")], {
      a: [{ productAction: "setup", requiredProductId: "b", requiredInstallationStatus: "unknown" }],
    });
    expect(() => sequenceClientActions(CLIENT, [poc("a", "setup")], cat)).toThrow(BackendBadValueError);
  });

  it("lets a dependency setup override an explicit uninstall of the same product", () => {
    const cat = catalog([product("a"), product("x", 5)], { a: [requires("x", "before")] });
    const result = sequenceClientActions(CLIENT, [poc("x", "uninstall"), poc("a", "setup")], cat);
    expect(flat(result)).toEqual(["x:setup", "a:setup"]);
    expect(result.groups[0]?.priorities).toEqual({ x: 5, a: 0 });
  });

  it("drops the explicit uninstall even when the overriding setup is already fulfilled (a: setup, x: none)", () => {
    const deps = {
      a: [{ productAction: "setup", requiredProductId: "x", requiredInstallationStatus: "installed", requirementType: "before" }],
    };
    const cat = catalog([product("a"), product("x")], deps, [poc("x", "none", { installationStatus: "installed" })]);
    const pocs = [poc("x", "uninstall", { installationStatus: "installed" }), poc("a", "setup")];
    for (const options of [{}, opsi]) {
      const result = sequenceClientActions(CLIENT, pocs, cat, options);
      expect(flat(result)).toEqual(["a:setup", "x:none"]);
      expect(result.groups.flatMap((g) => g.product_on_clients.map((p) => p.actionSequence))).toEqual([0, -1]);
    }
  });

  it("shares one never-popped path list per seeded action: a second dependency on a visited product is skipped", () => {
    // a → b (before) → c (no type); a's own "c before" is skipped because c is already in the path,
    // so c does not join a's group and runs after it.
    const cat = catalog([product("a"), product("b"), product("c")], {
      a: [requires("b", "before"), requires("c", "before")],
      b: [requires("c", null)],
    });
    const result = sequenceClientActions(CLIENT, [poc("a", "setup")], cat);
    expect(ids(result)).toEqual([["b", "a"], ["c"]]);
  });
});

describe("sequenceClientActions: in-group order and cycles", () => {
  it("A needs B before, B needs A before: one group, order b, a (cycle cut by the path list)", () => {
    const cat = catalog([product("a"), product("b")], { a: [requires("b", "before")], b: [requires("a", "before")] });
    for (const options of [{}, opsi]) {
      expect(ids(sequenceClientActions(CLIENT, [poc("a", "setup")], cat, options))).toEqual([["b", "a"]]);
      expect(ids(sequenceClientActions(CLIENT, [poc("a", "setup"), poc("b", "setup")], cat, options))).toEqual([["b", "a"]]);
    }
  });

  it("breaks a registered cycle deterministically and records the dropped constraint", () => {
    const cat = catalog([product("a"), product("b")], { a: [requires("b", "before")], b: [requires("a", "before")] });
    const [group] = sequenceClientActions(CLIENT, [poc("a", "setup"), poc("b", "setup")], cat).groups;
    expect(group?.constraints).toHaveLength(2);
    expect(group?.ignoredConstraints).toEqual([{ earlier: "a", later: "b", requirementType: "before" }]);
    expect(group?.sort_log).toContain("Circular dependency: ignoring constraint a:setup before b:setup");
  });

  it("worked example: opsi outputs d, e, a, b, c (c before e violated); ours satisfies every constraint", () => {
    const cat = catalog(
      ["a", "b", "c", "d", "e"].map((id) => product(id)),
      {
        e: [requires("c", "before")],
        a: [requires("e", "before")],
        b: [requires("a", "before")],
      },
    );
    const pocs = ["a", "b", "c", "d", "e"].map((id) => poc(id, "setup"));
    const upstream = sequenceClientActions(CLIENT, pocs, cat, opsi);
    expect(ids(upstream)).toEqual([["d"], ["e", "a", "b", "c"]]);
    const ours = sequenceClientActions(CLIENT, pocs, cat);
    expect(ids(ours)).toEqual([["d"], ["c", "e", "a", "b"]]);
    expect(ours.groups[1]?.ignoredConstraints).toEqual([]);
  });

  it("mixed requirement types: A needs X before, C needs X after → opsi a, c, x; ours c, x, a", () => {
    const cat = catalog([product("a"), product("c"), product("x")], { a: [requires("x", "before")], c: [requires("x", "after")] });
    const pocs = [poc("a", "setup"), poc("c", "setup")];
    expect(ids(sequenceClientActions(CLIENT, pocs, cat, opsi))).toEqual([["a", "c", "x"]]);
    expect(ids(sequenceClientActions(CLIENT, pocs, cat))).toEqual([["c", "x", "a"]]);
  });

  it("opsi moves a dependency relative to a requester outside the group (position −1); ours does not", () => {
    // r needs b without type (r stays alone); e needs b and c before. In opsi, b is first moved in front
    // of the last element because of r (position −1), leaving c, b, e.
    const cat = catalog(
      ["b", "c", "e", "r"].map((id) => product(id)),
      {
        r: [requires("b", null)],
        e: [requires("b", "before"), requires("c", "before")],
      },
    );
    const pocs = [poc("r", "setup"), poc("e", "setup")];
    expect(ids(sequenceClientActions(CLIENT, pocs, cat, opsi))).toEqual([["r"], ["c", "b", "e"]]);
    expect(ids(sequenceClientActions(CLIENT, pocs, cat))).toEqual([["r"], ["b", "c", "e"]]);
  });

  it("keeps the base order (−priority, productId) where constraints allow", () => {
    // Base order a (10), b (5), c (0).
    const cat = catalog([product("a", 10), product("b", 5), product("c", 0)], {
      a: [requires("c", "before")],
      b: [requires("c", "after")],
    });
    // b needs c after and a needs c before: b before c before a.
    const both = sequenceClientActions(CLIENT, [poc("a", "setup"), poc("b", "setup")], cat);
    expect(ids(both)).toEqual([["b", "c", "a"]]);
    // c is needed before a only: c is pulled right in front of a, a stays first.
    const onlyA = catalog([product("a", 10), product("b", 5), product("c", 0)], { a: [requires("c", "before")], b: [requires("a", null)] });
    const result = sequenceClientActions(CLIENT, [poc("a", "setup"), poc("b", "setup")], onlyA);
    expect(ids(result)).toEqual([["c", "a"], ["b"]]);
  });

  it("pushes an `after` dependency right behind its requester, pulls a `before` dependency right in front", () => {
    const cat = catalog(
      ["a", "b", "m", "z"].map((id) => product(id)),
      {
        m: [requires("a", "after"), requires("z", "before")],
        b: [requires("m", null)],
      },
    );
    const result = sequenceClientActions(CLIENT, [poc("b", "setup"), poc("m", "setup")], cat);
    // base order a, m, z → a is pushed behind m, z pulled in front of m
    expect(ids(result)).toEqual([["b"], ["z", "m", "a"]]);
    expect(result.groups[1]?.sort_log).toEqual([
      "Ordered by priority, productId and actionRequest: a:setup(0), m:setup(0), z:setup(0)",
      "Moving z:setup (#2) before m:setup (#1)",
      "Moving a:setup (#0) after m:setup (#1)",
      "Order after dependency sort: z:setup(0), m:setup(0), a:setup(0)",
    ]);
  });

  it("logs opsi's single pass the way opsi does", () => {
    const cat = catalog([product("a"), product("b")], { a: [requires("b", "before")] });
    const [group] = sequenceClientActions(CLIENT, [poc("a", "setup")], cat, opsi).groups;
    expect(group?.sort_log).toEqual([
      "Ordered by priority, productId and actionRequest: a:setup(0), b:setup(0)",
      "Sort run #1: Moving b:setup (#1) before a:setup (#0)",
      "Order after sort run #1: b:setup(0), a:setup(0)",
    ]);
    expect(group?.dependencies).toEqual({});
  });
});
