import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpFetch } from "./http-fetch.js";

let server: Server;
let base: string;
const seen: { method: string; headers: IncomingMessage["headers"]; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", headers: req.headers, body });
      if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2000);
      res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"]);
      res.setHeader("x-echo", "yes");
      res.statusCode = req.url === "/missing" ? 404 : 200;
      res.statusMessage = req.url === "/missing" ? "Nope" : "OK";
      res.end(req.method === "HEAD" ? undefined : `echo:${body}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("createHttpFetch", () => {
  it("sends method, headers and a byte body and returns status, headers and body", async () => {
    const fetch = createHttpFetch();
    try {
      const res = await fetch(`${base}/rpc`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-opsi-session-lifetime": "150" },
        body: new TextEncoder().encode('{"x":1}'),
      });
      expect(res.status).toBe(200);
      expect(res.statusText).toBe("OK");
      expect(res.headers.get("x-echo")).toBe("yes");
      expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
      expect(await res.text()).toBe('echo:{"x":1}');
      const request = seen.at(-1);
      expect(request).toMatchObject({ method: "POST", body: '{"x":1}' });
      expect(request?.headers).toMatchObject({
        "content-type": "application/json",
        "content-length": "7",
        "x-opsi-session-lifetime": "150",
      });
    } finally {
      fetch.close();
    }
  });

  it("answers HEAD without a body, passes error statuses through and accepts string bodies", async () => {
    const fetch = createHttpFetch({ keepAlive: false });
    try {
      const head = await fetch(`${base}/rpc`, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.body).toBeNull();
      const missing = await fetch(`${base}/missing`, { method: "POST", body: "text" });
      expect([missing.status, missing.statusText, await missing.text()]).toEqual([404, "Nope", "echo:text"]);
    } finally {
      fetch.close();
    }
  });

  it("rejects on abort, refused connections and unsupported protocols or bodies", async () => {
    const fetch = createHttpFetch();
    try {
      const controller = new AbortController();
      const slow = fetch(`${base}/slow`, { method: "GET", signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(slow).rejects.toThrow(/abort/i);
      await expect(fetch("http://127.0.0.1:1/", { method: "GET" })).rejects.toMatchObject({ code: "ECONNREFUSED" });
      await expect(fetch("ftp://127.0.0.1/", { method: "GET" })).rejects.toThrow("unsupported protocol 'ftp:'");
      await expect(fetch(`${base}/rpc`, { method: "POST", body: new Blob(["x"]) })).rejects.toThrow(/bodies are supported/);
    } finally {
      fetch.close();
    }
  });
});
