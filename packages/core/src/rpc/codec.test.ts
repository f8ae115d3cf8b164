import { compressFrameSync, decompressFrameSync } from "lz4-napi";
import { describe, expect, it } from "vitest";
import { decodeObject, toWire } from "../model/object.js";
import {
  COMPRESS_MIN_SIZE,
  compressData,
  compressionFromHeader,
  decodeBody,
  decompressData,
  deserializeData,
  encodeBody,
  hasGzipHeader,
  hasZlibHeader,
  type Lz4Codec,
  Lz4CodecMissingError,
  negotiateRpc,
  type Serialization,
  serializationFromHeader,
  serializeData,
  unquoteQueryString,
} from "./codec.js";
import { JsonRpcRequestError } from "./errors.js";

const view = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
/** lz4-napi's frame API, as the server wires it. */
const lz4: Lz4Codec = {
  compress: (b) => compressFrameSync(view(b)),
  decompress: (b) => decompressFrameSync(view(b)),
};

/** Deterministic bytes (glibc-style LCG), reproducible in Python for the CLI fixture. */
function lcgPattern(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = 42;
  for (let i = 0; i < length; i += 1) {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    out[i] = (x >> 16) & 0xff;
  }
  return out;
}

/**
 * Produced by the Debian `lz4` CLI 1.9.4: `lz4 -BD -B4 --content-size` (linked 64 KiB blocks, content size and
 * content checksum) over {@link lcgPattern}(1000) repeated 200 times (200,000 bytes).
 */
