/**
 * Canonical layout of HCL native syntax, as `terraform fmt` writes it: two spaces of indentation per nesting
 * level, one space around `=` and binary operators, none inside brackets or before commas, `=` aligned across
 * consecutive single-line arguments at the same level, trailing whitespace removed. Comments, blank lines,
 * quoted strings and heredoc contents are kept exactly. Like terraform fmt, it also unwraps interpolation-only
 * values (`a = "${var.x}"` → `a = var.x`) and legacy quoted type constraints (`type = "string"` → `string`).
 *
 * Only syntactically valid input is formatted; the caller gets the parse diagnostics otherwise.
 */
import type { Diagnostic } from "../diagnostics.js";
import { lex } from "./lexer.js";
import { parseFile } from "./parser.js";
import { Tok } from "./token.js";

export interface FormatResult {
  /** The formatted text; undefined when the input has syntax errors. */
  text?: string;
  diagnostics: Diagnostic[];
}

/** Formats a native-syntax file. */
export function formatHcl(src: string, filename: string): FormatResult {
  const parsed = parseFile(src, filename);
  if (parsed.diagnostics.some((d) => d.severity === "error")) return { diagnostics: parsed.diagnostics };
  return { text: formatValid(src), diagnostics: parsed.diagnostics };
}

/** One unit of a line: a token, or a verbatim run (a whole quoted string, heredoc or comment). */
interface Unit {
  t: Tok;
  text: string;
  /** For verbatim quoted strings: the inner expression source when the string is exactly `"${ expr }"`. */
  interpOnly?: string;
}

const OPENERS = new Set<Tok>([Tok.OBrace, Tok.OBrack, Tok.OParen]);
const CLOSERS = new Set<Tok>([Tok.CBrace, Tok.CBrack, Tok.CParen]);
const BINARY = new Set<Tok>([
  Tok.Or,
  Tok.And,
  Tok.EqualOp,
  Tok.NotEqual,
  Tok.LessThan,
  Tok.LessThanEq,
  Tok.GreaterThan,
  Tok.GreaterThanEq,
  Tok.Plus,
  Tok.Minus,
  Tok.Star,
  Tok.Slash,
  Tok.Percent,
  Tok.Equal,
  Tok.FatArrow,
  Tok.Question,
  Tok.Colon,
]);

function toLines(src: string): Unit[][] {
  const toks = lex(src);
  const { types, starts, ends, count } = toks;
  const lines: Unit[][] = [[]];
  let i = 0;
  while (i < count) {
    const t = types[i] as Tok;
    if (t === Tok.EOF) break;
    if (t === Tok.Newline) {
      lines.push([]);
      i++;
      continue;
    }
    const line = lines[lines.length - 1]!;
    if (t === Tok.OQuote || t === Tok.OHeredoc) {
      // The whole template, verbatim: nested quotes/heredocs inside interpolations are balanced by the lexer.
      let depth = 0;
      let j = i;
      for (; j < count; j++) {
        const u = types[j] as Tok;
        if (u === Tok.OQuote || u === Tok.OHeredoc) depth++;
        else if (u === Tok.CQuote || u === Tok.CHeredoc) {
          depth--;
          if (depth === 0) break;
        } else if (u === Tok.EOF) break;
      }
      const text = src.slice(starts[i], ends[Math.min(j, count - 1)]);
      const unit: Unit = { t, text };
      if (t === Tok.OQuote && types[i + 1] === Tok.TemplateInterp && ends[i + 1]! - starts[i + 1]! === 2) {
        // `"${ expr }"`: the sequence end must be the token right before the closing quote, with nothing else
        // at template level in between.
        let k = i + 2;
        let level = 0;
        let ok = true;
        for (; k < j; k++) {
          const u = types[k] as Tok;
          if (u === Tok.TemplateInterp || u === Tok.TemplateControl) level++;
          else if (u === Tok.TemplateSeqEnd) {
            if (level === 0) break;
            level--;
          }
          if (u === Tok.Newline || u === Tok.Comment || u === Tok.OHeredoc) ok = false;
        }
        if (ok && k === j - 1 && ends[k]! - starts[k]! === 1) {
          const inner = src.slice(ends[i + 1], starts[k]).trim();
          if (inner) unit.interpOnly = inner;
        }
      }
      line.push(unit);
      i = j + 1;
      continue;
    }
    line.push({ t, text: src.slice(starts[i], ends[i]) });
    i++;
  }
  return lines;
}

