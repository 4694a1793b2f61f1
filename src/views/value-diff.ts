import type { Json } from "../plan/plan.js";
import {
  arrayLength,
  childNode,
  compareStrings,
  isNullNode,
  isPlainObject,
  isSensitiveNode,
  isUnknownNode,
  jsonEqual,
  objectKeys,
  shapeOf,
  type ValueNode,
} from "./encoding.js";

/**
 * The attribute-level difference between a prior and a planned value, as a tree the text renderer walks. Pure.
 * Without provider schemas every JSON object is treated as an object attribute (bare keys) and every array as a
 * list (order matters), which is how backplan's providers model their resources.
 */

export type DiffAction = "create" | "delete" | "update" | "no-op";

interface DiffBase {
  action: DiffAction;
  /** This exact path is one of the change's replace paths: it forces the replacement. */
  replace: boolean;
}

export type ValueDiff =
  | (DiffBase & { kind: "primitive"; before: Json; after: Json })
  /** Known only after apply; `before` is the prior value (rendered as removed) unless the value is new. */
  | (DiffBase & { kind: "unknown"; before: ValueDiff | null })
  /** `valueChanged`: the hidden value itself differs (the action may be "update" for a change of marking alone). */
  | (DiffBase & { kind: "sensitive"; beforeSensitive: boolean; afterSensitive: boolean; valueChanged: boolean })
  | (DiffBase & { kind: "object"; attributes: [string, ValueDiff][] })
  | (DiffBase & { kind: "list"; elements: ValueDiff[]; primitiveElements: boolean })
  | (DiffBase & { kind: "typeChange"; before: ValueDiff; after: ValueDiff });

export type PathStep = string | number;

/** Replace paths as a set of JSON-encoded paths, for exact lookup. */
export type ReplaceSet = ReadonlySet<string>;

export function replaceSet(paths: readonly (readonly PathStep[])[]): ReplaceSet {
  return new Set(paths.map((p) => JSON.stringify(p)));
}

const NO_REPLACE: ReplaceSet = new Set();

/**
 * Diffs `before` (null: the value is being created) against `after` (null: being removed). Attributes that are
 * null on both sides are dropped from objects, as Terraform does.
 */
export function diffValues(
  before: ValueNode | null,
  after: ValueNode | null,
  replace: ReplaceSet = NO_REPLACE,
  path: PathStep[] = [],
): ValueDiff {
  const forces = replace.size > 0 && replace.has(JSON.stringify(path));
  const bNull = isNullNode(before);
  const aNull = isNullNode(after);

  if (after !== null && isUnknownNode(after)) {
    return {
      kind: "unknown",
      action: bNull ? "create" : "update",
      replace: forces,
      before: bNull ? null : diffValues(before, null, NO_REPLACE, path),
    };
  }

  const bSens = !bNull && before !== null && isSensitiveNode(before);
  const aSens = !aNull && after !== null && isSensitiveNode(after);
  if (bSens || aSens) {
    const valueChanged = bNull || aNull || !jsonEqual(before!.value, after!.value);
    let action: DiffAction;
    if (bNull) action = "create";
    else if (aNull) action = "delete";
    else action = bSens === aSens && !valueChanged ? "no-op" : "update";
    return { kind: "sensitive", action, replace: forces, beforeSensitive: bSens, afterSensitive: aSens, valueChanged };
  }

  if (bNull && aNull) return { kind: "primitive", action: "no-op", replace: forces, before: null, after: null };

  const bShape = bNull ? null : shapeOf(before!);
  const aShape = aNull ? null : shapeOf(after!);
  if (bShape !== null && aShape !== null && bShape !== aShape) {
    return {
      kind: "typeChange",
      action: "update",
      replace: forces,
      before: diffValues(before, null, NO_REPLACE, path),
      after: diffValues(null, after, NO_REPLACE, path),
    };
  }
  const b = bNull ? null : before;
  const a = aNull ? null : after;
  const shape = bShape ?? aShape;
  switch (shape) {
    case "object":
      return diffObject(b, a, replace, path, forces);
    case "array":
      return diffList(b, a, replace, path, forces);
    case "primitive":
    case null: {
      const bv = b === null ? null : (b.value ?? null);
      const av = a === null ? null : (a.value ?? null);
      let action: DiffAction;
      if (b === null) action = "create";
      else if (a === null) action = "delete";
      else action = jsonEqual(bv, av) ? "no-op" : "update";
      return { kind: "primitive", action, replace: forces, before: bv, after: av };
    }
  }
}

function containerAction(b: ValueNode | null, a: ValueNode | null, children: readonly ValueDiff[]): DiffAction {
  if (b === null) return "create";
  if (a === null) return "delete";
  return children.some((c) => c.action !== "no-op") ? "update" : "no-op";
}

