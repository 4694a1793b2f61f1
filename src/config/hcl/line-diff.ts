/**
 * A unified diff of two texts by lines (for `fmt -diff`). Common prefix and suffix are trimmed first; the
 * middle is diffed by longest common subsequence when small enough, otherwise shown as one replacement, which
 * is still a correct (if coarse) diff.
 */

type Op = { k: " " | "-" | "+"; line: string };

const MAX_CELLS = 4_000_000;

function diffOps(a: string[], b: string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const ops: Op[] = a.slice(0, pre).map((line) => ({ k: " ", line }));
  if (am.length * bm.length <= MAX_CELLS) {
    const n = am.length;
    const m = bm.length;
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (am[i] === bm[j]) {
        ops.push({ k: " ", line: am[i]! });
        i++;
        j++;
      } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) ops.push({ k: "-", line: am[i++]! });
      else ops.push({ k: "+", line: bm[j++]! });
    }
    while (i < n) ops.push({ k: "-", line: am[i++]! });
    while (j < m) ops.push({ k: "+", line: bm[j++]! });
  } else {
    for (const line of am) ops.push({ k: "-", line });
    for (const line of bm) ops.push({ k: "+", line });
  }
  for (const line of a.slice(a.length - suf)) ops.push({ k: " ", line });
  return ops;
}

/** `--- old` / `+++ new` unified diff with 3 lines of context; "" when the texts are equal. */
export function unifiedDiff(oldText: string, newText: string, oldName: string, newName: string): string {
  if (oldText === newText) return "";
  const ops = diffOps(oldText.split("\n"), newText.split("\n"));
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  const ctx = 3;
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k]!.k === " ") k++;
    if (k >= ops.length) break;
    let start = Math.max(0, k - ctx);
    let end = k;
    // extend the hunk while changes are within 2*ctx of each other
    for (;;) {
      while (end < ops.length && ops[end]!.k !== " ") end++;
      let next = end;
      while (next < ops.length && ops[next]!.k === " ") next++;
      if (next < ops.length && next - end <= 2 * ctx) {
        end = next;
        continue;
      }
      end = Math.min(ops.length, end + ctx);
      break;
    }
    let oldLine = 1;
    let newLine = 1;
    for (let q = 0; q < start; q++) {
      if (ops[q]!.k !== "+") oldLine++;
      if (ops[q]!.k !== "-") newLine++;
    }
    const hunk = ops.slice(start, end);
    const oldCount = hunk.filter((o) => o.k !== "+").length;
    const newCount = hunk.filter((o) => o.k !== "-").length;
    out.push(`@@ -${oldLine},${oldCount} +${newLine},${newCount} @@`);
    for (const o of hunk) out.push(o.k + o.line);
    k = end;
    start = end;
  }
  return out.join("\n") + "\n";
}
