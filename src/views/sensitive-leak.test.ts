import { describe, expect, it } from "vitest";
import type { Action } from "../plan/action.js";
import type { Json, Plan, PlanValue, ResourceChange } from "../plan/plan.js";
import { emptyPlan } from "./fixtures.test-support.js";
import { planJson } from "./plan-json.js";
import { renderPlanMarkdown } from "./plan-markdown.js";
import { planSummary } from "./plan-summary.js";
import { renderPlanText } from "./plan-text.js";

/**
 * Randomised check of the one promise every view makes: a value marked sensitive never appears in clear. Values
 * are random nested objects and lists; every string under a sensitive mark contains "LEAK", no other does.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Gen {
  value: Json;
  unknown: Json;
  sensitive: Json;
}

function gen(r: () => number, depth: number, underSensitive: boolean, id: { n: number }): Gen {
  const roll = r();
  const sensitiveHere = !underSensitive && roll < 0.15;
  const inSecret = underSensitive || sensitiveHere;
  const mark = (g: Gen): Gen => (sensitiveHere ? { ...g, sensitive: true } : g);
  if (depth > 0 && roll > 0.55) {
    if (r() < 0.5) {
      const n = Math.floor(r() * 4);
      const items = Array.from({ length: n }, () => gen(r, depth - 1, inSecret, id));
      return mark({ value: items.map((g) => g.value), unknown: items.map((g) => g.unknown), sensitive: items.map((g) => g.sensitive) });
    }
    const value: { [k: string]: Json } = {};
    const unknown: { [k: string]: Json } = {};
    const sensitive: { [k: string]: Json } = {};
    for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) {
      const g = gen(r, depth - 1, inSecret, id);
      const key = `k${i}`;
      if (g.unknown === true) unknown[key] = true;
      else {
        value[key] = g.value;
        if (g.unknown !== false) unknown[key] = g.unknown;
      }
      if (g.sensitive !== false) sensitive[key] = g.sensitive;
    }
    return mark({ value, unknown, sensitive });
  }
  if (!inSecret && r() < 0.1) return { value: null, unknown: true, sensitive: false };
  id.n++;
  const text = inSecret ? `LEAK-${id.n}${r() < 0.3 ? "\nsecond line" : ""}` : `plain-${id.n}`;
  const prim: Json = r() < 0.8 ? text : inSecret ? `LEAK${id.n}` : id.n;
  return mark({ value: prim, unknown: false, sensitive: false });
}

function planValue(r: () => number, id: { n: number }): PlanValue {
  const g = gen(r, 4, false, id);
  if (typeof g.value !== "object" || g.value === null || Array.isArray(g.value) || g.unknown === true || g.sensitive === true) {
    return { value: { attr: g.unknown === true ? null : g.value }, unknown: g.unknown === true ? { attr: true } : { attr: g.unknown }, sensitive: { attr: g.sensitive } };
  }
  return g;
}

function randomPlan(seed: number): Plan {
  const r = rng(seed);
  const id = { n: 0 };
  const actions: Action[] = ["create", "update", "replace", "delete", "no-op", "forget", "read"];
  const changes: ResourceChange[] = [];
  for (let i = 0; i < 12; i++) {
    const action = actions[Math.floor(r() * actions.length)]!;
    const before = action === "create" || action === "read" ? null : planValue(r, id);
    const after = action === "delete" || action === "forget" ? null : planValue(r, id);
    changes.push({
      address: `zstack_cdp_task.r${i}`,
      mode: "managed",
      type: "zstack_cdp_task",
      name: `r${i}`,
      providerName: "registry.terraform.io/backplan/zstack",
      action,
      before,
      after,
      replacePaths: action === "replace" ? [["attr"]] : [],
      ...(action === "no-op" ? { previousAddress: `zstack_cdp_task.old${i}` } : {}),
    });
  }
  const drift = changes.filter((c) => c.action === "update").map((c) => ({ ...c, address: `${c.address}_drift` }));
  return emptyPlan({
    changes,
    drift,
    outputs: [{ name: "o", action: "update", before: planValue(r, id), after: planValue(r, id), sensitive: false }],
  });
}

describe("no view ever shows a sensitive value", () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))("random plan %i", (seed) => {
    const plan = randomPlan(seed);
    const outputs = [
      renderPlanText(plan, { color: false }),
      renderPlanText(plan, { color: true }),
      renderPlanMarkdown(plan),
      renderPlanMarkdown(plan, { maxLength: 3000 }),
      JSON.stringify(planJson(plan, { version: "test" })),
      JSON.stringify(planSummary(plan)),
    ];
    for (const out of outputs) expect(out).not.toContain("LEAK");
    expect(renderPlanMarkdown(plan, { maxLength: 3000 }).length).toBeLessThanOrEqual(3000);
    // The generator does produce secrets: showing them on purpose reveals them.
    const shown = JSON.stringify(planJson(plan, { version: "test", showSensitive: true }));
    if (JSON.stringify(plan).includes("LEAK")) expect(shown).toContain("LEAK");
  });

  it("generates plans that do carry secrets (so the check above means something)", () => {
    const withSecrets = Array.from({ length: 40 }, (_, i) => JSON.stringify(randomPlan(i + 1))).filter((t) => t.includes("LEAK"));
    expect(withSecrets.length).toBeGreaterThan(30);
  });
});
