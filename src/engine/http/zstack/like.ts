/**
 * SQL LIKE matching (`%` any run of characters, `_` exactly one), case-insensitive as MySQL's default collation
 * is. Linear-space, O(text × pattern) worst-case time and never exponential: a regular expression built from the
 * pattern backtracks (`%a%a%a%ab` over 255 characters took seconds), so the pattern is split at `%` into literal
 * segments instead, and each segment is placed at its leftmost fit. Leftmost placement is optimal because a `%`
 * between segments absorbs any gap: if a match exists, one exists with every segment as far left as it fits.
 */
export class LikePattern {
  private readonly prefix: readonly string[];
  private readonly middle: readonly (readonly string[])[];
  private readonly suffix: readonly string[];
  private readonly exact: boolean;

  constructor(readonly source: string) {
    const segments = source.split("%").map((s) => Array.from(s.toLowerCase()));
    this.exact = segments.length === 1;
    this.prefix = segments[0]!;
    this.suffix = segments.length > 1 ? segments[segments.length - 1]! : [];
    this.middle = segments.slice(1, -1).filter((s) => s.length > 0);
  }

  /** Whether the whole of `text` matches the pattern. */
  test(text: string): boolean {
    const t = Array.from(text.toLowerCase());
    if (this.exact) return t.length === this.prefix.length && fitsAt(t, 0, this.prefix);
    if (t.length < this.prefix.length + this.suffix.length) return false;
    if (!fitsAt(t, 0, this.prefix)) return false;
    const end = t.length - this.suffix.length;
    if (!fitsAt(t, end, this.suffix)) return false;
    let at = this.prefix.length;
    for (const seg of this.middle) {
      const found = leftmostFit(t, at, end, seg);
      if (found < 0) return false;
      at = found + seg.length;
    }
    return true;
  }

  toString(): string {
    return this.source;
  }
}

/** Whether `seg` (with `_` as any one character) matches `t` starting at `at`. */
function fitsAt(t: readonly string[], at: number, seg: readonly string[]): boolean {
  if (at + seg.length > t.length) return false;
  for (let i = 0; i < seg.length; i++) {
    if (seg[i] !== "_" && seg[i] !== t[at + i]) return false;
  }
  return true;
}

/** The first index in [from, end - seg.length] where `seg` fits, or -1. */
function leftmostFit(t: readonly string[], from: number, end: number, seg: readonly string[]): number {
  for (let at = from; at + seg.length <= end; at++) {
    if (fitsAt(t, at, seg)) return at;
  }
  return -1;
}
