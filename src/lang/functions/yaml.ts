/**
 * YAML text as Terraform's `yamlencode` writes it: block style, keys sorted, every string double-quoted except
 * multi-line strings, which use a literal block (`|` or `|-`), and empty collections in flow style.
 */
import { formatNumber } from "../number.js";
import { Unknown, unmarked, type Value } from "../value.js";

/** Encodes a wholly known value (marks ignored) as a YAML document ending in a newline. */
export function yamlEncode(v: Value): string {
  return block(v, 0).replace(/^\n/, "") + "\n";
}

function scalar(v: Value, indent: number): string | undefined {
  const u = unmarked(v);
  if (u instanceof Unknown) throw new Error("cannot encode an unknown value");
  if (u === null) return "null";
  if (typeof u === "boolean") return u ? "true" : "false";
  if (typeof u === "number") return formatNumber(u);
  if (typeof u === "string") {
    if (u.includes("\n") && !/^\s/.test(u) && !/[\r\t]/.test(u)) {
      const body = u.endsWith("\n") ? u.slice(0, -1) : u;
      const pad = " ".repeat(indent + 2);
      return `${u.endsWith("\n") ? "|" : "|-"}\n${body.split("\n").map((l) => (l === "" ? "" : pad + l)).join("\n")}`;
    }
    return JSON.stringify(u);
  }
  if (Array.isArray(u) && u.length === 0) return "[]";
  if (!Array.isArray(u) && Object.keys(u).length === 0) return "{}";
  return undefined;
}

/** The value's text starting right after "key:" or "- " (a leading newline when it is a nested block). */
function block(v: Value, indent: number): string {
  const s = scalar(v, indent);
  if (s !== undefined) return s;
  const u = unmarked(v) as Value[] | Record<string, Value>;
  const pad = " ".repeat(indent);
  if (Array.isArray(u)) {
    return u
      .map((e) => {
        const s = scalar(e, indent);
        if (s !== undefined) return `\n${pad}- ${s}`;
        // A nested block starts on the dash's line: drop its leading newline and the indentation it adds.
        return `\n${pad}- ${block(e, indent + 2).slice(indent + 3)}`;
      })
      .join("");
  }
  return Object.keys(u)
    .sort()
    .map((k) => {
      const e = u[k]!;
      const s = scalar(e, indent);
      if (s !== undefined) return `\n${pad}${JSON.stringify(k)}: ${s}`;
      return `\n${pad}${JSON.stringify(k)}:${block(e, Array.isArray(unmarked(e)) ? indent : indent + 2)}`;
    })
    .join("");
}
