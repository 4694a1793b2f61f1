import { describe, expect, it } from "vitest";
import type { Expression, TemplateExpr } from "./ast.js";
import { parseExpression, parseFile, parseTemplate } from "./parser.js";

function expr(src: string): Expression {
  const r = parseExpression(src, "e.hcl");
  expect(r.diagnostics).toEqual([]);
  return r.value;
}

function errorsOf(src: string) {
  return parseFile(src, "main.tf").diagnostics.filter((d) => d.severity === "error");
}

/** A compact rendering of an expression tree, so table tests read like the source they parse. */
function show(e: Expression): string {
  switch (e.kind) {
    case "literal":
      return JSON.stringify(e.value);
    case "template":
      return `tmpl(${e.parts.map((p) => (p.kind === "literal" ? JSON.stringify(p.value) : p.kind === "interpolation" ? `\${${show(p.expr)}}` : p.kind)).join(" ")})`;
    case "tuple":
      return `[${e.items.map(show).join(", ")}]`;
    case "object":
      return `{${e.items.map((i) => `${i.bareKey ? `bare:${String((i.key as { value: unknown }).value)}` : show(i.key)}=${show(i.value)}`).join(", ")}}`;
    case "scope_traversal":
      return e.root + e.steps.map((s) => (s.kind === "attr" ? `.${s.name}` : `[${JSON.stringify(s.key)}]`)).join("");
    case "relative_traversal":
      return `(${show(e.source)})` + e.steps.map((s) => (s.kind === "attr" ? `.${s.name}` : `[${JSON.stringify(s.key)}]`)).join("");
    case "index":
      return `${show(e.collection)}[${show(e.key)}]`;
    case "splat":
      return `splat-${e.style}(${show(e.source)} each ${show(e.each)})`;
    case "splat_item":
      return "@";
    case "function_call":
      return `${e.name}(${e.args.map(show).join(", ")}${e.expandFinal ? "..." : ""})`;
    case "conditional":
      return `(${show(e.condition)} ? ${show(e.trueResult)} : ${show(e.falseResult)})`;
    case "binary":
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case "unary":
      return `${e.op}${show(e.operand)}`;
    case "for":
      return `for[${e.resultType}](${e.keyVar ?? ""},${e.valueVar} in ${show(e.collection)} : ${e.keyExpr ? show(e.keyExpr) + " => " : ""}${show(e.valueExpr)}${e.grouping ? "..." : ""}${e.condition ? " if " + show(e.condition) : ""})`;
    case "parens":
      return `paren(${show(e.expr)})`;
    case "invalid":
      return "INVALID";
  }
}

describe("expressions", () => {
  const cases: [string, string][] = [
    ["null", "null"],
    ["true", "true"],
    ["42", "42"],
    ["1.5e3", "1500"],
    ['"plain"', 'tmpl("plain")'],
    ['""', "tmpl()"],
    ["-1", "-1"],
    ["!a", "!a"],
    ["1 + 2 * 3", "(1 + (2 * 3))"],
    ["1 - 2 - 3", "((1 - 2) - 3)"],
    ["a || b && c", "(a || (b && c))"],
    ["a == b && c != d", "((a == b) && (c != d))"],
    ["1 < 2 == true", "((1 < 2) == true)"],
    ["a % 2 + b / c", "((a % 2) + (b / c))"],
    ["-a.b * 2", "(-a.b * 2)"],
    ["(1 + 2) * 3", "(paren((1 + 2)) * 3)"],
    ["a ? b : c ? d : e", "(a ? b : (c ? d : e))"],
    ["x > 1 ? [1] : []", "((x > 1) ? [1] : [])"],
    ["var.x", "var.x"],
    ['a.b[0]["k"].c', 'a.b[0]["k"].c'],
    ["a.0.b", "a[0].b"],
    ["aws_x.y[count.index].id", "(aws_x.y[count.index]).id"],
    ["a[*].b", "splat-full(a each (@).b)"],
    ["a[*].b[0]", "splat-full(a each (@).b[0])"],
    ["a.*.b", "splat-attr(a each (@).b)"],
    ["a[*]", "splat-full(a each @)"],
    ["f()", "f()"],
    ["f(1, g(2))", "f(1, g(2))"],
    ["f(a, b...)", "f(a, b...)"],
    ['provider::zstack::parse_id("x")', 'provider::zstack::parse_id(tmpl("x"))'],
    ["f().x[1]", "(f()).x[1]"],
    ["[1, 2, 3,]", "[1, 2, 3]"],
    ["{ a = 1, b: 2 }", "{bare:a=1, bare:b=2}"],
    ['{ "k" = 1 }', '{tmpl("k")=1}'],
    ["{ (var.k) = 1 }", "{paren(var.k)=1}"],
    ["{ var.k = 1 }", "{var.k=1}"],
    ["{\n a = 1\n b = 2\n}", "{bare:a=1, bare:b=2}"],
    ["[for x in xs : x * 2]", "for[tuple](,x in xs : (x * 2))"],
    ["[for i, x in xs : x if i > 0]", "for[tuple](i,x in xs : x if (i > 0))"],
    ["{for k, v in m : k => v}", "for[object](k,v in m : k => v)"],
    ["{for k, v in m : v => k...}", "for[object](k,v in m : v => k...)"],
    ["[\n  for x in xs :\n  x\n]", "for[tuple](,x in xs : x)"],
    ['"${var.x}"', "tmpl(${var.x})"],
    ['"a-${b}-c"', 'tmpl("a-" ${b} "-c")'],
  ];
  for (const [src, want] of cases) {
    it(`${src.replace(/\n/g, "\\n")} → ${want}`, () => expect(show(expr(src))).toBe(want));
  }

  it("keeps number spelling for big numbers", () => {
    const e = expr("12345678901234567890");
    expect(e.kind === "literal" && e.numberText).toBe("12345678901234567890");
  });
});