const LZ4_CLI_LINKED_FRAME = [
  "BCJNGExAQA0DAAAAAABY8gQAAP/////ciYmldSBFbYRhgVQS7tS1MEULt+OZ1I6wbi936feVcbov5bzzuRITk3iOqRjudeSJVnrbP4CSkXdvYu+Zs2mDRoft",
  "+ySrp19pAC0SKOUjhl5TIsK8umOVMps0l0DiF+X8CbqY4u2bCl5ud8gbyndVCbcapDBC4VM4aryptHs3TjIsZM0DeIfKyzyEAseVCQfh93u5dQ6ihOFVE1vP",
  "d2F4QmgC0GFDA1gG4mz6Bj9xVj6NXTliFj7ehdNR52jNLBmCNq7a00ambGnXRuevv0b4efHXXNBTThp9XY2DV3Ux6kwNfSQyegm+S5MqAZoOIabomgNZlbxq",
  "8B9q4Gh0aAij+GaK5FTWxAYEjzJ/nyOZGeUA92qLSSoYxXJizpeeSP3cuOtTE1Nv/O1CdJuX90cHx5zLxYjzJUrG7ivtmQ6KrlJ8ualG6KFYXCUJjFmBwynm",
  "5pikZrL0PXpWUv1RsGZvsCkMHsWO89KrrwiJvLqlN5tUdj38fC+rOiDwNpd9c/hQN/vqaDz8ITFZi8uamITpPGF9yiNMbktcxxzQQ2xKAYkfn0UI61b/Rpqo",
  "i8sW+fcjgsSBsRhI1TrB8AMtdYNCtFkQZnuSlyND6nf/JSqbGKcxZJuA2FUAK4aBBi6StXInW2WHmylXRH7CEWCCzAQGIOZ1UWeEL4aHjuoTHLh5Szygt98/",
  "qTAcUZmO5rn1ynjmGA7ZPhVsHaZSQWHR4WeESp0epT8JuGET6AbJopyFJlE/SGzdg6V+4UqfJyQEF9SpzLETdEKHzBwmkEEVuc/HutQ7Qh3FcWKP7Ryf7hog",
  "9bGliV+0SzcWxMxFhupFPhV4Tv+T1dNqfwezz/8FGhudup++w9kdXvVkUT3Q+jhqxuMmq5fcpiaOpBXRgUP9n4YdMmh1uq+UIlIuj1cbie2UU9NYhQw1PUe7",
  "ijpbf7pGZjHXnq4v+XNV6NpVUycwXTUhzh2XPXlIYqWLIsaRSqb2TgV5pxD0kUZ9zaT89SZTYqOOEwRFad+Xu4+g+lGkV+/MNRCWNpeHrWmAl4leYmbTM4tS",
  "BP7+mp5UDs0wl8DzBwPefLR42+xCBWpENDjdL0AoPvLOPi8QL8iBwJ48lxD3THnVOa23Wr2nBMQzXY5GYtoeCpzf9NoCb2CSfRcgRnf9fTNdryRm1qnFLsCk",
  "bUPvoaSzpLlGkM+hIlsE/1QvP3BirVhWGatEYiWcEeVzvaDWRwUfohzKTbc/M23PKmEH/KFcYniOv8EqnSNg+JdNLM+AF0Zzbx82CDAx71ybdYf6sliz73w7",
  "BFql3uO10otN5sYCTwU2KEHrbG7Cf54Cd8ALuIKS27fESOgD////////////////////////////////////////////////////////////////////////",
  "////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////",
  "////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////",
  "/////////////////////////FA+FWwdpgoBAAAP6P3/////////////////////////////////////////////////////////////////////////////",
  "////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////",
  "////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////",
  "////////////////////////6FAkq6dfafIEAAD/////3AAtEijlI4ZeUyLCvLpjlTKbNJdA4hfl/Am6mOLtmwpebnfIG8p3VQm3GqQwQuFTOGq8qbR7N04y",
  "LGTNA3iHyss8hALHlQkH4fd7uXUOooThVRNbz3dheEJoAtBhQwNYBuJs+gY/cVY+jV05YhY+3oXTUedozSwZgjau2tNGpmxp10bnr79G+Hnx11zQU04afV2N",
  "g1d1MepMDX0kMnoJvkuTKgGaDiGm6JoDWZW8avAfauBodGgIo/hmiuRU1sQGBI8yf58jmRnlAPdqi0kqGMVyYs6Xnkj93LjrUxNTb/ztQnSbl/dHB8ecy8WI",
  "8yVKxu4r7ZkOiq5SfLmpRuihWFwlCYxZgcMp5uaYpGay9D16VlL9UbBmb7ApDB7FjvPSq68Iiby6pTebVHY9/Hwvqzog8DaXfXP4UDf76mg8/CExWYvLmpiE",
  "6TxhfcojTG5LXMcc0ENsSgGJH59FCOtW/0aaqIvLFvn3I4LEgbEYSNU6wfADLXWDQrRZEGZ7kpcjQ+p3/yUqmxinMWSbgNhVACuGgQYukrVyJ1tlh5spV0R+",
  "whFggswEBiDmdVFnhC+Gh47qExy4eUs8oLffP6kwHFGZjua59cp45hgO2T4VbB2mUkFh0eFnhEqdHqU/CbhhE+gGyaKchSZRP0hs3YOlfuFKnyckBBfUqcyx",
  "E3RCh8wcJpBBFbnPx7rUO0IdxXFij+0cn+4aIPWxpYlftEs3FsTMRYbqRT4VeE7/k9XTan8Hs8//BRobnbqfvsPZHV71ZFE90Po4asbjJquX3KYmjqQV0YFD",
  "/Z+GHTJodbqvlCJSLo9XG4ntlFPTWIUMNT1Hu4o6W3+6RmYx156uL/lzVejaVVMnMF01Ic4dlz15SGKliyLGkUqm9k4FeacQ9JFGfc2k/PUmU2KjjhMERWnf",
  "l7uPoPpRpFfvzDUQljaXh61pgJeJXmJm0zOLUgT+/pqeVA7NMJfA8wcD3ny0eNvsQgVqRDQ43S9AKD7yzj4vEC/IgcCePJcQ90x51Tmtt1q9pwTEM12ORmLa",
  "Hgqc3/TaAm9gkn0XIEZ3/X0zXa8kZtapxS7ApG1D76Gks6S5RpDPoSJbBP9ULz9wYq1YVhmrRGIlnBHlc72g1kcFH6Icyk23PzNtzyphB/yhXGJ4jr/BKp0j",
  "YPiXTSzPgBdGc28fNggwMe9cm3WH+rJYs+98OwRapd7jtdKLTebGAk8FNihB62xuwn+eAnfAC7iCktu3xEiJiaV1IEVthGGBVBLu1LUwRQu345nUjrBuL3fp",
  "95Vxui/lvPO5EhOTeI6pGO515IlWets/gJKRd29i75mzaYNGh+37JKunX2noA///////////////////////////////////////////////////////////",
  "////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////",
  "////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////",
  "//////////////////////////////////////xQ7hog9bEXAAAAD+j9/////////////////zVQktu3xEgAAAAAeQQnOA==",
].join("");

