import { describe, expect, it } from "vitest";
import { formatDiagnostic, formatDiagnostics, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { parseFile } from "./hcl/parser.js";

describe("formatDiagnostic", () => {
  it("prints file:line:col, the source line and a caret under the subject", () => {
    const src = "a = 1\nretention = = 3\n";
    const { diagnostics } = parseFile(src, "main.tf");
    expect(formatDiagnostic(diagnostics[0]!, () => src)).toBe(
      [
        "Error: Invalid expression",
        "  --> main.tf:2:13",
        "    |",
        "  2 | retention = = 3",
        "    |             ^",
        '  Expected the start of an expression, but found "=".',
        "",
      ].join("\n"),
    );
  });

  it("underlines the whole subject and keeps tabs aligned", () => {
    const src = "\tname = zstack_vm.db.uuid\n";
    const d: Diagnostic = {
      severity: "warning",
      summary: "Something",
      detail: "Detail.",
      subject: { filename: "t.tf", start: { line: 1, column: 9, byte: 8 }, end: { line: 1, column: 25, byte: 24 } },
    };
    const out = formatDiagnostic(d, () => src).split("\n");
    expect(out[0]).toBe("Warning: Something");
    expect(out[4]).toBe("    | \t       ^" + "~".repeat(15)); // 16 columns: zstack_vm.db.uui
  });

  it("works without the source text and without a subject", () => {
    expect(formatDiagnostic({ severity: "error", summary: "S", detail: "D" })).toBe("Error: S\n  D\n");
  });

  it("sorts errors first, then by file and position", () => {
    const at = (f: string, b: number) => ({ filename: f, start: { line: 1, column: b + 1, byte: b }, end: { line: 1, column: b + 2, byte: b + 1 } });
    const diags: Diagnostic[] = [
      { severity: "warning", summary: "w", detail: "", subject: at("a.tf", 0) },
      { severity: "error", summary: "e2", detail: "", subject: at("b.tf", 5) },
      { severity: "error", summary: "e1", detail: "", subject: at("b.tf", 1) },
      { severity: "error", summary: "e0", detail: "", subject: at("a.tf", 9) },
    ];
    expect(sortDiagnostics(diags).map((d) => d.summary)).toEqual(["e0", "e1", "e2", "w"]);
    expect(formatDiagnostics(diags).split("\n\n")).toHaveLength(4);
  });
});
