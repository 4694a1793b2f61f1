import { BackendConfigError } from "./backend.js";

/**
 * Reading backend arguments the way Terraform's `backendbase` does: the argument when set, else its environment
 * variable when non-empty, else the default. Values arrive as plain JSON from HCL, JSON or `-backend-config`
 * KEY=VALUE pairs (always strings), so a number or bool may come as its string form, as cty converts it.
 */
export class BackendSettings {
  constructor(
    private readonly settings: Readonly<Record<string, unknown>>,
    private readonly env: NodeJS.ProcessEnv,
    known: readonly string[],
    private readonly type: string,
  ) {
    for (const key of Object.keys(settings)) {
      if (!known.includes(key)) {
        throw new BackendConfigError(key, `the ${type} backend has no argument "${key}"; its arguments are: ${[...known].sort().join(", ")}`);
      }
    }
  }

  /** Whether the argument was written (not null). */
  has(name: string): boolean {
    return this.settings[name] !== undefined && this.settings[name] !== null;
  }

  string(name: string, envVar?: string): string | undefined {
    const v = this.settings[name];
    if (v !== undefined && v !== null) {
      if (typeof v === "string") return v;
      if (typeof v === "number" || typeof v === "boolean") return String(v);
      throw new BackendConfigError(name, `${this.type} backend argument "${name}" must be a string, got ${describe(v)}`);
    }
    const e = envVar ? this.env[envVar] : undefined;
    return e !== undefined && e !== "" ? e : undefined;
  }

  integer(name: string, envVar: string | undefined, fallback: number): number {
    const v = this.settings[name];
    const from = v !== undefined && v !== null ? name : envVar && this.env[envVar] ? envVar : undefined;
    if (from === undefined) return fallback;
    const raw = from === name ? v : this.env[from];
    const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new BackendConfigError(from, `${this.type} backend ${from === name ? "argument" : "variable"} "${from}" must be a whole number, got ${describe(raw)}`);
    }
    return n;
  }

  bool(name: string, envVar: string | undefined, fallback: boolean): boolean {
    const v = this.settings[name];
    const from = v !== undefined && v !== null ? name : envVar && this.env[envVar] ? envVar : undefined;
    if (from === undefined) return fallback;
    const raw = from === name ? v : this.env[from];
    if (typeof raw === "boolean") return raw;
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw new BackendConfigError(from, `${this.type} backend ${from === name ? "argument" : "variable"} "${from}" must be true or false, got ${describe(raw)}`);
  }

  /** An object-valued argument (a nested block such as s3's `endpoints { s3 = ... }`), or undefined. */
  object(name: string): Readonly<Record<string, unknown>> | undefined {
    const v = this.settings[name];
    if (v === undefined || v === null) return undefined;
    // A block written in HCL may arrive as a one-element list of objects, as Terraform's JSON syntax allows.
    const obj = Array.isArray(v) && v.length === 1 ? (v[0] as unknown) : v;
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
      throw new BackendConfigError(name, `${this.type} backend argument "${name}" must be a block or object, got ${describe(v)}`);
    }
    return obj as Record<string, unknown>;
  }
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}