describe("templates", () => {
  const tmpl = (src: string): TemplateExpr => {
    const e = expr(src);
    if (e.kind !== "template") throw new Error(`not a template: ${e.kind}`);
    return e;
  };
  const lits = (t: TemplateExpr) => t.parts.map((p) => (p.kind === "literal" ? p.value : `<${p.kind}>`));

  it("decodes escapes", () => {
    expect(lits(tmpl('"a\\nb\\t\\"c\\\\ \\u00e9 \\U0001F600"'))).toEqual(['a\nb\t"c\\ é 😀']);
  });
  it("$${ and %%{ are literal", () => {
    expect(lits(tmpl('"$${x} %%{y}"'))).toEqual(["${x} %{y}"]);
  });
  it("strip markers trim adjacent whitespace, newlines included", () => {
    expect(lits(tmpl('"a \\n ${~ x ~} \\n b"'))).toEqual(["a", "<interpolation>", "b"]);
    const t = tmpl('"${~x}"');
    expect(t.parts[0]!.kind === "interpolation" && t.parts[0]!.stripLeft).toBe(true);
  });
  it("if/else/endif directives nest", () => {
    const t = tmpl('"%{ if a }yes%{ else }no%{ endif }!"');
    const p = t.parts[0]!;
    expect(p.kind).toBe("if");
    if (p.kind !== "if") return;
    expect(show(p.condition)).toBe("a");
    expect(p.then.map((x) => x.kind === "literal" && x.value)).toEqual(["yes"]);
    expect(p.else?.map((x) => x.kind === "literal" && x.value)).toEqual(["no"]);
    expect(t.parts[1]).toMatchObject({ kind: "literal", value: "!" });
  });
  it("for directive with key and value", () => {
    const t = tmpl('"%{ for k, v in m }${k}=${v},%{ endfor }"');
    const p = t.parts[0]!;
    expect(p).toMatchObject({ kind: "for", keyVar: "k", valueVar: "v" });
  });
  it("heredoc keeps lines; <<- removes the common indentation", () => {
    const { file } = parseFile("a = <<EOT\n  x\n    y\nEOT\nb = <<-EOT\n    x\n      y\n\n    ${z}\n    EOT\n", "h.tf");
    const [a, b] = file.body.attributes;
    expect(a!.expr.kind === "template" && lits(a!.expr)).toEqual(["  x\n", "    y\n"]);
    expect(b!.expr.kind === "template" && lits(b!.expr)).toEqual(["x\n", "  y\n", "\n", "<interpolation>", "\n"]);
    expect(b!.expr.kind === "template" && b!.expr.heredoc).toEqual({ marker: "EOT", indented: true });
  });
  it("bare templates (JSON strings) parse the same directives", () => {
    const r = parseTemplate("x-${var.a}-%{if b}y%{endif}", "t");
    expect(r.diagnostics).toEqual([]);
    expect(r.value.parts.map((p) => p.kind)).toEqual(["literal", "interpolation", "literal", "if"]);
  });
});

describe("bodies", () => {
  it("attributes and blocks with labels, in order, with ranges", () => {
    const src = 'resource "zstack_cdp_task" "web" {\n  name = "x"\n  policy {\n    mode = "full"\n  }\n}\nlocals { a = 1 }\n';
    const { file, diagnostics } = parseFile(src, "main.tf");
    expect(diagnostics).toEqual([]);
    const [res, loc] = file.body.blocks;
    expect(res!.type).toBe("resource");
    expect(res!.labels.map((l) => l.value)).toEqual(["zstack_cdp_task", "web"]);
    expect(res!.labels[1]!.range.start).toEqual({ line: 1, column: 28, byte: 27 });
    expect(res!.range.end.line).toBe(6);
    const name = res!.body.attributes[0]!;
    expect(name.nameRange.start).toEqual({ line: 2, column: 3, byte: 37 });
    expect(name.expr.range.start.column).toBe(10);
    expect(name.expr.range.end.column).toBe(13);
    expect(res!.body.blocks[0]!.body.attributes[0]!.name).toBe("mode");
    expect(loc!.body.attributes[0]!.name).toBe("a");
  });

  it("bare identifier labels are accepted", () => {
    const { file, diagnostics } = parseFile("block one two {\n}\n", "x.tf");
    expect(diagnostics).toEqual([]);
    expect(file.body.blocks[0]!.labels.map((l) => l.value)).toEqual(["one", "two"]);
  });

  it("comments anywhere, CRLF line ends and a missing final newline are fine", () => {
    const { diagnostics, file } = parseFile("# c\r\na = 1 // c\r\n/* x */ b = 2", "x.tf");
    expect(diagnostics).toEqual([]);
    expect(file.body.attributes.map((a) => a.name)).toEqual(["a", "b"]);
  });

  it("newlines are insignificant inside brackets and parentheses", () => {
    const { diagnostics } = parseFile("a = [\n  1,\n  2\n]\nb = f(\n  1,\n  2\n)\nc = (\n  1 +\n  2\n)\n", "x.tf");
    expect(diagnostics).toEqual([]);
  });
});

