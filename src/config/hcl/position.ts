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
    let astral = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.lineStarts.push(i + 1);
      else if (c >= 0xd800 && c <= 0xdbff) astral = true;
    }
    this.hasAstral = astral;
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

  range(start: number, end: number): SourceRange {
    return { filename: this.filename, start: this.pos(start), end: this.pos(end) };
  }
}
