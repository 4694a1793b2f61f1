/**
 * Plan rendering benchmark: a plan of N resource changes (a mix of updates with nested lists, creates with
 * unknowns, replacements and deletes) rendered as terminal text, plan JSON, the PR comment and the summary.
 * Prints a Markdown table of milliseconds per view.
 *
 *   npx tsx test/bench/views.bench.ts [N...=1000 5000 10000]
 */
import { pathToFileURL } from "node:url";
import type { Plan, ResourceChange } from "../../src/plan/plan.js";
import { planJson } from "../../src/views/plan-json.js";
import { renderPlanMarkdown } from "../../src/views/plan-markdown.js";
import { planSummary } from "../../src/views/plan-summary.js";
import { renderPlanText } from "../../src/views/plan-text.js";

const PROVIDER = "registry.terraform.io/backplan/zstack";

function resourceChange(i: number): ResourceChange {
  const base = { address: `zstack_cdp_task.t[${i}]`, mode: "managed" as const, type: "zstack_cdp_task", name: "t", index: i, providerName: PROVIDER };
  const prior = {
    uuid: `uuid-${i}`,
    name: `cdp-${i}`,
    max_capacity_gb: 100,
    volumes: Array.from({ length: 8 }, (_, v) => ({ volume_uuid: `vol-${i}-${v}`, mode: "full" })),
    excluded_paths: Array.from({ length: 30 }, (_, p) => `/data/${p}`),
  };
  const none = { unknown: false, sensitive: false };
  switch (i % 4) {
    case 0:
      return {
        ...base,
        action: "update",
        before: { value: prior, ...none },
        after: { value: { ...prior, max_capacity_gb: 200, excluded_paths: [...prior.excluded_paths.slice(1), "/srv"] }, ...none },
        replacePaths: [],
      };
    case 1:
      return { ...base, action: "create", before: null, after: { value: { name: `cdp-${i}` }, unknown: { uuid: true }, sensitive: false }, replacePaths: [] };
    case 2:
      return {
        ...base,
        action: "replace",
        reason: "replace_because_cannot_update",
        before: { value: prior, ...none },
        after: { value: { ...prior, uuid: null, volumes: prior.volumes.slice(1) }, unknown: { uuid: true }, sensitive: false },
        replacePaths: [["volumes"]],
      };
    default:
      return { ...base, action: "delete", reason: "delete_because_count_index", before: { value: prior, ...none }, after: null, replacePaths: [] };
  }
}

function plan(n: number): Plan {
  return {
    formatVersion: 1,
    timestamp: "2026-11-25T10:00:00Z",
    mode: "normal",
    changes: Array.from({ length: n }, (_, i) => resourceChange(i)),
    drift: [],
    outputs: [],
    variables: {},
    prior: { lineage: "l", serial: 1 },
    configHash: "h",
    targets: [],
    complete: true,
    errored: false,
    diagnostics: [],
  };
}

function time(f: () => unknown): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

export function main(sizes: number[]): void {
  console.log("| resources | text ms | plan JSON ms | Markdown ms (≤ 65,536 chars) | summary ms |");
  console.log("|---:|---:|---:|---:|---:|");
  for (const n of sizes) {
    const p = plan(n);
    const text = time(() => renderPlanText(p, { color: false }));
    const json = time(() => JSON.stringify(planJson(p, { version: "bench" })));
    const md = time(() => renderPlanMarkdown(p));
    const summary = time(() => JSON.stringify(planSummary(p)));
    console.log(`| ${n} | ${text.toFixed(0)} | ${json.toFixed(0)} | ${md.toFixed(0)} | ${summary.toFixed(0)} |`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2).map(Number).filter((x) => x > 0);
  main(args.length > 0 ? args : [1000, 5000, 10000]);
}
