/**
 * Input variable values from outside the configuration, with Terraform's precedence (later wins):
 * `TF_VAR_name` environment variables < `terraform.tfvars` < `terraform.tfvars.json` < `*.auto.tfvars` /
 * `*.auto.tfvars.json` (lexical order) < `-var` and `-var-file` options in command-line order.
 * Values are returned raw: the string as given for `-var` and the environment (src/lang converts it by the
 * declared type, parsing it as HCL when the type is not a string), an expression for file values.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Diagnostic } from "./diagnostics.js";
import type { Expression } from "./hcl/ast.js";
import { parseFile } from "./hcl/parser.js";
import { parseJsonFile } from "./json/syntax.js";
import { expressionReferences } from "./references.js";
import type { SourceRange } from "./source.js";

export type VariableValueSource = "env" | "file" | "auto-file" | "cli";

export interface RawVariableValue {
  name: string;
  value: { kind: "string"; text: string } | { kind: "expr"; expr: Expression };
  source: VariableValueSource;
  /** Where it came from, for messages: `TF_VAR_env`, `terraform.tfvars`, `-var`. */
  origin: string;
  range?: SourceRange;
}

/** One `-var NAME=VALUE` or `-var-file PATH` option, in command-line order. */
export interface VarOption {
  kind: "var" | "var-file";
  value: string;
}

export interface CollectOptions {
  /** The root module directory (where terraform.tfvars and *.auto.tfvars are looked for). */
  dir: string;
  options?: readonly VarOption[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Declared root variables; values for others are warned about (files) or rejected (-var). */
  declared?: ReadonlySet<string>;
  displayBase?: string;
}

export interface CollectedValues {
  values: Map<string, RawVariableValue>;
  diagnostics: Diagnostic[];
  /** Text of every variables file read, by displayed filename. */
  sources: Map<string, string>;
}

/** Collects variable values from all sources; never throws (unreadable files become diagnostics). */
export function collectVariableValues(opts: CollectOptions): CollectedValues {
  const values = new Map<string, RawVariableValue>();
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const base = opts.displayBase ?? process.cwd();
  const display = (p: string) => relative(base, p) || p;
  const undeclaredInFiles: { name: string; range: SourceRange; origin: string }[] = [];

  const set = (v: RawVariableValue) => values.set(v.name, v);

  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (!k.startsWith("TF_VAR_") || v === undefined) continue;
    const name = k.slice("TF_VAR_".length);
    if (!name || (opts.declared && !opts.declared.has(name))) continue;
    set({ name, value: { kind: "string", text: v }, source: "env", origin: k });
  }

  const readVarFile = (path: string, source: VariableValueSource): void => {
    const shown = display(path);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      diagnostics.push({
        severity: "error",
        summary: "Failed to read variables file",
        detail: `Could not read the variables file ${shown}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}. Expected a .tfvars or .tfvars.json file.`,
      });
      return;
    }
    sources.set(shown, text);
    const json = path.endsWith(".json");
    const parsed = json ? parseJsonFile(text, shown) : parseFile(text, shown);
    diagnostics.push(...parsed.diagnostics);
    const body = parsed.file.body;
    for (const b of body.blocks) {
      diagnostics.push({
        severity: "error",
        summary: "Unexpected block in variables file",
        detail: `Variables files hold only assignments like name = value; a "${b.type}" block is not allowed here.`,
        subject: b.typeRange,
      });
    }
    for (const a of body.attributes) {
      const refs = expressionReferences(a.expr);
      const first = refs.refs[0] ?? refs.bad[0];
      if (first) {
        diagnostics.push({
          severity: "error",
          summary: "Variables not allowed",
          detail: `Values in a variables file must be constants: "${a.name}" refers to other objects, which are not available here. Expected a literal value such as "text", 42, true, [..] or {..}.`,
          subject: first.range,
        });
        continue;
      }
      if (opts.declared && !opts.declared.has(a.name)) {
        undeclaredInFiles.push({ name: a.name, range: a.nameRange, origin: shown });
        continue;
      }
      set({ name: a.name, value: { kind: "expr", expr: a.expr }, source, origin: shown, range: a.range });
    }
  };

  const dir = resolve(opts.dir);
  for (const name of ["terraform.tfvars", "terraform.tfvars.json"]) {
    const p = join(dir, name);
    if (existsSync(p)) readVarFile(p, "file");
  }
  let autoNames: string[] = [];
  try {
    autoNames = readdirSync(dir)
      .filter((n) => n.endsWith(".auto.tfvars") || n.endsWith(".auto.tfvars.json"))
      .sort();
  } catch {
    autoNames = [];
  }
  for (const n of autoNames) readVarFile(join(dir, n), "auto-file");

  for (const o of opts.options ?? []) {
    if (o.kind === "var-file") {
      readVarFile(resolve(o.value), "file");
      continue;
    }
    const eq = o.value.indexOf("=");
    const name = eq > 0 ? o.value.slice(0, eq).trim() : "";
    if (!name) {
      diagnostics.push({
        severity: "error",
        summary: "Invalid -var option",
        detail: `The option -var "${o.value}" is not correctly specified: expected a variable name and a value separated by "=", like -var "retention_days=7".`,
      });
      continue;
    }
    if (opts.declared && !opts.declared.has(name)) {
      diagnostics.push({
        severity: "error",
        summary: "Value for undeclared variable",
        detail: `A variable named "${name}" was assigned on the command line, but the root module does not declare a variable of that name. Declare it with variable "${name}" {} or remove the -var option.`,
      });
      continue;
    }
    set({ name, value: { kind: "string", text: o.value.slice(eq + 1) }, source: "cli", origin: "-var" });
  }

  if (undeclaredInFiles.length) {
    const first = undeclaredInFiles[0]!;
    const more = undeclaredInFiles.length - 1;
    diagnostics.push({
      severity: "warning",
      summary: "Value for undeclared variable",
      detail: `The file ${first.origin} assigns "${first.name}", but the root module declares no variable of that name${more ? ` (and ${more} other value${more > 1 ? "s" : ""} for undeclared variables)` : ""}. To use it, declare variable "${first.name}" {}.`,
      subject: first.range,
    });
  }
  return { values, diagnostics, sources };
}

/**
 * The `-var` and `-var-file` options of a command line, in the order given (their relative order decides which
 * value wins, so they cannot be read from two separate flag lists). Accepts `-var x=1`, `-var=x=1`,
 * `--var-file f`, `-var-file=f`; stops at `--`. A trailing option without its value is left out (the
 * command's own argument parser reports it).
 */
export function varOptionsFromArgv(argv: readonly string[]): VarOption[] {
  const out: VarOption[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    const m = /^--?(var|var-file)(?:=(.*))?$/s.exec(arg);
    if (!m) continue;
    const kind = m[1] as VarOption["kind"];
    if (m[2] !== undefined) out.push({ kind, value: m[2] });
    else if (i + 1 < argv.length) out.push({ kind, value: argv[++i]! });
  }
  return out;
}
