/** How one flag of a command is spelled and what it takes. */
export interface FlagSpec {
  /** `string` takes a value (`-out=FILE` or `-out FILE`); `boolean` takes none (`-auto-approve`, or `=false`). */
  type: "string" | "boolean";
  /** May be given several times (`-var a=1 -var b=2`); values are collected in order. */
  multiple?: boolean;
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[]>;
  positionals: string[];
  /** Every value-taking flag in command-line order (for `-var` vs `-var-file` precedence). */
  order: { name: string; value: string }[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parses Terraform-style arguments: flags with one or two dashes (`-var-file=x`, `--data x`), values inline
 * after `=` or as the next argument, and `--` ending the flags. Unknown flags are a `UsageError` naming them.
 */
export function parseArgs(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>): ParsedArgs {
  const flags: ParsedArgs["flags"] = {};
  const positionals: string[] = [];
  const order: ParsedArgs["order"] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag: -${name}`);
    let value: string | boolean;
    if (spec.type === "boolean") {
      if (eq < 0) value = true;
      else {
        const text = body.slice(eq + 1);
        if (text !== "true" && text !== "false") throw new UsageError(`flag -${name} takes true or false, got "${text}"`);
        value = text === "true";
      }
    } else if (eq >= 0) {
      value = body.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`flag -${name} needs a value`);
      value = next;
      i++;
    }
    if (typeof value === "string") order.push({ name, value });
    if (spec.multiple) {
      const list = (flags[name] as string[] | undefined) ?? [];
      list.push(String(value));
      flags[name] = list;
    } else {
      flags[name] = value;
    }
  }
  return { flags, positionals, order };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === "string" ? v : undefined;
}

export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.flags[name] === true;
}

export function listFlag(args: ParsedArgs, name: string): string[] {
  const v = args.flags[name];
  return Array.isArray(v) ? v : [];
}
