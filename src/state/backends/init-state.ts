import { crc32 } from "node:zlib";

/**
 * `.terraform/terraform.tfstate`: where `terraform init` records the backend it configured (Terraform's legacy
 * "backend state", format version 3), so a directory initialised by either tool works with the other:
 *
 *   {"version": 3, "terraform_version": "1.11.4",
 *    "backend": {"type": "pg", "config": {"conn_str": "…", "schema_name": null, …}, "hash": 1234567890}}
 *
 * (Terraform 1.11 writes no serial or lineage here, two-space indented, no final newline; older versions did.)
 *
 * `config` holds every argument of the type's schema (null when unset) after `-backend-config` was merged in;
 * `hash` is Terraform's hash of the backend block as written (without `-backend-config`), which Terraform
 * compares to decide whether the block changed since init. Pure: no I/O.
 */

export type ConfigValue = null | boolean | number | string | ConfigValue[] | { [k: string]: ConfigValue };

export interface InitState {
  version: 3;
  terraform_version?: string;
  serial?: number;
  lineage?: string;
  backend?: { type: string; config: Record<string, ConfigValue>; hash: number };
}

export function decodeInitState(text: string, file: string): InitState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const o = raw as Partial<InitState> | null;
  if (!o || typeof o !== "object" || o.version !== 3) throw new Error(`${file}: expected Terraform's backend state (version 3)`);
  const b = o.backend;
  const backend =
    b && typeof b === "object" && typeof b.type === "string" && b.type !== ""
      ? { type: b.type, config: (b.config && typeof b.config === "object" ? b.config : {}) as Record<string, ConfigValue>, hash: Number(b.hash ?? 0) }
      : undefined;
  return { version: 3, ...(o.terraform_version ? { terraform_version: String(o.terraform_version) } : {}), ...(backend ? { backend } : {}) };
}

/** As Terraform 1.11 writes the file. */
export function encodeInitState(s: InitState): string {
  return JSON.stringify({ version: 3, terraform_version: s.terraform_version, backend: s.backend }, null, 2);
}

/** Every schema attribute, null when not set: the `config` object Terraform records. */
export function fullConfig(attributes: readonly string[], settings: Readonly<Record<string, unknown>>, objects: NestedObjects = {}): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const a of [...attributes].sort()) out[a] = withNestedNulls(settings[a] ?? null, objects[a]) as ConfigValue;
  return out;
}

/** Object-typed backend arguments and their attributes (s3's `endpoints`), which Terraform records and hashes with every attribute, null when unset. */
export type NestedObjects = Readonly<Record<string, readonly string[]>>;

function withNestedNulls(v: unknown, attrs: readonly string[] | undefined): unknown {
  if (!attrs || v === null || typeof v !== "object" || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries([...attrs].sort().map((k) => [k, o[k] ?? null]));
}

/**
 * Terraform's backend hash: cty's set-hash bytes of the tuple `[type, config object]` (object attributes sorted,
 * null as `~`, strings Go-quoted, bools `T`/`F`), CRC-32 IEEE. `config` must hold only what the block itself
 * sets; attributes the schema has and the block does not are hashed as null.
 */
export function backendHash(type: string, attributes: readonly string[], config: Readonly<Record<string, unknown>>, objects: NestedObjects = {}): number {
  const obj = Object.fromEntries([...attributes].map((a) => [a, withNestedNulls(config[a] ?? null, objects[a])]));
  return crc32(Buffer.from(`<${goQuote(type)};${hashBytes(obj)};>`, "utf8"));
}

function hashBytes(v: unknown): string {
  if (v === null || v === undefined) return "~";
  if (typeof v === "boolean") return v ? "T" : "F";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return goQuote(v);
  if (Array.isArray(v)) return `<${v.map((x) => hashBytes(x) + ";").join("")}>`;
  const o = v as Record<string, unknown>;
  return `<${Object.keys(o)
    .sort()
    .map((k) => hashBytes(o[k]) + ";")
    .join("")}>`;
}

/** Go's strconv.Quote for the characters a backend argument holds. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c === 7) out += "\\a";
    else if (c === 8) out += "\\b";
    else if (c === 12) out += "\\f";
    else if (c === 11) out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + '"';
}
