/**
 * The syntax tree of HCL configuration: bodies, attributes, blocks and expressions, each with its exact source
 * range. Both the native syntax (`*.tf`, `*.tfvars`) and the JSON syntax (`*.tf.json`) produce these nodes, so
 * every later stage (config loading, reference checking, evaluation in src/lang, formatting) handles one shape.
 *
 * Contract for consumers (notably the evaluator in src/lang):
 * - `Expression` is a discriminated union on `kind`; switch on it exhaustively (`assertNever`).
 * - Nothing here is evaluated: names, operators and literals are kept as written, so the plan engine can
 *   evaluate on demand and error messages can point at the exact place.
 * - Ranges are half-open (`end` is one past the last character) and cover the whole node.
 * - This file is shared: only ever extend it compatibly (new optional fields, new union members).
 */
import type { JsonNode, JsonObject } from "../json/value.js";
import type { SourcePos, SourceRange } from "../source.js";

export type { SourcePos, SourceRange };

// ───────────────────────────────────────────── structure ─────────────────────────────────────────────

/**
 * The contents of a file or of a block between its braces.
 *
 * Native syntax: `attributes` and `blocks` are exactly what was written, in source order.
 * JSON syntax: a JSON object cannot say by itself which properties are attributes and which are nested blocks
 * (that needs a schema, e.g. a provider's resource schema), so the loader records every property as an
 * attribute and keeps the raw object in `json`; decode it against a schema with `bodyContent()` from
 * src/config/hcl/body.ts, which treats both syntaxes alike.
 */
export interface Body {
  kind: "body";
  syntax: "native" | "json";
  attributes: Attribute[];
  blocks: Block[];
  /** For native syntax the span between the braces (or the whole file); for JSON the object's span. */
  range: SourceRange;
  /** The raw JSON object this body came from (JSON syntax only). */
  json?: JsonObject;
}

/** `name = expr` */
export interface Attribute {
  kind: "attribute";
  name: string;
  nameRange: SourceRange;
  expr: Expression;
  /** From the first character of the name to the end of the expression. */
  range: SourceRange;
  /**
   * JSON syntax only: the raw JSON value. `expr` interprets strings as templates; contexts that HCL analyses
   * statically (variable `type`, `depends_on`, `provider`, `ignore_changes`, `moved`...) re-read this value
   * with strings as native expressions (`jsonStaticExpr` in src/config/json/syntax.ts).
   */
  json?: JsonNode;
}

/** A block label: `"aws_instance"` (quoted) or `aws_instance` (bare identifier, also valid in HCL). */
export interface BlockLabel {
  value: string;
  range: SourceRange;
}

/** `type "label" "label" { body }` */
export interface Block {
  kind: "block";
  type: string;
  typeRange: SourceRange;
  labels: BlockLabel[];
  body: Body;
  openBraceRange: SourceRange;
  closeBraceRange: SourceRange;
  /** From the first character of the type to the closing brace. */
  range: SourceRange;
}

/** A parsed file: its top-level body plus the source text (kept for diagnostics and `fmt`). */
export interface File {
  filename: string;
  body: Body;
  source: string;
}

// ───────────────────────────────────────────── expressions ─────────────────────────────────────────────

export type Expression =
  | LiteralExpr
  | TemplateExpr
  | TupleExpr
  | ObjectExpr
  | ScopeTraversalExpr
  | RelativeTraversalExpr
  | IndexExpr
  | SplatExpr
  | SplatItemExpr
  | FunctionCallExpr
  | ConditionalExpr
  | BinaryOpExpr
  | UnaryOpExpr
  | ForExpr
  | ParenthesesExpr
  | InvalidExpr;

export type ExpressionKind = Expression["kind"];

/**
 * `null`, `true`, `false`, a number, or a string that needs no evaluation (a quoted string without
 * interpolations is a `template` with one literal part instead; `literal` strings come from object keys
 * written as bare identifiers and from the JSON syntax's property names in some contexts).
 */
export interface LiteralExpr {
  kind: "literal";
  value: null | boolean | number | string;
  /**
   * Source spelling of a number literal (e.g. `"12345678901234567890"`, `"1e3"`), so an evaluator with
   * arbitrary precision loses nothing. Present exactly when `value` is a number.
   */
  numberText?: string;
  range: SourceRange;
}

