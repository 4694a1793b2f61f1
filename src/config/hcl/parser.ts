/**
 * Recursive-descent parser of HCL native syntax (hclsyntax spec): bodies of attributes and blocks, and the
 * full expression language including templates, heredocs, for expressions, splats and provider functions.
 *
 * Contract: parsing never throws. Every problem becomes a Diagnostic naming the place and what was expected,
 * and the parser resumes at the next attribute or block, so one pass reports every independent error. Nodes
 * that could not be parsed are `invalid` expressions or are left out; the returned tree is always well formed.
 */
import type {
  Attribute,
  BinaryOperator,
  Block,
  BlockLabel,
  Body,
  Expression,
  File,
  ForExpr,
  FunctionCallExpr,
  ObjectItem,
  StripMarkers,
  TemplateExpr,
  TemplatePart,
  TraversalStep,
} from "./ast.js";
import { BINARY_PRECEDENCE } from "./ast.js";
import type { Diagnostic } from "../diagnostics.js";
import type { SourceRange } from "../source.js";
import { formatPos } from "../source.js";
import { lex, type LexMode, type Tokens } from "./lexer.js";
import { LineIndex, endOffset, startOffset } from "./position.js";
import { Tok, describeTok } from "./token.js";
import { applyStrip, decodeTemplateEscapes, flushHeredoc, type RawTemplateItem } from "./template-items.js";
import { fit } from "./fit.js";
import {
  NativeAttrStep,
  NativeAttribute,
  NativeBlock,
  NativeBody,
  NativeFunctionCall,
  NativeLabel,
  NativeLiteral,
  NativeObject,
  NativeObjectItem,
  NativeScopeTraversal,
  NativeTemplate,
  type RangeMaker,
} from "./native-nodes.js";

export interface ParseResult<T> {
  value: T;
  diagnostics: Diagnostic[];
}

/** Parses a whole native-syntax file (`.tf`, `.tfvars`, `.tftest.hcl`...). */
export function parseFile(src: string, filename: string): { file: File; diagnostics: Diagnostic[] } {
  const lines = new LineIndex(filename, src);
  const p = new Parser(lex(src), lines);
  const body = p.parseFileBody();
  return { file: { filename, body, source: src }, diagnostics: p.diags };
}

/** Where in a file an embedded expression or template lives (used by the JSON syntax). */
export interface EmbeddedSource {
  lines: LineIndex;
  from: number;
  to: number;
  /** When set, every node gets this range instead of its own (text that is not a verbatim slice of the file). */
  fixedRange?: SourceRange;
}

/** Parses `src` (or the `embedded` region of a file) as one expression followed by nothing else. */
export function parseExpression(src: string, filename: string, embedded?: EmbeddedSource): ParseResult<Expression> {
  const p = makeParser(src, filename, "normal", embedded);
  return { value: p.parseStandaloneExpression(), diagnostics: p.diags };
}

/** Parses `src` (or the `embedded` region) as the inside of a template: literal text with `${}`/`%{}`. */
export function parseTemplate(src: string, filename: string, embedded?: EmbeddedSource): ParseResult<TemplateExpr> {
  const p = makeParser(src, filename, "template", embedded);
  return { value: p.parseBareTemplate(), diagnostics: p.diags };
}

function makeParser(src: string, filename: string, mode: LexMode, embedded?: EmbeddedSource): Parser {
  if (embedded) {
    return new Parser(lex(embedded.lines.text, embedded.from, embedded.to, mode), embedded.lines, embedded.fixedRange);
  }
  return new Parser(lex(src, 0, src.length, mode), new LineIndex(filename, src));
}

const BINARY_OPS: Partial<Record<Tok, BinaryOperator>> = {
  [Tok.Or]: "||",
  [Tok.And]: "&&",
  [Tok.EqualOp]: "==",
  [Tok.NotEqual]: "!=",
  [Tok.LessThan]: "<",
  [Tok.LessThanEq]: "<=",
  [Tok.GreaterThan]: ">",
  [Tok.GreaterThanEq]: ">=",
  [Tok.Plus]: "+",
  [Tok.Minus]: "-",
  [Tok.Star]: "*",
  [Tok.Slash]: "/",
  [Tok.Percent]: "%",
};

class Parser {
  readonly diags: Diagnostic[] = [];
  private p = 0;
  private readonly nl: boolean[] = [true];
  private readonly types: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly src: string;

  constructor(
    toks: Tokens,
    lines: LineIndex,
    /** Gives every node this one range (an expression re-parsed from a JSON string points at the string). */
    fixed?: SourceRange,
  ) {
    this.types = toks.types;
    this.starts = toks.starts;
    this.ends = toks.ends;
    this.src = toks.src;
    this.ranges = fixed ? { range: () => fixed } : lines;
  }

  private readonly ranges: RangeMaker;

  // ───────────────────────── token access ─────────────────────────

  private peekIdx(): number {
    const types = this.types;
    const inc = this.nl[this.nl.length - 1];
    let i = this.p;
    for (;;) {
      const t = types[i];
      if (t === Tok.Comment || (t === Tok.Newline && !inc)) i++;
      else return i;
    }
  }

  /** The significant token after token `i` (same newline rule). */
  private nextIdx(i: number): number {
    const types = this.types;
    const inc = this.nl[this.nl.length - 1];
    if (types[i] === Tok.EOF) return i;
    i++;
    for (;;) {
      const t = types[i];
      if (t === Tok.Comment || (t === Tok.Newline && !inc)) i++;
      else return i;
    }
  }

  /** Like nextIdx, skipping newlines regardless of the current mode. */
  private nextIdxNoNl(i: number): number {
    this.nl.push(false);
    const j = this.nextIdx(i);
    this.nl.pop();
    return j;
  }

  private peek(): Tok {
    return this.types[this.peekIdx()] as Tok;
  }

  private read(): number {
    const i = this.peekIdx();
    this.p = this.types[i] === Tok.EOF ? i : i + 1;
    return i;
  }

  /** Identifier spellings seen so far: names repeat constantly, so the tree keeps one copy of each. */
  private readonly names = new Map<string, string>();

  private text(i: number): string {
    const t = this.src.slice(this.starts[i], this.ends[i]);
    if (this.types[i] !== Tok.Ident) return t;
    const known = this.names.get(t);
    if (known !== undefined) return known;
    this.names.set(t, t);
    return t;
  }

  private range(s: number, e: number): SourceRange {
    return this.ranges.range(s, e);
  }

  private tokRange(i: number): SourceRange {
    return this.range(this.starts[i]!, this.ends[i]!);
  }

  private found(i: number): string {
    const t = this.types[i] as Tok;
    if (t === Tok.Ident || t === Tok.Number || t === Tok.Invalid) return `"${this.text(i)}"`;
    return describeTok(t);
  }

  private error(summary: string, detail: string, subject: SourceRange): void {
    if (this.abandoned) return;
    this.diags.push({ severity: "error", summary, detail, subject });
  }

  /** Nesting depth of expressions and blocks being parsed (recursion guard). */
  private depth = 0;
  /** Set once nesting exceeded MAX_DEPTH: the rest of the input is skipped and no further errors are reported. */
  private abandoned = false;

