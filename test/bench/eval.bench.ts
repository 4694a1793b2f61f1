/**
 * Expression evaluation benchmark: the work the plan engine does per resource instance — evaluate every
 * attribute of a resource body (templates, references to variables/locals/each/other resources, conditionals,
 * function calls, a `for` over volumes, a splat) — for N instances of a `for_each` resource. Expressions are
 * parsed once (as config loading does) and evaluated N times with a different `each` and, in the "plan" run,
 * with unknown upstream attributes and sensitive inputs flowing through. Prints a Markdown table; CPU time is
 * the steadier number on a shared machine (wall time includes waiting for other processes).
 *
 *   npx tsx test/bench/eval.bench.ts [N=10000]
 */
import { pathToFileURL } from "node:url";
import { parseExpression } from "../../src/config/hcl/parser.js";
import type { Expression } from "../../src/config/hcl/ast.js";
import { evaluate, type Scope } from "../../src/lang/evaluate.js";
import { functionContext } from "../../src/lang/functions/context.js";
import { references, subjectString, type Reference } from "../../src/lang/reference.js";
import { problem } from "../../src/lang/traverse.js";
import { STRING } from "../../src/lang/types.js";
import { isWhollyKnown, markSensitive, unknownOf, type Value } from "../../src/lang/value.js";

/** One resource body, as written in a real configuration. */
const BODY: Record<string, string> = {
  name: `"\${local.prefix}-\${each.key}"`,
  description: `<<-EOT
    CDP task for \${each.key} (\${var.env})
    %{ for v in each.value.volumes ~}
    - \${v}
    %{ endfor ~}
    EOT
`,
  policy_uuid: `zstack_cdp_policy.main.uuid`,
  retention: `var.env == "prod" ? each.value.retention * 2 : each.value.retention`,
  volumes: `[for i, v in each.value.volumes : { uuid = v, priority = i }]`,
  tags: `merge(var.common_tags, { owner = lookup(each.value, "owner", "ops"), index = tostring(length(each.value.volumes)) })`,
  bs_name: `format("%s-bs-%02d", local.prefix, length(each.value.volumes))`,
  vm_uuids: `data.zstack_vms.all.vms[*].uuid`,
  token: `var.api_token`,
  enabled: `can(each.value.retention) && each.value.retention > 0`,
};

function parse(src: string): Expression {
  const p = parseExpression(src, "bench.tf");
  if (p.diagnostics.length > 0) throw new Error(`${src}: ${p.diagnostics[0]!.detail}`);
  return p.value;
}

function scopeFor(key: string, each: Value, planning: boolean): Scope {
  const fctx = functionContext({ planning });
  return {
    functions: fctx,
    resolve(ref: Reference) {
      const s = ref.subject;
      switch (s.kind) {
        case "var":
          if (s.name === "env") return "prod";
          if (s.name === "common_tags") return { team: "backup", cost_center: "42" };
          if (s.name === "api_token") return markSensitive("token-123");
          break;
        case "local":
          if (s.name === "prefix") return "bp-prod";
          break;
        case "each":
          return s.attr === "key" ? key : each;
        case "resource":
          if (subjectString(s) === "zstack_cdp_policy.main") return { uuid: planning ? unknownOf(STRING) : "policy-1" };
          if (subjectString(s) === "data.zstack_vms.all") return VMS;
          break;
      }
      return problem("Reference to undeclared object", `${subjectString(s)} is not declared.`);
    },
  };
}

const VMS: Value = { vms: Array.from({ length: 20 }, (_, i) => ({ uuid: `vm-${i}`, name: `vm${i}` })) };

interface Row {
  run: string;
  n: number;
  attributes: number;
  ms: number;
  cpuMs: number;
  perInstanceUs: number;
}

function run(name: string, n: number, planning: boolean, exprs: Array<[string, Expression]>): Row {
  let unknownCount = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const key = `task-${i}`;
    const each: Value = { retention: 7 + (i % 5), volumes: [`vol-${i}-a`, `vol-${i}-b`, `vol-${i}-c`] };
    const scope = scopeFor(key, each, planning);
    for (const [attr, e] of exprs) {
      const r = evaluate(e, scope);
      if (r.diagnostics.length > 0) throw new Error(`${attr}: ${r.diagnostics[0]!.detail}`);
      if (!isWhollyKnown(r.value)) unknownCount++;
    }
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (planning && unknownCount === 0) throw new Error("plan run produced no unknowns: the benchmark is not exercising them");
  return { run: name, n, attributes: exprs.length, ms, cpuMs, perInstanceUs: (cpuMs * 1000) / n };
}

export function main(argv: string[]): void {
  const n = Number(argv[0] ?? 10_000);
  const t0 = performance.now();
  const exprs = Object.entries(BODY).map(([k, src]) => [k, parse(src)] as [string, Expression]);
  const parseMs = performance.now() - t0;
  const refs = exprs.flatMap(([, e]) => references(e)).length;

  run("warm-up", Math.min(n, 500), false, exprs);
  const t1 = performance.now();
  for (let i = 0; i < n; i++) for (const [, e] of exprs) references(e);
  const refsMs = performance.now() - t1;
  const rows = [run("apply (all known)", n, false, exprs), run("plan (unknown upstream, sensitive inputs)", n, true, exprs)];

  console.log(`Parsed ${exprs.length} attribute expressions in ${parseMs.toFixed(1)} ms; ${refs} references per instance.`);
  console.log(`references() for ${n} instances: ${refsMs.toFixed(1)} ms\n`);
  console.log("| run | instances | attributes each | wall ms | CPU ms | CPU µs per instance |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(`| ${r.run} | ${r.n} | ${r.attributes} | ${r.ms.toFixed(1)} | ${r.cpuMs.toFixed(1)} | ${r.perInstanceUs.toFixed(1)} |`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main(process.argv.slice(2));
