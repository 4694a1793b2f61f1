import { describe, expect, it } from "vitest";
import { parseExpression, parseFile } from "./hcl/parser.js";
import { parseJsonFile } from "./json/syntax.js";
import { bodyReferences, expressionReferences, type RefSubject } from "./references.js";

function subject(s: RefSubject): string {
  switch (s.kind) {
    case "var":
    case "local":
      return `${s.kind}.${s.name}`;
    case "resource":
      return `${s.mode === "data" ? "data." : ""}${s.type}.${s.name}`;
    case "module":
      return `module.${s.name}`;
    case "self":
      return "self";
    default:
      return `${s.kind}.${s.attr}`;
  }
}

function refsOf(src: string): string[] {
  const e = parseExpression(src, "r.tf");
  expect(e.diagnostics).toEqual([]);
  return expressionReferences(e.value).refs.map((r) => subject(r.subject));
}

describe("expressionReferences", () => {
  const cases: [string, string[]][] = [
    ["var.a + local.b", ["var.a", "local.b"]],
    ["zstack_vm.db.uuid", ["zstack_vm.db"]],
    ["data.zstack_vm.db.uuid", ["data.zstack_vm.db"]],
    ["module.net.id", ["module.net"]],
    ["aws_x.y[count.index].id", ["aws_x.y", "count.index"]],
    ["each.value.x", ["each.value"]],
    ["path.module", ["path.module"]],
    ['"${var.a}-%{for v in var.l}${v}%{endfor}"', ["var.a", "var.l"]],
    ["[for k, v in var.m : k if v == local.x]", ["var.m", "local.x"]],
    ["{ for x in var.l : x => local.y }", ["var.l", "local.y"]],
    ["aws_x.y[*].id", ["aws_x.y"]],
    ["f(var.a, [var.b]...)", ["var.a", "var.b"]],
    ["{ k = var.v, (local.k) = 1 }", ["var.v", "local.k"]],
    ["true ? null : -var.n", ["var.n"]],
  ];
  for (const [src, want] of cases) {
    it(`${src} → ${want.join(", ")}`, () => expect(refsOf(src)).toEqual(want));
  }

  it("keeps the remaining steps and the range of each reference", () => {
    const e = parseExpression("var.x + zstack_vm.db.disks[0].size", "r.tf").value;
    const r = expressionReferences(e).refs[1]!;
    expect(r.rest.map((s) => (s.kind === "attr" ? s.name : s.key))).toEqual(["disks", 0, "size"]);
    expect([r.range.start.column, r.range.end.column]).toEqual([9, 35]);
  });

  it("reports traversals that cannot be references, saying what was expected", () => {
    const bad = (src: string) => expressionReferences(parseExpression(src, "r.tf").value).bad[0];
    expect(bad("var")!.detail).toMatch(/variable name, like var\.name/);
    expect(bad("count.key")!.detail).toMatch(/only the attribute count\.index/);
    expect(bad("each.idx")!.detail).toMatch(/each\.key, each\.value/);
    expect(bad("zstack_vm")!.detail).toMatch(/followed by the resource name/);
    expect(bad("data.zstack_vm")!.detail).toMatch(/data source type and name/);
  });
});

describe("bodyReferences", () => {
  it("binds dynamic block iterators (label or iterator) inside content only", () => {
    const src = [
      'dynamic "volume" {',
      "  for_each = var.vols",
      "  content {",
      "    uuid = volume.value",
      "  }",
      "}",
      'dynamic "disk" {',
      "  for_each = local.disks",
      "  iterator = d",
      "  content {",
      "    size = d.value.size",
      "    other = disk.x",
      "  }",
      "}",
    ].join("\n");
    const { file } = parseFile(src, "b.tf");
    expect(bodyReferences(file.body).refs.map((r) => subject(r.subject))).toEqual(["var.vols", "local.disks", "disk.x"]);
  });

  it("does the same for the JSON syntax", () => {
    const src = JSON.stringify({ dynamic: { volume: { for_each: "${var.vols}", content: { uuid: "${volume.value}" } } }, name: "${var.n}" });
    const { file } = parseJsonFile(src, "b.tf.json");
    expect(bodyReferences(file.body).refs.map((r) => subject(r.subject))).toEqual(["var.vols", "var.n"]);
  });
});