function isWordish(t: Tok): boolean {
  return t === Tok.Ident || t === Tok.Number || t === Tok.OQuote || t === Tok.OHeredoc;
}

/** Whether `u` (at index k of line) is a unary operator given what precedes it. */
function isUnary(line: Unit[], k: number): boolean {
  const u = line[k]!;
  if (u.t !== Tok.Minus && u.t !== Tok.Bang) return false;
  if (u.t === Tok.Bang) return true;
  const prev = line[k - 1];
  if (!prev) return true;
  return BINARY.has(prev.t) || OPENERS.has(prev.t) || prev.t === Tok.Comma || prev.t === Tok.TemplateInterp || prev.t === Tok.Bang;
}

function spaceBefore(line: Unit[], k: number): string {
  const prev = line[k - 1]!;
  const cur = line[k]!;
  if (cur.t === Tok.Comment) return " ";
  if (cur.t === Tok.Comma || cur.t === Tok.Ellipsis) return "";
  if (cur.t === Tok.DoubleColon || prev.t === Tok.DoubleColon) return "";
  if (cur.t === Tok.Dot || prev.t === Tok.Dot) return "";
  if (prev.t === Tok.OParen || prev.t === Tok.OBrack) return "";
  if (cur.t === Tok.CParen || cur.t === Tok.CBrack) return "";
  if (k >= 2 && (prev.t === Tok.Minus || prev.t === Tok.Bang) && isUnary(line, k - 1)) return "";
  if (k === 1 && (prev.t === Tok.Minus || prev.t === Tok.Bang)) return "";
  if (cur.t === Tok.OParen) return prev.t === Tok.Ident ? "" : " ";
  if (cur.t === Tok.OBrack) {
    // An index `a[0]`, `f()[0]`, `x[*]` touches what it indexes; a tuple after an operator is spaced.
    return prev.t === Tok.Ident || prev.t === Tok.CBrack || prev.t === Tok.CParen || prev.t === Tok.OQuote || prev.t === Tok.Star ? (prev.t === Tok.Ident && isKeywordBeforeTuple(line, k - 1) ? " " : "") : " ";
  }
  if (cur.t === Tok.CBrace) return prev.t === Tok.OBrace ? "" : " ";
  if (prev.t === Tok.OBrace) return " ";
  if (prev.t === Tok.Comma) return " ";
  if (BINARY.has(cur.t) || BINARY.has(prev.t)) return " ";
  if (isWordish(cur.t) || isWordish(prev.t)) return " ";
  return " ";
}

/** `in [..]`, `if [..]` and block labels are words followed by a tuple, not indexing. */
function isKeywordBeforeTuple(line: Unit[], k: number): boolean {
  const w = line[k]!.text;
  return (w === "in" || w === "if") && k > 0;
}

function bracketChange(line: Unit[]): number {
  let n = 0;
  for (const u of line) {
    if (OPENERS.has(u.t)) n++;
    else if (CLOSERS.has(u.t)) n--;
  }
  return n;
}

