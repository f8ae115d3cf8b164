/**
 * @module testing/suites/configs
 * Config and ConfigState specifics: value-list normalisation, BoolConfig rules, conversion of the
 * base Config class, the deliberate "null list keeps the stored list" fix and `[null]` states.
 */
import { expect, it } from "vitest";
import { type Dict, expectBadValue, type GetBackend } from "../assertions.js";
import { boolConfig, CLIENT_ID, CLIENT2_ID, configState, unicodeConfig } from "../fixtures.js";

async function config(getBackend: GetBackend, id: string): Promise<Dict | undefined> {
  const list = (await getBackend().config_getObjects([], { id })) as Dict[];
  expect(list.length).toBeLessThanOrEqual(1);
  return list[0];
}

/**
 * Registers the Config/ConfigState tests.
 * @example describe("configs", () => configsSuite(() => backend))
 */
export function configsSuite(getBackend: GetBackend): void {
  it("de-duplicates and sorts value lists", async () => {
    await getBackend().config_insertObject(unicodeConfig({ possibleValues: ["c", "a", "b", "a"], defaultValues: ["b", "a", "b"] }));
    const c = await config(getBackend, "test.config.unicode");
    expect(c?.possibleValues).toEqual(["a", "b", "c"]);
    expect(c?.defaultValues).toEqual(["a", "b"]);
  });

  it("drops default values that are not possible values", async () => {
    await getBackend().config_insertObject(unicodeConfig({ possibleValues: ["a", "b"], defaultValues: ["a", "z"] }));
    expect((await config(getBackend, "test.config.unicode"))?.defaultValues).toEqual(["a"]);
  });

  it("uses the default values as possible values when none are given", async () => {
    const b = getBackend();
    await b.config_createObjects([
      unicodeConfig({ possibleValues: [], defaultValues: ["x"] }),
      unicodeConfig({ id: "test.config.other", possibleValues: null, defaultValues: ["y", "z"] }),
    ]);
    expect((await config(getBackend, "test.config.unicode"))?.possibleValues).toEqual(["x"]);
    expect((await config(getBackend, "test.config.other"))?.possibleValues).toEqual(["y", "z"]);
  });

  it("forces multiValue when there is more than one default value", async () => {
    await getBackend().config_insertObject(unicodeConfig({ defaultValues: ["a", "b"], multiValue: false }));
    expect((await config(getBackend, "test.config.unicode"))?.multiValue).toBe(true);
  });

  it("stores UnicodeConfig values as strings", async () => {
    await getBackend().config_insertObject(unicodeConfig({ possibleValues: [2, 1, true], defaultValues: [1] }));
    const c = await config(getBackend, "test.config.unicode");
    expect(c?.possibleValues).toEqual(["1", "2", "True"]);
    expect(c?.defaultValues).toEqual(["1"]);
  });

  it("lowercases config ids", async () => {
    await getBackend().config_insertObject(unicodeConfig({ id: "Test.Config.MIXED" }));
    expect((await getBackend().config_getIdents("str")).sort()).toEqual(["test.config.mixed"]);
  });

  it("BoolConfig: possible values are always [false, true], editable and multiValue false", async () => {
    await getBackend().config_insertObject(
      boolConfig({ possibleValues: ["x"], defaultValues: ["true"], editable: true, multiValue: true }),
    );
    const c = await config(getBackend, "test.config.bool");
    expect([c?.possibleValues, c?.defaultValues, c?.editable, c?.multiValue]).toEqual([[false, true], [true], false, false]);
  });

  it("BoolConfig: more than one default value is a bad value", async () => {
    await expectBadValue(getBackend().config_insertObject(boolConfig({ defaultValues: [true, false] })));
    expect(await getBackend().config_getObjects()).toEqual([]);
  });

  it("a base Config with only boolean possible values is stored as BoolConfig", async () => {
    const b = getBackend();
    await b.config_createObjects([
      { id: "base.bool", possibleValues: [true, false], defaultValues: [true] },
      { type: "Config", id: "base.bool.defaults", defaultValues: [false] },
    ]);
    const list = (await b.config_getObjects([], { id: "base.bool*" })) as Dict[];
    expect(list.map((c) => [c.id, c.type, c.possibleValues, c.defaultValues]).sort()).toEqual([
      ["base.bool", "BoolConfig", [false, true], [true]],
      ["base.bool.defaults", "BoolConfig", [false, true], [false]],
    ]);
  });

  it("a base Config with other values or without values is stored as UnicodeConfig", async () => {
    const b = getBackend();
    await b.config_createObjects([
      { type: "Config", id: "base.unicode", possibleValues: ["a", true], defaultValues: ["a"] },
      { type: "Config", id: "base.empty" },
    ]);
    const list = (await b.config_getObjects([], { id: "base.*" })) as Dict[];
    expect(list.map((c) => [c.id, c.type, c.possibleValues, c.defaultValues]).sort()).toEqual([
      ["base.empty", "UnicodeConfig", [], []],
      ["base.unicode", "UnicodeConfig", ["True", "a"], ["a"]],
    ]);
  });

  it("deliberate fix: updateObject without value lists keeps the stored lists", async () => {
    const b = getBackend();
    await b.config_insertObject(unicodeConfig());
    await b.config_updateObject({ type: "UnicodeConfig", id: "test.config.unicode", description: "changed" });
    await b.config_updateObject({ id: "test.config.unicode", possibleValues: null, defaultValues: null, editable: true });
    const c = await config(getBackend, "test.config.unicode");
    expect([c?.description, c?.possibleValues, c?.defaultValues, c?.editable]).toEqual(["changed", ["a", "b", "c"], ["b"], true]);
  });

  it("deliberate fix: updateObjects without value lists keeps the stored lists", async () => {
    const b = getBackend();
    await b.config_insertObject(unicodeConfig());
    await b.config_updateObjects([{ type: "UnicodeConfig", id: "test.config.unicode", description: "changed" }]);
    const c = await config(getBackend, "test.config.unicode");
    expect([c?.description, c?.possibleValues, c?.defaultValues]).toEqual(["changed", ["a", "b", "c"], ["b"]]);
  });

  it("updateObject with new value lists replaces the stored lists", async () => {
    const b = getBackend();
    await b.config_insertObject(unicodeConfig());
    await b.config_updateObject({ type: "UnicodeConfig", id: "test.config.unicode", possibleValues: ["x", "y"], defaultValues: ["y"] });
    const c = await config(getBackend, "test.config.unicode");
    expect([c?.possibleValues, c?.defaultValues]).toEqual([["x", "y"], ["y"]]);
  });

  it("ConfigState values are sorted with null last", async () => {
    await getBackend().configState_insertObject(configState({ values: ["b", null, "a"] }));
    const [s] = (await getBackend().configState_getObjects()) as Dict[];
    expect(s?.values).toEqual(["a", "b", null]);
  });

  it("ConfigState values keep their JSON types", async () => {
    await getBackend().configState_createObjects([
      configState({ values: [true] }),
      configState({ objectId: CLIENT2_ID, values: [3, 1, 2] }),
    ]);
    const states = (await getBackend().configState_getObjects()) as Dict[];
    expect(states.map((s) => [s.objectId, s.values]).sort()).toEqual([
      [CLIENT_ID, [true]],
      [CLIENT2_ID, [1, 2, 3]],
    ]);
  });

  it("createObjects silently drops ConfigStates whose values are exactly [null]", async () => {
    const b = getBackend();
    await b.configState_createObjects([
      configState({ values: [null] }),
      configState({ objectId: CLIENT2_ID, values: ["x"] }),
      configState({ configId: "other.config", values: [null, "y"] }),
    ]);
    const states = (await b.configState_getObjects()) as Dict[];
    expect(states.map((s) => [s.configId, s.objectId, s.values]).sort()).toEqual([
      ["other.config", CLIENT_ID, ["y", null]],
      ["test.config.unicode", CLIENT2_ID, ["x"]],
    ]);
  });

  it("updateObjects silently drops ConfigStates whose values are exactly [null] and keeps the stored state", async () => {
    const b = getBackend();
    await b.configState_insertObject(configState({ values: ["kept"] }));
    await b.configState_updateObjects([configState({ values: [null] }), configState({ objectId: CLIENT2_ID, values: [null] })]);
    await b.configState_createObjects(configState({ values: [null] }));
    const states = (await b.configState_getObjects()) as Dict[];
    expect(states.map((s) => [s.objectId, s.values])).toEqual([[CLIENT_ID, ["kept"]]]);
  });

  it("ConfigState does not require the config or the host to exist", async () => {
    await getBackend().configState_createObjects([configState({ configId: "no.such.config", objectId: "no-host.opsi.test" })]);
    expect(await getBackend().configState_getIdents("str")).toEqual(["no.such.config;no-host.opsi.test"]);
  });
}
