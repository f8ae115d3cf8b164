/** @module sequencing/algorithm.property.test */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProductOnClient } from "../model/classes.js";
import {
  type ClientSequence,
  type OrderConstraint,
  opsiSinglePassOrder,
  type SequencingCatalog,
  type SequencingDependency,
  type SequencingProduct,
  sequenceClientActions,
} from "./algorithm.js";

const CLIENT = "client1.test.local";
const NAMES = ["a", "b", "c", "d", "e", "f", "g", "h"];
const SCRIPTED = ["setup", "uninstall", "update", "always", "once", "custom"] as const;

interface Case {
  readonly pocs: ProductOnClient[];
  readonly catalog: SequencingCatalog;
}

function makePoc(productId: string, actionRequest: string | null, installationStatus: string): ProductOnClient {
  return {
    type: "ProductOnClient",
    productId,
    productType: "LocalbootProduct",
    clientId: CLIENT,
    targetConfiguration: null,
    installationStatus,
    actionRequest,
    lastAction: null,
    actionProgress: null,
    actionResult: null,
    productVersion: null,
    packageVersion: null,
    modificationTime: null,
    actionSequence: -1,
  };
}

function makeProduct(id: string, priority: number, missing: readonly string[]): SequencingProduct {
  const script = (action: string) => (missing.includes(action) ? "" : `${action}.opsiscript`);
  return {
    id,
    type: "LocalbootProduct",
    productVersion: "1.0",
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

/** `mixed`: every action and requirement type; `dense`: mostly setup with before/after, many active constraints. */
type Mix = "mixed" | "dense";

function edgeArb(mix: Mix, n: number) {
  const dense = mix === "dense";
  return fc.record({
    from: fc.nat({ max: n - 1 }),
    to: fc.nat({ max: n - 1 }),
    productAction: dense ? fc.constant("setup") : fc.constantFrom("setup", "setup", "setup", "uninstall", "update"),
    requiredAction: dense
      ? fc.constantFrom<string | null>("setup", "setup", "setup", "setup", null)
      : fc.constantFrom<string | null>("setup", "setup", "uninstall", "update", null),
    requiredInstallationStatus: fc.constantFrom("installed", "not_installed"),
    requirementType: dense
      ? fc.constantFrom<string | null>("before", "after", "before", "after", "before", "after", null)
      : fc.constantFrom<string | null>("before", "before", "after", null),
  });
}

function requestArb(mix: Mix) {
  return mix === "dense"
    ? fc.constantFrom<string | null | undefined>("setup", "setup", "setup", "setup", "none", undefined)
    : fc.constantFrom<string | null | undefined>("setup", "setup", "setup", "uninstall", "update", "none", null, undefined);
}

/**
 * Random clients: `min`–`max` products with priorities −100..100, random actions (or no POC), random
 * installation states, occasionally missing scripts, and random dependencies. With `dag`, a
 * dependency only points from a later to an earlier product (the requirement graph is acyclic, the
 * before/after constraints may still form cycles through mixed types).
 */
function caseArb(min: number, max: number, dag: boolean, mix: Mix = "mixed"): fc.Arbitrary<Case> {
  return fc.integer({ min, max }).chain((n) =>
    fc
      .record({
        names: fc.shuffledSubarray(NAMES, { minLength: n, maxLength: n }),
        priorities: fc.array(fc.integer({ min: -100, max: 100 }), { minLength: n, maxLength: n }),
        requests: fc.array(requestArb(mix), { minLength: n, maxLength: n }),
        installed: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        missing: fc.array(
          fc.oneof({ weight: 5, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.subarray([...SCRIPTED]) }),
          {
            minLength: n,
            maxLength: n,
          },
        ),
        edges: fc.array(edgeArb(mix, n), { minLength: mix === "dense" ? n : 0, maxLength: (mix === "dense" ? 3 : 2) * n }),
      })
      .map(({ names, priorities, requests, installed, missing, edges }) => {
        const name = (i: number) => names[i] ?? "a";
        const products = names.map((id, i) => makeProduct(id, priorities[i] ?? 0, missing[i] ?? []));
        const dependencies = new Map<string, SequencingDependency[]>();
        const seen = new Set<string>();
        for (const e of edges) {
          let from = e.from;
          let to = e.to;
          if (from === to) continue;
          if (dag && from < to) [from, to] = [to, from];
          // One dependency per (product, action, required product): the ProductDependency ident.
          const ident = `${from};${e.productAction};${to}`;
          if (seen.has(ident)) continue;
          seen.add(ident);
          const list = dependencies.get(name(from)) ?? [];
          list.push({
            productAction: e.productAction,
            requiredProductId: name(to),
            requiredAction: e.requiredAction,
            requiredInstallationStatus: e.requiredAction ? null : e.requiredInstallationStatus,
            requirementType: e.requirementType,
          });
          dependencies.set(name(from), list);
        }
        const status = (i: number) => (installed[i] ? "installed" : "not_installed");
        const pocs = names.flatMap((id, i) => (requests[i] === undefined ? [] : [makePoc(id, requests[i] ?? null, status(i))]));
        const stored = names.map((id, i) => makePoc(id, "none", status(i)));
        return {
          pocs,
          catalog: {
            products: new Map(products.map((p) => [p.id, p])),
            dependencies,
            storedProductOnClients: new Map(stored.map((p) => [p.productId, p])),
          },
        };
      }),
  );
}

function isAcyclic(constraints: readonly OrderConstraint[]): boolean {
  const next = new Map<string, string[]>();
  for (const c of constraints) next.set(c.earlier, [...(next.get(c.earlier) ?? []), c.later]);
  const state = new Map<string, number>();
  const visit = (node: string): boolean => {
    const s = state.get(node);
    if (s === 1) return false;
    if (s === 2) return true;
    state.set(node, 1);
    for (const n of next.get(node) ?? []) if (!visit(n)) return false;
    state.set(node, 2);
    return true;
  };
  return [...next.keys()].every(visit);
}

function violated(result: ClientSequence): OrderConstraint[] {
  return result.groups.flatMap((g) => {
    const pos = new Map(g.product_on_clients.map((p, i) => [p.productId, i]));
    return g.constraints.filter((c) => (pos.get(c.earlier) ?? -1) >= (pos.get(c.later) ?? -1));
  });
}

function actionSet(result: ClientSequence): string[] {
  return result.groups.flatMap((g) => g.product_on_clients.map((p) => `${p.productId}:${p.actionRequest}`)).sort();
}

const opsi = { groupOrder: opsiSinglePassOrder };
const anyCase = fc.oneof(
  caseArb(3, 8, false),
  caseArb(3, 8, true),
  { weight: 2, arbitrary: caseArb(3, 8, false, "dense") },
  { weight: 2, arbitrary: caseArb(3, 8, true, "dense") },
);

describe("sequenceClientActions: properties", () => {
  it("(a) never throws and (c) outputs each product at most once, covering every seeded product", () => {
    fc.assert(
      fc.property(anyCase, ({ pocs, catalog }) => {
        const result = sequenceClientActions(CLIENT, pocs, catalog);
        const products = result.groups.flatMap((g) => g.product_on_clients.map((p) => p.productId));
        expect(new Set(products).size).toBe(products.length);
        for (const poc of pocs) expect(products).toContain(poc.productId);
        // The order strategy only permutes: the action set equals the one of opsi's variant.
        expect(actionSet(result)).toEqual(actionSet(sequenceClientActions(CLIENT, pocs, catalog, opsi)));
      }),
      { seed: 4242, numRuns: 1500 },
    );
  });

  it("(b) satisfies every before/after constraint of acyclic groups; in cycles only dropped ones are violated", () => {
    fc.assert(
      fc.property(anyCase, ({ pocs, catalog }) => {
        const result = sequenceClientActions(CLIENT, pocs, catalog);
        for (const group of result.groups) {
          const pos = new Map(group.product_on_clients.map((p, i) => [p.productId, i]));
          const broken = group.constraints.filter((c) => (pos.get(c.earlier) ?? -1) >= (pos.get(c.later) ?? -1));
          if (isAcyclic(group.constraints)) {
            expect(broken).toEqual([]);
            expect(group.ignoredConstraints).toEqual([]);
          } else {
            expect(group.ignoredConstraints.length).toBeGreaterThan(0);
            for (const c of broken) expect(group.ignoredConstraints).toContainEqual(c);
            for (const c of group.ignoredConstraints) {
              const logged = group.sort_log.some(
                (line) => line.startsWith(`Circular dependency: ignoring constraint ${c.earlier}:`) && line.includes(` before ${c.later}:`),
              );
              expect(logged).toBe(true);
            }
          }
        }
      }),
      { seed: 777, numRuns: 3000 },
    );
  });

  it("(c) setup-only clients: exactly the products reachable from the requested ones, each once, with setup", () => {
    const setupOnly = fc.integer({ min: 2, max: 8 }).chain((n) =>
      fc.record({
        seeds: fc.subarray(NAMES.slice(0, n), { minLength: 1 }),
        edges: fc.array(
          fc.record({ from: fc.nat(n - 1), to: fc.nat(n - 1), type: fc.constantFrom<string | null>("before", "after", null) }),
          {
            maxLength: 2 * n,
          },
        ),
        n: fc.constant(n),
      }),
    );
    fc.assert(
      fc.property(setupOnly, ({ seeds, edges, n }) => {
        const names = NAMES.slice(0, n);
        const dependencies = new Map<string, SequencingDependency[]>();
        const graph = new Map<string, Set<string>>();
        for (const e of edges) {
          const from = names[e.from] ?? "a";
          const to = names[e.to] ?? "a";
          if (from === to || graph.get(from)?.has(to)) continue;
          graph.set(from, (graph.get(from) ?? new Set()).add(to));
          dependencies.set(from, [
            ...(dependencies.get(from) ?? []),
            { productAction: "setup", requiredProductId: to, requiredAction: "setup", requirementType: e.type },
          ]);
        }
        const reachable = new Set<string>();
        const walk = (p: string) => {
          if (reachable.has(p)) return;
          reachable.add(p);
          for (const q of graph.get(p) ?? []) walk(q);
        };
        for (const s of seeds) walk(s);
        const catalog = { products: new Map(names.map((id) => [id, makeProduct(id, 0, [])])), dependencies };
        const result = sequenceClientActions(
          CLIENT,
          seeds.map((id) => makePoc(id, "setup", "not_installed")),
          catalog,
        );
        expect(actionSet(result)).toEqual([...reachable].map((p) => `${p}:setup`).sort());
        const sequence = result.groups.flatMap((g) => g.product_on_clients.map((p) => p.actionSequence));
        expect(sequence).toEqual(sequence.map((_, i) => i));
      }),
      { seed: 99, numRuns: 1000 },
    );
  });

  it("(b) forests of typed setup dependencies: every dependency of the input holds in the flat output", () => {
    // With at most one dependency per product and no cycles, opsi's path list never skips an edge,
    // so the input dependencies are exactly the constraints: checked without the reported ones.
    const forest = fc.integer({ min: 2, max: 8 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        names: fc.shuffledSubarray(NAMES, { minLength: n, maxLength: n }),
        priorities: fc.array(fc.integer({ min: -100, max: 100 }), { minLength: n, maxLength: n }),
        parents: fc.array(fc.option(fc.nat(), { nil: null }), { minLength: n, maxLength: n }),
        types: fc.array(fc.constantFrom<"before" | "after">("before", "after"), { minLength: n, maxLength: n }),
      }),
    );
    fc.assert(
      fc.property(forest, ({ n, names, priorities, parents, types }) => {
        const dependencies = new Map<string, SequencingDependency[]>();
        const pairs: [string, string][] = [];
        for (let i = 1; i < n; i++) {
          const parent = parents[i];
          if (parent === null || parent === undefined) continue;
          const from = names[i] ?? "a";
          const to = names[parent % i] ?? "a";
          const type = types[i] ?? "before";
          dependencies.set(from, [{ productAction: "setup", requiredProductId: to, requiredAction: "setup", requirementType: type }]);
          pairs.push(type === "before" ? [to, from] : [from, to]);
        }
        const catalog = { products: new Map(names.map((id, i) => [id, makeProduct(id, priorities[i] ?? 0, [])])), dependencies };
        const result = sequenceClientActions(
          CLIENT,
          names.map((id) => makePoc(id, "setup", "not_installed")),
          catalog,
        );
        const flat = result.groups.flatMap((g) => g.product_on_clients.map((p) => p.productId));
        for (const [earlier, later] of pairs) expect(flat.indexOf(earlier)).toBeLessThan(flat.indexOf(later));
      }),
      { seed: 31337, numRuns: 1500 },
    );
  });

  it("(d) is deterministic", () => {
    fc.assert(
      fc.property(anyCase, ({ pocs, catalog }) => {
        const copy = structuredClone({ pocs, catalog });
        expect(sequenceClientActions(CLIENT, copy.pocs, copy.catalog)).toEqual(sequenceClientActions(CLIENT, pocs, catalog));
      }),
      { seed: 12, numRuns: 500 },
    );
  });

  /** Counts, over acyclic samples, how often opsi's single pass and ours leave a constraint violated. */
  function measure(samples: readonly Case[]): { acyclic: number; opsi: number; ours: number } {
    const counts = { acyclic: 0, opsi: 0, ours: 0 };
    for (const { pocs, catalog } of samples) {
      const upstream = sequenceClientActions(CLIENT, pocs, catalog, opsi);
      if (!upstream.groups.every((g) => isAcyclic(g.constraints))) continue;
      counts.acyclic++;
      if (violated(upstream).length > 0) counts.opsi++;
      if (violated(sequenceClientActions(CLIENT, pocs, catalog)).length > 0) counts.ours++;
    }
    return counts;
  }

  it("(e) opsi's single pass violates acyclic constraints in some random graphs of 3–5 products; ours never", () => {
    // opsi's own random test: 173 of 3000 acyclic graphs (5.8 %). Measured here with these seeds:
    // - random DAGs like upstream's (all products requested for setup, priority 0, each earlier product
    //   required "before" with probability 0.3): 183 of 3000 (6.1 %);
    // - the general generator restricted to acyclic requirement graphs (priorities −100..100, mixed
    //   actions and before/after/"" types): 24 of 3000 (0.8 %), since random actions and statuses
    //   leave few active constraints per group.
    const dag = fc.integer({ min: 3, max: 5 }).chain((n) =>
      fc
        .record({
          names: fc.shuffledSubarray(NAMES, { minLength: n, maxLength: n }),
          coins: fc.array(fc.integer({ min: 0, max: 99 }), { minLength: n * n, maxLength: n * n }),
        })
        .map(({ names, coins }): Case => {
          const dependencies = new Map<string, SequencingDependency[]>();
          names.forEach((id, i) => {
            const deps = names
              .slice(0, i)
              .filter((_, j) => (coins[i * n + j] ?? 99) < 30)
              .map((requiredProductId) => ({
                productAction: "setup",
                requiredProductId,
                requiredAction: "setup",
                requirementType: "before",
              }));
            if (deps.length > 0) dependencies.set(id, deps);
          });
          return {
            pocs: names.map((id) => makePoc(id, "setup", "not_installed")),
            catalog: { products: new Map(names.map((id) => [id, makeProduct(id, 0, [])])), dependencies },
          };
        }),
    );
    const upstreamLike = measure(fc.sample(dag, { seed: 1, numRuns: 3000 }));
    expect(upstreamLike.acyclic).toBe(3000);
    expect(upstreamLike.opsi).toBeGreaterThan(0);
    expect(upstreamLike.ours).toBe(0);

    const general = measure(fc.sample(caseArb(3, 5, true), { seed: 20240814, numRuns: 3000 }));
    expect(general.acyclic).toBeGreaterThan(2500);
    expect(general.opsi).toBeGreaterThan(0);
    expect(general.ours).toBe(0);
  });
});
