/**
 * Number ↔ string conversion with Terraform's spelling. Numbers are JS doubles (see value.ts for why); this
 * module hides the double-specific spellings: integers never print with ".0" or an exponent, whatever their
 * size (beyond 2^53 they print the shortest digits that read back as the same double, zero-filled), and fractions print in plain decimal rounded to 15 significant digits (the precision a double holds
 * reliably), so `0.1 + 0.2` prints "0.3" as Terraform's arbitrary-precision arithmetic does.
 */

/** The decimal text Terraform would print for `n`. `n` must be finite. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) {
    if (Math.abs(n) < 1e21) return Object.is(n, -0) ? "0" : String(n);
    return expandExponent(String(n));
  }
  const rounded = Number(n.toPrecision(15));
  const text = String(rounded);
  return text.includes("e") ? expandExponent(text) : text;
}

/** Plain decimal spelling of a JS exponent spelling such as "1.5e-7" or "-2e+25". */
function expandExponent(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const sign = m[1]!;
  const digits = m[2]! + (m[3] ?? "");
  const exp = Number(m[4]) - (m[3]?.length ?? 0);
  if (exp >= 0) return sign + digits + "0".repeat(exp);
  const point = digits.length + exp;
  if (point > 0) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign}0.${"0".repeat(-point)}${digits}`;
}

const NUMBER_SYNTAX = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses decimal text the way Terraform's string-to-number conversion does: optional sign, digits, optional
 * fraction and exponent; no surrounding spaces, no hex, no "Infinity". Returns `undefined` for anything else.
 */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER_SYNTAX.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
