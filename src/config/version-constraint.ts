/**
 * Version constraints as Terraform reads them. Terraform uses two libraries, and the difference shows:
 *
 * - `required_version` (and the syntax check of every `version` argument) uses hashicorp/go-version: a loose
 *   version (`v1.11`, `1.11.4.0`), operators `=` `!=` `>` `>=` `<` `<=` `~>` or none, comma lists. `~>` keeps all
 *   but the last written segment fixed (`~> 1.10.0` is 1.10.x, `~> 1` is any 1.x or later).
 * - provider `version` in `required_providers` is then read again with apparentlymart/go-versions' Ruby-style
 *   syntax: at most three segments, no `v` prefix, a bare or `=` partial version is exact (`0.1` is 0.1.0), `~>`
 *   with two segments allows any later minor (`~> 0.1` is >= 0.1.0, < 1.0.0).
 * - a module's `version` uses both, as Terraform's module installer does: go-version decides which versions
 *   match, and a pre-release is a candidate only when go-versions allows it too (named by an exact constraint).
 *   The installed-module check at plan time is go-version alone.
 *
 * Pure: parsing returns undefined or an error string, matching returns a boolean.
 */

/** A version as go-version parses it: segments padded to three, `written` the count the text had. */
export interface LooseVersion {
  segments: number[];
  written: number;
  prerelease: string;
  metadata: string;
  text: string;
}

export type ConstraintOp = "=" | "!=" | ">" | ">=" | "<" | "<=" | "~>";

export interface CoreConstraint {
  op: ConstraintOp;
  version: LooseVersion;
  /** The part of the list as written, for messages. */
  text: string;
}

const IDENT = "[0-9A-Za-z\\-~]+";
// go-version's loose pattern: prerelease either `-` + digits-first identifiers or (optionally `-`) letters-first.
const VERSION_RAW =
  `v?([0-9]+(?:\\.[0-9]+)*?)` +
  `(?:-([0-9]+[0-9A-Za-z\\-~]*(?:\\.${IDENT})*)|(?:-?([A-Za-z\\-~]+[0-9A-Za-z\\-~]*(?:\\.${IDENT})*)))?` +
  `(?:\\+(${IDENT}(?:\\.${IDENT})*))?`;
const VERSION_RE = new RegExp(`^${VERSION_RAW}$`);
const CONSTRAINT_RE = new RegExp(`^\\s*(=|!=|>=|<=|>|<|~>)?\\s*(${VERSION_RAW})\\s*$`);

/** Parses a version the way go-version's NewVersion does; undefined when it is not one. */
export function parseLooseVersion(text: string): LooseVersion | undefined {
  const m = VERSION_RE.exec(text);
  if (!m) return undefined;
  const written = m[1]!.split(".").map(Number);
  if (written.some((n) => !Number.isSafeInteger(n))) return undefined;
  const segments = [...written];
  while (segments.length < 3) segments.push(0);
  return { segments, written: written.length, prerelease: m[2] ?? m[3] ?? "", metadata: m[4] ?? "", text };
}

function allZero(xs: readonly number[]): boolean {
  return xs.every((x) => x === 0);
}

/** Semver precedence of two dot-separated prerelease strings (numeric identifiers numerically, and below names). */
function comparePrerelease(a: string, b: string): number {
  const pa = a.split(".");
  const pb = b.split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^[0-9]+$/.test(x);
    const ny = /^[0-9]+$/.test(y);
    if (nx && ny) return Number(x) < Number(y) ? -1 : 1;
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** go-version's Compare: segments of unequal length compare as if padded with zeros; metadata is ignored. */
export function compareLooseVersions(a: LooseVersion, b: LooseVersion): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    if (i >= a.segments.length) return allZero(b.segments.slice(i)) ? 0 : -1;
    if (i >= b.segments.length) return allZero(a.segments.slice(i)) ? 0 : 1;
    if (a.segments[i] !== b.segments[i]) return a.segments[i]! < b.segments[i]! ? -1 : 1;
  }
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === "") return 1;
  if (b.prerelease === "") return -1;
  return comparePrerelease(a.prerelease, b.prerelease);
}

/**
 * go-version's prerelease rule for ordering operators: a prerelease version only satisfies a constraint that
 * names a prerelease of the very same segments.
 */
