import { describe, expect, it } from "vitest";
import { atomically, UndoLog } from "./undo-log.js";

describe("UndoLog", () => {
  it("replays inverse steps newest first and empties itself", () => {
    const log = new UndoLog();
    const seen: number[] = [];
    log.record(() => seen.push(1));
    log.record(() => seen.push(2));
    log.rollback();
    expect(seen).toEqual([2, 1]);
    expect(log.size).toBe(0);
  });

  it("atomically() rolls back and rethrows on error, keeps the changes otherwise", () => {
    const state = new Set<string>();
    const add = (log: UndoLog, v: string) => {
      state.add(v);
      log.record(() => state.delete(v));
    };
    expect(
      atomically((log) => {
        add(log, "a");
        return "done";
      }),
    ).toBe("done");
    expect(() =>
      atomically((log) => {
        add(log, "b");
        add(log, "c");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect([...state]).toEqual(["a"]);
  });
});