  /**
   * Enters one nesting level; false (after reporting once and skipping to the end of the input) when the input
   * nests deeper than any real configuration, so hostile input cannot overflow the stack.
   */
  private enter(at: number): boolean {
    if (this.abandoned) return false;
    if (++this.depth <= MAX_DEPTH) return true;
    this.error(
      "Nesting too deep",
      `Expressions and blocks may nest at most ${MAX_DEPTH} levels deep; the rest of the file was not read. Expected a flatter structure (use locals to split large expressions).`,
      this.tokRange(at),
    );
    this.abandoned = true;
    this.depth--;
    while (this.types[this.p] !== Tok.EOF) this.p++;
    return false;
  }


  // ───────────────────────── recovery ─────────────────────────

  /**
   * Skips to just after the next newline that is not inside brackets, or to a `}` closing the current body
   * (not consumed), or to the end. Used after an error inside an attribute or block header.
   */
  private recoverToLineEnd(): void {
    const types = this.types;
    let depth = 0;
    for (;;) {
      const t = types[this.p] as Tok;
      switch (t) {
        case Tok.EOF:
          return;
        case Tok.Newline:
          this.p++;
          if (depth === 0) return;
          continue;
        case Tok.OBrace:
        case Tok.OBrack:
        case Tok.OParen:
        case Tok.TemplateInterp:
        case Tok.TemplateControl:
          depth++;
          break;
        case Tok.CBrace:
        case Tok.CBrack:
        case Tok.CParen:
        case Tok.TemplateSeqEnd:
          if (depth === 0) {
            if (t === Tok.CBrace) return;
          } else depth--;
          break;
        default:
          break;
      }
      this.p++;
    }
  }

  /** Skips to just after the `closer` matching an already-consumed opener; stops at EOF. */
  private recoverToClose(closer: Tok): void {
    const types = this.types;
    let depth = 0;
    for (;;) {
      const t = types[this.p] as Tok;
      if (t === Tok.EOF) return;
      if (depth === 0 && t === closer) {
        this.p++;
        return;
      }
      switch (t) {
        case Tok.OBrace:
        case Tok.OBrack:
        case Tok.OParen:
        case Tok.TemplateInterp:
        case Tok.TemplateControl:
          depth++;
          break;
        case Tok.CBrace:
        case Tok.CBrack:
        case Tok.CParen:
        case Tok.TemplateSeqEnd:
          if (depth === 0) return; // a closer of an enclosing construct: leave it to that construct
          depth--;
          break;
        default:
          break;
      }
      this.p++;
    }
  }

  // ───────────────────────── bodies ─────────────────────────

  parseFileBody(): Body {
    const { attributes, blocks } = this.parseBodyItems(false);
    return {
      kind: "body",
      syntax: "native",
      attributes,
      blocks,
      range: this.range(0, this.src.length),
    };
  }

  private parseBodyItems(inBlock: boolean): { attributes: Attribute[]; blocks: Block[] } {
    const attributes: Attribute[] = [];
    const blocks: Block[] = [];
    // Duplicate arguments are found by a scan while the body is small (most hold a handful: no Map for each of
    // tens of thousands of bodies), then by a Map.
    let names: Map<string, Attribute> | undefined;
    const types = this.types;
    for (;;) {
      const i = this.peekIdx();
      const t = types[i] as Tok;
      if (t === Tok.Newline) {
        this.p = i + 1;
        continue;
      }
      if (t === Tok.EOF) break;
      if (t === Tok.CBrace) {
        if (inBlock) break;
        this.error(
          "Unexpected closing brace",
          'This "}" does not close any block. Expected an argument or block definition; check the brace nesting above.',
          this.tokRange(i),
        );
        this.p = i + 1;
        continue;
      }
      if (t === Tok.Unterminated) {
        this.error("Unterminated comment", 'This block comment has no closing "*/". Expected "*/" before the end of the file.', this.tokRange(i));
        this.p = i + 1;
        continue;
      }
      if (t !== Tok.Ident) {
        this.error(
          "Argument or block definition required",
          `An argument or block definition is required here, but found ${this.found(i)}. Expected a name followed by "=" (an argument) or by labels and "{" (a block).`,
          this.tokRange(i),
        );
        this.p = i;
        if (t === Tok.Invalid || t === Tok.CBrack || t === Tok.CParen) this.p++;
        this.recoverToLineEnd();
        continue;
      }
      const item = this.parseBodyItem();
      if (!item) continue;
      if (item.kind === "attribute") {
        const prev = names ? names.get(item.name) : attributes.find((a) => a.name === item.name);
        if (prev) {
          this.error(
            "Duplicate argument",
            `The argument "${item.name}" was already set at ${formatPos(prev.nameRange)}. Each argument may be set only once.`,
            item.nameRange,
          );
        } else {
          attributes.push(item);
          if (names) names.set(item.name, item);
          else if (attributes.length > 16) names = new Map(attributes.map((a) => [a.name, a]));
        }
      } else blocks.push(item);
    }
    return { attributes: fit(attributes), blocks: fit(blocks) };
  }

  private parseBodyItem(): Attribute | Block | undefined {
    const nameIdx = this.read();
    const next = this.peekIdx();
    const t = this.types[next] as Tok;
    if (t === Tok.Equal) {
      this.p = next + 1;
      const errs = this.diags.length;
      const attr = this.finishAttribute(nameIdx);
      // After an error inside the expression, skip the rest of the line silently (no cascade of errors).
      this.expectLineEnd("argument", errs);
      return attr;
    }
    if (t === Tok.OQuote || t === Tok.Ident || t === Tok.OBrace) return this.parseBlock(nameIdx);
    this.error(
      "Invalid argument or block definition",
      `Expected "=" after the argument name "${this.text(nameIdx)}", or block labels and "{" for a block, but found ${this.found(next)}.`,
      this.tokRange(next),
    );
    this.recoverToLineEnd();
    return undefined;
  }

  private finishAttribute(nameIdx: number): Attribute {
    const expr = this.parseExpressionTop();
    return new NativeAttribute(this.text(nameIdx), expr, this.ranges, this.starts[nameIdx]!);
  }

  /** After an argument or block: a newline or the end of the file must follow. */
  private expectLineEnd(what: "argument" | "block definition", errorsBefore = -1): void {
    const i = this.peekIdx();
    const t = this.types[i] as Tok;
    if (t === Tok.Newline) {
      this.p = i + 1;
      return;
    }
    if (t === Tok.EOF) return;
    const fresh = errorsBefore < 0 || this.diags.length === errorsBefore;
    const article = what === "argument" ? "An" : "A";
    if (t === Tok.CBrace && this.nestedBlockDepth > 0) {
      if (fresh) this.error(
        `Missing newline after ${what}`,
        `${article} ${what} must end with a newline; the block's closing "}" belongs on its own line (only a block holding a single argument may be written on one line).`,
        this.tokRange(i),
      );
      return;
    }
    if (fresh) {
      this.error(
        `Missing newline after ${what}`,
        `${article} ${what} must end with a newline, but found ${this.found(i)}. Expected a line break before the next definition.`,
        this.tokRange(i),
      );
    }
    this.recoverToLineEnd();
  }

  private nestedBlockDepth = 0;

  private parseBlock(typeIdx: number): Block | undefined {
    if (!this.enter(typeIdx)) return undefined;
    const b = this.parseBlockInner(typeIdx);
    this.depth--;
    return b;
  }