function prereleaseCheck(v: LooseVersion, c: LooseVersion): boolean {
  if (v.prerelease !== "" && c.prerelease !== "") return v.segments.join(".") === c.segments.join(".");
  return v.prerelease === "";
}

function pessimistic(v: LooseVersion, c: LooseVersion): boolean {
  if (!prereleaseCheck(v, c) || (c.prerelease !== "" && v.prerelease === "")) return false;
  if (compareLooseVersions(v, c) < 0) return false;
  const cs = c.segments.length;
  if (cs > v.segments.length) return false;
  for (let i = 0; i < c.written - 1; i++) if (v.segments[i] !== c.segments[i]) return false;
  return c.segments[cs - 1]! <= v.segments[cs - 1]!;
}

/** Parses a go-version constraint list (`">= 1.2, < 2"`); undefined when any part is malformed or it is empty. */
export function parseCoreConstraints(text: string): CoreConstraint[] | undefined {
  const out: CoreConstraint[] = [];
  for (const part of text.split(",")) {
    const m = CONSTRAINT_RE.exec(part);
    if (!m) return undefined;
    const version = parseLooseVersion(m[2]!);
    if (!version) return undefined;
    out.push({ op: (m[1] as ConstraintOp | undefined) ?? "=", version, text: part });
  }
  return out;
}

/** Whether `v` satisfies every constraint, by go-version's rules. */
export function coreConstraintsAllow(constraints: readonly CoreConstraint[], v: LooseVersion): boolean {
  return constraints.every(({ op, version: c }) => {
    const cmp = compareLooseVersions(v, c);
    switch (op) {
      case "=":
        return cmp === 0;
      case "!=":
        return cmp !== 0;
      case ">":
        return prereleaseCheck(v, c) && cmp > 0;
      case ">=":
        return prereleaseCheck(v, c) && cmp >= 0;
      case "<":
        return prereleaseCheck(v, c) && cmp < 0;
      case "<=":
        return prereleaseCheck(v, c) && cmp <= 0;
      case "~>":
        return pessimistic(v, c);
    }
  });
}

/** One Ruby-style provider constraint, normalized as Terraform prints it. */
export interface ProviderConstraint {
  op: ConstraintOp;
  /** Three segments; the parts not written are 0. */
  version: [number, number, number];
  prerelease: string;
  /** How many segments were written (matters only for `~>`). */
  written: number;
}

export type ProviderConstraintsResult = { ok: true; constraints: ProviderConstraint[] } | { ok: false; detail: string };

const RUBY_RE = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(v?)([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z\-.]+))?(?:\+[0-9A-Za-z\-.]+)?\s*$/;

/**
 * Parses a provider `version` argument as Terraform does: first as a go-version constraint (else "This string
 * does not use correct version constraint syntax."), then Ruby-style, which refuses a `v` prefix and more than
 * three segments.
 */
export function parseProviderConstraints(text: string): ProviderConstraintsResult {
  if (!parseCoreConstraints(text)) return { ok: false, detail: "This string does not use correct version constraint syntax." };
  const constraints: ProviderConstraint[] = [];
  for (const part of text.split(",")) {
    const m = RUBY_RE.exec(part);
    if (!m) return { ok: false, detail: "This string does not use correct version constraint syntax." };
    if (m[2]) return { ok: false, detail: 'Incorrect version constraint syntax: a "v" prefix should not be used.' };
    const nums = [m[3], m[4], m[5]].filter((x): x is string => x !== undefined).map(Number);
    constraints.push({
      op: (m[1] as ConstraintOp | undefined) ?? "=",
      version: [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0],
      prerelease: m[6] ?? "",
      written: nums.length,
    });
  }
  return { ok: true, constraints };
}

function cmp3(a: readonly number[], ap: string, b: readonly number[], bp: string): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  if (ap === bp) return 0;
  if (ap === "") return 1;
  if (bp === "") return -1;
  return comparePrerelease(ap, bp);
}

/**
 * Whether a release (`0.1.0`, `1.2.3-beta.1`) satisfies all provider constraints. A prerelease is only selected
 * when an exact constraint names it, as go-versions does; an unparsable release satisfies nothing.
 */
