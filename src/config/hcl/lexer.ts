/**
 * The scanner of HCL native syntax. It turns source text into a flat token list (kinds and offsets in typed
 * arrays, so a 10,000-resource file costs a few megabytes), tracking the nesting of braces, interpolations,
 * quoted templates and heredocs the way HCL's own scanner does: a `}` closes an interpolation only when the
 * innermost open construct is one. Comments and newlines are kept as tokens (the formatter needs them; the
 * parser skips them where they do not matter). The scanner never fails: characters it cannot use become
 * `Invalid` tokens and unterminated strings an `Unterminated` marker, for the parser to report.
 */
import { Tok } from "./token.js";

export interface Tokens {
  /** Token kinds (`Tok`), `count` of them, the last always `EOF`. */
  types: Uint8Array;
  /** Offsets into the source text: token `i` spans `[starts[i], ends[i])`. */
  starts: Int32Array;
  ends: Int32Array;
  count: number;
  src: string;
}

const enum Frame {
  Brace,
  Interp,
  Quoted,
  Heredoc,
  BareTemplate,
}

export type LexMode = "normal" | "template";

/**
 * Scans `src[from, to)`. Mode `normal` scans configuration/expressions; mode `template` scans the region as
 * the inside of a template with no quotes (used for strings of the JSON syntax), ending at `to`.
 */
