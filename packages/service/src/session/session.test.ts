import { afterEach, describe, expect, it } from "vitest";
import { HttpError } from "../http/errors.js";
import { isSessionId, parseSessionCookie, sessionCookie } from "./cookie.js";
import { MemorySessionStore } from "./MemorySessionStore.js";
import { newSessionData } from "./Session.js";
import { SessionManager } from "./SessionManager.js";

const ID = "7b9efe97a143438684267dfb71cbace2";

describe("session cookie", () => {
  it("parses leniently", () => {
    expect(parseSessionCookie(`opsiconfd-session=${ID}`)).toBe(ID);
    expect(parseSessionCookie(`NULL; opsiconfd-session=${ID}`)).toBe(ID);
    expect(parseSessionCookie(`a=b;  OPSICONFD-SESSION = ${ID.toUpperCase()} ; c=d`)).toBe(ID);
    expect(parseSessionCookie(`opsiconfd-session="${ID}"`)).toBe(ID);
    expect(parseSessionCookie("opsiconfd-session=short")).toBeUndefined();
    expect(parseSessionCookie("NULL")).toBeUndefined();
    expect(parseSessionCookie(undefined)).toBeUndefined();
    expect(parseSessionCookie(`other=${ID}`)).toBeUndefined();
  });

  it("formats Set-Cookie values", () => {
    expect(sessionCookie(ID, 120)).toBe(`opsiconfd-session=${ID}; SameSite=Strict; Secure; path=/; Max-Age=120`);
    expect(sessionCookie(ID, 0)).toBe(`opsiconfd-session=${ID}; SameSite=Strict; Secure; path=/; Max-Age=0`);
    expect(sessionCookie(ID, undefined)).toBe(`opsiconfd-session=${ID}; SameSite=Strict; Secure; path=/`);
    expect(isSessionId(newSessionData("1.2.3.4", "", 1, 0).id)).toBe(true);
  });
});

describe("MemorySessionStore", () => {
  const stores: MemorySessionStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it("returns copies, expires by idle time and counts per address", async () => {
    const store = new MemorySessionStore({ sweepIntervalMs: 0 });
    stores.push(store);
    const a = newSessionData("10.0.0.1", "ua", 10, 1_000);
    const b = newSessionData("10.0.0.1", "ua", 100, 1_000);
    const c = newSessionData("10.0.0.2", "ua", 10, 1_000);
    await store.set(a);
    await store.set(b);
    await store.set(c);
    const got = await store.get(a.id, 5_000);
    expect(got).toEqual(a);
    if (got) got.userGroups.push("x");
    expect((await store.get(a.id, 5_000))?.userGroups).toEqual([]);
    expect(await store.countValid("10.0.0.1", 5_000)).toBe(2);
    expect(await store.countValid("10.0.0.1", 11_000)).toBe(1);
    expect(await store.get(a.id, 11_000)).toBeUndefined();
    expect(await store.sweep(11_000)).toBe(1);
    expect(store.size).toBe(1);
    await store.delete(b.id);
    expect(store.size).toBe(0);
  });

  it("sweeps expired sessions on a timer that can be stopped", async () => {
    let now = 0;
    const store = new MemorySessionStore({ sweepIntervalMs: 20, clock: () => now });
    stores.push(store);
    await store.set(newSessionData("10.0.0.1", "ua", 1, 0));
    now = 5_000;
    await new Promise((r) => setTimeout(r, 80));
    expect(store.size).toBe(0);
    await store.close();
    await store.set(newSessionData("10.0.0.1", "ua", 1, 0));
    await new Promise((r) => setTimeout(r, 80));
    expect(store.size).toBe(1);
  });
});

