/**
 * Module version constraints as Terraform reads a module block's `version` (hashicorp/go-version rules):
 * comma-separated conditions, all of which must hold, each `=`, `!=`, `>`, `>=`, `<`, `<=` or `~>` (or a bare
 * version, meaning `=`). A pre-release version is chosen only when a condition names it exactly, as
 * Terraform's module installer does. Pure.
 *
 * (The provider/`required_version` matcher may live elsewhere; this one only serves module installation and
 * the module manifest check, and the two can be unified.)
 */

export interface Version {
  /** Numeric segments as written, padded to at least three. */
  segments: number[];
  /** How many segments were written (the pessimistic operator depends on it). */
  written: number;
  prerelease: string;
  raw: string;
}

type Op = "=" | "!=" | ">" | ">=" | "<" | "<=" | "~>";

export interface Condition {
  op: Op;
  version: Version;
}

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  const given = [m[1], m[2], m[3]].filter((x): x is string => x !== undefined).map(Number);
  const segments = [...given];
  while (segments.length < 3) segments.push(0);
  return { segments, written: given.length, prerelease: m[4] ?? "", raw: text.trim() };
}

/** Parses a constraint string; returns an error sentence for a malformed one. */
export function parseConstraints(text: string): { ok: true; conditions: Condition[] } | { ok: false; error: string } {
  const conditions: Condition[] = [];
  for (const part of text.split(",")) {
    const m = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$/.exec(part);
    const version = m ? parseVersion(m[2]!) : undefined;
    if (!m || !version) {
      return { ok: false, error: `"${text}" is not a valid version constraint: expected conditions like "1.2.0", ">= 1.0, < 2.0" or "~> 1.2", separated by commas.` };
    }
    conditions.push({ op: (m[1] ?? "=") as Op, version });
  }
  return { ok: true, conditions };
}

function comparePrerelease(a: string, b: string): number {
  if (a === b) return 0;
  if (a === "") return 1;
  if (b === "") return -1;
  const pa = a.split(".");
  const pb = b.split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      if (Number(x) !== Number(y)) return Number(x) < Number(y) ? -1 : 1;
    } else if (nx !== ny) return nx ? -1 : 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function compareVersions(a: Version, b: Version): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const x = a.segments[i] ?? 0;
    const y = b.segments[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return comparePrerelease(a.prerelease, b.prerelease);
}

function holds(c: Condition, v: Version): boolean {
  const cmp = compareVersions(v, c.version);
  switch (c.op) {
    case "=":
      return cmp === 0;
    case "!=":
      return cmp !== 0;
    case ">":
      return cmp > 0;
    case ">=":
      return cmp >= 0;
    case "<":
      return cmp < 0;
    case "<=":
      return cmp <= 0;
    case "~>": {
      if (cmp < 0) return false;
      // All but the last written segment must be equal: "~> 1.2" allows 1.x >= 1.2, "~> 1.2.3" allows 1.2.x.
      const fixed = Math.max(1, c.version.written - 1);
      for (let i = 0; i < fixed; i++) if (v.segments[i] !== c.version.segments[i]) return false;
      return true;
    }
  }
}

/** Whether `v` meets every condition (pre-releases only when some `=` condition names exactly that version). */
export function satisfies(v: Version, conditions: readonly Condition[]): boolean {
  if (v.prerelease !== "" && !conditions.some((c) => c.op === "=" && compareVersions(c.version, v) === 0)) return false;
  return conditions.every((c) => holds(c, v));
}

/** The newest of `available` meeting `conditions` (no conditions: the newest non-pre-release). */
export function newestMatching(available: readonly string[], conditions: readonly Condition[]): string | undefined {
  let best: Version | undefined;
  for (const text of available) {
    const v = parseVersion(text);
    if (!v || !satisfies(v, conditions)) continue;
    if (!best || compareVersions(v, best) > 0) best = v;
  }
  return best?.raw;
}
