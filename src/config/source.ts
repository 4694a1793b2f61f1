import { LazyRange } from "./hcl/position.js";

/**
 * A position in a source file. `line` and `column` are 1-based (column counts Unicode code points, as HCL
 * does); `byte` is the 0-based UTF-16 offset into the file text as loaded (JavaScript string index), so
 * `text.slice(start.byte, end.byte)` is the source of a range.
 */
export interface SourcePos {
  line: number;
  column: number;
  byte: number;
}

/** A half-open span of one file: `start` is the first character, `end` is just past the last one. */
export interface SourceRange {
  filename: string;
  start: SourcePos;
  end: SourcePos;
}

/** The smallest range covering both `a` and `b` (same file assumed; `a`'s filename is kept). */
export function joinRanges(a: SourceRange, b: SourceRange): SourceRange {
  if (a instanceof LazyRange && b instanceof LazyRange && a.lines === b.lines) {
    return new LazyRange(a.lines, Math.min(a.startOffset, b.startOffset), Math.max(a.endOffset, b.endOffset));
  }
  return {
    filename: a.filename,
    start: a.start.byte <= b.start.byte ? a.start : b.start,
    end: a.end.byte >= b.end.byte ? a.end : b.end,
  };
}

/** A zero-width range at the start of `filename`, for problems about a whole file. */
export function fileStartRange(filename: string): SourceRange {
  const pos = { line: 1, column: 1, byte: 0 };
  return { filename, start: pos, end: pos };
}

/** `file:line:col` of the start of a range, the form every message uses to point at a place. */
export function formatPos(range: SourceRange): string {
  return `${range.filename}:${range.start.line}:${range.start.column}`;
}
