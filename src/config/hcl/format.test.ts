import { describe, expect, it } from "vitest";
import { generateConfig } from "../testing/generate-config.js";
import { formatHcl } from "./format.js";
import { unifiedDiff } from "./line-diff.js";

function fmt(src: string): string {
  const r = formatHcl(src, "f.tf");
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.text!;
}

describe("formatHcl", () => {
  const cases: [string, string, string][] = [
    ["indents nested blocks by two spaces", 'a {\nb {\nc = 1\n}\n}\n', "a {\n  b {\n    c = 1\n  }\n}\n"],
    ["aligns = in consecutive arguments", "a = 1\nlonger_name = 2\n\nc = 3\n", "a           = 1\nlonger_name = 2\n\nc = 3\n"],
    ["spaces operators, not brackets", "a=[1,2,3]\nb=f(x,y)\nc=a+b*-1\nd=!x\n", "a = [1, 2, 3]\nb = f(x, y)\nc = a + b * -1\nd = !x\n"],
    ["objects get inner spaces", "a={b=1,c=2}\n", "a = { b = 1, c = 2 }\n"],
    ["traversals, splats and indexes stay tight", "a = x . y [ 0 ] [*] . z\n", "a = x.y[0][*].z\n"],
    ["for expressions", "a=[for k,v in m:v if v]\nb={for k,v in m:k=>v...}\n", "a = [for k, v in m : v if v]\nb = { for k, v in m : k => v... }\n"],
    ["conditionals", "a=x?1:2\n", "a = x ? 1 : 2\n"],
    ["provider functions and expansion", "a = provider :: p :: f( x ... )\n", "a = provider::p::f(x...)\n"],
    ["keeps comments and trims trailing spaces", "# top   \na = 1   # note\n", "# top\na = 1 # note\n"],
    ["unwraps interpolation-only strings", 'a = "${var.x}"\nb = "x-${var.y}"\n', 'a = var.x\nb = "x-${var.y}"\n'],
    ["rewrites legacy quoted types in variables", 'variable "v" {\n  type = "string"\n}\n', 'variable "v" {\n  type = string\n}\n'],
    ["leaves heredoc bodies alone", "a = <<EOT\n   keep   \n EOT\n", "a = <<EOT\n   keep   \n EOT\n"],
    ["a value opening a multi-line bracket is not aligned", "name = 1\ntags = {\nx = 1\n}\n", "name = 1\ntags = {\n  x = 1\n}\n"],
    ["aligns trailing comments of consecutive lines", "a = 1 # one\nlonger = 22 # two\n", "a      = 1  # one\nlonger = 22 # two\n"],
    ["aligns quoted object keys too", 'm = {\n"a" = 1\n"bbb" = 2\n}\n', 'm = {\n  "a"   = 1\n  "bbb" = 2\n}\n'],
    ["multi-line values end an alignment run", "a = {\nx = 1\n}\nlong = 2\nb = 3\n", "a = {\n  x = 1\n}\nlong = 2\nb    = 3\n"],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => expect(fmt(input)).toBe(want));
  }

  it("is idempotent on generated configurations", () => {
    for (let seed = 1; seed <= 5; seed++) {
      const once = fmt(generateConfig(seed, { resources: 10 }));
      expect(fmt(once)).toBe(once);
    }
  });

  it("refuses invalid input and returns the syntax errors", () => {
    const r = formatHcl("a = = 1\n", "bad.tf");
    expect(r.text).toBeUndefined();
    expect(r.diagnostics[0]).toMatchObject({ severity: "error", summary: "Invalid expression" });
  });
});

describe("unifiedDiff", () => {
  it("shows changed lines with context and hunk headers", () => {
    const d = unifiedDiff("a\nb\nc\n", "a\nB\nc\n", "old/x.tf", "new/x.tf");
    expect(d).toBe("--- old/x.tf\n+++ new/x.tf\n@@ -1,4 +1,4 @@\n a\n-b\n+B\n c\n \n");
  });
  it("is empty for equal texts", () => expect(unifiedDiff("x", "x", "a", "b")).toBe(""));
});
