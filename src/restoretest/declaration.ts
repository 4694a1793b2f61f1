import type { Selector } from "../protection/controls.js";
import { parseSpan } from "../protection/controls.js";
import { jsonLines } from "../protection/json-lines.js";

/** The file `restore-test` reads, beside the configuration. Terraform does not read it (like backplan.protection.json). */
export const RESTORE_TESTS_FILE = "backplan.restore-tests.json";

/** Which recovery point of a VM to restore. */
export type PointChoice =
  | { kind: "latest" }
  | { kind: "oldest" }
  /** A point picked at random among those younger than `withinSeconds`; the same seed picks the same point. */
  | { kind: "random"; withinSeconds: number; seed: string };

/** Where restored VMs run: ZStack uuids (zone, L3 network, instance offering). Unset: the source VM's. */
export interface RestoreTarget {
  zoneUuid: string | null;
  l3NetworkUuids: string[];
  instanceOfferingUuid: string | null;
}

export interface Validation {
  /** The restored VM must reach Running. */
  running: boolean;
  /** Each restored volume's size must equal the recovery point's volume size. */
  volumeSizes: boolean;
  /**
   * Byte checks through the engine's admin API: `point` — each restored volume's SHA-256 equals the recovery
   * point's (the engine materializes the point and hashes it); `source` — equals the source VM's volume now (only
   * true for a VM not written since the point, e.g. a lab); `off` — none (any ZStack, which has no admin API).
   */
  engineChecksums: "off" | "point" | "source";
}

export interface RestoreTest {
  name: string;
  select: Selector;
  point: PointChoice;
  /**
   * Which recovery data to restore from: CDP recovery points, VM backups, CSBS backups (checkpoint items), or
   * whichever the VM has (CDP first, then VM backups, then CSBS when CSBS is configured).
   */
  source: "cdp" | "backup" | "csbs" | "any";
  target: RestoreTarget;
  validate: Validation;
  /** Restore-time target, seconds; a slower restore fails the test. */
  rtoSeconds: number | null;
  /** Restores run at once for this test. */
  parallelism: number;
  where: string;
}

export interface DeclarationError {
  file: string;
  line: number | null;
  path: string;
  message: string;
}

const KNOWN = ["name", "select", "point", "source", "target", "validate", "rto", "parallelism"];
const TARGET = ["zone_uuid", "l3_network_uuids", "instance_offering_uuid"];
const VALIDATE = ["running", "volume_sizes", "engine_checksums"];

/**
 * Parses a restore-tests file. Pure. Errors name the file, the line and the attribute path
 * (`restore_tests[0].point.within`); unknown attributes are errors so a misspelt check cannot silently pass.
 */