function repeated(pattern: Uint8Array, times: number): Uint8Array {
  const out = new Uint8Array(pattern.length * times);
  for (let i = 0; i < times; i += 1) out.set(pattern, i * pattern.length);
  return out;
}

function base64Bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

const text = (s: string) => new TextEncoder().encode(s);

describe("serialisation negotiation", () => {
  it("recognises Content-Type / Accept by substring", () => {
    const table: [string | null, Serialization | null][] = [
      ["application/msgpack", "msgpack"],
      ["application/x-msgpack", "msgpack"],
      ["application/json", "json"],
      ["application/json; charset=utf-8", "json"],
      ["APPLICATION/JSON", "json"],
      ["text/plain", null],
      ["", null],
      [null, null],
    ];
    for (const [header, expected] of table) expect(serializationFromHeader(header)).toBe(expected);
  });

  it("mirrors a recognised request serialisation, else follows Accept, else JSON", () => {
    const table: [string | null, string | null, Serialization, Serialization][] = [
      ["application/msgpack", "application/json", "msgpack", "msgpack"],
      ["application/json", "application/msgpack", "json", "json"],
      ["text/plain", "application/msgpack", "json", "msgpack"],
      [null, "application/msgpack", "json", "msgpack"],
      [null, "application/json", "json", "json"],
      [null, "*/*", "json", "json"],
      [null, null, "json", "json"],
    ];
    for (const [contentType, accept, request, response] of table) {
      const n = negotiateRpc({ contentType, accept });
      expect([n.requestSerialization, n.responseSerialization], `${contentType} / ${accept}`).toEqual([request, response]);
    }
  });
});

describe("compression negotiation", () => {
  it("picks lz4 > deflate > gzip by substring, identity/empty as none", () => {
    const table: [string | null | undefined, string | null][] = [
      ["lz4", "lz4"],
      ["deflate", "deflate"],
      ["gzip", "gzip"],
      ["GZIP", "gzip"],
      ["gzip, deflate, br", "deflate"],
      ["gzip, deflate, lz4", "lz4"],
      ["x-gzip", "gzip"],
      ["identity", null],
      ["", null],
      [null, null],
      [undefined, null],
    ];
    for (const [header, expected] of table) expect(compressionFromHeader(header), String(header)).toBe(expected);
  });

  it("rejects codings it cannot handle with a 400 error", () => {
    for (const header of ["br", "*", "compress", "zstd", "identity, br"]) {
      expect(() => compressionFromHeader(header, "Accept-Encoding"), header).toThrow(JsonRpcRequestError);
    }
    expect(() => compressionFromHeader("br", "Accept-Encoding")).toThrow("Unhandled Accept-Encoding 'br'");
  });

  it("reports unsupported encodings without losing the serialisation", () => {
    const badAccept = negotiateRpc({ contentType: "application/msgpack", acceptEncoding: "br", contentEncoding: "lz4" });
    expect(badAccept.error?.message).toBe("Unhandled Accept-Encoding 'br'");
    expect(badAccept.error?.status).toBe(400);
    expect([badAccept.responseSerialization, badAccept.responseCompression]).toEqual(["msgpack", null]);
    const badContent = negotiateRpc({ acceptEncoding: "gzip", contentEncoding: "br" });
    expect(badContent.error?.message).toBe("Unhandled Content-Encoding 'br'");
    expect(badContent.responseCompression).toBe("gzip");
    const ok = negotiateRpc({
      contentType: "application/msgpack",
      accept: "application/msgpack",
      contentEncoding: "lz4",
      acceptEncoding: "lz4",
    });
    expect(ok).toEqual({
      requestSerialization: "msgpack",
      responseSerialization: "msgpack",
      requestCompression: "lz4",
      responseCompression: "lz4",
      error: null,
    });
  });
});

