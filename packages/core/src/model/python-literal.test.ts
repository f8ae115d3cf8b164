import { describe, expect, it } from "vitest";
import { BackendConfigurationError } from "../errors.js";
import { parsePythonAssignments } from "./python-literal.js";

describe("parsePythonAssignments", () => {
  it("reads assignments with every supported literal and skips comments and global declarations", () => {
    const text = `# -*- coding: utf-8 -*-
global A, B
A = [ {"x": (1, 2.5, -3), 'y': None}, True, False, r"c:\\dir", "a" "b", """tri
ple"""]  # trailing comment
B = {
  "esc": "tab\\tnl\\nq\\"\\x41\\u00e4",
}
`;
    const out = parsePythonAssignments(text, "test.conf");
    expect(out.get("A")).toEqual([{ x: [1, 2.5, -3], y: null }, true, false, "c:\\dir", "ab", "tri\nple"]);
    expect(out.get("B")).toEqual({ esc: 'tab\tnl\nq"Aä' });
  });

  it("names the source and line of syntax errors", () => {
    expect(() => parsePythonAssignments("X = 1\nY = [1,\n", "my.conf")).toThrow(BackendConfigurationError);
    expect(() => parsePythonAssignments("X = 1\nY = {1: 2}", "my.conf")).toThrow(/my\.conf: syntax error at line 2/);
    expect(() => parsePythonAssignments("X == 1", "my.conf")).toThrow(/expected '='/);
  });
});
