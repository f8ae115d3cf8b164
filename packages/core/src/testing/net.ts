/** @module testing/net Network helpers for tests that start real servers. */
import { createServer } from "node:net";

/**
 * A TCP port that was free on 127.0.0.1 a moment ago (for servers that must know their port before listening).
 * @example const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port"))));
    });
  });
}
