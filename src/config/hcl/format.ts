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
  const out: { indent: number; units: Unit[] }[] = [];
  for (const line of lines) {
    if (line.length === 0) {
      out.push({ indent: 0, units: line });
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
    out.push({ indent, units: line });
  }

  // Each line splits into cells as hclwrite does: the lead (up to the first `=`), the assignment (from the `=`,
  // only when it holds a whole expression: a value opening a multi-line bracket is not one) and a trailing
  // comment. Consecutive lines with assignments align their `=`; consecutive trailing comments align too.
  const cells = out.map((l) => {
    const units = l.units;
    const hasComment = units.length > 1 && units[units.length - 1]!.t === Tok.Comment;
    const body = hasComment ? units.length - 1 : units.length;
    let eq = -1;
    for (let u = 1; u < body; u++) {
      if (units[u]!.t !== Tok.Equal) continue;
      if (bracketChange(units.slice(u, body)) === 0) eq = u;
      break;
    }
    const render = (from: number, to: number): string => {
      let s = "";
      for (let u = from; u < to; u++) s += (u === from ? "" : spaceBefore(units, u)) + units[u]!.text;
      return s;
    };
    const lead = units.length ? "  ".repeat(l.indent) + render(0, eq >= 0 ? eq : body) : "";
    const assign = eq >= 0 ? render(eq, body) : "";
    const comment = hasComment ? units[units.length - 1]!.text : "";
    // A heredoc value spans lines: like hclwrite, it joins the run before it but ends it.
    const multiline = assign.includes("\n");
    return { lead, assign, comment, hasAssign: eq >= 0, hasComment, multiline, empty: units.length === 0 };
  });

  const assignPad = new Array<number>(cells.length).fill(1);
  const commentPad = new Array<number>(cells.length).fill(1);
  const chains = (member: (k: number) => boolean, width: (k: number) => number, pad: number[], endsAfter: (k: number) => boolean) => {
    let start = -1;
    const close = (end: number) => {
      if (start < 0) return;
      let max = 0;
      for (let k = start; k < end; k++) max = Math.max(max, width(k));
      for (let k = start; k < end; k++) pad[k] = max - width(k) + 1;
      start = -1;
    };
    for (let k = 0; k < cells.length; k++) {
      if (!member(k)) {
        close(k);
        continue;
      }
      if (start < 0) start = k;
      if (endsAfter(k)) close(k + 1);
    }
    close(cells.length);
  };
  const lastLine = (s: string) => s.slice(s.lastIndexOf("\n") + 1);
  chains((k) => cells[k]!.hasAssign, (k) => cells[k]!.lead.length, assignPad, (k) => cells[k]!.multiline);
  chains(
    (k) => cells[k]!.hasComment,
    (k) => lastLine(cells[k]!.lead + (cells[k]!.hasAssign ? " ".repeat(assignPad[k]!) + cells[k]!.assign : "")).length,
    commentPad,
    (k) => cells[k]!.multiline,
  );

  const result: string[] = [];
  for (let k = 0; k < cells.length; k++) {
    const c = cells[k]!;
    if (c.empty) {
      result.push("");
      continue;
    }
    let s = c.lead;
    if (c.hasAssign) s += " ".repeat(assignPad[k]!) + c.assign;
    if (c.hasComment) s += " ".repeat(commentPad[k]!) + c.comment;
    result.push(s.replace(/[ \t]+$/, ""));
  }
  return result.join("\n");
}
