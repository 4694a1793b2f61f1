import { describe, expect, it } from "vitest";
import type { Expression, SourceRange } from "./ast.js";
import { parseFile } from "./parser.js";
import { NONE } from "./fit.js";

const SRC = `resource "zstack_vm_backup" web {
  name  = format("%s-%02d", var.prefix, count.index)
  tags  = { env = var.env, "k" = true }
  ok    = provider :: zstack :: valid(1) && local.flag
  nums  = [1, 2.5e3, null]
  inner { x = data.zstack_vm.db.uuid }
}
`;

function text(r: SourceRange): string {
  return SRC.slice(r.start.byte, r.end.byte);
}

function where(r: SourceRange): string {
  return `${r.filename}:${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
}

describe("native-syntax nodes that make their ranges on read", () => {
  const { file, diagnostics } = parseFile(SRC, "main.tf");
  const block = file.body.blocks[0]!;
  const attr = (name: string) => block.body.attributes.find((a) => a.name === name)!;

  it("parses without errors", () => {
    expect(diagnostics).toEqual([]);
  });

  it("gives blocks their type, label, brace and whole ranges", () => {
    expect(text(block.typeRange)).toBe("resource");
    expect(block.labels.map((l) => text(l.range))).toEqual(['"zstack_vm_backup"', "web"]);
    expect(text(block.openBraceRange)).toBe("{");
    expect(text(block.closeBraceRange)).toBe("}");
    expect(text(block.range)).toBe(SRC.trimEnd());
    expect(text(block.body.range)).toBe(SRC.slice(SRC.indexOf("{") + 1, SRC.lastIndexOf("}")));
    expect(where(block.closeBraceRange)).toBe("main.tf:7:1-7:2");
  });

  it("gives attributes their name and whole ranges", () => {
    const name = attr("name");
    expect(text(name.nameRange)).toBe("name");
    expect(text(name.range)).toBe('name  = format("%s-%02d", var.prefix, count.index)');
    expect(where(name.nameRange)).toBe("main.tf:2:3-2:7");
  });

  it("gives function calls their name and parenthesis ranges, spaces around :: included", () => {
    const call = attr("name").expr;
    if (call.kind !== "function_call") throw new Error(call.kind);
    expect(text(call.nameRange)).toBe("format");
    expect(text(call.openParenRange)).toBe("(");
    expect(text(call.closeParenRange)).toBe(")");
    expect(text(call.range)).toBe('format("%s-%02d", var.prefix, count.index)');
    const ok = attr("ok").expr;
    if (ok.kind !== "binary") throw new Error(ok.kind);
    const provided = ok.left;
    if (provided.kind !== "function_call") throw new Error(provided.kind);
    expect(provided.name).toBe("provider::zstack::valid");
    expect(text(provided.nameRange)).toBe("provider :: zstack :: valid");
    expect(text(ok.opRange)).toBe("&&");
  });

  it("gives traversals their root, step and whole ranges as they grow", () => {
    const call = attr("name").expr as Extract<Expression, { kind: "function_call" }>;
    const t = call.args[1]!;
    if (t.kind !== "scope_traversal") throw new Error(t.kind);
    expect(text(t.rootRange)).toBe("var");
    expect(t.steps.map((s) => text(s.range))).toEqual(["prefix"]);
    expect(text(t.range)).toBe("var.prefix");
    const inner = block.body.blocks[0]!.body.attributes[0]!.expr;
    if (inner.kind !== "scope_traversal") throw new Error(inner.kind);
    expect(text(inner.range)).toBe("data.zstack_vm.db.uuid");
    expect(inner.steps.map((s) => text(s.range))).toEqual(["zstack_vm", "db", "uuid"]);
  });

  it("gives literals and quoted strings their ranges, and number spellings", () => {
    const nums = attr("nums").expr;
    if (nums.kind !== "tuple") throw new Error(nums.kind);
    expect(nums.items.map((i) => text(i.range))).toEqual(["1", "2.5e3", "null"]);
    const n = nums.items[1]!;
    if (n.kind !== "literal") throw new Error(n.kind);
    expect(n.value).toBe(2500);
    expect(n.numberText).toBe("2.5e3");
    const call = attr("name").expr as Extract<Expression, { kind: "function_call" }>;
    const fmt = call.args[0]!;
    if (fmt.kind !== "template") throw new Error(fmt.kind);
    expect(text(fmt.range)).toBe('"%s-%02d"');
    expect(fmt.parts.map((p) => text(p.range))).toEqual(["%s-%02d"]);
  });

  it("makes a new range on each read, equal in value", () => {
    const a = attr("tags");
    expect(a.range).not.toBe(a.range);
    expect(JSON.stringify(a.range)).toBe(JSON.stringify(a.range));
  });
});

describe("the shared empty array of finished trees", () => {
  it("is what empty lists are, and refuses to grow", () => {
    const { file } = parseFile('locals {\n  a = 1\n}\n', "x.tf");
    expect(file.body.blocks[0]!.body.blocks).toBe(NONE);
    expect(() => (NONE as unknown[]).push(1)).toThrow(TypeError);
  });
});