  private parseBlockInner(typeIdx: number): Block | undefined {
    const labels: BlockLabel[] = [];
    for (;;) {
      const i = this.peekIdx();
      const t = this.types[i] as Tok;
      if (t === Tok.Ident) {
        this.p = i + 1;
        labels.push(new NativeLabel(this.text(i), this.ranges, this.starts[i]!, this.ends[i]!));
        continue;
      }
      if (t === Tok.OQuote) {
        const label = this.parseQuotedLabel();
        if (!label) {
          this.recoverToLineEnd();
          return undefined;
        }
        labels.push(label);
        continue;
      }
      break;
    }
    const open = this.peekIdx();
    if (this.types[open] !== Tok.OBrace) {
      this.error(
        "Invalid block definition",
        `Expected a quoted label or "{" to open the body of the "${this.text(typeIdx)}" block, but found ${this.found(open)}.`,
        this.tokRange(open),
      );
      this.recoverToLineEnd();
      return undefined;
    }
    this.p = open + 1;
    let attributes: Attribute[] = [];
    let blocks: Block[] = [];
    const after = this.peekIdx();
    const ta = this.types[after] as Tok;
    let close: number;
    this.nestedBlockDepth++;
    try {
      if (ta === Tok.Newline || ta === Tok.EOF) {
        ({ attributes, blocks } = this.parseBodyItems(true));
        close = this.peekIdx();
        if (this.types[close] !== Tok.CBrace) {
          this.error(
            "Unclosed configuration block",
            `There is no closing brace for the "${this.text(typeIdx)}" block opened at ${formatPos(this.tokRange(open))} before the end of the file. Expected "}"; this may be caused by incorrect brace nesting elsewhere in the file.`,
            this.tokRange(open),
          );
          return this.makeBlock(typeIdx, labels, open, close, attributes, blocks);
        }
      } else if (ta === Tok.CBrace) {
        close = after;
      } else {
        // Single-line block: `name { arg = value }`, at most one argument.
        const errs = this.diags.length;
        if (ta === Tok.Ident && this.types[this.nextIdx(after)] === Tok.Equal) {
          this.p = this.nextIdx(after) + 1;
          attributes = [this.finishAttribute(after)];
        } else {
          this.error(
            "Invalid single-line block definition",
            `A block written on one line may hold only one argument ("name = value"); found ${this.found(after)}. Expected a newline after "{" for a multi-line block.`,
            this.tokRange(after),
          );
        }
        close = this.peekIdx();
        if (this.types[close] !== Tok.CBrace) {
          if (this.diags.length === errs) {
            this.error(
              "Invalid single-line block definition",
              `A single-line block must end with "}" right after its one argument, but found ${this.found(close)}.`,
              this.tokRange(close),
            );
          }
          this.p = close;
          this.recoverToClose(Tok.CBrace);
          this.expectLineEnd("block definition", this.diags.length);
          return this.makeBlock(typeIdx, labels, open, this.p - 1, attributes, blocks);
        }
      }
    } finally {
      this.nestedBlockDepth--;
    }
    this.p = close + 1;
    const block = this.makeBlock(typeIdx, labels, open, close, attributes, blocks);
    this.expectLineEnd("block definition");
    return block;
  }

  private makeBlock(typeIdx: number, labels: BlockLabel[], open: number, close: number, attributes: Attribute[], blocks: Block[]): Block {
    const closeStart = this.starts[close]!;
    const closeEnd = this.types[close] === Tok.CBrace ? this.ends[close]! : closeStart;
    const body = new NativeBody(attributes, blocks, this.ranges, this.ends[open]!, closeStart);
    return new NativeBlock(this.text(typeIdx), fit(labels), body, this.ranges, this.starts[typeIdx]!, this.starts[open]!, closeStart, closeEnd);
  }

  private parseQuotedLabel(): BlockLabel | undefined {
    const open = this.read();
    let value = "";
    for (;;) {
      const i = this.p;
      const t = this.types[i] as Tok;
      if (t === Tok.QuotedLit) {
        value += this.decodeQuoted(i);
        this.p++;
        continue;
      }
      if (t === Tok.CQuote) {
        this.p++;
        return new NativeLabel(value, this.ranges, this.starts[open]!, this.ends[i]!);
      }
      if (t === Tok.TemplateInterp || t === Tok.TemplateControl) {
        this.error(
          "Invalid block label",
          "Block labels are plain strings: template sequences (${...} and %{...}) are not allowed in them.",
          this.tokRange(i),
        );
        return undefined;
      }
      this.error("Unterminated block label", 'This quoted block label has no closing quote. Expected `"` before the end of the line.', this.range(this.starts[open]!, this.starts[i]!));
      return undefined;
    }
  }

  // ───────────────────────── expressions ─────────────────────────

  parseStandaloneExpression(): Expression {
    this.nl.push(false);
    const expr = this.parseExpressionTop();
    this.nl.pop();
    this.nl.push(false);
    const i = this.peekIdx();
    this.nl.pop();
    if (this.types[i] !== Tok.EOF) {
      this.error(
        "Extra characters after expression",
        `Expected the end of the expression, but found ${this.found(i)}.`,
        this.tokRange(i),
      );
    }
    return expr;
  }

  /** An expression in attribute position; invalid ones still consume their tokens up to the line end. */
  private parseExpressionTop(): Expression {
    return this.parseExpr();
  }

  private parseExpr(): Expression {
    const at = this.peekIdx();
    if (!this.enter(at)) return { kind: "invalid", range: this.range(this.starts[at]!, this.starts[at]!) };
    const e = this.parseExprInner();
    this.depth--;
    return e;
  }

  private parseExprInner(): Expression {
    const cond = this.parseBinary(0);
    if (this.peek() !== Tok.Question) return cond;
    this.read();
    const t = this.parseExpr();
    const colon = this.peekIdx();
    if (this.types[colon] !== Tok.Colon) {
      this.error(
        "Missing false expression in conditional",
        `Expected ":" followed by the result when the condition is false, but found ${this.found(colon)}.`,
        this.tokRange(colon),
      );
      return { kind: "conditional", condition: cond, trueResult: t, falseResult: { kind: "invalid", range: this.tokRange(colon) }, range: this.range(startOffset(cond.range), endOffset(t.range)) };
    }
    this.p = colon + 1;
    const f = this.parseExpr();
    return { kind: "conditional", condition: cond, trueResult: t, falseResult: f, range: this.range(startOffset(cond.range), endOffset(f.range)) };
  }

  private parseBinary(minPrec: number): Expression {
    let left = this.parseUnary();
    // Each operator of a chain nests the tree one level deeper (left-associative), so it counts as depth.
    let levels = 0;
    for (;;) {
      const i = this.peekIdx();
      const op = BINARY_OPS[this.types[i] as Tok];
      if (!op || BINARY_PRECEDENCE[op] <= minPrec || !this.enter(i)) {
        this.depth -= levels;
        return left;
      }
      levels++;
      const prec = BINARY_PRECEDENCE[op];
      this.p = i + 1;
      const right = this.parseBinary(prec);
      left = {
        kind: "binary",
        op,
        left,
        right,
        opRange: this.tokRange(i),
        range: this.range(startOffset(left.range), endOffset(right.range)),
      };
    }
  }

