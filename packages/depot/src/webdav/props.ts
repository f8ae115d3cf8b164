/** @module webdav/props: dead property store kept as a JSON sidecar in the handler's state directory. */

import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Dead properties of one resource: `{ns}name` -> serialized property element. */
export type PropMap = Record<string, string>;

const isAt = (prefix: string, p: string): boolean => p === prefix || (prefix === "" ? true : p.startsWith(`${prefix}/`));

/**
 * Dead properties keyed by resource path (on-disk segments joined with "/"); writes are serialized and atomic.
 * @example
 * const store = new DeadPropStore("/var/lib/opsiconfd/webdav/depot");
 * await store.patch("a.txt", { "{urn:x}color": '<color xmlns="urn:x">red</color>' }, []);
 */
export class DeadPropStore {
  private data: Map<string, PropMap> | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {}

  private async load(): Promise<Map<string, PropMap>> {
    if (this.data) return this.data;
    const map = new Map<string, PropMap>();
    try {
      const parsed: unknown = JSON.parse(await readFile(join(this.dir, "props.json"), "utf8"));
      if (parsed && typeof parsed === "object") {
        for (const [k, v] of Object.entries(parsed)) {
          if (v && typeof v === "object") map.set(k, { ...(v as PropMap) });
        }
      }
    } catch (e: unknown) {
      if (!(e instanceof Error && "code" in e && e.code === "ENOENT")) throw e;
    }
    this.data ??= map;
    return this.data;
  }

  private async save(map: Map<string, PropMap>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `props.json.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(Object.fromEntries(map)));
    await rename(tmp, join(this.dir, "props.json"));
  }

  private mutate<T>(fn: (map: Map<string, PropMap>) => T): Promise<T> {
    const run = this.chain.then(async () => {
      const map = await this.load();
      const result = fn(map);
      await this.save(map);
      return result;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  async get(path: string): Promise<PropMap> {
    return { ...((await this.load()).get(path) ?? {}) };
  }

  /** Sets and removes properties in one atomic step. */
  patch(path: string, set: PropMap, remove: string[]): Promise<void> {
    return this.mutate((map) => {
      const cur = { ...(map.get(path) ?? {}), ...set };
      for (const k of remove) delete cur[k];
      if (Object.keys(cur).length) map.set(path, cur);
      else map.delete(path);
    });
  }

  /** Drops the properties of `path` and everything below it. */
  delete(path: string): Promise<void> {
    return this.mutate((map) => {
      for (const k of [...map.keys()]) if (isAt(path, k)) map.delete(k);
    });
  }

  /** Copies (or moves) the properties of `from` (and, if `deep`, everything below) to `to`, replacing those at `to`. */
  copy(from: string, to: string, deep: boolean, move = false): Promise<void> {
    return this.mutate((map) => {
      for (const k of [...map.keys()]) if (isAt(to, k)) map.delete(k);
      for (const [k, v] of [...map.entries()]) {
        if (k === from || (deep && isAt(from, k))) {
          const rest = k.slice(from.length);
          const target = from === "" ? (to ? `${to}/${k}` : k) : to + rest;
          map.set(target.replace(/^\//, ""), { ...v });
          if (move) map.delete(k);
        }
      }
    });
  }
}
