/**
 * Terminal styling. Renderers ask a Style for roles (bold, red, ...); the plain style returns text unchanged, so
 * the same renderer produces the -no-color output, the ANSI output and the text inside Markdown diffs.
 */
export interface Style {
  readonly color: boolean;
  bold(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  /** Secondary text: "null", "# (N unchanged attributes hidden)". */
  dim(s: string): string;
}

const ESC = "\u001b[";
const RESET = `${ESC}0m`;

function sgr(code: string): (s: string) => string {
  return (s) => (s === "" ? s : `${ESC}${code}m${s}${RESET}`);
}

export const PLAIN: Style = {
  color: false,
  bold: (s) => s,
  red: (s) => s,
  green: (s) => s,
  yellow: (s) => s,
  cyan: (s) => s,
  dim: (s) => s,
};

export const ANSI: Style = {
  color: true,
  bold: sgr("1"),
  red: sgr("31"),
  green: sgr("32"),
  yellow: sgr("33"),
  cyan: sgr("36"),
  dim: sgr("90"),
};

export function styleFor(color: boolean): Style {
  return color ? ANSI : PLAIN;
}

/** Removes ANSI SGR sequences (for measuring and for tests). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, "");
}

/**
 * Greedy word wrap at `width` columns, paragraph by paragraph ("\n" kept). Lines that start with whitespace are
 * left alone (they are pre-formatted, like a command to run).
 */
export function wordWrap(text: string, width: number): string {
  if (width <= 0) return text;
  return text
    .split("\n")
    .map((line) => {
      if (line.length <= width || /^\s/.test(line)) return line;
      const out: string[] = [];
      let cur = "";
      for (const word of line.split(" ")) {
        if (cur === "") cur = word;
        else if (cur.length + 1 + word.length <= width) cur += ` ${word}`;
        else {
          out.push(cur);
          cur = word;
        }
      }
      out.push(cur);
      return out.join("\n");
    })
    .join("\n");
}

/**
 * Whether the CLI should color its output: not with `-no-color`, not when NO_COLOR is set to anything non-empty
 * (no-color.org), not when stdout is not a terminal, not on TERM=dumb.
 */
export function colorWanted(o: { noColorFlag: boolean; env: Readonly<Record<string, string | undefined>>; isTTY: boolean }): boolean {
  if (o.noColorFlag) return false;
  if ((o.env.NO_COLOR ?? "") !== "") return false;
  if (o.env.TERM === "dumb") return false;
  return o.isTTY;
}
