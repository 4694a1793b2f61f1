/** Token kinds of HCL native syntax. Stored as small integers in a typed array by the lexer. */
export enum Tok {
  EOF,
  Newline,
  Comment,
  Ident,
  Number,
  OBrace, // {
  CBrace, // }
  OBrack, // [
  CBrack, // ]
  OParen, // (
  CParen, // )
  Comma,
  Dot,
  Ellipsis, // ...
  DoubleColon, // ::
  Star,
  Slash,
  Percent,
  Plus,
  Minus,
  Equal, // =
  EqualOp, // ==
  NotEqual, // !=
  LessThan,
  LessThanEq,
  GreaterThan,
  GreaterThanEq,
  And, // &&
  Or, // ||
  Bang, // !
  Question,
  Colon,
  FatArrow, // =>
  OQuote, // " opening a template
  CQuote, // " closing a template
  OHeredoc, // <<EOT or <<-EOT including the newline after the marker
  CHeredoc, // the closing marker line (leading whitespace + marker)
  QuotedLit, // raw literal text inside a quoted template (escapes not yet decoded)
  StringLit, // raw literal text of one heredoc line (up to and including its newline), or of a bare template
  TemplateInterp, // ${ or ${~
  TemplateControl, // %{ or %{~
  TemplateSeqEnd, // } or ~} closing an interpolation or directive
  Invalid, // a character the language does not use
  Unterminated, // zero-width marker: a quoted string ended at a newline / EOF, or a block comment never closed
}

/** How a token kind reads in messages: `"="`, `a newline`, `an identifier`. */
export function describeTok(t: Tok): string {
  switch (t) {
    case Tok.EOF:
      return "the end of the file";
    case Tok.Newline:
      return "a newline";
    case Tok.Comment:
      return "a comment";
    case Tok.Ident:
      return "an identifier";
    case Tok.Number:
      return "a number";
    case Tok.OQuote:
    case Tok.CQuote:
      return 'a quote (")';
    case Tok.OHeredoc:
      return "a heredoc";
    case Tok.CHeredoc:
      return "the end of a heredoc";
    case Tok.QuotedLit:
    case Tok.StringLit:
      return "literal text";
    case Tok.TemplateInterp:
      return '"${"';
    case Tok.TemplateControl:
      return '"%{"';
    case Tok.TemplateSeqEnd:
      return '"}"';
    case Tok.Invalid:
      return "an invalid character";
    case Tok.Unterminated:
      return "an unterminated string";
    default:
      return `"${PUNCT_TEXT[t] ?? "?"}"`;
  }
}

const PUNCT_TEXT: Partial<Record<Tok, string>> = {
  [Tok.OBrace]: "{",
  [Tok.CBrace]: "}",
  [Tok.OBrack]: "[",
  [Tok.CBrack]: "]",
  [Tok.OParen]: "(",
  [Tok.CParen]: ")",
  [Tok.Comma]: ",",
  [Tok.Dot]: ".",
  [Tok.Ellipsis]: "...",
  [Tok.DoubleColon]: "::",
  [Tok.Star]: "*",
  [Tok.Slash]: "/",
  [Tok.Percent]: "%",
  [Tok.Plus]: "+",
  [Tok.Minus]: "-",
  [Tok.Equal]: "=",
  [Tok.EqualOp]: "==",
  [Tok.NotEqual]: "!=",
  [Tok.LessThan]: "<",
  [Tok.LessThanEq]: "<=",
  [Tok.GreaterThan]: ">",
  [Tok.GreaterThanEq]: ">=",
  [Tok.And]: "&&",
  [Tok.Or]: "||",
  [Tok.Bang]: "!",
  [Tok.Question]: "?",
  [Tok.Colon]: ":",
  [Tok.FatArrow]: "=>",
};
