/**
 * The flat list of pieces a template is read as (literal text, interpolations, directive markers) before it is
 * nested into a TemplateExpr, and the two whitespace rules HCL applies to it: strip markers, then `<<-`
 * indentation removal, in that order.
 */
import type { Expression, StripMarkers } from "./ast.js";

export type RawTemplateItem =
  | { t: "lit"; value: string; s: number; e: number; lineStart: boolean; endsLine: boolean }
  | { t: "interp"; expr: Expression; strip: StripMarkers; s: number; e: number }
  | { t: "if"; cond: Expression; strip: StripMarkers; s: number; e: number }
  | { t: "else"; strip: StripMarkers; s: number; e: number }
  | { t: "endif"; strip: StripMarkers; s: number; e: number }
  | { t: "for"; keyVar?: string; valueVar: string; coll: Expression; strip: StripMarkers; s: number; e: number }
  | { t: "endfor"; strip: StripMarkers; s: number; e: number };

/** Strip markers (`~`) trim the whitespace, newlines included, of the literal right next to them. */
export function applyStrip(items: RawTemplateItem[]): void {
  for (let k = 0; k < items.length; k++) {
    const it = items[k]!;
    if (it.t === "lit") continue;
    if (it.strip.stripLeft) {
      const prev = items[k - 1];
      if (prev && prev.t === "lit") prev.value = prev.value.replace(/\s+$/u, "");
    }
    if (it.strip.stripRight) {
      const next = items[k + 1];
      if (next && next.t === "lit") next.value = next.value.replace(/^\s+/u, "");
    }
  }
}

/** Decodes `$${` and `%%{` (the only escapes of heredocs and JSON-syntax strings). */
export function decodeTemplateEscapes(raw: string): string {
  if (raw.indexOf("{") < 0) return raw;
  return raw.replace(/([$%])\1\{/g, "$1{");
}

/**
 * `<<-` heredocs: removes the smallest indentation found at the start of the literal lines from every line
 * (lines holding only whitespace do not count, and a line starting with an interpolation counts as zero).
 */
export function flushHeredoc(items: RawTemplateItem[]): void {
  let min = Infinity;
  const adjust: Extract<RawTemplateItem, { t: "lit" }>[] = [];
  let atLineStart = true;
  for (const it of items) {
    if (atLineStart) {
      if (it.t === "lit") {
        const blank = it.value.endsWith("\n") && /^\s*$/.test(it.value);
        if (!blank) {
          let spaces = 0;
          while (spaces < it.value.length && (it.value[spaces] === " " || it.value[spaces] === "\t")) spaces++;
          min = Math.min(min, spaces);
          adjust.push(it);
        }
      } else {
        min = 0;
      }
    }
    atLineStart = it.t === "lit" && it.value.endsWith("\n");
  }
  if (min === Infinity || min === 0) return;
  for (const it of adjust) it.value = it.value.slice(min);
}