/**
 * A quoted string or heredoc: literal text interleaved with `${...}` interpolations and `%{...}` directives.
 * Escapes are already decoded in literal parts (`\n`, `\"`, `$${` → `${`, `%%{` → `%{`), heredoc `<<-`
 * indentation is already removed, and strip markers (`~`) have already trimmed the adjacent literal text (the
 * flags are kept on the parts for formatting and projection only).
 *
 * Evaluation rule from the HCL spec: a template consisting of exactly one interpolation part and nothing else
 * (`"${var.x}"`) yields the interpolated value itself, unconverted ("template wrap"); every other template yields
 * a string.
 */
export interface TemplateExpr {
  kind: "template";
  parts: TemplatePart[];
  /** Present for heredocs: `<<EOT` (indented=false) or `<<-EOT` (indented=true). */
  heredoc?: { marker: string; indented: boolean };
  range: SourceRange;
}

export type TemplatePart = TemplateLiteral | TemplateInterpolation | TemplateIf | TemplateFor;

export interface TemplateLiteral {
  kind: "literal";
  value: string;
  range: SourceRange;
}

/** Whitespace-strip markers on a `${`/`%{` sequence: `${~ x ~}` has both. */
export interface StripMarkers {
  stripLeft: boolean;
  stripRight: boolean;
}

/** `${ expr }` */
export interface TemplateInterpolation extends StripMarkers {
  kind: "interpolation";
  expr: Expression;
  range: SourceRange;
}

/** `%{ if cond }...%{ else }...%{ endif }` */
export interface TemplateIf {
  kind: "if";
  condition: Expression;
  then: TemplatePart[];
  else?: TemplatePart[];
  /** Markers of the `%{if}`, `%{else}` (when present) and `%{endif}` sequences. */
  ifStrip: StripMarkers;
  elseStrip?: StripMarkers;
  endStrip: StripMarkers;
  range: SourceRange;
}

/** `%{ for k, v in coll }...%{ endfor }` */
export interface TemplateFor {
  kind: "for";
  keyVar?: string;
  valueVar: string;
  collection: Expression;
  body: TemplatePart[];
  forStrip: StripMarkers;
  endStrip: StripMarkers;
  range: SourceRange;
}

/** `[a, b, c]` */
export interface TupleExpr {
  kind: "tuple";
  items: Expression[];
  range: SourceRange;
}

/** One `key = value` (or `key: value`) of an object constructor. */
export interface ObjectItem {
  /**
   * The key. A bare identifier (`{ name = 1 }`) is taken literally, as HCL does: it is represented as a
   * `literal` string expression and `bareKey` is true. Any other key (`"quoted"`, `(var.k)`, `"${x}-y"`,
   * `var.k`) is an ordinary expression to evaluate.
   */
  key: Expression;
  bareKey: boolean;
  value: Expression;
  range: SourceRange;
}

/** `{ a = 1, b = 2 }` */
export interface ObjectExpr {
  kind: "object";
  items: ObjectItem[];
  range: SourceRange;
}

/**
 * One static step of a traversal: `.name`, `[0]`, `["key"]`, or the legacy `.0`. Dynamic indexes
 * (`[var.i]`) are `IndexExpr` instead.
 */
export type TraversalStep = TraverseAttr | TraverseIndex;

export interface TraverseAttr {
  kind: "attr";
  name: string;
  range: SourceRange;
}

export interface TraverseIndex {
  kind: "index";
  key: string | number;
  range: SourceRange;
}

/**
 * A variable reference with static steps: `var.name`, `aws_instance.web[0].id`, `each.value["k"]`,
 * `count.index`, `path.module`. `root` is the first identifier; the steps follow in order.
 */
export interface ScopeTraversalExpr {
  kind: "scope_traversal";
  root: string;
  rootRange: SourceRange;
  steps: TraversalStep[];
  range: SourceRange;
}

/** Static steps applied to the result of another expression: `func().a[0]`, `(x).y`, `[1,2][0]`. */
export interface RelativeTraversalExpr {
  kind: "relative_traversal";
  source: Expression;
  steps: TraversalStep[];
  range: SourceRange;
}

