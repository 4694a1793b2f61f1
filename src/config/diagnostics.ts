/**
 * Problems found in configuration, as values: parsing, loading and validation return lists of these and keep
 * going, so one run reports every problem it can find. Only the CLI turns them into text and exit codes.
 */
import type { SourceRange } from "./source.js";
import { formatPos } from "./source.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  severity: Severity;
  /** A short title: "Invalid expression", "Duplicate resource". */
  summary: string;
  /** What was found and what was expected, as a full sentence. */
  detail: string;
  /** The exact place the problem is about. */
  subject?: SourceRange;
  /** A wider range around the subject (e.g. the whole block), when that helps the reader. */
  context?: SourceRange;
}

export function errorAt(summary: string, detail: string, subject?: SourceRange): Diagnostic {
  return subject ? { severity: "error", summary, detail, subject } : { severity: "error", summary, detail };
}

export function warningAt(summary: string, detail: string, subject?: SourceRange): Diagnostic {
  return subject ? { severity: "warning", summary, detail, subject } : { severity: "warning", summary, detail };
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/** Errors first, then by file, line and column; diagnostics without a place last. Stable otherwise. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  const rank = (d: Diagnostic) => (d.severity === "error" ? 0 : 1);
  return diags
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      if (rank(a.d) !== rank(b.d)) return rank(a.d) - rank(b.d);
      const sa = a.d.subject;
      const sb = b.d.subject;
      if (sa && sb) {
        if (sa.filename !== sb.filename) return sa.filename < sb.filename ? -1 : 1;
        if (sa.start.byte !== sb.start.byte) return sa.start.byte - sb.start.byte;
      } else if (sa || sb) {
        return sa ? -1 : 1;
      }
      return a.i - b.i;
    })
    .map((x) => x.d);
}

/** Looks up the text of a file named in a range; undefined when it is not at hand. */
export type SourceLookup = (filename: string) => string | undefined;

/**
 * Renders one diagnostic for a terminal:
 *
 * ```
 * Error: Invalid expression
 *   --> main.tf:3:15
 *    |
 *  3 |   retention = = 3
 *    |               ^
 *   Expected the start of an expression, but found "=".
 * ```
 *
 * The source line and caret appear when `sources` knows the file; a multi-line subject underlines to the end of
 * its first line. Tabs in the source line are mirrored in the caret line so the caret stays aligned.
 */
export function formatDiagnostic(diag: Diagnostic, sources?: SourceLookup): string {
  const out: string[] = [];
  out.push(`${diag.severity === "error" ? "Error" : "Warning"}: ${diag.summary}`);
  const subject = diag.subject;
  if (subject) {
    out.push(`  --> ${formatPos(subject)}`);
    const text = sources?.(subject.filename);
    const line = text === undefined ? undefined : sourceLine(text, subject.start.line);
    if (line !== undefined) {
      const num = String(subject.start.line);
      const gutter = " ".repeat(num.length);
      const startCol = Math.max(1, subject.start.column);
      const chars = Array.from(line);
      const endCol =
        subject.end.line === subject.start.line ? Math.max(subject.end.column, startCol + 1) : chars.length + 1;
      const lead = chars
        .slice(0, startCol - 1)
        .map((c) => (c === "\t" ? "\t" : " "))
        .join("");
      const width = Math.max(1, Math.min(endCol, chars.length + 1) - startCol);
      out.push(`  ${gutter} |`);
      out.push(`  ${num} | ${line}`);
      out.push(`  ${gutter} | ${lead}^${"~".repeat(width - 1)}`);
    }
  }
  if (diag.detail) out.push(...diag.detail.split("\n").map((l) => `  ${l}`));
  return out.join("\n") + "\n";
}

/** Renders several diagnostics separated by blank lines, errors first, in source order. */
export function formatDiagnostics(diags: readonly Diagnostic[], sources?: SourceLookup): string {
  return sortDiagnostics(diags)
    .map((d) => formatDiagnostic(d, sources))
    .join("\n");
}

/** The 1-based line `n` of `text` without its line terminator, or undefined past the end. */
export function sourceLine(text: string, n: number): string | undefined {
  let start = 0;
  for (let i = 1; i < n; i++) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  let end = text.indexOf("\n", start);
  if (end < 0) end = text.length;
  if (end > start && text.charCodeAt(end - 1) === 13) end--;
  return text.slice(start, end);
}
