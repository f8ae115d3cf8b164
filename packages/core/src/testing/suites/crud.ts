/**
 * @module testing/suites/crud
 * The generic CRUD contract, run for every stored class of all 22 prefixes: insert/create round
 * trips with `setDefaults()`, partial updates, `updateObjects` upserts with DB column defaults,
 * every `getIdents` return shape and deletes by object or ident dict.
 */
import { describe, expect, it } from "vitest";
import type { Ident } from "../../model/object.js";
import { type Dict, expectBadValue, expected, expectObjects, type GetBackend, pick } from "../assertions.js";
import { opsiClient } from "../fixtures.js";
import { PREFIX_CASES, type PrefixCase } from "../prefix-cases.js";
import { methodsOf } from "../prefix-methods.js";

function sortIdents(idents: readonly Ident[]): Ident[] {
  return [...idents].sort((a, b) => {
    const ka = JSON.stringify(a);
    const kb = JSON.stringify(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function identDictOf(c: PrefixCase, obj: Dict): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(c.identDict)) out[k] = obj[k] === null || obj[k] === undefined ? "" : String(obj[k]);
  return out;
}

function registerCase(getBackend: GetBackend, c: PrefixCase): void {
  const setup = async () => {
    const backend = getBackend();
    await c.setup?.(backend);
    return { backend, m: methodsOf(backend, c.prefix) };
  };
  const readBack = c.readBack ?? {};
  const minimalKeys = Object.keys(c.minimal);
  const secondMinimal = pick(c.second, minimalKeys);

  it("insertObject stores every attribute and reads it back", async () => {
    const { backend, m } = await setup();
    await m.insertObject(c.full);
    expectObjects(backend, await m.getObjects(), [expected(backend, c.full, readBack)]);
  });

  it("insertObject fills exactly the setDefaults() values", async () => {
    const { backend, m } = await setup();
    const t0 = Date.now();
    await m.insertObject(c.minimal);
    expectObjects(backend, await m.getObjects(), [expected(backend, c.minimal, c.insertDefaults)], t0);
  });

  it("insertObject on an existing ident overwrites all attributes", async () => {
    const { backend, m } = await setup();
    await m.insertObject(c.full);
    const t0 = Date.now();
    await m.insertObject(c.minimal);
    expectObjects(backend, await m.getObjects(), [expected(backend, c.minimal, c.insertDefaults)], t0);
  });

  it("createObjects accepts a single object and a list", async () => {
    const { backend, m } = await setup();
    await m.createObjects(c.full);
    await m.createObjects([c.second]);
    expectObjects(backend, await m.getObjects(), [expected(backend, c.full, readBack), expected(backend, c.second, readBack)]);
  });

  it("createObjects applies setDefaults() to every object of a list", async () => {
    const { backend, m } = await setup();
    const t0 = Date.now();
    await m.createObjects([c.minimal, secondMinimal]);
    expectObjects(
      backend,
      await m.getObjects(),
      [expected(backend, c.minimal, c.insertDefaults), expected(backend, secondMinimal, c.insertDefaults)],
      t0,
    );
  });

  it("updateObject with only the ident keeps every stored attribute (except constructor values)", async () => {
    const { backend, m } = await setup();
    await m.insertObject(c.full);
    await m.updateObject(c.minimal);
    expectObjects(backend, await m.getObjects(), [expected(backend, c.full, readBack, c.constructorValues ?? {})]);
  });

  const update = c.update;
  if (update) {
    it("updateObject changes only the given attributes", async () => {
      const { backend, m } = await setup();
      await m.createObjects([c.full, c.second]);
      await m.updateObject({ ...c.minimal, ...update });
      expectObjects(backend, await m.getObjects(), [expected(backend, c.full, readBack, update), expected(backend, c.second, readBack)]);
    });

    it("updateObject does not apply defaults", async () => {
      const { backend, m } = await setup();
      const t0 = Date.now();
      await m.updateObjects(c.minimal);
      await m.updateObject({ ...c.minimal, ...update });
      expectObjects(backend, await m.getObjects(), [expected(backend, c.minimal, c.columnDefaults, update)], t0);
    });
  }

  it("updateObject on a missing object is a silent no-op", async () => {
    const { m } = await setup();
    await m.updateObject(c.full);
    expect(await m.getObjects()).toEqual([]);
  });

  it("updateObjects creates missing objects with the DB column defaults only", async () => {
    const { backend, m } = await setup();
    const t0 = Date.now();
    await m.updateObjects(c.minimal);
    expectObjects(backend, await m.getObjects(), [expected(backend, c.minimal, c.columnDefaults)], t0);
  });

  it("updateObjects updates existing objects and creates missing ones in one call", async () => {
    const { backend, m } = await setup();
    await m.insertObject(c.full);
    const t0 = Date.now();
    await m.updateObjects([{ ...c.minimal, ...(update ?? {}) }, secondMinimal]);
    expectObjects(
      backend,
      await m.getObjects(),
      [expected(backend, c.full, readBack, update ?? {}), expected(backend, secondMinimal, c.columnDefaults)],
      t0,
    );
  });

  it("getIdents returns every return type", async () => {
    const { backend, m } = await setup();
    await m.createObjects([c.full, c.second]);
    const dicts = [c.identDict, identDictOf(c, expected(backend, c.second, readBack))];
    const lists = dicts.map((d) => Object.values(d));
    const strings = lists.map((l) => l.join(";"));
    expect(sortIdents(await m.getIdents())).toEqual(sortIdents(strings));
    expect(sortIdents(await m.getIdents("str"))).toEqual(sortIdents(strings));
    expect(sortIdents(await m.getIdents("unicode"))).toEqual(sortIdents(strings));
    expect(sortIdents(await m.getIdents("list"))).toEqual(sortIdents(lists));
    expect(sortIdents(await m.getIdents("tuple"))).toEqual(sortIdents(lists));
    expect(sortIdents(await m.getIdents("dict"))).toEqual(sortIdents(dicts));
    expect(sortIdents(await m.getIdents("hash"))).toEqual(sortIdents(dicts));
    await expectBadValue(m.getIdents("xml"), "xml");
  });

  it("getIdents and getObjects filter on the ident attributes", async () => {
    const { backend, m } = await setup();
    await m.createObjects([c.full, c.second]);
    const strIdent = Object.values(c.identDict).join(";");
    expect(await m.getIdents("str", c.identDict)).toEqual([strIdent]);
    expect(await m.getIdents("list", c.identDict)).toEqual([Object.values(c.identDict)]);
    expect(await m.getIdents("dict", c.identDict)).toEqual([c.identDict]);
    expectObjects(backend, await m.getObjects([], c.identDict), [expected(backend, c.full, readBack)]);
  });

  it("deleteObjects removes by object or ident dict and ignores missing objects", async () => {
    const { backend, m } = await setup();
    await m.createObjects([c.full, c.second]);
    const [stored] = await m.getObjects([], c.identDict);
    expect(stored).toBeDefined();
    await m.deleteObjects(stored);
    expectObjects(backend, await m.getObjects(), [expected(backend, c.second, readBack)]);
    await m.deleteObjects(c.full);
    await m.deleteObjects([]);
    expectObjects(backend, await m.getObjects(), [expected(backend, c.second, readBack)]);
    const idents = await m.getIdents("dict");
    expect(idents).toHaveLength(1);
    await m.deleteObjects(idents);
    expect(await m.getObjects()).toEqual([]);
  });
}

/**
 * Registers the generic CRUD tests for every stored class of all 22 prefixes.
 * @example describe("crud", () => crudSuite(() => backend))
 */
export function crudSuite(getBackend: GetBackend): void {
  for (const c of PREFIX_CASES) {
    describe(`${c.prefix} (${c.className})`, () => registerCase(getBackend, c));
  }

  it("BackendCore methods and opsi-named methods address the same store", async () => {
    const backend = getBackend();
    await backend.insertObject("host", opsiClient());
    expect((await backend.host_getObjects()).map((h) => h.id)).toEqual([opsiClient().id]);
    expect(await backend.getIdents("host", "str")).toEqual([opsiClient().id]);
    await backend.host_deleteObjects({ id: opsiClient().id });
    expect(await backend.getObjects("host")).toEqual([]);
  });
}