/** `collection[key]` where `key` is not a literal: `aws_x.y[count.index]`, `var.m[each.key]`. */
export interface IndexExpr {
  kind: "index";
  collection: Expression;
  key: Expression;
  /** The brackets and what is between them. */
  keyRange: SourceRange;
  range: SourceRange;
}

/**
 * A splat: `source[*].a.b` (full splat, `style: "full"`) or the legacy `source.*.a` (attribute-only splat,
 * `style: "attr"`, which stops at the first index step). `each` is the traversal applied to every element; it is
 * built on a `splat_item` node standing for the current element (for a bare `x[*]`, `each` is just the
 * `splat_item`). Per the HCL spec, a non-list source is treated as a one-element tuple and null as empty.
 */
export interface SplatExpr {
  kind: "splat";
  style: "full" | "attr";
  source: Expression;
  each: Expression;
  /** The `[*]` or `.*` marker. */
  markerRange: SourceRange;
  range: SourceRange;
}

/** The current element inside a `SplatExpr.each` (HCL's anonymous symbol). Only valid within `each`. */
export interface SplatItemExpr {
  kind: "splat_item";
  range: SourceRange;
}

/** `name(args...)`, `name(args..., list...)` with `expandFinal`, `provider::ns::fn(...)`. */
export interface FunctionCallExpr {
  kind: "function_call";
  /** The full name as written, including any `provider::NAME::` or `core::` prefix. */
  name: string;
  nameRange: SourceRange;
  args: Expression[];
  /** True when the last argument ends with `...` and is expanded into separate arguments. */
  expandFinal: boolean;
  openParenRange: SourceRange;
  closeParenRange: SourceRange;
  range: SourceRange;
}

/** `cond ? a : b` */
export interface ConditionalExpr {
  kind: "conditional";
  condition: Expression;
  trueResult: Expression;
  falseResult: Expression;
  range: SourceRange;
}

export type BinaryOperator = "||" | "&&" | "==" | "!=" | "<" | ">" | "<=" | ">=" | "+" | "-" | "*" | "/" | "%";

/**
 * HCL's binary operator precedence, higher binds tighter (spec "Operations"): `* / %` 6, `+ -` 5,
 * `> >= < <=` 4, `== !=` 3, `&&` 2, `||` 1. All are left-associative. Unary `!` and `-` bind tighter than all.
 */
export const BINARY_PRECEDENCE: Readonly<Record<BinaryOperator, number>> = {
  "*": 6,
  "/": 6,
  "%": 6,
  "+": 5,
  "-": 5,
  ">": 4,
  ">=": 4,
  "<": 4,
  "<=": 4,
  "==": 3,
  "!=": 3,
  "&&": 2,
  "||": 1,
};

export interface BinaryOpExpr {
  kind: "binary";
  op: BinaryOperator;
  left: Expression;
  right: Expression;
  opRange: SourceRange;
  range: SourceRange;
}

export type UnaryOperator = "!" | "-";

export interface UnaryOpExpr {
  kind: "unary";
  op: UnaryOperator;
  operand: Expression;
  range: SourceRange;
}

/**
 * `[for k, v in coll : value if cond]` (`resultType: "tuple"`) or
 * `{for k, v in coll : key => value... if cond}` (`resultType: "object"`, `keyExpr` present, `grouping` when
 * the value ends with `...`).
 */
export interface ForExpr {
  kind: "for";
  resultType: "tuple" | "object";
  keyVar?: string;
  valueVar: string;
  collection: Expression;
  keyExpr?: Expression;
  valueExpr: Expression;
  condition?: Expression;
  grouping: boolean;
  range: SourceRange;
}

/** `( expr )` — kept so formatting round-trips and so an object key in parentheses is never a bare key. */
export interface ParenthesesExpr {
  kind: "parens";
  expr: Expression;
  range: SourceRange;
}

/**
 * Stands where the parser could not make an expression out of the source (a diagnostic was reported for
 * it). Evaluators treat it as an error already reported: typically an unknown value with no further message.
 */
export interface InvalidExpr {
  kind: "invalid";
  range: SourceRange;
}

/** For exhaustive switches: `default: return assertNever(x)` fails to compile when a variant is unhandled. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