  private parseUnary(): Expression {
    const i = this.peekIdx();
    const t = this.types[i] as Tok;
    if (t === Tok.Bang || t === Tok.Minus) {
      this.p = i + 1;
      if (!this.enter(i)) return { kind: "invalid", range: this.tokRange(i) };
      const operand = this.parseUnary();
      this.depth--;
      return { kind: "unary", op: t === Tok.Bang ? "!" : "-", operand, range: this.range(this.starts[i]!, endOffset(operand.range)) };
    }
    return this.parsePostfix(this.parseTerm());
  }

  private parseTerm(): Expression {
    const i = this.peekIdx();
    const t = this.types[i] as Tok;
    switch (t) {
      case Tok.Number: {
        this.p = i + 1;
        const text = this.text(i);
        return new NativeLiteral(Number(text), text, this.ranges, this.starts[i]!, this.ends[i]!);
      }
      case Tok.Ident:
        return this.parseIdentTerm(i);
      case Tok.OQuote:
        return this.parseQuotedTemplate();
      case Tok.OHeredoc:
        return this.parseHeredoc();
      case Tok.OParen: {
        this.p = i + 1;
        this.nl.push(false);
        const r = this.parseParenthesized(i);
        this.nl.pop();
        return r;
      }
      case Tok.OBrack:
        return this.parseTuple(i);
      case Tok.OBrace:
        return this.parseObject(i);
      case Tok.Invalid:
        this.error("Invalid character", `The character ${this.found(i)} is not used in HCL. Expected the start of an expression.`, this.tokRange(i));
        this.p = i + 1;
        return { kind: "invalid", range: this.tokRange(i) };
      default: {
        this.error("Invalid expression", `Expected the start of an expression, but found ${this.found(i)}.`, this.tokRange(i));
        // Consume tokens that cannot end an enclosing construct, so callers always make progress.
        if (t === Tok.Equal || t === Tok.Star || t === Tok.Slash || t === Tok.Percent || t === Tok.Dot || t === Tok.Plus) this.p = i + 1;
        return { kind: "invalid", range: this.range(this.starts[i]!, this.starts[i]!) };
      }
    }
  }

  private parseIdentTerm(i: number): Expression {
    const name = this.text(i);
    const next = this.nextIdx(i);
    const nt = this.types[next] as Tok;
    if (nt === Tok.OParen || nt === Tok.DoubleColon) return this.parseFunctionCall(i);
    this.p = i + 1;
    switch (name) {
      case "true":
        return new NativeLiteral(true, undefined, this.ranges, this.starts[i]!, this.ends[i]!);
      case "false":
        return new NativeLiteral(false, undefined, this.ranges, this.starts[i]!, this.ends[i]!);
      case "null":
        return new NativeLiteral(null, undefined, this.ranges, this.starts[i]!, this.ends[i]!);
      default: {
        return new NativeScopeTraversal(name, this.ranges, this.starts[i]!);
      }
    }
  }

  private parseFunctionCall(first: number): Expression {
    let name = this.text(first);
    let last = first;
    this.p = first + 1;
    while (this.peek() === Tok.DoubleColon) {
      const dc = this.read();
      const id = this.peekIdx();
      if (this.types[id] !== Tok.Ident) {
        this.error("Invalid function name", `Expected a name after "::" in the function name "${name}::", but found ${this.found(id)}.`, this.tokRange(id));
        return { kind: "invalid", range: this.range(this.starts[first]!, this.ends[dc]!) };
      }
      this.p = id + 1;
      name += "::" + this.text(id);
      last = id;
    }
    const nameEnd = this.ends[last]!;
    const open = this.peekIdx();
    if (this.types[open] !== Tok.OParen) {
      this.error("Missing function call", `Expected "(" and the arguments of the function "${name}", but found ${this.found(open)}.`, this.tokRange(open));
      return { kind: "invalid", range: this.range(this.starts[first]!, nameEnd) };
    }
    this.p = open + 1;
    this.nl.push(false);
    const r = this.parseCallArgs(name, nameEnd, open, first);
    this.nl.pop();
    return r;
  }

  private callNode(name: string, nameEnd: number, args: Expression[], expandFinal: boolean, open: number, close: number, first: number): FunctionCallExpr {
    const closeEnd = this.types[close] === Tok.CParen ? this.ends[close]! : this.starts[close]!;
    return new NativeFunctionCall(name, fit(args), expandFinal, this.ranges, this.starts[first]!, nameEnd, this.starts[open]!, this.starts[close]!, closeEnd);
  }

  private isForStart(i: number): boolean {
    if (this.types[i] !== Tok.Ident || this.text(i) !== "for") return false;
    return this.types[this.nextIdx(i)] === Tok.Ident;
  }

  private parseTuple(open: number): Expression {
    this.p = open + 1;
    this.nl.push(false);
    const r = this.parseTupleItems(open);
    this.nl.pop();
    return r;
  }

  private parseObject(open: number): Expression {
    this.p = open + 1;
    this.nl.push(false);
    const firstSig = this.peekIdx();
    this.nl.pop();
    if (this.isForStartNoNl(firstSig)) {
      this.nl.push(false);
      const r = this.parseFor(open, "object");
      this.nl.pop();
      return r;
    }
    this.nl.push(true);
    const r = this.parseObjectItems(open);
    this.nl.pop();
    return r;
  }

  private isForStartNoNl(i: number): boolean {
    this.nl.push(false);
    const r = this.isForStart(i);
    this.nl.pop();
    return r;
  }

  private parseFor(open: number, resultType: "tuple" | "object"): Expression {
    const closer = resultType === "tuple" ? Tok.CBrack : Tok.CBrace;
    const closeText = resultType === "tuple" ? "]" : "}";
    this.read(); // for
    const fail = (detail: string, at: number): Expression => {
      this.error("Invalid for expression", detail, this.tokRange(at));
      this.recoverToClose(closer);
      return { kind: "invalid", range: this.range(this.starts[open]!, this.ends[Math.max(this.p - 1, open)]!) };
    };
    const v1 = this.read();
    let keyVar: string | undefined;
    let valueVar = this.text(v1);
    if (this.peek() === Tok.Comma) {
      this.read();
      const v2 = this.peekIdx();
      if (this.types[v2] !== Tok.Ident) return fail(`Expected the value variable name after "${valueVar},", but found ${this.found(v2)}.`, v2);
      this.p = v2 + 1;
      keyVar = valueVar;
      valueVar = this.text(v2);
    }
    const inIdx = this.peekIdx();
    if (this.types[inIdx] !== Tok.Ident || this.text(inIdx) !== "in") {
      return fail(`Expected "in" after the iteration variable names, but found ${this.found(inIdx)}.`, inIdx);
    }
    this.p = inIdx + 1;
    const collection = this.parseExpr();
    const colon = this.peekIdx();
    if (this.types[colon] !== Tok.Colon) return fail(`Expected ":" after the collection of the for expression, but found ${this.found(colon)}.`, colon);
    this.p = colon + 1;
    let keyExpr: Expression | undefined;
    if (resultType === "object") {
      keyExpr = this.parseExpr();
      const arrow = this.peekIdx();
      if (this.types[arrow] !== Tok.FatArrow) return fail(`Expected "=>" between the key and the value of an object for expression, but found ${this.found(arrow)}.`, arrow);
      this.p = arrow + 1;
    }
    const valueExpr = this.parseExpr();
    let grouping = false;
    if (this.peek() === Tok.Ellipsis) {
      const e = this.read();
      if (resultType === "tuple") return fail('Grouping ("...") is only valid in an object for expression ({for ...}).', e);
      grouping = true;
    }
    let condition: Expression | undefined;
    const ifIdx = this.peekIdx();
    if (this.types[ifIdx] === Tok.Ident && this.text(ifIdx) === "if") {
      this.p = ifIdx + 1;
      condition = this.parseExpr();
    }
    const close = this.peekIdx();
    if (this.types[close] !== closer) return fail(`Expected "${closeText}" to end the for expression, but found ${this.found(close)}.`, close);
    this.p = close + 1;
    const node: ForExpr = { kind: "for", resultType, valueVar, collection, valueExpr, grouping, range: this.range(this.starts[open]!, this.ends[close]!) };
    if (keyVar !== undefined) node.keyVar = keyVar;
    if (keyExpr) node.keyExpr = keyExpr;
    if (condition) node.condition = condition;
    return node;
  }

