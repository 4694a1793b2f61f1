import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, UsageError, type ParsedArgs } from "../args.js";
import type { Command } from "../command.js";
import { formatDiagnostics } from "../../config/diagnostics.js";
import { formatHcl } from "../../config/hcl/format.js";
import { unifiedDiff } from "../../config/hcl/line-diff.js";

const FLAGS = {
  check: { type: "boolean" },
  diff: { type: "boolean" },
  recursive: { type: "boolean" },
  write: { type: "boolean" },
  list: { type: "boolean" },
  "no-color": { type: "boolean" },
} as const;

const FORMATTABLE = [".tf", ".tfvars", ".tftest.hcl"];

function flag(args: ParsedArgs, name: string, dflt: boolean): boolean {
  const v = args.flags[name];
  return typeof v === "boolean" ? v : dflt;
}

function isFormattable(name: string): boolean {
  return FORMATTABLE.some((ext) => name.endsWith(ext)) && !name.startsWith(".");
}

/** Files to format under `path`: the path itself if a file, else its formattable files (recursively if asked). */
function collectFiles(path: string, recursive: boolean): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    const full = join(path, name);
    const s = statSync(full);
    if (s.isDirectory()) {
      if (recursive && !name.startsWith(".") && name !== "node_modules") out.push(...collectFiles(full, true));
    } else if (isFormattable(name)) out.push(full);
  }
  return out;
}

export const fmtCommand: Command = {
  name: "fmt",
  summary: "Rewrite configuration files to the canonical format and style",
  usage: "backplan fmt [-check] [-diff] [-recursive] [-write=false] [-list=false] [DIR|FILE|-]...",
  async run(argv) {
    const args = parseArgs(argv, FLAGS);
    const check = flag(args, "check", false);
    const diff = flag(args, "diff", false);
    const write = flag(args, "write", !check) && !check;
    const list = flag(args, "list", true);
    const recursive = flag(args, "recursive", false);
    const targets = args.positionals.length ? args.positionals : ["."];

    if (targets.includes("-")) {
      if (targets.length > 1) throw new UsageError('"-" (standard input) cannot be combined with other paths');
      const src = readFileSync(0, "utf8");
      const r = formatHcl(src, "<stdin>");
      if (r.text === undefined) {
        process.stderr.write(formatDiagnostics(r.diagnostics, () => src));
        return 2;
      }
      if (diff) process.stdout.write(unifiedDiff(src, r.text, "old/<stdin>", "new/<stdin>"));
      else if (!check) process.stdout.write(r.text);
      return check && r.text !== src ? 3 : 0;
    }

    let unformatted = 0;
    let errors = 0;
    for (const target of targets) {
      let files: string[];
      try {
        files = collectFiles(target, recursive);
      } catch (e) {
        process.stderr.write(`Error: No file or directory at ${target}: ${(e as Error).message}\n`);
        errors++;
        continue;
      }
      for (const file of files) {
        const src = readFileSync(file, "utf8");
        const r = formatHcl(src, file);
        if (r.text === undefined) {
          process.stderr.write(formatDiagnostics(r.diagnostics, () => src) + "\n");
          errors++;
          continue;
        }
        if (r.text === src) continue;
        unformatted++;
        if (list) process.stdout.write(file + "\n");
        if (diff) process.stdout.write(unifiedDiff(src, r.text, `old/${file}`, `new/${file}`));
        if (write) writeFileSync(file, r.text);
      }
    }
    if (errors) return 2;
    return check && unformatted ? 3 : 0;
  },
};