describe("compression", () => {
  const data = text(JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ id: `client${i}.dom.tld`, type: "OpsiClient" }))));

  it("writes zlib streams for deflate and gzip members for gzip", () => {
    const deflated = compressData(data, "deflate");
    expect(hasZlibHeader(deflated)).toBe(true);
    expect(deflated.length).toBeLessThan(data.length / 4);
    expect(decompressData(deflated, "deflate")).toEqual(data);
    const gzipped = compressData(data, "gzip");
    expect(hasGzipHeader(gzipped)).toBe(true);
    expect(decompressData(gzipped, "gzip")).toEqual(data);
  });

  it("accepts raw deflate streams for deflate", async () => {
    const { deflateSync } = await import("fflate");
    expect(decompressData(deflateSync(data), "deflate")).toEqual(data);
  });

  it("reports corrupt data as a request error", () => {
    expect(() => decompressData(text("not gzip"), "gzip")).toThrow(JsonRpcRequestError);
    expect(() => decompressData(text("not lz4"), "lz4", { lz4 })).toThrow(/Failed to decompress lz4 data/);
  });

  it("round-trips lz4 frames through lz4-napi", () => {
    const frame = compressData(data, "lz4", { lz4 });
    expect([...frame.subarray(0, 4)]).toEqual([0x04, 0x22, 0x4d, 0x18]);
    // lz4-napi writes independent blocks, which lz4-java (configed) can read too.
    expect((frame[4] ?? 0) & 0x20).toBe(0x20);
    expect(new Uint8Array(decompressData(frame, "lz4", { lz4 }))).toEqual(data);
  });

  it("decodes a linked-block frame produced by the lz4 CLI", () => {
    const frame = base64Bytes(LZ4_CLI_LINKED_FRAME);
    expect([...frame.subarray(0, 4)]).toEqual([0x04, 0x22, 0x4d, 0x18]);
    expect((frame[4] ?? 0) & 0x20).toBe(0);
    const expected = repeated(lcgPattern(1000), 200);
    expect(new Uint8Array(decompressData(frame, "lz4", { lz4 }))).toEqual(expected);
  });

  it("throws a clear error when lz4 is needed but no codec was given", () => {
    expect(() => compressData(data, "lz4")).toThrow(Lz4CodecMissingError);
    expect(() => decompressData(data, "lz4")).toThrow(/no Lz4Codec was given/);
    expect(() => encodeBody("x".repeat(20_000), { serialization: "json", compression: "lz4" })).toThrow(Lz4CodecMissingError);
  });
});

describe("encodeBody", () => {
  // A JSON string of n characters serialises to n + 2 bytes.
  const ofSize = (bytes: number) => "a".repeat(bytes - 2);

  it("compresses only bodies larger than 10,000 bytes", () => {
    expect(COMPRESS_MIN_SIZE).toBe(10_000);
    const atLimit = encodeBody(ofSize(10_000), { serialization: "json", compression: "gzip" });
    expect(atLimit.body.length).toBe(10_000);
    expect(atLimit.contentEncoding).toBeNull();
    const above = encodeBody(ofSize(10_001), { serialization: "json", compression: "gzip" });
    expect(above.contentEncoding).toBe("gzip");
    expect(hasGzipHeader(above.body)).toBe(true);
    expect(decodeBody(above.body, { serialization: "json", compression: "gzip" })).toBe(ofSize(10_001));
    expect(encodeBody(ofSize(10), { serialization: "json", compression: "lz4", lz4, minSize: 0 }).contentEncoding).toBe("lz4");
  });

  it("names the content type and never compresses without a compression", () => {
    expect(encodeBody([1], { serialization: "msgpack", compression: null })).toEqual({
      body: new Uint8Array([0x91, 0x01]),
      contentType: "application/msgpack",
      contentEncoding: null,
    });
    const big = encodeBody(ofSize(50_000), { serialization: "json", compression: null });
    expect([big.contentType, big.contentEncoding, big.body.length]).toEqual(["application/json", null, 50_000]);
  });

  for (const compression of ["lz4", "deflate", "gzip"] as const) {
    for (const serialization of ["json", "msgpack"] as const) {
      it(`round-trips large documents with ${serialization} + ${compression}`, () => {
        const doc = { id: 1, result: Array.from({ length: 1000 }, (_, i) => ({ id: `pc${i}.dom.tld`, n: i })), error: null };
        const encoded = encodeBody(doc, { serialization, compression, lz4 });
        expect(encoded.contentEncoding).toBe(compression);
        expect(decodeBody(encoded.body, { serialization, compression, lz4 })).toEqual(doc);
      });
    }
  }
});