  /** Attribute access, indexing and splats after a term. */
  private parsePostfix(expr: Expression): Expression {
    const depth = this.depth;
    const e = this.parsePostfixChain(expr);
    this.depth = depth;
    if (e.kind === "scope_traversal" || e.kind === "relative_traversal") e.steps = fit(e.steps);
    return e;
  }

  /** Each dynamic index or splat wraps the tree one level deeper, so each counts as depth (restored by caller). */
  private parsePostfixChain(expr: Expression): Expression {
    for (;;) {
      const i = this.peekIdx();
      const t = this.types[i] as Tok;
      if ((t === Tok.OBrack || t === Tok.Dot) && expr.kind !== "scope_traversal" && expr.kind !== "relative_traversal" && !this.enter(i)) return expr;
      if (t === Tok.Dot) {
        const j = this.nextIdx(i);
        const tj = this.types[j] as Tok;
        if (tj === Tok.Ident) {
          this.p = j + 1;
          expr = this.appendStep(expr, new NativeAttrStep(this.text(j), this.ranges, this.starts[j]!), startOffset(expr.range), this.ends[j]!);
          continue;
        }
        if (tj === Tok.Number) {
          this.p = j + 1;
          expr = this.appendLegacyIndex(expr, j);
          continue;
        }
        if (tj === Tok.Star) {
          this.p = j + 1;
          expr = this.parseSplat(expr, "attr", this.range(this.starts[i]!, this.ends[j]!));
          continue;
        }
        this.error("Invalid attribute name", `Expected an attribute name after ".", but found ${this.found(j)}.`, this.tokRange(j));
        this.p = j;
        return expr;
      }
      if (t === Tok.OBrack) {
        const j = this.nextIdxNoNl(i);
        if (this.types[j] === Tok.Star) {
          const k = this.nextIdxNoNl(j);
          if (this.types[k] === Tok.CBrack) {
            this.p = k + 1;
            expr = this.parseSplat(expr, "full", this.range(this.starts[i]!, this.ends[k]!));
            continue;
          }
        }
        this.p = i + 1;
        expr = this.parseIndex(expr, i, expr);
        continue;
      }
      return expr;
    }
  }

  /** After `[` at `open` (consumed): the key and `]`; `base` is what the index applies to. */
  private parseIndex(base: Expression, open: number, startExpr: Expression): Expression {
    this.nl.push(false);
    const r = this.parseIndexKey(base, open, startExpr);
    this.nl.pop();
    return r;
  }

  /** Adds a static step to a traversal (or starts a relative traversal on another expression) spanning [from, to). */
  private appendStep(expr: Expression, step: TraversalStep, from: number, to: number): Expression {
    if (expr instanceof NativeScopeTraversal) {
      expr.extend(step, to);
      return expr;
    }
    if (expr.kind === "relative_traversal") {
      expr.steps.push(step);
      expr.range = this.range(from, to);
      return expr;
    }
    return { kind: "relative_traversal", source: expr, steps: [step], range: this.range(from, to) };
  }

  private appendLegacyIndex(expr: Expression, numIdx: number): Expression {
    const text = this.text(numIdx);
    const s = this.starts[numIdx]!;
    // `a.0.1` scans `0.1` as one number: it is two legacy index steps.
    const parts = /^\d+\.\d+$/.test(text) ? text.split(".") : [text];
    let off = s;
    for (const part of parts) {
      const r = this.range(off, off + part.length);
      expr = this.appendStep(expr, { kind: "index", key: Number(part), range: r }, startOffset(expr.range), off + part.length);
      off += part.length + 1;
    }
    return expr;
  }

  private parseSplat(source: Expression, style: "full" | "attr", markerRange: SourceRange): Expression {
    let each: Expression = { kind: "splat_item", range: markerRange };
    let end = endOffset(markerRange);
    for (;;) {
      const i = this.peekIdx();
      const t = this.types[i] as Tok;
      if (t === Tok.Dot) {
        const j = this.nextIdx(i);
        const tj = this.types[j] as Tok;
        if (tj === Tok.Ident) {
          this.p = j + 1;
          end = this.ends[j]!;
          each = this.appendStep(each, new NativeAttrStep(this.text(j), this.ranges, this.starts[j]!), startOffset(markerRange), end);
          continue;
        }
        if (tj === Tok.Number) {
          this.p = j + 1;
          end = this.ends[j]!;
          each = this.appendLegacyIndex(each, j);
          continue;
        }
        break;
      }
      if (t === Tok.OBrack && style === "full") {
        const j = this.nextIdxNoNl(i);
        if (this.types[j] === Tok.Star) break;
        this.p = i + 1;
        each = this.parseIndex(each, i, each);
        end = endOffset(each.range);
        continue;
      }
      break;
    }
    return { kind: "splat", style, source, each, markerRange, range: this.range(startOffset(source.range), end) };
  }

  /** After `[` (newlines skipped): a for expression or the elements up to `]`. */
  private parseTupleItems(open: number): Expression {
    const first = this.peekIdx();
    if (this.isForStart(first)) return this.parseFor(open, "tuple");
    const items: Expression[] = [];
    for (;;) {
      const i = this.peekIdx();
      const t = this.types[i] as Tok;
      if (t === Tok.CBrack) {
        this.p = i + 1;
        return { kind: "tuple", items: fit(items), range: this.range(this.starts[open]!, this.ends[i]!) };
      }
      if (t === Tok.EOF) {
        this.error("Unclosed tuple", `Expected "]" to close the "[" at ${formatPos(this.tokRange(open))}, but found the end of the file.`, this.tokRange(open));
        return { kind: "tuple", items: fit(items), range: this.range(this.starts[open]!, this.starts[i]!) };
      }
      items.push(this.parseExpr());
      const sep = this.peekIdx();
      const st = this.types[sep] as Tok;
      if (st === Tok.Comma) {
        this.p = sep + 1;
        continue;
      }
      if (st === Tok.CBrack) continue;
      this.error("Missing item separator", `Expected a comma or "]" after a tuple element, but found ${this.found(sep)}.`, this.tokRange(sep));
      this.recoverToClose(Tok.CBrack);
      return { kind: "tuple", items: fit(items), range: this.range(this.starts[open]!, this.ends[this.p - 1] ?? this.starts[sep]!) };
    }
  }

