/** Small Markdown/HTML building blocks that are safe for any text put into them. */

/** GitHub's maximum issue/PR comment length, in characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function longestRun(s: string, ch: string): number {
  let best = 0;
  let cur = 0;
  for (const c of s) {
    cur = c === ch ? cur + 1 : 0;
    if (cur > best) best = cur;
  }
  return best;
}

/** An inline code span that no backtick inside `s` can close early. */
export function code(s: string): string {
  const fence = "`".repeat(longestRun(s, "`") + 1);
  const pad = s.startsWith("`") || s.endsWith("`") ? " " : "";
  return `${fence}${pad}${s.replace(/\n/g, " ")}${pad}${fence}`;
}

/** `<code>` for HTML contexts such as `<summary>`. */
export function htmlCode(s: string): string {
  return `<code>${escapeHtml(s)}</code>`;
}

/** A fenced code block whose fence is longer than any backtick run in the content, so content cannot escape it. */
export function fenced(content: string, info = ""): string {
  const fence = "`".repeat(Math.max(3, longestRun(content, "`") + 1));
  return `${fence}${info}\n${content}\n${fence}`;
}

/** Prefixes every line with `> ` (a blockquote; with `[!CAUTION]` etc. on the first line, a GitHub alert). */
export function quote(lines: readonly string[]): string {
  return lines.flatMap((l) => l.split("\n")).map((l) => (l === "" ? ">" : `> ${l}`)).join("\n");
}

export function details(summaryHtml: string, body: string): string {
  return `<details><summary>${summaryHtml}</summary>\n\n${body}\n\n</details>`;
}

/** Plain text (from diagnostics, titles) made inert in Markdown: HTML escaped, line starts that would form syntax defused. */
export function inertText(s: string): string {
  return escapeHtml(s).replace(/([\\`*_[\]|])/g, "\\$1");
}

/**
 * Rewrites Terraform-style diff text so GitHub's `diff` highlighting colours it: the action symbol of each line
 * moves to column 0 (`~` becomes `!`, which GitHub shows as a change), keeping the rest aligned.
 */
export function toDiffSyntax(text: string): string {
  return text
    .split("\n")
    .map((line) => {
      const m = /^(\s+)([-+~])( .*|)$/.exec(line);
      if (!m) return line;
      const sym = m[2] === "~" ? "!" : m[2]!;
      return `${sym}${m[1]}${m[3]}`;
    })
    .join("\n");
}