describe("serialisation", () => {
  const client = toWire(
    decodeObject("host", {
      type: "OpsiClient",
      id: "PC1.Dom.TLD",
      description: "Büro – ☃",
      hardwareAddress: "00-11-22-33-44-55",
      created: "2024-01-02 03:04:05",
    }),
  );
  const config = toWire(
    decodeObject("config", {
      type: "UnicodeConfig",
      id: "opsi.x",
      possibleValues: ["a", "b"],
      defaultValues: ["a"],
      multiValue: true,
      editable: false,
    }),
  );
  const poc = toWire(
    decodeObject("productOnClient", {
      productId: "firefox",
      productType: "LocalbootProduct",
      clientId: "pc1.dom.tld",
      installationStatus: "installed",
      actionSequence: -1,
    }),
  );

  for (const serialization of ["json", "msgpack"] as const) {
    it(`round-trips opsi objects through ${serialization}`, () => {
      const doc = {
        jsonrpc: "2.0",
        id: "u",
        result: [client, config, poc, { float: 1.5, big: 2 ** 40, neg: -(2 ** 33), nested: [[null]] }],
      };
      expect(deserializeData(serializeData(doc, serialization), serialization)).toStrictEqual(doc);
      expect(client.ident).toBe("pc1.dom.tld");
    });

    it(`drops undefined members in ${serialization} like JSON does`, () => {
      const back = deserializeData(serializeData({ a: undefined, b: 1, c: [undefined] }, serialization), serialization);
      expect(back).toStrictEqual({ b: 1, c: [null] });
    });
  }

  it("decodes msgpack 64-bit integers as numbers", () => {
    const uint64 = new Uint8Array([0xcf, 0, 0, 0x01, 0, 0, 0, 0, 0]);
    const int64 = new Uint8Array([0xd3, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0]);
    expect(deserializeData(uint64, "msgpack")).toBe(2 ** 40);
    expect(deserializeData(int64, "msgpack")).toBe(-(2 ** 33));
  });

  it("rejects undecodable bodies as request errors", () => {
    expect(() => deserializeData(text("{"), "json")).toThrow(JsonRpcRequestError);
    expect(() => deserializeData(new Uint8Array([0x22, 0xff, 0x22]), "json")).toThrow(/Failed to decode JSON data/);
    expect(() => deserializeData(new Uint8Array([0xc1]), "msgpack")).toThrow(/Failed to decode msgpack data/);
  });
});

describe("decodeBody", () => {
  it("takes the percent-decoded query string when the body is empty", () => {
    const query = encodeURIComponent('{"id":1,"method":"backend_info","params":[]}');
    expect(decodeBody(new Uint8Array(0), { serialization: "json", compression: null, query })).toEqual({
      id: 1,
      method: "backend_info",
      params: [],
    });
    // The query is never decompressed.
    expect(decodeBody(new Uint8Array(0), { serialization: "json", compression: "gzip", query: "[1]" })).toEqual([1]);
  });

  it("fails with 'Request data empty' without body and query", () => {
    expect(() => decodeBody(new Uint8Array(0), { serialization: "json", compression: null })).toThrow("Request data empty");
    expect(() => decodeBody(new Uint8Array(0), { serialization: "json", compression: null, query: "" })).toThrow(JsonRpcRequestError);
  });

  it("unquotes like Python", () => {
    expect(unquoteQueryString("%7B%22a%22%3A1%7D")).toBe('{"a":1}');
    expect(unquoteQueryString("a+b%20c")).toBe("a+b c");
    expect(unquoteQueryString("100%")).toBe("100%");
    expect(unquoteQueryString("%zz%C3%A4")).toBe("%zzä");
    expect(unquoteQueryString("%ff")).toBe("\ufffd");
  });
});
