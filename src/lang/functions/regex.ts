/**
 * Terraform's regular expressions are RE2. JavaScript's are close enough for configuration use once the RE2
 * spellings JS lacks are translated: named groups `(?P<name>...)` and leading inline flags `(?i)`, `(?s)`,
 * `(?m)`. Patterns are compiled once and cached, because `regex()` in a `for` runs per element.
 */
import { FunctionError } from "./signature.js";

const cache = new Map<string, RegExp>();

/** Compiles an RE2-style pattern (no `g` flag); throws `FunctionError` naming the pattern when it is invalid. */
export function compileRegex(pattern: string, argIndex: number): RegExp {
  const hit = cache.get(pattern);
  if (hit) return new RegExp(hit);
  let body = pattern;
  let flags = "";
  const inline = /^\(\?([ims]+)\)/.exec(body);
  if (inline) {
    flags += inline[1]!;
    body = body.slice(inline[0].length);
  }
  body = body.replace(/\(\?P</g, "(?<");
  let re: RegExp;
  try {
    re = new RegExp(body, flags + "u");
  } catch {
    try {
      re = new RegExp(body, flags);
    } catch (e) {
      throw new FunctionError(`invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`, argIndex);
    }
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return new RegExp(re);
}

/** Translates an RE2 replacement template (`$1`, `${1}`, `${name}`, `$name`, `$$`) to JavaScript's spelling. */
export function translateReplacement(template: string): string {
  return template.replace(/\$(\$|\{(\w+)\}|(\w+))/g, (_m, all: string, braced?: string, bare?: string) => {
    if (all === "$") return "$$";
    const name = braced ?? bare!;
    return /^\d+$/.test(name) ? `$${name}` : `$<${name}>`;
  });
}
