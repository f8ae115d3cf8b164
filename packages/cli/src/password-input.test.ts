import { describe, expect, it } from "vitest";
import { PasswordInputError, UsageError } from "./errors.js";
import { memoryIo } from "./memory-io.js";
import { HiddenInput, newPassword, readStdinSecret } from "./password-input.js";

describe("readStdinSecret", () => {
  it("reads everything and removes exactly one trailing newline", async () => {
    expect(await readStdinSecret(memoryIo({ stdin: "a b\n\n" }).io.stdin)).toBe("a b\n");
    expect(await readStdinSecret(memoryIo({ stdin: "pw\r\n" }).io.stdin)).toBe("pw");
    expect(await readStdinSecret(memoryIo({ stdin: "pw" }).io.stdin)).toBe("pw");
    expect(await readStdinSecret(memoryIo({ stdin: "" }).io.stdin)).toBe("");
  });
});

describe("HiddenInput", () => {
  it("edits with backspace and Ctrl-U and keeps pasted text for the next prompt", async () => {
    const mem = memoryIo({ tty: true, stdin: "ab\u007fc\r\nxx\u0015yz\rtail" });
    const input = new HiddenInput(mem.io.stdin, mem.io.stderr);
    expect(await input.readLine("1: ")).toBe("ac");
    expect(await input.readLine("2: ")).toBe("yz");
    const third = input.readLine("3: ");
    mem.input.write("-end\n");
    expect(await third).toBe("tail-end");
    expect(mem.stderr()).toBe("1: \n2: \n3: \n");
    expect(mem.rawModes).toEqual([true, false, true, false, true, false]);
  });

  it("reads input arriving in pieces, multi-byte characters included", async () => {
    const mem = memoryIo({ tty: true });
    const line = new HiddenInput(mem.io.stdin, mem.io.stderr).readLine("> ");
    const bytes = Buffer.from("pä€\n");
    for (const byte of bytes) mem.input.write(Buffer.from([byte]));
    expect(await line).toBe("pä€");
  });

  it("aborts on Ctrl-C, on Ctrl-D at an empty line and at end of input, and restores the terminal", async () => {
    for (const text of ["se\u0003cret\r", "\u0004"]) {
      const mem = memoryIo({ tty: true, stdin: text });
      await expect(new HiddenInput(mem.io.stdin, mem.io.stderr).readLine("> ")).rejects.toBeInstanceOf(PasswordInputError);
      expect(mem.rawModes).toEqual([true, false]);
    }
    const ctrlD = memoryIo({ tty: true, stdin: "pw\u0004" });
    expect(await new HiddenInput(ctrlD.io.stdin, ctrlD.io.stderr).readLine("> ")).toBe("pw");
    const ended = memoryIo({ tty: true, stdin: "unfinished" });
    const pending = new HiddenInput(ended.io.stdin, ended.io.stderr).readLine("> ");
    ended.input.end();
    await expect(pending).rejects.toThrow("End of input");
  });
});

describe("newPassword", () => {
  it("prefers --password, then stdin, then the terminal", async () => {
    expect(await newPassword({ password: "opt", passwordStdin: true }, memoryIo({ stdin: "in\n" }).io)).toBe("opt");
    expect(await newPassword({ passwordStdin: true }, memoryIo({ stdin: "in\n" }).io)).toBe("in");
    expect(await newPassword({}, memoryIo({ tty: true, stdin: "tty\rtty\r" }).io)).toBe("tty");
    await expect(newPassword({}, memoryIo({ stdin: "in\n" }).io)).rejects.toBeInstanceOf(UsageError);
    await expect(newPassword({}, memoryIo({ tty: true, stdin: "a\rb\r" }).io)).rejects.toThrow("Passwords do not match");
  });
});
