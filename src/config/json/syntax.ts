/**
 * Terraform's JSON configuration syntax (`*.tf.json`, `cdk.tf.json`, `*.tfvars.json`) mapped onto the same AST
 * as the native syntax, following the HCL JSON spec: in expression context a JSON string is a template
 * (`"${var.x}-y"`), numbers/bools/null are literals, arrays are tuples and objects are object constructors whose
 * property names are templates too. Properties named `"//"` are comments in body context and are skipped.
 */
import type { Attribute, Body, Expression, File } from "../hcl/ast.js";
import { parseExpression, parseTemplate, type EmbeddedSource } from "../hcl/parser.js";
import { LineIndex } from "../hcl/position.js";
import type { Diagnostic } from "../diagnostics.js";
import { joinRanges } from "../source.js";
import { parseJson } from "./parse.js";
import type { JsonNode, JsonObject, JsonString } from "./value.js";

/** Parses a `.tf.json` file: its root must be an object, which becomes a JSON-syntax body. */
export function parseJsonFile(src: string, filename: string): { file: File; diagnostics: Diagnostic[] } {
  const parsed = parseJson(src, filename);
  const diagnostics = [...parsed.diagnostics];
  const lines = parsed.lines;
  const root = parsed.value;
  if (!root || root.type !== "object") {
    if (root) {
      diagnostics.push({
        severity: "error",
        summary: "Invalid JSON configuration",
        detail: `The root of a JSON configuration file must be an object ({...}), but found a JSON ${root.type}.`,
        subject: root.range,
      });
    }
    return { file: { filename, source: src, body: emptyBody(lines) }, diagnostics };
  }
  return { file: { filename, source: src, body: jsonBody(root, lines, diagnostics) }, diagnostics };
}

function emptyBody(lines: LineIndex): Body {
  return { kind: "body", syntax: "json", attributes: [], blocks: [], range: lines.range(0, lines.text.length) };
}

/**
 * A JSON object as a body: every property except `"//"` becomes an attribute whose `json` field keeps the raw
 * value (so it can be re-read as nested blocks or statically). Repeated property names are all kept.
 */
export function jsonBody(obj: JsonObject, lines: LineIndex, diags: Diagnostic[]): Body {
  const attributes: Attribute[] = [];
  for (const prop of obj.properties) {
    if (prop.name.value === "//") continue;
    attributes.push({
      kind: "attribute",
      name: prop.name.value,
      nameRange: prop.name.range,
      expr: jsonExpr(prop.value, lines, diags),
      range: joinRanges(prop.name.range, prop.value.range),
      json: prop.value,
    });
  }
  return { kind: "body", syntax: "json", attributes, blocks: [], range: obj.range, json: obj };
}

function embedded(node: JsonString, lines: LineIndex): EmbeddedSource {
  if (node.verbatim) return { lines, from: node.range.start.byte + 1, to: node.range.end.byte - 1 };
  const own = new LineIndex(node.range.filename, node.value);
  return { lines: own, from: 0, to: node.value.length, fixedRange: node.range };
}

/** A JSON value in expression context (strings are templates). */
export function jsonExpr(node: JsonNode, lines: LineIndex, diags: Diagnostic[]): Expression {
  switch (node.type) {
    case "null":
      return { kind: "literal", value: null, range: node.range };
    case "bool":
      return { kind: "literal", value: node.value, range: node.range };
    case "number":
      return { kind: "literal", value: node.value, numberText: node.text, range: node.range };
    case "string":
      return jsonTemplate(node, lines, diags);
    case "array":
      return { kind: "tuple", items: node.items.map((i) => jsonExpr(i, lines, diags)), range: node.range };
    case "object":
      return {
        kind: "object",
        items: node.properties.map((p) => {
          const key = jsonTemplate(p.name, lines, diags);
          return { key, bareKey: false, value: jsonExpr(p.value, lines, diags), range: joinRanges(p.name.range, p.value.range) };
        }),
        range: node.range,
      };
  }
}

function jsonTemplate(node: JsonString, lines: LineIndex, diags: Diagnostic[]): Expression {
  const v = node.value;
  if (v.indexOf("${") < 0 && v.indexOf("%{") < 0) {
    const inner = node.verbatim ? lines.range(node.range.start.byte + 1, node.range.end.byte - 1) : node.range;
    return {
      kind: "template",
      parts: v === "" ? [] : [{ kind: "literal", value: v.replace(/([$%])\1\{/g, "$1{"), range: inner }],
      range: node.range,
    };
  }
  const r = parseTemplate(v, node.range.filename, embedded(node, lines));
  diags.push(...r.diagnostics);
  r.value.range = node.range;
  return r.value;
}

/**
 * A JSON value in a context HCL analyses statically (type constraints, references in `depends_on`,
 * `ignore_changes`, `moved`...): a string is parsed as a native-syntax expression (`"aws_x.y"`,
 * `"map(string)"`); a string that is exactly one interpolation (`"${aws_x.y}"`) is unwrapped. Arrays become
 * tuples and objects of such expressions (object keys stay strings); other values are as in expression context.
 */
export function jsonStaticExpr(node: JsonNode, lines: LineIndex, diags: Diagnostic[]): Expression {
  if (node.type === "array") {
    return { kind: "tuple", items: node.items.map((i) => jsonStaticExpr(i, lines, diags)), range: node.range };
  }
  if (node.type === "object") {
    // e.g. a module's `"providers": {"zstack": "zstack.west"}`: keys stay strings, values are references.
    return {
      kind: "object",
      items: node.properties.map((p) => ({
        key: jsonTemplate(p.name, lines, diags),
        bareKey: false,
        value: jsonStaticExpr(p.value, lines, diags),
        range: joinRanges(p.name.range, p.value.range),
      })),
      range: node.range,
    };
  }
  if (node.type !== "string") return jsonExpr(node, lines, diags);
  const t = node.value.trim();
  if (t.startsWith("${") && t.endsWith("}")) {
    const tmpl = jsonTemplate(node, lines, diags);
    if (tmpl.kind === "template" && tmpl.parts.length === 1 && tmpl.parts[0]!.kind === "interpolation") return tmpl.parts[0]!.expr;
  }
  const r = parseExpression(node.value, node.range.filename, embedded(node, lines));
  diags.push(...r.diagnostics);
  return r.value;
}
