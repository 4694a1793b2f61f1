import type { SourcePos, SourceRange } from "../source.js";

/**
 * Maps string offsets of one file onto line/column positions. Built once per file in O(n); lookups are a
 * binary search with a cache for the forward-moving access pattern of a parser, so a parser can create ranges
 * only for the nodes it builds instead of tracking positions per character.
 */
export class LineIndex {
  private readonly lineStarts: number[] = [0];
  private readonly hasAstral: boolean;
  private lastLine = 0;

  constructor(
    readonly filename: string,
    readonly text: string,
  ) {
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", nl + 1)) this.lineStarts.push(nl + 1);
    this.hasAstral = /[\uD800-\uDBFF]/.test(text);
  }

  /** Position of offset `byte` (clamped to the text). Columns count code points, 1-based. */
  pos(byte: number): SourcePos {
    if (byte < 0) byte = 0;
    if (byte > this.text.length) byte = this.text.length;
    const starts = this.lineStarts;
    let line = this.lastLine;
    if (!(starts[line]! <= byte && (line + 1 >= starts.length || starts[line + 1]! > byte))) {
      if (line + 1 < starts.length && starts[line + 1]! <= byte && (line + 2 >= starts.length || starts[line + 2]! > byte)) {
        line++;
      } else {
        let lo = 0;
        let hi = starts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid]! <= byte) lo = mid;
          else hi = mid - 1;
        }
        line = lo;
      }
      this.lastLine = line;
    }
    const lineStart = starts[line]!;
    let column = byte - lineStart + 1;
    if (this.hasAstral) {
      for (let i = lineStart; i < byte; i++) {
        const c = this.text.charCodeAt(i);
        if (c >= 0xdc00 && c <= 0xdfff) column--;
      }
    }
    return { line: line + 1, column, byte };
  }

  /** A range whose line/column positions are computed only when read (see LazyRange). */
  range(start: number, end: number): SourceRange {
    return new LazyRange(this, start, end);
  }
}

/**
 * A SourceRange that stores offsets and computes `start`/`end` on access. Parsing a large configuration
 * creates hundreds of thousands of ranges and reads a handful (for diagnostics), so this saves most of the
 * parser's time and memory. It reads like any SourceRange and serializes as one (`toJSON`); note that object
 * spread (`{...range}`) does not copy `start`/`end` — build a new range from the fields instead.
 */
export class LazyRange implements SourceRange {
  constructor(
    readonly lines: LineIndex,
    /** Offset of the first character (same as `start.byte`, without computing the position). */
    readonly startOffset: number,
    /** Offset just past the last character (same as `end.byte`). */
    readonly endOffset: number,
  ) {}

  get filename(): string {
    return this.lines.filename;
  }

  get start(): SourcePos {
    return this.lines.pos(this.startOffset);
  }

  get end(): SourcePos {
    return this.lines.pos(this.endOffset);
  }

  toJSON(): SourceRange {
    return { filename: this.filename, start: this.start, end: this.end };
  }
}

/** `r.start.byte`, cheaply for lazy ranges. */
export function startOffset(r: SourceRange): number {
  return r instanceof LazyRange ? r.startOffset : r.start.byte;
}

/** `r.end.byte`, cheaply for lazy ranges. */
export function endOffset(r: SourceRange): number {
  return r instanceof LazyRange ? r.endOffset : r.end.byte;
}
