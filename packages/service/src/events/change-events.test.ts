/** @module events/change-events.test The typed event bus: subscribe, unsubscribe, all-event listeners, listener errors. */
import { describe, expect, it } from "vitest";
import { CHANGE_EVENT_NAMES, type ChangeEvent, ChangeEvents } from "./change-events.js";

describe("ChangeEvents", () => {
  it("delivers an event to its listeners and all-event listeners, in that order", () => {
    const events = new ChangeEvents();
    const seen: string[] = [];
    events.subscribe("host_created", (data, name) => seen.push(`${name}:${data.type}:${data.id}`));
    events.subscribeAll((e) => seen.push(`all:${e.name}`));
    events.emit("host_created", { type: "OpsiClient", id: "pc1.dom.tld" });
    events.emit("host_deleted", { id: "pc1.dom.tld" });
    expect(seen).toEqual(["host_created:OpsiClient:pc1.dom.tld", "all:host_created", "all:host_deleted"]);
  });

  it("unsubscribes with the returned function and with unsubscribe()", () => {
    const events = new ChangeEvents();
    const ids: string[] = [];
    const listener = (data: { id: string }) => ids.push(data.id);
    const off = events.subscribe("config_created", listener);
    events.subscribe("config_updated", listener);
    expect(events.listenerCount("config_created")).toBe(1);
    off();
    events.unsubscribe("config_updated", listener);
    events.emit("config_created", { id: "a" });
    events.emit("config_updated", { id: "b" });
    expect(ids).toEqual([]);
    expect(events.listenerCount("config_created")).toBe(0);
  });

  it("keeps emitting when a listener throws and reports the error", () => {
    const errors: [unknown, ChangeEvent][] = [];
    const events = new ChangeEvents({ onListenerError: (e, ev) => errors.push([e, ev]) });
    const got: string[] = [];
    events.subscribe("log_updated", () => {
      throw new Error("boom");
    });
    events.subscribe("log_updated", (d) => got.push(d.object_id));
    expect(() => events.emit("log_updated", { type: "instlog", object_id: "pc1.dom.tld" })).not.toThrow();
    expect(got).toEqual(["pc1.dom.tld"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[0]).toEqual(new Error("boom"));
    expect(errors[0]?.[1]).toEqual({ name: "log_updated", data: { type: "instlog", object_id: "pc1.dom.tld" } });
  });

  it("lists the 13 event names of opsiconfd", () => {
    expect(CHANGE_EVENT_NAMES).toHaveLength(13);
    expect(new Set(CHANGE_EVENT_NAMES).size).toBe(13);
  });
});