export function providerConstraintsAllow(constraints: readonly ProviderConstraint[], release: string): boolean {
  const m = /^([0-9]+)\.([0-9]+)\.([0-9]+)(?:-([0-9A-Za-z\-.]+))?(?:\+.*)?$/.exec(release);
  if (!m) return false;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])];
  const pre = m[4] ?? "";
  if (pre !== "" && !constraints.some((c) => c.op === "=" && c.prerelease === pre && cmp3(v, pre, c.version, c.prerelease) === 0)) return false;
  return constraints.every((c) => {
    const d = cmp3(v, pre, c.version, c.prerelease);
    switch (c.op) {
      case "=":
        return d === 0;
      case "!=":
        return d !== 0;
      case ">":
        return d > 0;
      case ">=":
        return d >= 0;
      case "<":
        return d < 0;
      case "<=":
        return d <= 0;
      case "~>": {
        if (d < 0) return false;
        // Three segments written: the minor is fixed; fewer: the major is.
        return c.written >= 3 ? v[0] === c.version[0] && v[1] === c.version[1] : v[0] === c.version[0];
      }
    }
  });
}

/** Terraform's printed form: `0.1.0` for an exact version, `~> 0.0` for `~> 0`, `>= 1.2.0`, joined by ", ". */
export function formatProviderConstraints(constraints: readonly ProviderConstraint[]): string {
  return constraints
    .map((c) => {
      const pre = c.prerelease ? `-${c.prerelease}` : "";
      if (c.op === "~>") return `~> ${c.version.slice(0, Math.max(2, c.written)).join(".")}${pre}`;
      const v = `${c.version.join(".")}${pre}`;
      return c.op === "=" ? v : `${c.op} ${v}`;
    })
    .join(", ");
}

/** A module `version` argument parsed with go-version; an error sentence (Terraform's) when malformed. */
export function parseModuleConstraints(text: string): { ok: true; constraints: CoreConstraint[] } | { ok: false; error: string } {
  const constraints = parseCoreConstraints(text);
  return constraints ? { ok: true, constraints } : { ok: false, error: `"${text}" is not a valid version constraint: this string does not use correct version constraint syntax.` };
}

/**
 * Whether the module installer may choose `version` (as the registry lists it) under the module's `version`
 * argument (undefined: none). A pre-release must also pass go-versions, which allows one only when an exact
 * constraint names it; a constraint go-versions cannot read (a `v` prefix) then allows no pre-release.
 */
export function moduleVersionSelectable(text: string | undefined, version: string): boolean {
  const v = parseLooseVersion(version);
  if (!v) return false;
  const constraints = text === undefined ? [] : parseCoreConstraints(text);
  if (!constraints) return false;
  if (v.prerelease !== "") {
    const ruby = text === undefined ? undefined : parseProviderConstraints(text);
    if (!ruby?.ok || !providerConstraintsAllow(ruby.constraints, `${v.segments.slice(0, 3).join(".")}-${v.prerelease}`)) return false;
  }
  return coreConstraintsAllow(constraints, v);
}

/**
 * Whether an installed module's recorded version still meets its `version` argument (undefined: none), by
 * go-version's Check, as Terraform's loader and installer decide whether it must be installed again.
 */
export function moduleVersionAcceptable(text: string | undefined, installed: string): boolean {
  const constraints = text === undefined ? [] : parseCoreConstraints(text);
  const v = parseLooseVersion(installed);
  return constraints !== undefined && v !== undefined && coreConstraintsAllow(constraints, v);
}

/** The newest of `available` the installer may choose under `text` (undefined: no constraint), as listed. */
export function newestModuleVersion(available: readonly string[], text: string | undefined): string | undefined {
  let best: LooseVersion | undefined;
  for (const candidate of available) {
    if (!moduleVersionSelectable(text, candidate)) continue;
    const v = parseLooseVersion(candidate)!;
    if (!best || compareLooseVersions(v, best) > 0) best = v;
  }
  return best?.text;
}

/** go-version's String(): the segments, `-prerelease`, `+metadata`, no `v` (how Terraform records a version). */
export function formatLooseVersion(v: LooseVersion): string {
  return `${v.segments.join(".")}${v.prerelease ? `-${v.prerelease}` : ""}${v.metadata ? `+${v.metadata}` : ""}`;
}
