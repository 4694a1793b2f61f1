/**
 * Fuzzing with seeded inputs (reproducible): random token soup and mutated real configurations. The parser,
 * the JSON syntax and the formatter must never throw; every error must carry a position inside the file; and
 * a broken input must produce at least one error rather than silently parse.
 */
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../diagnostics.js";
import { parseJsonFile } from "../json/syntax.js";
import { generateConfig, rng } from "../testing/generate-config.js";
import { formatHcl } from "./format.js";
import { parseFile } from "./parser.js";
import { bodyReferences } from "../references.js";

const PIECES = [
  "resource", '"x"', '"y"', "{", "}", "[", "]", "(", ")", "=", "==", "\n", " ", "a", "b.c", "1", "2.5", '"s"', '"${',
  "}", "%{", "if", "for", "in", ":", "?", "=>", "...", ",", ".", "*", "-", "!", "&&", "||", "<<EOT\n", "EOT\n", "<<-X\n",
  "#c\n", "/*", "*/", "::", "~", "\\", "$$", "@", "é", "😀", "\t", '"', "'", "null", "true",
];

function checkPositions(diags: Diagnostic[], src: string): void {
  const lines = src.split("\n").length;
  for (const d of diags) {
    expect(d.summary.length).toBeGreaterThan(0);
    expect(d.detail.length).toBeGreaterThan(0);
    if (!d.subject) continue;
    expect(d.subject.start.line).toBeGreaterThanOrEqual(1);
    expect(d.subject.start.line).toBeLessThanOrEqual(lines);
    expect(d.subject.start.column).toBeGreaterThanOrEqual(1);
    expect(d.subject.start.byte).toBeLessThanOrEqual(src.length);
    expect(d.subject.end.byte).toBeGreaterThanOrEqual(d.subject.start.byte);
  }
}

describe("fuzz: native syntax", () => {
  it("random token soup never throws and errors carry positions (400 inputs)", () => {
    const r = rng(7);
    for (let n = 0; n < 400; n++) {
      const len = 1 + Math.floor(r() * 60);
      let src = "";
      for (let k = 0; k < len; k++) src += PIECES[Math.floor(r() * PIECES.length)]!;
      const { diagnostics } = parseFile(src, "fuzz.tf");
      checkPositions(diagnostics, src);
      expect(() => formatHcl(src, "fuzz.tf")).not.toThrow();
    }
  });

  it("mutated real configurations never throw; deleting a block brace is always reported (300 mutants)", () => {
    const base = generateConfig(3, { resources: 6 });
    const r = rng(11);
    for (let n = 0; n < 300; n++) {
      const at = Math.floor(r() * base.length);
      const op = Math.floor(r() * 4);
      let src: string;
      if (op === 0) src = base.slice(0, at) + base.slice(at + 1 + Math.floor(r() * 5));
      else if (op === 1) src = base.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)]! + base.slice(at);
      else if (op === 2) src = base.slice(0, at) + base.slice(at, at + 20) + base.slice(at);
      else {
        // Remove one structural brace (the `{` ending a line or the `}` starting one): always invalid.
        const targets = [...base.matchAll(/\{(?=\n)|(?<=\n\s*)\}/g)].map((m) => m.index!);
        const idx = targets[Math.floor(r() * targets.length)]!;
        src = base.slice(0, idx) + base.slice(idx + 1);
      }
      const { diagnostics } = parseFile(src, "mutant.tf");
      checkPositions(diagnostics, src);
      if (op === 3) expect(diagnostics.some((d) => d.severity === "error"), `mutant ${n}`).toBe(true);
      const f = formatHcl(src, "mutant.tf");
      if (f.text !== undefined) {
        // Formatting valid input keeps it valid and is idempotent.
        expect(parseFile(f.text, "formatted.tf").diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        expect(formatHcl(f.text, "formatted.tf").text).toBe(f.text);
      }
    }
  });
});

describe("hostile nesting", () => {
  it("deeply nested expressions, blocks, templates and JSON are refused with one error, not a stack overflow", () => {
    const n = 20_000;
    const inputs = [
      `a = ${"[".repeat(n)}${"]".repeat(n)}\n`,
      `a = ${"(".repeat(n)}1${")".repeat(n)}\n`,
      `a = ${"-".repeat(n)}1\n`,
      `${"b {\n".repeat(n)}${"}\n".repeat(n)}`,
      `a = "${"%{if x}".repeat(n)}${"%{endif}".repeat(n)}"\n`,
      `a = 1${" + 1".repeat(n)}\n`,
      `a = x${"[y]".repeat(n)}\n`,
    ];
    for (const src of inputs) {
      const { diagnostics, file } = parseFile(src, "deep.tf");
      expect(diagnostics.map((d) => d.summary)).toEqual(["Nesting too deep"]);
      // whatever was built is shallow enough for recursive walkers
      expect(() => bodyReferences(file.body)).not.toThrow();
    }
    // long flat chains are fine (and linear)
    const long = parseFile(`a = x${".b".repeat(n)}\nb = [${"1, ".repeat(n)}]\n`, "long.tf");
    expect(long.diagnostics).toEqual([]);
    const json = parseJsonFile(`${"[".repeat(n)}${"]".repeat(n)}`, "deep.tf.json");
    expect(json.diagnostics[0]!.detail).toMatch(/nest at most/);
  });
});

describe("fuzz: JSON syntax", () => {
  it("truncated and mutated JSON configurations never throw and report a position", () => {
    const base = JSON.stringify({
      variable: { env: { default: "prod", type: "string" } },
      resource: { zstack_cdp_task: { web: { name: "${var.env}-web", count: 2, lifecycle: { prevent_destroy: true } } } },
      output: { id: { value: "${zstack_cdp_task.web[0].id}" } },
    }, null, 2);
    const r = rng(5);
    for (let n = 0; n < 200; n++) {
      const at = Math.floor(r() * base.length);
      const src = n % 2 ? base.slice(0, at) : base.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)]! + base.slice(at + 1);
      const { diagnostics } = parseJsonFile(src, "fuzz.tf.json");
      checkPositions(diagnostics, src);
      if (n % 2 && at < base.length - 1) expect(diagnostics.length, `truncated at ${at}`).toBeGreaterThan(0);
    }
  });
});