  /** After `{` (newlines significant: they separate items): `key = value` items up to `}`. */
  private parseObjectItems(open: number): Expression {
    const items: ObjectItem[] = [];
    for (;;) {
      const i = this.peekIdx();
      const t = this.types[i] as Tok;
      if (t === Tok.Newline) {
        this.p = i + 1;
        continue;
      }
      if (t === Tok.CBrace) {
        this.p = i + 1;
        return new NativeObject(fit(items), this.ranges, this.starts[open]!, this.ends[i]!);
      }
      if (t === Tok.EOF) {
        this.error("Unclosed object", `Expected "}" to close the "{" at ${formatPos(this.tokRange(open))}, but found the end of the file.`, this.tokRange(open));
        return new NativeObject(fit(items), this.ranges, this.starts[open]!, this.starts[i]!);
      }
      const errs = this.diags.length;
      const rawKey = this.parseExpr();
      let key: Expression = rawKey;
      let bareKey = false;
      // A bare key is the one token `i` (an identifier, or null / true / false): its range is that token's.
      if (rawKey.kind === "scope_traversal" && rawKey.steps.length === 0) {
        key = new NativeLiteral(rawKey.root, undefined, this.ranges, this.starts[i]!, this.ends[i]!);
        bareKey = true;
      } else if (rawKey.kind === "literal" && (rawKey.value === null || typeof rawKey.value === "boolean")) {
        key = new NativeLiteral(String(rawKey.value), undefined, this.ranges, this.starts[i]!, this.ends[i]!);
        bareKey = true;
      }
      const eq = this.peekIdx();
      const et = this.types[eq] as Tok;
      if (et !== Tok.Equal && et !== Tok.Colon) {
        if (this.diags.length === errs) {
          this.error("Missing key/value separator", `Expected "=" (or ":") after the object key, but found ${this.found(eq)}.`, this.tokRange(eq));
        }
        this.recoverToClose(Tok.CBrace);
        return new NativeObject(fit(items), this.ranges, this.starts[open]!, this.ends[this.p - 1]!);
      }
      this.p = eq + 1;
      const value = this.parseExpr();
      items.push(new NativeObjectItem(key, bareKey, value, this.ranges, this.starts[i]!));
      const sep = this.peekIdx();
      const st = this.types[sep] as Tok;
      if (st === Tok.Comma || st === Tok.Newline) {
        this.p = sep + 1;
        continue;
      }
      if (st === Tok.CBrace) continue;
      if (this.diags.length === errs) {
        this.error("Missing attribute separator", `Expected a newline or comma after the object attribute, but found ${this.found(sep)}.`, this.tokRange(sep));
      }
      this.recoverToClose(Tok.CBrace);
      return new NativeObject(fit(items), this.ranges, this.starts[open]!, this.ends[this.p - 1]!);
    }
  }

  /** After `[` of an index (newlines skipped): the key and `]`; `base` is what the index applies to. */
  private parseIndexKey(base: Expression, open: number, startExpr: Expression): Expression {
    const key = this.parseExpr();
    const close = this.peekIdx();
    let end: number;
    if (this.types[close] !== Tok.CBrack) {
      this.error("Missing close bracket on index", `Expected "]" to close the index, but found ${this.found(close)}.`, this.tokRange(close));
      this.recoverToClose(Tok.CBrack);
      end = this.ends[this.p - 1]!;
    } else {
      this.p = close + 1;
      end = this.ends[close]!;
    }
    const keyRange = this.range(this.starts[open]!, end);
    const lit = staticKey(key);
    if (lit !== undefined) return this.appendStep(base, { kind: "index", key: lit, range: keyRange }, startOffset(startExpr.range), end);
    return { kind: "index", collection: base, key, keyRange, range: this.range(startOffset(startExpr.range), end) };
  }

  /** After `(` of a call (newlines skipped): the arguments, an optional final `...`, and `)`. */
  private parseCallArgs(name: string, nameEnd: number, open: number, first: number): Expression {
    const args: Expression[] = [];
    let expandFinal = false;
    for (;;) {
      const i = this.peekIdx();
      const t = this.types[i] as Tok;
      if (t === Tok.CParen) break;
      if (t === Tok.EOF) break;
      args.push(this.parseExpr());
      const sep = this.peekIdx();
      const st = this.types[sep] as Tok;
      if (st === Tok.Ellipsis) {
        this.p = sep + 1;
        expandFinal = true;
        const c = this.peekIdx();
        if (this.types[c] !== Tok.CParen) {
          this.error("Missing closing parenthesis", `An expanded argument (ending in "...") must be the last one: expected ")" but found ${this.found(c)}.`, this.tokRange(c));
          this.recoverToClose(Tok.CParen);
          return this.callNode(name, nameEnd, args, true, open, this.p - 1, first);
        }
        break;
      }
      if (st === Tok.Comma) {
        this.p = sep + 1;
        continue;
      }
      if (st === Tok.CParen) break;
      this.error(
        "Missing argument separator",
        `Expected a comma or ")" after an argument of "${name}", but found ${this.found(sep)}.`,
        this.tokRange(sep),
      );
      this.recoverToClose(Tok.CParen);
      return this.callNode(name, nameEnd, args, expandFinal, open, this.p - 1, first);
    }
    const close = this.peekIdx();
    if (this.types[close] !== Tok.CParen) {
      this.error("Unbalanced parentheses", `Expected ")" to close the call of "${name}", but found ${this.found(close)}.`, this.tokRange(close));
      return this.callNode(name, nameEnd, args, expandFinal, open, close, first);
    }
    this.p = close + 1;
    return this.callNode(name, nameEnd, args, expandFinal, open, close, first);
  }

  /** After `(` (newlines skipped): the inner expression and `)`. */
  private parseParenthesized(i: number): Expression {
    const inner = this.parseExpr();
    const close = this.peekIdx();
    if (this.types[close] !== Tok.CParen) {
      this.error("Unbalanced parentheses", `Expected ")" to close the "(" at ${formatPos(this.tokRange(i))}, but found ${this.found(close)}.`, this.tokRange(close));
      this.recoverToClose(Tok.CParen);
      return { kind: "parens", expr: inner, range: this.range(this.starts[i]!, endOffset(inner.range)) };
    }
    this.p = close + 1;
    return { kind: "parens", expr: inner, range: this.range(this.starts[i]!, this.ends[close]!) };
  }

  // ───────────────────────── templates ─────────────────────────