export function lex(src: string, from = 0, to = src.length, mode: LexMode = "normal"): Tokens {
  // About one token per 3.8 characters in real configurations: start there so large files are not copied while growing.
  let cap = Math.max(16, Math.ceil((to - from) / 3) + 16);
  let types = new Uint8Array(cap);
  let starts = new Int32Array(cap);
  let ends = new Int32Array(cap);
  let count = 0;

  const push = (t: Tok, s: number, e: number): void => {
    if (count === cap) {
      cap *= 2;
      const nt = new Uint8Array(cap);
      nt.set(types);
      types = nt;
      const ns = new Int32Array(cap);
      ns.set(starts);
      starts = ns;
      const ne = new Int32Array(cap);
      ne.set(ends);
      ends = ne;
    }
    types[count] = t;
    starts[count] = s;
    ends[count] = e;
    count++;
  };

  const frames: Frame[] = [];
  /** Bracket/paren depth inside each open interpolation, parallel to Interp frames. */
  const interpDepth: number[] = [];
  const markers: string[] = []; // heredoc markers, parallel to Heredoc frames
  let heredocLineStart = false;
  if (mode === "template") frames.push(Frame.BareTemplate);

  let i = from;
  if (i === 0 && src.charCodeAt(0) === 0xfeff) i = 1;

  while (i < to) {
    const top = frames.length ? frames[frames.length - 1]! : Frame.Brace;
    if (top === Frame.Quoted || top === Frame.BareTemplate) {
      i = scanTemplateText(top === Frame.Quoted, i);
      continue;
    }
    if (top === Frame.Heredoc) {
      i = scanHeredocText(i);
      continue;
    }
    let c = src.charCodeAt(i);
    // whitespace
    if (c === 32 || c === 9 || c === 13) {
      do c = src.charCodeAt(++i);
      while ((c === 32 || c === 9 || c === 13) && i < to);
      if (i >= to) break;
    }
    if (c === 10) {
      // `"${var.x` then end of line: the interpolation and its string were never closed. End both here so one
      // unterminated string does not swallow the rest of the file (newlines inside brackets stay allowed).
      if (
        top === Frame.Interp &&
        interpDepth[interpDepth.length - 1] === 0 &&
        frames.length >= 2 &&
        frames[frames.length - 2] === Frame.Quoted
      ) {
        frames.pop();
        frames.pop();
        interpDepth.pop();
        push(Tok.Unterminated, i, i);
        continue;
      }
      push(Tok.Newline, i, i + 1);
      i++;
      continue;
    }
    if (isIdentStart(c) || (c >= 0x80 && isUnicodeIdentStart(src, i))) {
      const s = i;
      i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
      while (i < to) {
        const d = src.charCodeAt(i);
        if (isIdentContinue(d)) i++;
        else if (d >= 0x80 && isUnicodeIdentContinue(src, i)) i += d >= 0xd800 && d <= 0xdbff ? 2 : 1;
        else break;
      }
      push(Tok.Ident, s, i);
      continue;
    }
    if (c >= 48 && c <= 57) {
      const s = i;
      while (i < to && isDigit(src.charCodeAt(i))) i++;
      if (src.charCodeAt(i) === 46 && isDigit(src.charCodeAt(i + 1)) && i + 1 < to) {
        i++;
        while (i < to && isDigit(src.charCodeAt(i))) i++;
      }
      const e = src.charCodeAt(i);
      if (e === 101 || e === 69) {
        let j = i + 1;
        const sign = src.charCodeAt(j);
        if (sign === 43 || sign === 45) j++;
        if (j < to && isDigit(src.charCodeAt(j))) {
          i = j;
          while (i < to && isDigit(src.charCodeAt(i))) i++;
        }
      }
      push(Tok.Number, s, i);
      continue;
    }
    const n = i + 1 < to ? src.charCodeAt(i + 1) : -1;
    switch (c) {
      case 35: // #
        i = lineComment(i);
        continue;
      case 47: // /
        if (n === 47) {
          i = lineComment(i);
          continue;
        }
        if (n === 42) {
          const end = src.indexOf("*/", i + 2);
          if (end < 0 || end + 2 > to) {
            push(Tok.Comment, i, to);
            push(Tok.Unterminated, to, to);
            i = to;
          } else {
            push(Tok.Comment, i, end + 2);
            i = end + 2;
          }
          continue;
        }
        push(Tok.Slash, i, i + 1);
        i++;
        continue;
      case 34: // "
        push(Tok.OQuote, i, i + 1);
        frames.push(Frame.Quoted);
        i++;
        continue;
      case 123: // {
        push(Tok.OBrace, i, i + 1);
        frames.push(Frame.Brace);
        i++;
        continue;
      case 125: // }
        i = closeBrace(i, i);
        continue;
      case 126: // ~
        if (n === 125 && frames.length && frames[frames.length - 1] === Frame.Interp) {
          i = closeBrace(i, i + 1);
          continue;
        }
        push(Tok.Invalid, i, i + 1);
        i++;
        continue;
      case 91:
        if (top === Frame.Interp) interpDepth[interpDepth.length - 1] = interpDepth[interpDepth.length - 1]! + 1;
        push(Tok.OBrack, i, ++i);
        continue;
      case 93:
        if (top === Frame.Interp && interpDepth[interpDepth.length - 1]! > 0) interpDepth[interpDepth.length - 1] = interpDepth[interpDepth.length - 1]! - 1;
        push(Tok.CBrack, i, ++i);
        continue;
      case 40:
        if (top === Frame.Interp) interpDepth[interpDepth.length - 1] = interpDepth[interpDepth.length - 1]! + 1;
        push(Tok.OParen, i, ++i);
        continue;
      case 41:
        if (top === Frame.Interp && interpDepth[interpDepth.length - 1]! > 0) interpDepth[interpDepth.length - 1] = interpDepth[interpDepth.length - 1]! - 1;
        push(Tok.CParen, i, ++i);
        continue;
      case 44:
        push(Tok.Comma, i, ++i);
        continue;
      case 46: // .
        if (n === 46 && src.charCodeAt(i + 2) === 46 && i + 2 < to) {
          push(Tok.Ellipsis, i, i + 3);
          i += 3;
        } else push(Tok.Dot, i, ++i);
        continue;
      case 58: // :
        if (n === 58) {
          push(Tok.DoubleColon, i, i + 2);
          i += 2;
        } else push(Tok.Colon, i, ++i);
        continue;
      case 42:
        push(Tok.Star, i, ++i);
        continue;
      case 37:
        push(Tok.Percent, i, ++i);
        continue;
      case 43:
        push(Tok.Plus, i, ++i);
        continue;
      case 45:
        push(Tok.Minus, i, ++i);
        continue;
      case 63:
        push(Tok.Question, i, ++i);
        continue;
      case 61: // =
        if (n === 61) push(Tok.EqualOp, i, (i += 2));
        else if (n === 62) push(Tok.FatArrow, i, (i += 2));
        else push(Tok.Equal, i, ++i);
        continue;
      case 33: // !
        if (n === 61) push(Tok.NotEqual, i, (i += 2));
        else push(Tok.Bang, i, ++i);
        continue;
      case 60: // <
        if (n === 60) {
          const h = tryHeredoc(i);
          if (h > 0) {
            i = h;
            continue;
          }
        }
        if (n === 61) push(Tok.LessThanEq, i, (i += 2));
        else push(Tok.LessThan, i, ++i);
        continue;
      case 62:
        if (n === 61) push(Tok.GreaterThanEq, i, (i += 2));
        else push(Tok.GreaterThan, i, ++i);
        continue;
      case 38:
        if (n === 38) push(Tok.And, i, (i += 2));
        else push(Tok.Invalid, i, ++i);
        continue;
      case 124:
        if (n === 124) push(Tok.Or, i, (i += 2));
        else push(Tok.Invalid, i, ++i);
        continue;
      default: {
        const w = c >= 0xd800 && c <= 0xdbff && i + 1 < to ? 2 : 1;
        push(Tok.Invalid, i, i + w);
        i += w;
      }
    }
  }
  // An open quoted string or heredoc at the end is reported by the parser through this marker.
  for (let f = frames.length - 1; f >= 0; f--) {
    if (frames[f] === Frame.Quoted || frames[f] === Frame.Heredoc) {
      push(Tok.Unterminated, to, to);
      break;
    }
  }
  push(Tok.EOF, to, to);
  return { types, starts, ends, count, src };

  function lineComment(s: number): number {
    let e = src.indexOf("\n", s);
    if (e < 0 || e > to) e = to;
    let ce = e;
    if (ce > s && src.charCodeAt(ce - 1) === 13) ce--;
    push(Tok.Comment, s, ce);
    return e;
  }

  /** `}` at `s` (or `~}` when `e` > `s`): ends an interpolation/directive or a brace. */
  function closeBrace(s: number, e: number): number {
    const f = frames.length ? frames[frames.length - 1] : undefined;
    if (f === Frame.Interp) {
      frames.pop();
      interpDepth.pop();
      push(Tok.TemplateSeqEnd, s, e + 1);
    } else {
      if (f === Frame.Brace) frames.pop();
      push(Tok.CBrace, s, e + 1);
    }
    return e + 1;
  }

  /** At `<<`: a heredoc opener is `<<` or `<<-`, an identifier, then a newline. Returns the new offset or -1. */
  function tryHeredoc(s: number): number {
    let j = s + 2;
    if (src.charCodeAt(j) === 45) j++;
    const ms = j;
    if (!isIdentStart(src.charCodeAt(j))) return -1;
    while (j < to && isIdentContinue(src.charCodeAt(j))) j++;
    const marker = src.slice(ms, j);
    let k = j;
    if (src.charCodeAt(k) === 13) k++;
    if (src.charCodeAt(k) !== 10 || k >= to) return -1;
    push(Tok.OHeredoc, s, k + 1);
    frames.push(Frame.Heredoc);
    markers.push(marker);
    heredocLineStart = true;
    return k + 1;
  }

  /** Literal text of a quoted (or bare) template up to `"`, `${`, `%{`, a newline (quoted only) or the end. */
  function scanTemplateText(quoted: boolean, s: number): number {
    let j = s;
    while (j < to) {
      const c = src.charCodeAt(j);
      if (quoted && c === 34) break;
      if (quoted && c === 10) break;
      if (quoted && c === 92) {
        j += src.charCodeAt(j + 1) === 10 ? 1 : 2;
        continue;
      }
      if ((c === 36 || c === 37) && src.charCodeAt(j + 1) === 123) break;
      if ((c === 36 || c === 37) && src.charCodeAt(j + 1) === c && src.charCodeAt(j + 2) === 123) {
        j += 3;
        continue;
      }
      j++;
    }
    if (j > to) j = to;
    if (j > s) push(quoted ? Tok.QuotedLit : Tok.StringLit, s, j);
    if (j >= to) {
      if (!quoted) frames.pop();
      return to;
    }
    const c = src.charCodeAt(j);
    if (c === 34) {
      frames.pop();
      push(Tok.CQuote, j, j + 1);
      return j + 1;
    }
    if (c === 10) {
      // A quoted string may not span lines: end it here; the parser reports the missing quote.
      frames.pop();
      push(Tok.Unterminated, j, j);
      return j;
    }
    return openSequence(j);
  }

  /** `${` / `%{` (with optional `~`) at `j`. */
  function openSequence(j: number): number {
    const control = src.charCodeAt(j) === 37;
    const e = src.charCodeAt(j + 2) === 126 && j + 2 < to ? j + 3 : j + 2;
    push(control ? Tok.TemplateControl : Tok.TemplateInterp, j, e);
    frames.push(Frame.Interp);
    interpDepth.push(0);
    return e;
  }

  /** One piece of heredoc text: a closing marker line, or literal text up to a sequence or end of line. */
  function scanHeredocText(s: number): number {
    if (heredocLineStart) {
      let j = s;
      while (j < to && (src.charCodeAt(j) === 32 || src.charCodeAt(j) === 9)) j++;
      const marker = markers[markers.length - 1]!;
      if (src.startsWith(marker, j) && j + marker.length <= to) {
        let k = j + marker.length;
        if (src.charCodeAt(k) === 13) k++;
        if (k >= to || src.charCodeAt(k) === 10) {
          push(Tok.CHeredoc, s, j + marker.length);
          frames.pop();
          markers.pop();
          heredocLineStart = false;
          return j + marker.length;
        }
      }
    }
    heredocLineStart = false;
    let j = s;
    while (j < to) {
      const c = src.charCodeAt(j);
      if (c === 10) {
        j++;
        heredocLineStart = true;
        break;
      }
      if ((c === 36 || c === 37) && src.charCodeAt(j + 1) === 123) break;
      if ((c === 36 || c === 37) && src.charCodeAt(j + 1) === c && src.charCodeAt(j + 2) === 123) {
        j += 3;
        continue;
      }
      j++;
    }
    if (j > s) push(Tok.StringLit, s, j);
    if (j >= to) return to;
    if (heredocLineStart) return j;
    return openSequence(j);
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdentContinue(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

const ID_START = /\p{ID_Start}/u;
const ID_CONTINUE = /\p{ID_Continue}/u;

function isUnicodeIdentStart(src: string, i: number): boolean {
  const cp = src.codePointAt(i);
  return cp !== undefined && ID_START.test(String.fromCodePoint(cp));
}

function isUnicodeIdentContinue(src: string, i: number): boolean {
  const cp = src.codePointAt(i);
  return cp !== undefined && ID_CONTINUE.test(String.fromCodePoint(cp));
}
