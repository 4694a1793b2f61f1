import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { constString } from "./static.js";
import { collectVariableValues, varOptionsFromArgv, type RawVariableValue } from "./variable-values.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), "backplan-vars-"));
  dirs.push(d);
  for (const [n, t] of Object.entries(files)) writeFileSync(join(d, n), t);
  return d;
}

/** The value as text: the raw string, or the literal the file expression holds. */
function text(v: RawVariableValue | undefined): string | undefined {
  if (!v) return undefined;
  if (v.value.kind === "string") return v.value.text;
  const e = v.value.expr;
  return e.kind === "literal" ? String(e.value) : constString(e);
}

describe("collectVariableValues precedence", () => {
  const declared = new Set(["a", "b", "c", "d", "e", "f", "list"]);
  const root = () =>
    dir({
      "terraform.tfvars": 'a = "tfvars"\nb = "tfvars"\nc = "tfvars"\nd = "tfvars"\nlist = [1, 2]\n',
      "terraform.tfvars.json": '{"b": "tfvars.json", "c": "tfvars.json", "d": "tfvars.json"}',
      "a.auto.tfvars": 'c = "a.auto"\nd = "a.auto"\n',
      "b.auto.tfvars.json": '{"d": "b.auto.json"}',
      "extra.tfvars": 'e = "var-file"\n',
    });

  it("env < terraform.tfvars < terraform.tfvars.json < *.auto.tfvars (lexical) < -var/-var-file in order", () => {
    const d = root();
    const r = collectVariableValues({
      dir: d,
      env: { TF_VAR_a: "env", TF_VAR_f: "env-only", PATH: "/bin" },
      options: [
        { kind: "var", value: "e=cli-first" },
        { kind: "var-file", value: join(d, "extra.tfvars") },
      ],
      declared,
    });
    expect(r.diagnostics).toEqual([]);
    expect(text(r.values.get("a"))).toBe("tfvars");
    expect(text(r.values.get("b"))).toBe("tfvars.json");
    expect(text(r.values.get("c"))).toBe("a.auto");
    expect(text(r.values.get("d"))).toBe("b.auto.json");
    expect(text(r.values.get("e"))).toBe("var-file"); // the later option wins
    expect(r.values.get("f")).toMatchObject({ source: "env", origin: "TF_VAR_f", value: { kind: "string", text: "env-only" } });
    expect(r.values.get("list")!.value.kind).toBe("expr");
    expect(r.values.get("a")!.range?.start.line).toBe(1);
  });

  it("-var keeps the raw string after the first =", () => {
    const r = collectVariableValues({ dir: dir({}), options: [{ kind: "var", value: 'list=["x","y=z"]' }], declared });
    expect(r.values.get("list")).toMatchObject({ source: "cli", value: { kind: "string", text: '["x","y=z"]' } });
  });
});

describe("collectVariableValues problems", () => {
  it("-var without = is an error that shows the expected form", () => {
    const r = collectVariableValues({ dir: dir({}), options: [{ kind: "var", value: "novalue" }] });
    expect(r.diagnostics[0]).toMatchObject({ severity: "error", summary: "Invalid -var option" });
    expect(r.diagnostics[0]!.detail).toMatch(/like -var "retention_days=7"/);
  });
  it("-var for an undeclared variable is an error; in a file only a warning; env is ignored", () => {
    const d = dir({ "terraform.tfvars": 'zzz = 1\n' });
    const r = collectVariableValues({ dir: d, options: [{ kind: "var", value: "nope=1" }], env: { TF_VAR_other: "x" }, declared: new Set(["a"]) });
    expect(r.diagnostics.map((x) => [x.severity, x.summary])).toEqual([
      ["error", "Value for undeclared variable"],
      ["warning", "Value for undeclared variable"],
    ]);
    expect(r.diagnostics[1]!.subject!.filename).toMatch(/terraform\.tfvars$/);
    expect(r.values.size).toBe(0);
  });
  it("a missing -var-file is an error naming it", () => {
    const r = collectVariableValues({ dir: dir({}), options: [{ kind: "var-file", value: "/nonexistent/x.tfvars" }] });
    expect(r.diagnostics[0]).toMatchObject({ summary: "Failed to read variables file" });
    expect(r.diagnostics[0]!.detail).toMatch(/no such file/);
  });
  it("references and blocks are not allowed in variables files; syntax errors carry positions", () => {
    const d = dir({ "terraform.tfvars": 'a = var.b\nblock {\n}\nc = = 1\n' });
    const r = collectVariableValues({ dir: d });
    expect(r.diagnostics.map((x) => [x.summary, x.subject?.start.line])).toEqual([
      ["Invalid expression", 4],
      ["Unexpected block in variables file", 2],
      ["Variables not allowed", 1],
    ]);
  });
});

describe("varOptionsFromArgv", () => {
  it("keeps -var and -var-file in command-line order, in every spelling", () => {
    expect(varOptionsFromArgv(["plan", "-var", "a=1", "--var-file=x.tfvars", "-out", "p", "-var=b=2=3", "--var-file", "y.tfvars", "--", "-var", "c=4"])).toEqual([
      { kind: "var", value: "a=1" },
      { kind: "var-file", value: "x.tfvars" },
      { kind: "var", value: "b=2=3" },
      { kind: "var-file", value: "y.tfvars" },
    ]);
  });
});
