import type { VmProtection } from "./coverage.js";
import { jsonLines } from "./json-lines.js";

/** The file `plan` and `drift` read controls from, in each configuration directory. Terraform does not read it. */
export const CONTROLS_FILE = "backplan.protection.json";

/** Which VMs a control covers: any VM matching one of the lists; no lists at all selects every VM. */
export interface Selector {
  /** Glob patterns over VM names (`*` any run of characters, `?` one character). */
  names: string[];
  /** VM user tags, matched exactly. */
  tags: string[];
  uuids: string[];
}

/** One protection control; every check set on it must hold for every VM it selects. */
export interface Control {
  name: string;
  description: string | null;
  select: Selector;
  /** The VM must be protected by at least one enabled object (AWS: resources protected by a backup plan). */
  protected: boolean;
  /** Largest RPO allowed, seconds (AWS: backup plan minimum frequency). */
  maxRpoSeconds: number | null;
  /** Shortest retention allowed, days (AWS: backup plan / recovery point minimum retention). */
  minRetentionDays: number | null;
  /** The newest recovery point must be younger than this, seconds (AWS: last recovery point created). Drift only. */
  newestWithinSeconds: number | null;
  /** The VM's protection must write to one of these storages (AWS: backup vault / resource placement). */
  storages: string[];
  /** Where it was declared, for diagnostics: `backplan.protection.json:4`. */
  where: string;
}

/** A problem in a controls file, with its place. */
export interface ControlsError {
  file: string;
  line: number | null;
  path: string;
  message: string;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** "90s", "15m", "1h30m", "7d", "2w" → seconds; undefined when the text is not such a duration. */
export function parseSpan(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)([smhdw])/gy;
  let total = 0;
  let end = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
    end = re.lastIndex;
  }
  return end === text.length && text.length > 0 ? total : undefined;
}

