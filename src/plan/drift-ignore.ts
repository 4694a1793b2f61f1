/**
 * `.backplanignore`: which drift a drift report leaves out. One pattern a line; `#` starts a comment line; blank
 * lines are skipped; a leading `!` re-includes what earlier lines ignored (the last matching line decides, as in
 * `.gitignore`). `*` matches any run of characters, dots and brackets included; everything else is literal.
 *
 * A pattern is matched against the strings that name a finding (see `candidatesOf*`):
 * - a resource type (`zstack_vm_backup`) or an instance address (`module.a.zstack_cdp_task.web["k"]`): the whole
 *   resource — its drift, its pending changes;
 * - `<address>.<attribute path>` (`zstack_cdp_task.web.used_capacity`, `*.backups[0].size`): one attribute's
 *   changes (a pattern naming a path also covers everything below it);
 * - for an object no state manages: its type, `<type>.<id>` and `<type>.<name>`.
 */

export interface IgnoreRule {
  /** The pattern as written, without `!`. */
  pattern: string;
  negate: boolean;
  /** `file:line`, for reports and error messages. */
  origin: string;
  readonly regex: RegExp;
}

export interface IgnoreParseError {
  file: string;
  line: number;
  message: string;
}

/** Parses one ignore file. Bad lines are errors naming file and line; the other lines still become rules. */
export function parseIgnoreFile(text: string, file: string): { rules: IgnoreRule[]; errors: IgnoreParseError[] } {
  const rules: IgnoreRule[] = [];
  const errors: IgnoreParseError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const negate = trimmed.startsWith("!");
    const pattern = negate ? trimmed.slice(1).trim() : trimmed;
    const problem = patternProblem(pattern);
    if (problem) {
      errors.push({ file, line, message: `invalid pattern "${trimmed}": ${problem}` });
      return;
    }
    rules.push({ pattern, negate, origin: `${file}:${line}`, regex: globRegex(pattern) });
  });
  return { rules, errors };
}

function patternProblem(pattern: string): string | undefined {
  if (pattern === "") return "nothing after \"!\"";
  if (/\s/.test(pattern)) return "patterns cannot contain spaces (a trailing comment needs its own line)";
  let depth = 0;
  for (const c of pattern) {
    if (c === "[") depth++;
    else if (c === "]" && --depth < 0) return "\"]\" without \"[\"";
  }
  if (depth !== 0) return "\"[\" without \"]\"";
  if (pattern.startsWith(".") || pattern.endsWith(".")) return "a pattern cannot start or end with \".\"";
  return undefined;
}

function globRegex(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`);
}

/**
 * The rule that decides whether a finding named by `candidates` is ignored: the last rule matching any of them.
 * Returns it when it ignores (not negated), undefined when the finding is kept.
 */
export function ignoringRule(rules: readonly IgnoreRule[], candidates: readonly string[]): IgnoreRule | undefined {
  let decided: IgnoreRule | undefined;
  for (const r of rules) if (candidates.some((c) => r.regex.test(c))) decided = r;
  return decided && !decided.negate ? decided : undefined;
}

/** Names of a whole managed resource instance. */
export function candidatesOfInstance(type: string, address: string): string[] {
  return [type, address];
}

/** Names of one attribute change of an instance: the instance's names plus `<address>.<path prefix>` for every prefix. */
export function candidatesOfAttribute(type: string, address: string, path: readonly (string | number)[]): string[] {
  const out = candidatesOfInstance(type, address);
  for (let n = 1; n <= path.length; n++) out.push(`${address}.${formatPath(path.slice(0, n))}`);
  return out;
}

/** Names of an object no state manages. */
export function candidatesOfUnmanaged(type: string, id: string, name: string | null): string[] {
  return name ? [type, `${type}.${id}`, `${type}.${name}`] : [type, `${type}.${id}`];
}

/** `a.b[0].c`, `tags["x y"]`: an attribute path as reports and ignore patterns write it. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(step)) out += out === "" ? step : `.${step}`;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}