describe("SessionManager", () => {
  let now = 1_000_000;
  const clock = () => now;
  const make = (opts: Partial<ConstructorParameters<typeof SessionManager>[0]> = {}) =>
    new SessionManager({ store: new MemorySessionStore({ sweepIntervalMs: 0 }), lifetime: 60, maxSessionsPerIp: 3, clock, ...opts });
  /** Gets and stores a session, as a successful login does. */
  const open = async (m: SessionManager, request: Parameters<SessionManager["getSession"]>[0]) => {
    const s = await m.getSession(request);
    await m.save(s);
    return s;
  };

  it("stores new sessions only when saved; no cookie before", async () => {
    const m = make();
    const s = await m.getSession({ clientAddress: "10.0.0.1" });
    expect(s.stored).toBe(false);
    expect(m.cookie(s)).toBeUndefined();
    expect(await m.store.countValid("10.0.0.1", now)).toBe(0);
    expect((await m.getSession({ clientAddress: "10.0.0.1", sessionId: s.id })).id).not.toBe(s.id);
    await m.save(s);
    expect(s.stored).toBe(true);
    expect(m.cookie(s)).toBeDefined();
    expect((await m.getSession({ clientAddress: "10.0.0.1", sessionId: s.id })).id).toBe(s.id);
  });

  it("creates, reuses and refreshes last_used; expires after idle lifetime", async () => {
    const m = make();
    const s = await open(m, { clientAddress: "10.0.0.1", userAgent: "opsiclientd" });
    expect(s.data.maxAge).toBe(60);
    now += 50_000;
    const again = await m.getSession({ clientAddress: "10.0.0.1", sessionId: s.id });
    expect(again.id).toBe(s.id);
    expect(again.data.lastUsed).toBe(now);
    now += 50_000;
    expect((await m.getSession({ clientAddress: "10.0.0.1", sessionId: s.id })).id).toBe(s.id);
    now += 61_000;
    expect((await m.getSession({ clientAddress: "10.0.0.1", sessionId: s.id })).id).not.toBe(s.id);
  });

  it("does not hand a session to another address", async () => {
    const m = make();
    const s = await open(m, { clientAddress: "10.0.0.1" });
    expect((await m.getSession({ clientAddress: "10.0.0.2", sessionId: s.id })).id).not.toBe(s.id);
  });

  it("accepts X-opsi-session-lifetime between 1 and 86400", async () => {
    const m = make();
    expect((await m.getSession({ clientAddress: "10.0.0.1", lifetimeHeader: "5" })).data.maxAge).toBe(5);
    expect((await m.getSession({ clientAddress: "10.0.0.4", lifetimeHeader: "86400" })).data.maxAge).toBe(86400);
    expect((await m.getSession({ clientAddress: "10.0.0.5", lifetimeHeader: "86401" })).data.maxAge).toBe(60);
    expect((await m.getSession({ clientAddress: "10.0.0.6", lifetimeHeader: "0" })).data.maxAge).toBe(60);
    expect((await m.getSession({ clientAddress: "10.0.0.7", lifetimeHeader: "abc" })).data.maxAge).toBe(60);
  });

  it("limits sessions per address, except localhost and active depots", async () => {
    const m = make();
    for (let i = 0; i < 3; i++) await open(m, { clientAddress: "10.0.0.9" });
    const err = await m.getSession({ clientAddress: "10.0.0.9", userAgent: "ua" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(403);
    expect((err as HttpError).message).toMatch(/^Too many sessions from 10\.0\.0\.9 \/ ua, maximum is: 3/);
    for (let i = 0; i < 5; i++) await open(m, { clientAddress: "127.0.0.1" });
    for (let i = 0; i < 5; i++) await open(m, { clientAddress: "::1" });
    m.noteDepotAddress("10.0.0.9");
    await expect(m.getSession({ clientAddress: "10.0.0.9" })).resolves.toBeDefined();
    now += 61_000;
    // The depot note is outdated and the old sessions expired: the limit applies again from zero.
    for (let i = 0; i < 3; i++) await open(m, { clientAddress: "10.0.0.9" });
    await expect(m.getSession({ clientAddress: "10.0.0.9" })).rejects.toThrow(/Too many sessions/);
  });

  it("keeps curl and libdnf sessions out of the store and without cookie", async () => {
    const m = make();
    const s = await open(m, { clientAddress: "10.0.0.3", userAgent: "curl/8.5.0" });
    expect(s.persistent).toBe(false);
    expect(m.cookie(s)).toBeUndefined();
    expect(await m.store.countValid("10.0.0.3", now)).toBe(0);
    expect((await m.getSession({ clientAddress: "10.0.0.3", userAgent: "libdnf (Rocky 9)" })).persistent).toBe(false);
  });

  it("builds cookies for normal, deleted and message-bus sessions and reloads from the store", async () => {
    const m = make();
    const s = await open(m, { clientAddress: "10.0.0.8" });
    expect(m.cookie(s)).toBe(`opsiconfd-session=${s.id}; SameSite=Strict; Secure; path=/; Max-Age=60`);
    s.data.messagebusLastUsed = now;
    expect(m.cookie(s)).toBe(`opsiconfd-session=${s.id}; SameSite=Strict; Secure; path=/`);
    const other = await m.getSession({ clientAddress: "10.0.0.8", sessionId: s.id });
    other.data.authenticated = true;
    await m.save(other);
    expect(await m.reload(s)).toBe(true);
    expect(s.authenticated).toBe(true);
    await m.delete(s);
    expect(m.cookie(s)).toContain("Max-Age=0");
    expect(await m.reload(s)).toBe(false);
  });
});
