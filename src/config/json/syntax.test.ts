import { describe, expect, it } from "vitest";
import { bodyContent } from "../hcl/body.js";
import { LineIndex } from "../hcl/position.js";
import type { Diagnostic } from "../diagnostics.js";
import { parseJson } from "./parse.js";
import { jsonStaticExpr, parseJsonFile } from "./syntax.js";

describe("parseJson", () => {
  it("keeps ranges of values and property names", () => {
    const r = parseJson('{\n  "a": [1, "x"],\n  "b": null\n}', "t.json");
    expect(r.diagnostics).toEqual([]);
    const v = r.value!;
    expect(v.type).toBe("object");
    if (v.type !== "object") return;
    const a = v.properties[0]!;
    expect(a.name.value).toBe("a");
    expect(a.name.range.start).toEqual({ line: 2, column: 3, byte: 4 });
    expect(a.value.range.start.column).toBe(8);
  });

  it("keeps the digits of big numbers", () => {
    const r = parseJson("12345678901234567890", "n.json");
    expect(r.value).toMatchObject({ type: "number", text: "12345678901234567890" });
  });

  const bad: [string, string, number, number, RegExp][] = [
    ["trailing comma", '{"a": 1,}', 1, 9, /quoted property name/],
    ["missing colon", '{"a" 1}', 1, 6, /":" after the property name "a"/],
    ["unterminated string", '{"a": "x', 1, 7, /no closing quote/],
    ["raw newline in string", '{"a": "x\ny"}', 1, 9, /must be escaped/],
    ["garbage", "{} x", 1, 4, /end of the JSON document/],
  ];
  for (const [name, src, line, column, detail] of bad) {
    it(`reports ${name} at ${line}:${column}`, () => {
      const r = parseJson(src, "bad.json");
      expect(r.value).toBeUndefined();
      const d = r.diagnostics[0]!;
      expect(d.summary).toBe("Invalid JSON");
      expect(d.detail).toMatch(detail);
      expect([d.subject!.start.line, d.subject!.start.column]).toEqual([line, column]);
    });
  }
});

describe("Terraform JSON syntax", () => {
  it("strings are templates with exact ranges inside the file", () => {
    const src = '{"locals": {"name": "${var.env}-web"}}';
    const { file, diagnostics } = parseJsonFile(src, "main.tf.json");
    expect(diagnostics).toEqual([]);
    const locals = file.body.attributes[0]!;
    expect(locals.name).toBe("locals");
    const obj = locals.expr;
    expect(obj.kind).toBe("object");
    if (obj.kind !== "object") return;
    const tmpl = obj.items[0]!.value;
    expect(tmpl.kind).toBe("template");
    if (tmpl.kind !== "template") return;
    expect(tmpl.parts.map((p) => p.kind)).toEqual(["interpolation", "literal"]);
    const interp = tmpl.parts[0]!;
    if (interp.kind !== "interpolation") return;
    // `var.env` starts right after `"${` in the file
    expect(interp.expr.range.start.byte).toBe(src.indexOf("var.env"));
    expect(interp.expr.range.start.column).toBe(src.indexOf("var.env") + 1);
  });

  it("template syntax errors inside strings point into the file", () => {
    const src = '{\n  "output": {"x": {"value": "${var.}"}}\n}';
    const { diagnostics } = parseJsonFile(src, "bad.tf.json");
    expect(diagnostics[0]).toMatchObject({ summary: "Invalid attribute name" });
    expect(diagnostics[0]!.subject!.start.line).toBe(2);
  });

  it('"//" comment properties are ignored in bodies', () => {
    const { file } = parseJsonFile('{"//": {"metadata": 1}, "resource": {}}', "cdk.tf.json");
    expect(file.body.attributes.map((a) => a.name)).toEqual(["resource"]);
  });

  it("the root must be an object", () => {
    const { diagnostics } = parseJsonFile("[1]", "x.tf.json");
    expect(diagnostics[0]).toMatchObject({ summary: "Invalid JSON configuration" });
  });

  it("static contexts parse strings as native expressions and unwrap ${...}", () => {
    const diags: Diagnostic[] = [];
    const src = '["aws_x.y", "${module.m}", "map(string)"]';
    const r = parseJson(src, "s.json");
    const e = jsonStaticExpr(r.value!, r.lines, diags);
    expect(diags).toEqual([]);
    expect(e.kind).toBe("tuple");
    if (e.kind !== "tuple") return;
    expect(e.items.map((i) => i.kind)).toEqual(["scope_traversal", "scope_traversal", "function_call"]);
  });

  it("decodes labelled blocks from nested objects and arrays via bodyContent", () => {
    const src = JSON.stringify({
      resource: {
        zstack_cdp_task: { a: { name: "x", lifecycle: { prevent_destroy: true } }, b: [{ name: "y" }] },
      },
    });
    const { file } = parseJsonFile(src, "main.tf.json");
    const diags: Diagnostic[] = [];
    const lines = new LineIndex("main.tf.json", src);
    const top = bodyContent(file.body, { attributes: [], blocks: [{ type: "resource", labels: ["type", "name"] }] }, diags, { lines });
    expect(diags).toEqual([]);
    expect(top.blocks.map((b) => b.labels.map((l) => l.value).join("."))).toEqual(["zstack_cdp_task.a", "zstack_cdp_task.b"]);
    // `lines` is optional: the plan engine decodes resource bodies with only the provider schema.
    const inner = bodyContent(top.blocks[0]!.body, { attributes: [{ name: "name" }], blocks: [{ type: "lifecycle", labels: [] }] }, diags);
    expect(inner.blocks[0]!.type).toBe("lifecycle");
    expect(inner.attributes.get("name")!.expr.kind).toBe("template");
  });

  it("reports a non-object block body with its position", () => {
    const src = '{"resource": {"t": {"n": 5}}}';
    const { file } = parseJsonFile(src, "main.tf.json");
    const diags: Diagnostic[] = [];
    bodyContent(file.body, { attributes: [], blocks: [{ type: "resource", labels: ["type", "name"] }] }, diags, { lines: new LineIndex("main.tf.json", src) });
    expect(diags[0]).toMatchObject({ summary: "Incorrect JSON value type" });
    expect(diags[0]!.subject!.start.column).toBe(src.indexOf("5") + 1);
  });
});
