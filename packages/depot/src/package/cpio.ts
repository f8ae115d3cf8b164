/** @module package/cpio — a streaming reader for SVR4 "newc" cpio archives (`070701`, `070702` with CRC), as in legacy `.opsi` files. */
import { BackendBadValueError } from "@opsi-ts/core";
import { ByteReader } from "./bytes.js";
import type { ArchiveEntry, ArchiveEntryType } from "./entry.js";

/** Thrown for a malformed cpio archive. */
export class CpioFormatError extends BackendBadValueError {
  static override readonly shortDescription: string = "Bad cpio archive";
}

const HEADER = 110;

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function entryType(mode: number): ArchiveEntryType {
  switch (mode & 0o170000) {
    case 0o100000:
      return "file";
    case 0o040000:
      return "directory";
    case 0o120000:
      return "symlink";
    default:
      return "other";
  }
}

/**
 * Reads a newc cpio archive entry by entry; each entry's `body` must be consumed before the next.
 * Checks magic, sizes, the trailer and (for `070702`) each file's checksum.
 * @example for await (const e of readCpio(createReadStream("x.cpio"))) await drain(e.body)
 */
export async function* readCpio(source: AsyncIterable<Uint8Array>): AsyncGenerator<ArchiveEntry> {
  const reader = new ByteReader(source);
  for (;;) {
    const header = await reader.readExactly(HEADER, "cpio header");
    const magic = header.toString("latin1", 0, 6);
    if (magic !== "070701" && magic !== "070702") throw new CpioFormatError(`bad magic '${magic}' at byte ${reader.position - HEADER}`);
    const field = (i: number): number => {
      const text = header.toString("latin1", 6 + i * 8, 14 + i * 8);
      if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new CpioFormatError(`bad header field '${text}'`);
      return Number.parseInt(text, 16);
    };
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const check = field(12);
    if (nameSize < 1 || nameSize > 4096) throw new CpioFormatError(`bad name size ${nameSize}`);
    const nameBuf = await reader.readExactly(nameSize + pad4(HEADER + nameSize), "cpio name");
    if (nameBuf[nameSize - 1] !== 0) throw new CpioFormatError("entry name is not NUL-terminated");
    const name = nameBuf.toString("utf8", 0, nameSize - 1);
    if (name === "TRAILER!!!") return;
    const type = entryType(mode);
    if (type === "directory" && size !== 0) throw new CpioFormatError(`directory '${name}' has size ${size}`);
    let linkname: string | null = null;
    let consumed = false;
    let body: AsyncIterable<Buffer>;
    if (type === "symlink") {
      if (size > 4096) throw new CpioFormatError(`symlink '${name}' target too long`);
      linkname = (await reader.readExactly(size, `target of '${name}'`)).toString("utf8");
      await reader.readExactly(pad4(size), "padding");
      consumed = true;
      body = (async function* () {})();
    } else {
      body = (async function* () {
        let sum = 0;
        for await (const chunk of reader.stream(size, `data of '${name}'`)) {
          if (magic === "070702") for (const b of chunk) sum = (sum + b) >>> 0;
          yield chunk;
        }
        await reader.readExactly(pad4(size), "padding");
        if (magic === "070702" && type === "file" && sum !== check) {
          throw new CpioFormatError(`checksum mismatch for '${name}': header ${check}, data ${sum}`);
        }
        consumed = true;
      })();
    }
    yield { name, type, size, mode: mode & 0o7777, linkname, body };
    if (!consumed) for await (const _ of body);
  }
}