/** Seconds as the shortest exact text: 900 → "15m", 93600 → "1d2h", 0.5 → "0.5s". */
export function formatSpan(seconds: number): string {
  if (!Number.isFinite(seconds)) return "forever";
  if (seconds <= 0 || !Number.isInteger(seconds)) return `${seconds}s`;
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [["d", 86_400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join("");
}

/** Days as text: "7d", "forever", "0.5d". */
export function formatDays(days: number): string {
  return Number.isFinite(days) ? `${Math.round(days * 100) / 100}d` : "forever";
}

const KNOWN = new Set(["name", "description", "select", "protected", "max_rpo", "min_retention", "newest_within", "storage"]);

/**
 * Parses a controls file. Pure. Out: the controls, or errors each naming the file, the line and the attribute
 * path (`controls[1].max_rpo`). Unknown attributes are errors, so a misspelt check cannot silently pass.
 */
export function parseControls(text: string, file: string): { controls: Control[]; errors: ControlsError[] } {
  const errors: ControlsError[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { controls: [], errors: [{ file, line: syntaxErrorLine(text), path: "", message: `not valid JSON: ${(e as Error).message.split("\n")[0]}` }] };
  }
  const lines = jsonLines(text);
  const fail = (path: string, message: string) => errors.push({ file, line: lines.get(path) ?? null, path, message });
  const list = isObject(doc) ? doc["controls"] : undefined;
  if (!Array.isArray(list)) {
    fail(isObject(doc) ? "controls" : "", 'must be an object with a "controls" list');
    return { controls: [], errors };
  }
  const controls: Control[] = [];
  const names = new Set<string>();
  list.forEach((raw, i) => {
    const at = `controls[${i}]`;
    if (!isObject(raw)) return void fail(at, "must be an object");
    for (const k of Object.keys(raw)) if (!KNOWN.has(k)) fail(`${at}.${k}`, `unknown attribute "${k}"; known: ${[...KNOWN].join(", ")}`);
    const name = raw["name"];
    if (typeof name !== "string" || name === "") return void fail(`${at}.name`, "required: a non-empty string");
    if (names.has(name)) fail(`${at}.name`, `duplicate control name "${name}"`);
    names.add(name);
    const span = (key: string): number | null => {
      const v = raw[key];
      if (v === undefined || v === null) return null;
      const s = typeof v === "string" ? parseSpan(v) : undefined;
      if (s === undefined) fail(`${at}.${key}`, `must be a duration such as "15m", "1h", "7d", got ${JSON.stringify(v)}`);
      return s ?? null;
    };
    const strings = (path: string, v: unknown): string[] => {
      if (v === undefined || v === null) return [];
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
      if (typeof v === "string") return [v];
      fail(path, "must be a string or a list of strings");
      return [];
    };
    const sel = raw["select"];
    if (sel !== undefined && !isObject(sel)) fail(`${at}.select`, 'must be an object with "names", "tags" or "uuids"');
    const s = isObject(sel) ? sel : {};
    for (const k of Object.keys(s)) if (!["names", "tags", "uuids"].includes(k)) fail(`${at}.select.${k}`, `unknown selector "${k}"; known: names, tags, uuids`);
    const prot = raw["protected"];
    if (prot !== undefined && typeof prot !== "boolean") fail(`${at}.protected`, "must be true or false");
    const retention = span("min_retention");
    const control: Control = {
      name,
      description: typeof raw["description"] === "string" ? raw["description"] : null,
      select: { names: strings(`${at}.select.names`, s["names"]), tags: strings(`${at}.select.tags`, s["tags"]), uuids: strings(`${at}.select.uuids`, s["uuids"]) },
      protected: prot !== false,
      maxRpoSeconds: span("max_rpo"),
      minRetentionDays: retention === null ? null : retention / 86_400,
      newestWithinSeconds: span("newest_within"),
      storages: strings(`${at}.storage`, raw["storage"]),
      where: `${file}:${lines.get(at) ?? "?"}`,
    };
    controls.push(control);
  });
  return { controls, errors };
}

/**
 * The line of a JSON syntax error: the first line whose prefix fails for another reason than ending early
 * (Node's JSON.parse messages do not always carry a position). Files of controls are small, so the quadratic
 * scan costs nothing.
 */
function syntaxErrorLine(text: string): number | null {
  const lines = text.split("\n");
  for (let n = 1; n <= lines.length; n++) {
    try {
      JSON.parse(lines.slice(0, n).join("\n"));
      return null;
    } catch (e) {
      const prefix = lines.slice(0, n).join("\n");
      const msg = (e as Error).message;
      const at = /at position (\d+)/.exec(msg);
      const early = /end of (JSON|data)/i.test(msg) || (at !== null && Number(at[1]) >= prefix.trimEnd().length);
      if (!early) return n;
    }
  }
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

/** Whether `vm` is one the selector covers. */
export function selects(s: Selector, vm: Pick<VmProtection, "vm" | "name" | "tags">): boolean {
  if (s.names.length + s.tags.length + s.uuids.length === 0) return true;
  if (s.uuids.includes(vm.vm)) return true;
  if (vm.name !== null && s.names.some((p) => glob(p).test(vm.name!))) return true;
  return s.tags.some((t) => vm.tags.includes(t));
}

export type CheckName = "protected" | "max_rpo" | "min_retention" | "newest_within" | "storage";

/** One check that did not hold: what the control wants and what the VM has. */
export interface Failure {
  check: CheckName;
  want: string;
  got: string;
}

/** A control applied to one VM. */
export interface ControlResult {
  control: string;
  vm: string;
  name: string | null;
  pass: boolean;
  failures: Failure[];
}

/**
 * Applies every control to every VM it selects. Pure. `newest` says whether `newest_within` can be judged
 * (drift reads recovery points; a plan cannot know the points of objects it keeps, so plan passes false and the
 * check is skipped). A uuid a control names that no listed VM has fails as "not found".
 */
export function evaluateControls(controls: readonly Control[], vms: readonly VmProtection[], options: { newest: boolean }): ControlResult[] {
  const out: ControlResult[] = [];
  for (const c of controls) {
    const chosen = vms.filter((v) => selects(c.select, v));
    for (const v of chosen) out.push({ control: c.name, vm: v.vm, name: v.name, ...judge(c, v, options.newest) });
    for (const u of c.select.uuids) {
      if (!vms.some((v) => v.vm === u)) out.push({ control: c.name, vm: u, name: null, pass: false, failures: [{ check: "protected", want: "a VM to protect", got: "no such VM listed" }] });
    }
  }
  return out;
}

function judge(c: Control, v: VmProtection, newest: boolean): { pass: boolean; failures: Failure[] } {
  const failures: Failure[] = [];
  if (c.protected && !v.protected) failures.push({ check: "protected", want: "at least one enabled protecting object", got: "none" });
  if (c.maxRpoSeconds !== null && (v.rpoSeconds === null || v.rpoSeconds > c.maxRpoSeconds)) {
    failures.push({ check: "max_rpo", want: `≤ ${formatSpan(c.maxRpoSeconds)}`, got: v.rpoSeconds === null ? "no RPO (no continuous or scheduled protection)" : formatSpan(v.rpoSeconds) });
  }
  if (c.minRetentionDays !== null && (v.retentionDays === null || v.retentionDays < c.minRetentionDays)) {
    failures.push({ check: "min_retention", want: `≥ ${formatDays(c.minRetentionDays)}`, got: v.retentionDays === null ? "unknown" : formatDays(v.retentionDays) });
  }
  if (newest && c.newestWithinSeconds !== null && (v.newestAgeSeconds === null || v.newestAgeSeconds > c.newestWithinSeconds)) {
    failures.push({ check: "newest_within", want: `newer than ${formatSpan(c.newestWithinSeconds)}`, got: v.newestAgeSeconds === null ? "no recovery point" : `${formatSpan(v.newestAgeSeconds)} old` });
  }
  if (c.storages.length > 0 && !v.storages.some((s) => c.storages.includes(s))) {
    failures.push({ check: "storage", want: `one of ${c.storages.join(", ")}`, got: v.storages.length ? v.storages.join(", ") : "none" });
  }
  return { pass: failures.length === 0, failures };
}
