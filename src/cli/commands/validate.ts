import { boolFlag, parseArgs, stringFlag, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { formatDiagnostics, sortDiagnostics, sourceLine, type Diagnostic } from "../../config/diagnostics.js";
import { loadConfig } from "../../config/load.js";
import { checkProviders } from "../lock-providers.js";

const FLAGS = {
  json: { type: "boolean" },
  "no-color": { type: "boolean" },
  stack: { type: "string" },
} as const;

/** One diagnostic in Terraform's `validate -json` shape (format_version 1.0). */
export interface JsonDiagnostic {
  severity: "error" | "warning";
  summary: string;
  detail: string;
  range?: { filename: string; start: JsonPos; end: JsonPos };
  snippet?: {
    context: string | null;
    code: string;
    start_line: number;
    highlight_start_offset: number;
    highlight_end_offset: number;
    values: [];
  };
}

interface JsonPos {
  line: number;
  column: number;
  byte: number;
}

export interface ValidateJson {
  format_version: "1.0";
  valid: boolean;
  error_count: number;
  warning_count: number;
  diagnostics: JsonDiagnostic[];
}

/** Renders diagnostics as Terraform's validate JSON document. `sources` supplies snippet lines. */
export function validateJson(diags: readonly Diagnostic[], sources: (f: string) => string | undefined): ValidateJson {
  const sorted = sortDiagnostics(diags);
  const errors = sorted.filter((d) => d.severity === "error").length;
  return {
    format_version: "1.0",
    valid: errors === 0,
    error_count: errors,
    warning_count: sorted.length - errors,
    diagnostics: sorted.map((d) => {
      const out: JsonDiagnostic = { severity: d.severity, summary: d.summary, detail: d.detail };
      const s = d.subject;
      if (s) {
        const text = sources(s.filename);
        // Terraform's `byte` counts UTF-8 bytes; ours are string offsets, equal for ASCII text.
        const bytes = (p: JsonPos): JsonPos => (text === undefined ? { ...p } : { line: p.line, column: p.column, byte: Buffer.byteLength(text.slice(0, p.byte), "utf8") });
        out.range = { filename: s.filename, start: bytes(s.start), end: bytes(s.end) };
        const code = text === undefined ? undefined : sourceLine(text, s.start.line);
        if (code !== undefined) {
          const startOff = Math.min(code.length, s.start.column - 1);
          const endOff = s.end.line === s.start.line ? Math.min(code.length, Math.max(startOff, s.end.column - 1)) : code.length;
          out.snippet = { context: null, code, start_line: s.start.line, highlight_start_offset: startOff, highlight_end_offset: endOff, values: [] };
        }
      }
      return out;
    }),
  };
}

export const validateCommand: Command = {
  name: "validate",
  summary: "Check that the configuration is syntactically valid and internally consistent",
  usage: "backplan validate [-json] [--stack NAME] [DIR|FILE]",
  async run(argv) {
    const args = parseArgs(argv, FLAGS);
    if (args.positionals.length > 1) throw new UsageError(`validate takes at most one directory, got ${args.positionals.length} arguments`);
    const path = args.positionals[0] ?? ".";
    const stack = stringFlag(args, "stack");
    const result = loadConfig(path, stack !== undefined ? { stack } : {});
    if (result.config && !result.diagnostics.some((d) => d.severity === "error")) {
      // Terraform's validate needs the providers installed as locked; backplan's are built in, so it checks
      // their versions and the lock file instead.
      const pc = checkProviders(result.config, result.config.dir);
      result.diagnostics.push(...pc.diagnostics);
      for (const [k, v] of pc.sources) result.sources.set(k, v);
    }
    const lookup = (f: string) => result.sources.get(f);
    const errors = result.diagnostics.filter((d) => d.severity === "error").length;
    if (boolFlag(args, "json")) {
      process.stdout.write(JSON.stringify(validateJson(result.diagnostics, lookup), null, 2) + "\n");
      return errors ? 1 : 0;
    }
    if (result.diagnostics.length) {
      const stream = errors ? process.stderr : process.stdout;
      stream.write(formatDiagnostics(result.diagnostics, lookup) + "\n");
    }
    if (errors) return 1;
    process.stdout.write("Success! The configuration is valid.\n");
    return 0;
  },
};