/** Applies terraform fmt's value rewrites to an argument line (`name = value`). */
function rewriteValue(line: Unit[], inVariable: boolean): void {
  if (line.length !== 3 || line[0]!.t !== Tok.Ident || line[1]!.t !== Tok.Equal) {
    if (!(line.length === 4 && line[0]!.t === Tok.Ident && line[1]!.t === Tok.Equal && line[3]!.t === Tok.Comment)) return;
  }
  const v = line[2]!;
  if (v.t !== Tok.OQuote) return;
  if (inVariable && line[0]!.text === "type") {
    const legacy: Record<string, string> = { '"string"': "string", '"list"': "list(string)", '"map"': "map(string)" };
    const repl = legacy[v.text];
    if (repl) {
      line[2] = { t: Tok.Ident, text: repl };
      return;
    }
  }
  if (v.interpOnly !== undefined && !v.interpOnly.includes("\n")) line[2] = { t: Tok.Ident, text: v.interpOnly };
}

function formatValid(src: string): string {
  const lines = toLines(src);
  const indents: number[] = [];
  const blockStack: string[] = [];
  const out: { indent: number; units: Unit[]; assign: boolean }[] = [];
  for (const line of lines) {
    if (line.length === 0) {
      out.push({ indent: 0, units: line, assign: false });
      continue;
    }
    const net = bracketChange(line);
    const startsWithCloser = CLOSERS.has(line[0]!.t);
    let indent: number;
    if (net > 0) {
      indent = indents.length;
      indents.push(net);
    } else if (net < 0) {
      let closed = -net;
      while (closed > 0 && indents.length) {
        const top = indents[indents.length - 1]!;
        if (closed >= top) {
          closed -= top;
          indents.pop();
        } else {
          indents[indents.length - 1] = top - closed;
          closed = 0;
        }
      }
      indent = indents.length;
    } else {
      // `} else {`-like lines (closer first, net zero) sit at the outer level.
      indent = startsWithCloser && indents.length ? indents.length - 1 : indents.length;
    }
    // Track which block we are in, for the `type = "string"` rewrite.
    const isBlockHeader = line[0]!.t === Tok.Ident && line[line.length - 1]!.t === Tok.OBrace && !line.some((u) => u.t === Tok.Equal);
    const inVariable = blockStack[blockStack.length - 1] === "variable";
    rewriteValue(line, inVariable);
    if (net > 0) blockStack.push(isBlockHeader ? line[0]!.text : "");
    else if (net < 0) for (let k = 0; k < -net && blockStack.length; k++) blockStack.pop();
    const assign = line.length >= 3 && line[0]!.t === Tok.Ident && line[1]!.t === Tok.Equal;
    out.push({ indent, units: line, assign });
  }

  // Align `=` across runs of consecutive argument lines at the same indentation.
  const pad = new Array<number>(out.length).fill(0);
  let runStart = -1;
  const closeRun = (end: number) => {
    if (runStart < 0) return;
    let width = 0;
    for (let k = runStart; k < end; k++) width = Math.max(width, out[k]!.units[0]!.text.length);
    for (let k = runStart; k < end; k++) pad[k] = width - out[k]!.units[0]!.text.length;
    runStart = -1;
  };
  for (let k = 0; k < out.length; k++) {
    const l = out[k]!;
    if (!l.assign) {
      closeRun(k);
      continue;
    }
    if (runStart >= 0 && out[runStart]!.indent !== l.indent) closeRun(k);
    if (runStart < 0) runStart = k;
    // A value that continues on later lines ends the run after this line.
    if (bracketChange(l.units) !== 0 || l.units.some((u) => u.text.includes("\n"))) closeRun(k + 1);
  }
  closeRun(out.length);

  const result: string[] = [];
  for (let k = 0; k < out.length; k++) {
    const l = out[k]!;
    if (l.units.length === 0) {
      result.push("");
      continue;
    }
    let s = "  ".repeat(l.indent) + l.units[0]!.text;
    for (let u = 1; u < l.units.length; u++) {
      let sp = spaceBefore(l.units, u);
      if (u === 1 && l.assign) sp = " ".repeat(pad[k]! + 1);
      s += sp + l.units[u]!.text;
    }
    result.push(s.replace(/[ \t]+$/, ""));
  }
  return result.join("\n");
}
