import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../cli.js";
import type { ValidateJson } from "./validate.js";

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "backplan-validate-"));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

/** Runs the CLI in-process, capturing what it writes. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe("backplan validate", () => {
  it("a valid configuration exits 0 with a success message", async () => {
    const root = tree({ "main.tf": 'variable "env" {\n  default = "prod"\n}\noutput "e" {\n  value = var.env\n}\n' });
    const r = await run(["validate", root]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("Success! The configuration is valid.\n");
  });

  it("errors exit 1 and show file:line:col, the source line and a caret", async () => {
    const root = tree({ "main.tf": 'output "e" {\n  value = var.nope\n}\n' });
    const r = await run(["validate", root]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("Error: Reference to undeclared input variable");
    expect(r.err).toMatch(/--> .*main\.tf:2:11/);
    expect(r.err).toContain("  2 |   value = var.nope");
    expect(r.err).toContain("    |           ^~~~~~~~");
  });

  it("-json prints Terraform's validate document", async () => {
    const root = tree({ "main.tf": 'output "e" {\n  value = var.nope\n}\nresource "x" {\n}\n' });
    const r = await run(["validate", "-json", root]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as ValidateJson;
    expect(doc).toMatchObject({ format_version: "1.0", valid: false, error_count: 2, warning_count: 0 });
    expect(doc.diagnostics[0]).toMatchObject({
      severity: "error",
      summary: "Reference to undeclared input variable",
      range: { start: { line: 2, column: 11, byte: 23 }, end: { line: 2, column: 19, byte: 31 } },
      snippet: { code: "  value = var.nope", start_line: 2, highlight_start_offset: 10, highlight_end_offset: 18 },
    });
    expect(doc.diagnostics[0]!.range!.filename).toMatch(/main\.tf$/);
    expect(doc.diagnostics[1]!.summary).toBe("Missing name for resource");
  });

  it("-json byte offsets count UTF-8 bytes like Terraform", async () => {
    const root = tree({ "main.tf": '# é\noutput "e" {\n  value = var.nope\n}\n' });
    const doc = JSON.parse((await run(["validate", "-json", root])).out) as ValidateJson;
    expect(doc.diagnostics[0]!.range!.start).toEqual({ line: 3, column: 11, byte: 28 });
  });

  it("-json on a valid configuration", async () => {
    const r = await run(["validate", "-json", tree({ "main.tf": "locals {\n  a = 1\n}\n" })]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ format_version: "1.0", valid: true, error_count: 0, warning_count: 0, diagnostics: [] });
  });

  it("--stack picks a cdktf stack", async () => {
    const root = tree({
      "cdktf.out/manifest.json": JSON.stringify({ stacks: { a: { synthesizedStackPath: "stacks/a/cdk.tf.json" }, b: { synthesizedStackPath: "stacks/b/cdk.tf.json" } } }),
      "cdktf.out/stacks/a/cdk.tf.json": JSON.stringify({ output: { o: { value: "${var.missing}" } } }),
      "cdktf.out/stacks/b/cdk.tf.json": JSON.stringify({ output: { o: { value: "ok" } } }),
    });
    expect((await run(["validate", "--stack", "b", root])).code).toBe(0);
    const a = await run(["validate", "--stack", "a", root]);
    expect(a.code).toBe(1);
    expect(a.err).toContain("var.missing");
    const none = await run(["validate", root]);
    expect(none.code).toBe(1);
    expect(none.err).toContain("--stack NAME");
  });

  it("warnings are shown and do not fail validation", async () => {
    const root = tree({ "main.tf": 'resource "t" "x" {\n  provisioner "local-exec" {\n  }\n}\n' });
    const r = await run(["validate", root]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Warning: Provisioners are not supported");
    expect(r.out).toContain("Success! The configuration is valid.");
  });

  it("a missing directory is a clear error, not a crash", async () => {
    const r = await run(["validate", "/nonexistent/dir"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('The path "/nonexistent/dir" does not exist');
  });
});