export function parseRestoreTests(text: string, file: string): { tests: RestoreTest[]; errors: DeclarationError[] } {
  const errors: DeclarationError[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { tests: [], errors: [{ file, line: null, path: "", message: `not valid JSON: ${(e as Error).message.split("\n")[0]}` }] };
  }
  const lines = jsonLines(text);
  const fail = (path: string, message: string) => errors.push({ file, line: lines.get(path) ?? null, path, message });
  const list = isObject(doc) ? doc["restore_tests"] : undefined;
  if (!Array.isArray(list)) {
    fail(isObject(doc) ? "restore_tests" : "", 'must be an object with a "restore_tests" list');
    return { tests: [], errors };
  }
  const unknown = (at: string, o: Record<string, unknown>, known: readonly string[]) => {
    for (const k of Object.keys(o)) if (!known.includes(k)) fail(`${at}.${k}`, `unknown attribute "${k}"; known: ${known.join(", ")}`);
  };
  const strings = (path: string, v: unknown): string[] => {
    if (v === undefined || v === null) return [];
    if (typeof v === "string") return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
    fail(path, "must be a string or a list of strings");
    return [];
  };
  const tests: RestoreTest[] = [];
  const names = new Set<string>();
  list.forEach((raw, i) => {
    const at = `restore_tests[${i}]`;
    if (!isObject(raw)) return void fail(at, "must be an object");
    unknown(at, raw, KNOWN);
    const name = raw["name"];
    if (typeof name !== "string" || name === "") return void fail(`${at}.name`, "required: a non-empty string");
    if (names.has(name)) fail(`${at}.name`, `duplicate restore test name "${name}"`);
    names.add(name);

    const sel = raw["select"];
    if (sel !== undefined && !isObject(sel)) fail(`${at}.select`, 'must be an object with "names", "tags" or "uuids"');
    const s = isObject(sel) ? sel : {};
    unknown(`${at}.select`, s, ["names", "tags", "uuids"]);

    const point = parsePoint(raw["point"], `${at}.point`, fail, name);
    const source = raw["source"] ?? "any";
    if (source !== "cdp" && source !== "backup" && source !== "csbs" && source !== "any") fail(`${at}.source`, 'must be "cdp", "backup", "csbs" or "any"');

    const t = raw["target"];
    if (t !== undefined && !isObject(t)) fail(`${at}.target`, "must be an object");
    const target = isObject(t) ? t : {};
    unknown(`${at}.target`, target, TARGET);
    const uuidOf = (key: string): string | null => {
      const v = target[key];
      if (v === undefined || v === null) return null;
      if (typeof v === "string" && /^[0-9a-f]{32}$/.test(v)) return v;
      fail(`${at}.target.${key}`, "must be a 32-character lowercase hex uuid");
      return null;
    };

    const v = raw["validate"];
    if (v !== undefined && !isObject(v)) fail(`${at}.validate`, "must be an object");
    const val = isObject(v) ? v : {};
    unknown(`${at}.validate`, val, VALIDATE);
    const flag = (key: string, dflt: boolean): boolean => {
      const x = val[key];
      if (x === undefined) return dflt;
      if (typeof x !== "boolean") fail(`${at}.validate.${key}`, "must be true or false");
      return x === true;
    };

    let rto: number | null = null;
    if (raw["rto"] !== undefined && raw["rto"] !== null) {
      const r = typeof raw["rto"] === "string" ? parseSpan(raw["rto"]) : undefined;
      if (r === undefined) fail(`${at}.rto`, `must be a duration such as "15m", "1h", got ${JSON.stringify(raw["rto"])}`);
      rto = r ?? null;
    }
    const par = raw["parallelism"] ?? 2;
    if (typeof par !== "number" || !Number.isInteger(par) || par < 1 || par > 64) fail(`${at}.parallelism`, "must be an integer from 1 to 64");

    const l3 = strings(`${at}.target.l3_network_uuids`, target["l3_network_uuids"]);
    for (const u of l3) if (!/^[0-9a-f]{32}$/.test(u)) fail(`${at}.target.l3_network_uuids`, `"${u}" is not a 32-character lowercase hex uuid`);
    tests.push({
      name,
      select: { names: strings(`${at}.select.names`, s["names"]), tags: strings(`${at}.select.tags`, s["tags"]), uuids: strings(`${at}.select.uuids`, s["uuids"]) },
      point,
      source: source === "cdp" || source === "backup" || source === "csbs" ? source : "any",
      target: { zoneUuid: uuidOf("zone_uuid"), l3NetworkUuids: l3, instanceOfferingUuid: uuidOf("instance_offering_uuid") },
      validate: { running: flag("running", true), volumeSizes: flag("volume_sizes", true), engineChecksums: checksums(val["engine_checksums"], `${at}.validate.engine_checksums`, fail) },
      rtoSeconds: rto,
      parallelism: typeof par === "number" && Number.isInteger(par) && par >= 1 ? Math.min(par, 64) : 2,
      where: `${file}:${lines.get(at) ?? "?"}`,
    });
  });
  return { tests, errors };
}

function checksums(v: unknown, at: string, fail: (path: string, message: string) => void): Validation["engineChecksums"] {
  if (v === undefined || v === false || v === "off") return "off";
  if (v === true || v === "point") return "point";
  if (v === "source") return "source";
  fail(at, 'must be true (same as "point"), false, "point" or "source"');
  return "off";
}

function parsePoint(v: unknown, at: string, fail: (path: string, message: string) => void, testName: string): PointChoice {
  if (v === undefined || v === "latest") return { kind: "latest" };
  if (v === "oldest") return { kind: "oldest" };
  if (isObject(v) && v["random_within"] !== undefined) {
    for (const k of Object.keys(v)) if (k !== "random_within" && k !== "seed") fail(`${at}.${k}`, `unknown attribute "${k}"; known: random_within, seed`);
    const w = typeof v["random_within"] === "string" ? parseSpan(v["random_within"]) : undefined;
    if (w === undefined) fail(`${at}.random_within`, `must be a duration such as "7d", got ${JSON.stringify(v["random_within"])}`);
    const seed = v["seed"];
    if (seed !== undefined && typeof seed !== "string" && typeof seed !== "number") fail(`${at}.seed`, "must be a string or a number");
    return { kind: "random", withinSeconds: w ?? 0, seed: seed === undefined ? testName : String(seed) };
  }
  fail(at, 'must be "latest", "oldest" or {"random_within": "7d", "seed": "..."}');
  return { kind: "latest" };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