  private parseQuotedTemplate(): Expression {
    const open = this.read();
    // Most strings are plain text ("prod", "30m"): build them directly, without the template item list.
    const types = this.types;
    const first = this.p;
    if (types[first] === Tok.CQuote) {
      this.p = first + 1;
      return new NativeTemplate([], this.ranges, this.starts[open]!, this.ends[first]!);
    }
    if (types[first] === Tok.QuotedLit && types[first + 1] === Tok.CQuote) {
      this.p = first + 2;
      const value = this.decodeQuoted(first);
      const parts = value === "" ? [] : [new NativeLiteral(value, undefined, this.ranges, this.starts[first]!, this.ends[first]!)];
      return new NativeTemplate(parts, this.ranges, this.starts[open]!, this.ends[first + 1]!);
    }
    const items = this.parseTemplateItems();
    const close = this.p;
    const ct = this.types[close] as Tok;
    let end: number;
    if (ct === Tok.CQuote) {
      this.p = close + 1;
      end = this.ends[close]!;
    } else {
      const multi = ct === Tok.Unterminated && this.src.charCodeAt(this.starts[close]!) === 10;
      this.error(
        multi ? "Invalid multi-line string" : "Unterminated template string",
        multi
          ? 'Quoted strings may not be split over several lines: expected a closing quote (") before the end of the line. Use the \\n escape, or a heredoc (<<EOT) for multi-line text.'
          : 'Expected a closing quote (") for this string before the end of the file.',
        this.range(this.starts[open]!, this.starts[close]!),
      );
      if (ct === Tok.Unterminated) this.p = close + 1;
      end = this.starts[close]!;
    }
    applyStrip(items);
    return this.buildTemplate(items, this.range(this.starts[open]!, end));
  }

  private parseHeredoc(): Expression {
    const open = this.read();
    const opener = this.text(open);
    const indented = opener.startsWith("<<-");
    const marker = opener.slice(indented ? 3 : 2).replace(/\r?\n$/, "");
    const items = this.parseTemplateItems();
    const close = this.p;
    let end: number;
    if (this.types[close] === Tok.CHeredoc) {
      this.p = close + 1;
      end = this.ends[close]!;
    } else {
      this.error(
        "Unterminated heredoc",
        `The heredoc opened here has no closing marker: expected a line containing only "${marker}" before the end of the file.`,
        this.tokRange(open),
      );
      if (this.types[close] === Tok.Unterminated) this.p = close + 1;
      end = this.starts[close]!;
    }
    // As in HCL: strip markers first, then the flush (a stripped newline joins two lines for indentation).
    applyStrip(items);
    if (indented) flushHeredoc(items);
    const expr = this.buildTemplate(items, this.range(this.starts[open]!, end));
    if (expr.kind === "template") expr.heredoc = { marker, indented };
    return expr;
  }

  parseBareTemplate(): TemplateExpr {
    const items = this.parseTemplateItems();
    const i = this.p;
    if (this.types[i] !== Tok.EOF) {
      this.error("Invalid template", `Expected the end of the template, but found ${this.found(i)}.`, this.tokRange(i));
    }
    const start = this.starts[0]!;
    const end = this.ends[this.types[i] === Tok.EOF ? i : i]!;
    applyStrip(items);
    const t = this.buildTemplate(items, this.range(start, Math.max(start, end)));
    return t;
  }

  /**
   * Reads template tokens (literal text, `${}` and `%{}` sequences) up to the token that ends the template,
   * leaving `this.p` on it.
   */
  private parseTemplateItems(): RawTemplateItem[] {
    const items: RawTemplateItem[] = [];
    let lineStart = true;
    for (;;) {
      const i = this.p;
      const t = this.types[i] as Tok;
      if (t === Tok.QuotedLit || t === Tok.StringLit) {
        const raw = this.text(i);
        const value = t === Tok.QuotedLit ? this.decodeQuoted(i) : decodeTemplateEscapes(raw);
        const endsLine = raw.endsWith("\n");
        items.push({ t: "lit", value, s: this.starts[i]!, e: this.ends[i]!, lineStart, endsLine });
        lineStart = endsLine;
        this.p++;
        continue;
      }
      if (t === Tok.TemplateInterp) {
        this.p++;
        const stripLeft = this.ends[i]! - this.starts[i]! === 3;
        this.nl.push(false);
        const expr = this.parseExpr();
        this.nl.pop();
        const { stripRight, end } = this.closeSequence("interpolation");
        items.push({ t: "interp", expr, strip: { stripLeft, stripRight }, s: this.starts[i]!, e: end });
        lineStart = false;
        continue;
      }
      if (t === Tok.TemplateControl) {
        this.p++;
        lineStart = false;
        const stripLeft = this.ends[i]! - this.starts[i]! === 3;
        this.nl.push(false);
        const item = this.parseDirective(i, stripLeft);
        this.nl.pop();
        if (item) items.push(item);
        continue;
      }
      return items;
    }
  }

  private closeSequence(what: string): { stripRight: boolean; end: number } {
    this.nl.push(false);
    const i = this.peekIdx();
    this.nl.pop();
    if (this.types[i] === Tok.TemplateSeqEnd) {
      this.p = i + 1;
      return { stripRight: this.ends[i]! - this.starts[i]! === 2, end: this.ends[i]! };
    }
    if (this.types[i] === Tok.Unterminated) return { stripRight: false, end: this.starts[i]! }; // the template reports it
    this.error(
      `Extra characters after ${what}`,
      `Expected "}" to close the template ${what}, but found ${this.found(i)}.`,
      this.tokRange(i),
    );
    // Skip to the sequence end if it is on this template's tokens; otherwise stop at the template's end.
    for (;;) {
      const t = this.types[this.p] as Tok;
      if (t === Tok.TemplateSeqEnd) {
        this.p++;
        return { stripRight: false, end: this.ends[this.p - 1]! };
      }
      if (t === Tok.EOF || t === Tok.CQuote || t === Tok.CHeredoc || t === Tok.Unterminated) {
        return { stripRight: false, end: this.starts[this.p]! };
      }
      this.p++;
    }
  }

  private parseDirective(open: number, stripLeft: boolean): RawTemplateItem | undefined {
    const kw = this.peekIdx();
    const word = this.types[kw] === Tok.Ident ? this.text(kw) : "";
    const s = this.starts[open]!;
    switch (word) {
      case "if": {
        this.p = kw + 1;
        const cond = this.parseExpr();
        const { stripRight, end } = this.closeSequence("directive");
        return { t: "if", cond, strip: { stripLeft, stripRight }, s, e: end };
      }
      case "else":
      case "endif":
      case "endfor": {
        this.p = kw + 1;
        const { stripRight, end } = this.closeSequence("directive");
        return { t: word, strip: { stripLeft, stripRight }, s, e: end };
      }
      case "for": {
        this.p = kw + 1;
        const v1 = this.peekIdx();
        if (this.types[v1] !== Tok.Ident) {
          this.error("Invalid template for directive", `Expected a variable name after "for", but found ${this.found(v1)}.`, this.tokRange(v1));
          this.closeSequence("directive");
          return undefined;
        }
        this.p = v1 + 1;
        let keyVar: string | undefined;
        let valueVar = this.text(v1);
        if (this.peek() === Tok.Comma) {
          this.read();
          const v2 = this.peekIdx();
          if (this.types[v2] !== Tok.Ident) {
            this.error("Invalid template for directive", `Expected the value variable name after "${valueVar},", but found ${this.found(v2)}.`, this.tokRange(v2));
            this.closeSequence("directive");
            return undefined;
          }
          this.p = v2 + 1;
          keyVar = valueVar;
          valueVar = this.text(v2);
        }
        const inIdx = this.peekIdx();
        if (this.types[inIdx] !== Tok.Ident || this.text(inIdx) !== "in") {
          this.error("Invalid template for directive", `Expected "in" after the iteration variable names, but found ${this.found(inIdx)}.`, this.tokRange(inIdx));
          this.closeSequence("directive");
          return undefined;
        }
        this.p = inIdx + 1;
        const coll = this.parseExpr();
        const { stripRight, end } = this.closeSequence("directive");
        const item: RawTemplateItem = { t: "for", valueVar, coll, strip: { stripLeft, stripRight }, s, e: end };
        if (keyVar !== undefined) item.keyVar = keyVar;
        return item;
      }
      default:
        this.error(
          "Invalid template directive",
          `Expected one of "if", "else", "endif", "for" or "endfor" after "%{", but found ${this.found(kw)}.`,
          this.tokRange(kw),
        );
        this.closeSequence("directive");
        return undefined;
    }
  }

