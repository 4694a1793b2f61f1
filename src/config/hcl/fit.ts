/**
 * An exact-size copy of an array built by push (V8 over-allocates growing arrays to 16+ slots), for arrays the
 * AST keeps: a large configuration holds hundreds of thousands of them. The usual short lengths are copied with
 * array literals rather than slice: V8 allocates a literal whose copies keep surviving straight into the old
 * generation (allocation-site pretenuring), so the tree's arrays are not copied again by every young-generation
 * GC while the parse runs. Every empty result is one shared frozen array (most blocks have no nested blocks), so
 * code that pushes onto a finished tree fails loudly instead of corrupting other nodes.
 */
export function fit<T>(a: T[]): T[] {
  switch (a.length) {
    case 0:
      return NONE;
    case 1:
      return [a[0]!];
    case 2:
      return [a[0]!, a[1]!];
    case 3:
      return [a[0]!, a[1]!, a[2]!];
    case 4:
      return [a[0]!, a[1]!, a[2]!, a[3]!];
    case 5:
      return [a[0]!, a[1]!, a[2]!, a[3]!, a[4]!];
    default:
      return a.length > 16 ? a : a.slice();
  }
}

/** The one empty array of finished syntax trees and configurations. */
export const NONE: never[] = Object.freeze([]) as unknown as never[];