describe("errors name the place and what was expected", () => {
  const cases: [string, string, string, number, number, RegExp][] = [
    ["missing expression", "a = \n", "Invalid expression", 1, 5, /Expected the start of an expression, but found a newline/],
    ["double equals", "retention = = 3\n", "Invalid expression", 1, 13, /but found "="/],
    ["unterminated string", 'a = "abc\nb = 1\n', "Invalid multi-line string", 1, 5, /closing quote/],
    ["unterminated interpolation", 'a = "${var.env\nb = 1\n', "Invalid multi-line string", 1, 5, /closing quote/],
    ["duplicate argument", "x = 1\nx = 2\n", "Duplicate argument", 2, 1, /already set at main\.tf:1:1/],
    [
      "duplicate argument in a large body",
      Array.from({ length: 20 }, (_, i) => `a${i} = ${i}\n`).join("") + "a3 = 0\n",
      "Duplicate argument",
      21,
      1,
      /"a3" was already set at main\.tf:4:1/,
    ],
    ["missing brace", 'resource "a" "b"\n  x = 1\n', "Invalid block definition", 1, 17, /Expected a quoted label or "{"/],
    ["unclosed block", 'resource "a" "b" {\n  x = 1\n', "Unclosed configuration block", 1, 18, /Expected "}"/],
    ["two args on a line", "a = 1 b = 2\n", "Missing newline after argument", 1, 7, /must end with a newline/],
    ["bad escape", 'a = "\\q"\n', "Invalid escape sequence", 1, 6, /Expected one of/],
    ["invalid character", "a = 1 @ 2\n", "Missing newline after argument", 1, 7, /newline/],
    ["unbalanced parens", "a = (1 + 2\n", "Unbalanced parentheses", 2, 1, /Expected "\)"/],
    ["tuple separator", "a = [1 2]\n", "Missing item separator", 1, 8, /comma or "\]"/],
    ["object separator", "a = { b = 1 c = 2 }\n", "Missing attribute separator", 1, 13, /newline or comma/],
    ["object key separator", "a = { b 1 }\n", "Missing key/value separator", 1, 9, /Expected "="/],
    ["for without in", "a = [for x of y : x]\n", "Invalid for expression", 1, 12, /Expected "in"/],
    ["bad attribute name", "a = b.\n", "Invalid attribute name", 1, 7, /after "\."/],
    ["unterminated heredoc", "a = <<EOT\nhello\n", "Unterminated heredoc", 1, 5, /closing marker/],
    ["template if without endif", 'a = "%{if x}y"\n', "Unterminated template if", 1, 6, /%\{endif\}/],
    ["stray closing brace", "}\n", "Unexpected closing brace", 1, 1, /does not close any block/],
    ["interpolated block label", 'resource "${x}" "y" {\n}\n', "Invalid block label", 1, 11, /not allowed/],
    ["single-line block with two args", "b { x = 1, y = 2 }\n", "Invalid single-line block definition", 1, 10, /single-line block must end/],
  ];
  for (const [name, src, summary, line, column, detail] of cases) {
    it(`${name}: ${summary} at ${line}:${column}`, () => {
      const errs = errorsOf(src);
      expect(errs.length).toBeGreaterThan(0);
      const e = errs[0]!;
      expect(e.summary).toBe(summary);
      expect(e.detail).toMatch(detail);
      expect(e.subject?.filename).toBe("main.tf");
      expect([e.subject?.start.line, e.subject?.start.column]).toEqual([line, column]);
    });
  }

  it("recovers and reports several independent errors in one pass", () => {
    const src = ["a = = 1", "b = 2", 'c = "x', "d = [1 2]", 'resource "x" {', "  e = )", "  f = 3", "}", "g = 4", ""].join("\n");
    const { file, diagnostics } = parseFile(src, "main.tf");
    const lines = diagnostics.map((d) => d.subject!.start.line);
    expect(lines).toEqual([1, 3, 4, 6]);
    // the good definitions around the errors are all kept
    expect(file.body.attributes.map((a) => a.name)).toEqual(["a", "b", "c", "d", "g"]);
    expect(file.body.blocks[0]!.body.attributes.map((a) => a.name)).toEqual(["e", "f"]);
  });
});