  /** Applies strip markers, then nests `if`/`for` directives into a template node. */
  /** Nests `if`/`for` directives into a template node; strip markers must have been applied (applyStrip). */
  private buildTemplate(items: RawTemplateItem[], range: SourceRange): TemplateExpr {
    let pos = 0;
    let nesting = 0;
    let tooDeep = false;
    const build = (stop: ReadonlySet<string>): TemplatePart[] => {
      const parts: TemplatePart[] = [];
      if (++nesting > MAX_DEPTH) {
        if (!tooDeep) this.error("Nesting too deep", `Template directives may nest at most ${MAX_DEPTH} levels deep.`, range);
        tooDeep = true;
        pos = items.length;
        nesting--;
        return parts;
      }
      while (pos < items.length) {
        const it = items[pos]!;
        if (stop.has(it.t)) {
          nesting--;
          return fit(parts);
        }
        pos++;
        switch (it.t) {
          case "lit":
            if (it.value !== "") parts.push(new NativeLiteral(it.value, undefined, this.ranges, it.s, it.e));
            break;
          case "interp":
            parts.push({ kind: "interpolation", expr: it.expr, stripLeft: it.strip.stripLeft, stripRight: it.strip.stripRight, range: this.range(it.s, it.e) });
            break;
          case "if": {
            const then = build(IF_STOP);
            let elseParts: TemplatePart[] | undefined;
            let elseStrip: StripMarkers | undefined;
            let end = items[pos];
            if (end && end.t === "else") {
              elseStrip = end.strip;
              pos++;
              elseParts = build(ENDIF_STOP);
              end = items[pos];
            }
            if (!end || end.t !== "endif") {
              if (!tooDeep) this.error("Unterminated template if", 'Expected "%{endif}" to close this "%{if}" directive before the end of the template.', this.range(it.s, it.e));
              const node: TemplatePart = { kind: "if", condition: it.cond, then, ifStrip: it.strip, endStrip: { stripLeft: false, stripRight: false }, range: this.range(it.s, it.e) };
              if (elseParts) node.else = elseParts;
              parts.push(node);
              break;
            }
            pos++;
            const node: TemplatePart = { kind: "if", condition: it.cond, then, ifStrip: it.strip, endStrip: end.strip, range: this.range(it.s, end.e) };
            if (elseParts) {
              node.else = elseParts;
              node.elseStrip = elseStrip!;
            }
            parts.push(node);
            break;
          }
          case "for": {
            const body = build(ENDFOR_STOP);
            const end = items[pos];
            let endStrip = { stripLeft: false, stripRight: false };
            let e = it.e;
            if (!end || end.t !== "endfor") {
              if (!tooDeep) this.error("Unterminated template for", 'Expected "%{endfor}" to close this "%{for}" directive before the end of the template.', this.range(it.s, it.e));
            } else {
              pos++;
              endStrip = end.strip;
              e = end.e;
            }
            const node: TemplatePart = { kind: "for", valueVar: it.valueVar, collection: it.coll, body, forStrip: it.strip, endStrip, range: this.range(it.s, e) };
            if (it.keyVar !== undefined) node.keyVar = it.keyVar;
            parts.push(node);
            break;
          }
          case "else":
          case "endif":
          case "endfor":
            this.error(
              "Unexpected template directive",
              `Found "%{${it.t}}" without a matching "%{${it.t === "endfor" ? "for" : "if"}}" before it.`,
              this.range(it.s, it.e),
            );
            break;
        }
      }
      nesting--;
      return fit(parts);
    };
    const parts = build(NO_STOP);
    return { kind: "template", parts, range };
  }

  /** Decodes a quoted-string literal token: backslash escapes and `$${`/`%%{`. Reports bad escapes. */
  private decodeQuoted(i: number): string {
    const raw = this.text(i);
    if (raw.indexOf("\\") < 0 && raw.indexOf("{") < 0) return raw;
    // Text between escapes is appended as slices, not character by character (which leaves a chain of one
    // string object per character in the tree).
    let out = "";
    let run = 0;
    for (let k = 0; k < raw.length; k++) {
      const c = raw[k]!;
      if (c === "\\") {
        out += raw.slice(run, k);
        const n = raw[k + 1];
        let decoded: string | undefined;
        let width = 2;
        switch (n) {
          case "n":
            decoded = "\n";
            break;
          case "r":
            decoded = "\r";
            break;
          case "t":
            decoded = "\t";
            break;
          case '"':
            decoded = '"';
            break;
          case "\\":
            decoded = "\\";
            break;
          case "u":
          case "U": {
            const len = n === "u" ? 4 : 8;
            const hex = raw.slice(k + 2, k + 2 + len);
            if (hex.length === len && /^[0-9A-Fa-f]+$/.test(hex)) {
              const cp = parseInt(hex, 16);
              if (cp <= 0x10ffff) {
                decoded = String.fromCodePoint(cp);
                width = 2 + len;
              }
            }
            break;
          }
          default:
            break;
        }
        if (decoded === undefined) {
          const at = this.starts[i]! + k;
          this.error(
            "Invalid escape sequence",
            `The escape "\\${n ?? ""}" is not valid in a quoted string. Expected one of \\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN.`,
            this.range(at, Math.min(at + 2, this.ends[i]!)),
          );
        } else out += decoded;
        k += width - 1;
        run = k + 1;
        continue;
      }
      if ((c === "$" || c === "%") && raw[k + 1] === c && raw[k + 2] === "{") {
        out += raw.slice(run, k + 1) + "{";
        k += 2;
        run = k + 1;
      }
    }
    return out + raw.slice(run);
  }
}

/** Deeper nesting than this is refused (real configurations stay far below; the stack would not). */
const MAX_DEPTH = 200;

const NO_STOP: ReadonlySet<string> = new Set();
const IF_STOP: ReadonlySet<string> = new Set(["else", "endif"]);
const ENDIF_STOP: ReadonlySet<string> = new Set(["endif"]);
const ENDFOR_STOP: ReadonlySet<string> = new Set(["endfor"]);

function staticKey(key: Expression): string | number | undefined {
  if (key.kind === "literal") {
    if (typeof key.value === "number" || typeof key.value === "string") return key.value;
    return undefined;
  }
  if (key.kind === "template" && !key.heredoc) {
    if (key.parts.length === 0) return "";
    if (key.parts.length === 1 && key.parts[0]!.kind === "literal") return key.parts[0]!.value;
  }
  return undefined;
}

