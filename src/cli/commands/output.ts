import type { JsonValue, OutputValue } from "../../state/state.js";
import { parseArgs, boolFlag, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { fail, readStateOrFail, STATE_FLAGS, stateExists, stateTargetOf } from "../state-file.js";

/**
 * `backplan output`: root module outputs from the state, in Terraform's formats. The list form hides sensitive
 * values (`<sensitive>`); naming an output, `-json` and `-raw` print values in clear, as Terraform does, since
 * that is how scripts read them.
 */

const pad = (level: number) => "  ".repeat(level);

/**
 * A value as Terraform's `output` prints it (HCL-like, two spaces per level): strings quoted, multi-line strings
 * as `<<EOT` heredocs, map/set/list typed values wrapped in `tomap(...)`/`toset(...)`/`tolist(...)`, object and
 * map keys quoted. `type` is the cty type in JSON form, as state records it.
 */
export function formatOutputValue(v: JsonValue, type: JsonValue | undefined, level = 0): string {
  if (v === null) return "null";
  if (typeof v === "string") return v.includes("\n") ? `<<EOT\n${v}\nEOT` : JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const [kind, inner] = Array.isArray(type) ? (type as [string, JsonValue]) : ["", null];
  if (Array.isArray(v)) {
    const elementType = (i: number) => (kind === "tuple" && Array.isArray(inner) ? inner[i] : inner) ?? undefined;
    const body = v.length === 0 ? "[]" : `[\n${v.map((x, i) => `${pad(level + 1)}${formatOutputValue(x, elementType(i), level + 1)},`).join("\n")}\n${pad(level)}]`;
    return kind === "list" ? `tolist(${body})` : kind === "set" ? `toset(${body})` : body;
  }
  const keys = Object.keys(v).sort();
  const attrType = (k: string) => (kind === "object" && inner !== null && typeof inner === "object" && !Array.isArray(inner) ? inner[k] : inner) ?? undefined;
  const body = keys.length === 0 ? "{}" : `{\n${keys.map((k) => `${pad(level + 1)}${JSON.stringify(k)} = ${formatOutputValue(v[k]!, attrType(k), level + 1)}`).join("\n")}\n${pad(level)}}`;
  return kind === "map" ? `tomap(${body})` : body;
}

/** `-json` of all outputs: name → {sensitive, type, value}, keys sorted, two-space indent. */
export function outputsJson(outputs: Record<string, OutputValue>): string {
  const out: Record<string, { sensitive: boolean; type: JsonValue; value: JsonValue }> = {};
  for (const name of Object.keys(outputs).sort()) {
    const o = outputs[name]!;
    out[name] = { sensitive: o.sensitive, type: o.type, value: o.value };
  }
  return JSON.stringify(out, null, 2);
}

async function runOutput(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { ...STATE_FLAGS, json: { type: "boolean" }, raw: { type: "boolean" } });
  if (args.positionals.length > 1) throw new UsageError("output takes at most one output name");
  const json = boolFlag(args, "json");
  const raw = boolFlag(args, "raw");
  if (json && raw) throw new UsageError("-json and -raw cannot be used together");
  const name = args.positionals[0];
  if (raw && name === undefined) throw new UsageError("-raw needs the name of an output");
  const target = await stateTargetOf(args);
  if ("code" in target) return target.code;
  let outputs: Record<string, OutputValue> = {};
  if (await stateExists(target)) {
    const read = await readStateOrFail(target);
    if ("code" in read) return read.code;
    outputs = read.state.outputs();
  }
  if (name === undefined) {
    if (json) {
      process.stdout.write(outputsJson(outputs) + "\n");
      return 0;
    }
    const names = Object.keys(outputs).sort();
    if (names.length === 0) {
      process.stderr.write(
        "Warning: No outputs found\n\nThe state file either has no outputs defined, or all the defined outputs are empty. Define an output in\nyour configuration with the `output` keyword and run `backplan apply` for it to become available.\n",
      );
      return 0;
    }
    for (const n of names) {
      const o = outputs[n]!;
      process.stdout.write(`${n} = ${o.sensitive ? "<sensitive>" : formatOutputValue(o.value, o.type)}\n`);
    }
    return 0;
  }
  const o = outputs[name];
  if (!o) {
    return fail(
      `Output "${name}" not found`,
      "The output variable requested could not be found in the state file. If you recently added this to your\nconfiguration, be sure to run `backplan apply`, since the state won't be updated with new output variables\nuntil that command is run.",
    );
  }
  if (json) {
    process.stdout.write(JSON.stringify(o.value) + "\n");
    return 0;
  }
  if (raw) {
    const v = o.value;
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      process.stdout.write(String(v));
      return 0;
    }
    const kind = v === null ? "null" : Array.isArray(v) ? (Array.isArray(o.type) ? String(o.type[0]) : "list") : Array.isArray(o.type) ? String(o.type[0]) : "object";
    return fail(
      "Unsupported value for raw output",
      `The -raw option only supports strings, numbers, and boolean values, but output value "${name}" is ${kind}.\n\nUse the -json option for machine-readable representations of output values that have complex types.`,
    );
  }
  process.stdout.write(formatOutputValue(o.value, o.type) + "\n");
  return 0;
}

export const outputCommand: Command = {
  name: "output",
  summary: "Show output values from the state",
  usage: "backplan output [-json | -raw] [-state=PATH] [NAME]",
  run: runOutput,
};