function diffObject(b: ValueNode | null, a: ValueNode | null, replace: ReplaceSet, path: PathStep[], forces: boolean): ValueDiff {
  const keys = new Set<string>([...(b ? objectKeys(b) : []), ...(a ? objectKeys(a) : [])]);
  const attributes: [string, ValueDiff][] = [];
  for (const key of [...keys].sort(compareStrings)) {
    const cb = b === null ? null : childNode(b, key);
    const ca = a === null ? null : childNode(a, key);
    if (isNullNode(cb) && isNullNode(ca)) continue;
    attributes.push([key, diffValues(cb, ca, replace, [...path, key])]);
  }
  return {
    kind: "object",
    action: containerAction(b, a, attributes.map(([, d]) => d)),
    replace: forces,
    attributes,
  };
}

function nodeEqual(x: ValueNode, y: ValueNode): boolean {
  if (isUnknownNode(x) || isUnknownNode(y)) return false;
  return jsonEqual(x.value, y.value) && jsonEqual(x.sensitive, y.sensitive) && jsonEqual(x.unknown, y.unknown);
}

function isObjectElement(n: ValueNode): boolean {
  return !isUnknownNode(n) && !isSensitiveNode(n) && isPlainObject(n.value);
}

/** Above this many cells the quadratic table is not built; the unmatched middle is shown as removed then added. */
const LCS_MAX_CELLS = 1_000_000;

/**
 * Longest common subsequence of two lists under `eq`, as index pairs in order. Common prefixes and suffixes are
 * matched first; a middle too large for the quadratic table is left unmatched (a correct, if longer, diff).
 */
export function lcsPairs<T>(xs: readonly T[], ys: readonly T[], eq: (x: T, y: T) => boolean): [number, number][] {
  let start = 0;
  while (start < xs.length && start < ys.length && eq(xs[start]!, ys[start]!)) start++;
  let endX = xs.length;
  let endY = ys.length;
  while (endX > start && endY > start && eq(xs[endX - 1]!, ys[endY - 1]!)) {
    endX--;
    endY--;
  }
  const pairs: [number, number][] = [];
  for (let k = 0; k < start; k++) pairs.push([k, k]);
  const n = endX - start;
  const m = endY - start;
  if (n > 0 && m > 0 && (n + 1) * (m + 1) <= LCS_MAX_CELLS) {
    const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        table[i]![j] = eq(xs[start + i]!, ys[start + j]!) ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (eq(xs[start + i]!, ys[start + j]!)) {
        pairs.push([start + i, start + j]);
        i++;
        j++;
      } else if (table[i + 1]![j]! >= table[i]![j + 1]!) i++;
      else j++;
    }
  }
  for (let k = 0; k < xs.length - endX; k++) pairs.push([endX + k, endY + k]);
  return pairs;
}

/**
 * Lists: elements common to both sides (longest common subsequence) are unchanged; between them, removed
 * elements come first, then added ones, except that a removed object facing an added object is shown as that
 * object being updated.
 */
function diffList(b: ValueNode | null, a: ValueNode | null, replace: ReplaceSet, path: PathStep[], forces: boolean): ValueDiff {
  const bs = b === null ? [] : Array.from({ length: arrayLength(b) }, (_, i) => childNode(b, i));
  const as = a === null ? [] : Array.from({ length: arrayLength(a) }, (_, i) => childNode(a, i));
  const common = lcsPairs(bs, as, nodeEqual);
  const elements: ValueDiff[] = [];
  let bi = 0;
  let ai = 0;
  for (let k = 0; k <= common.length; k++) {
    const [bEnd, aEnd] = common[k] ?? [bs.length, as.length];
    while (bi < bEnd) {
      if (ai < aEnd && isObjectElement(bs[bi]!) && isObjectElement(as[ai]!)) {
        elements.push(diffValues(bs[bi]!, as[ai]!, replace, [...path, ai]));
        ai++;
      } else {
        elements.push(diffValues(bs[bi]!, null, replace, [...path, bi]));
      }
      bi++;
    }
    while (ai < aEnd) {
      elements.push(diffValues(null, as[ai]!, replace, [...path, ai]));
      ai++;
    }
    if (k < common.length) {
      elements.push(diffValues(bs[bi]!, as[ai]!, replace, [...path, ai]));
      bi++;
      ai++;
    }
  }
  const primitiveElements = [...bs, ...as].every((n) => !isPlainObject(n.value) && !Array.isArray(n.value));
  return { kind: "list", action: containerAction(b, a, elements), replace: forces, elements, primitiveElements };
}
