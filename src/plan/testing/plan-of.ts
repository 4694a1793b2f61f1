/**
 * Test helper: plans a configuration given as file texts against the built-in `terraform` provider, with the
 * request defaults of a plain `backplan plan` (normal mode, refresh, no targets).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { loadConfig } from "../../config/load.js";
import { State } from "../../state/state.js";
import { builtinTerraformProvider } from "../../../providers/terraform/index.js";
import { makePlan, type PlanOutcome, type PlanRequest } from "../planner.js";
import { providerRegistry } from "../providers.js";

/** A fresh configuration directory; file names may name subdirectories (`mod/main.tf`). */
export function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "backplan-plan-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Plans `files` (which must load without errors) from `state`; `extra` overrides request fields. */
export async function planOf(files: Record<string, string>, state = new State(), extra: Partial<PlanRequest> = {}): Promise<PlanOutcome> {
  const loaded = loadConfig(configDir(files));
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return makePlan({
    root: loaded.config!,
    state,
    pending: [],
    registry: providerRegistry([builtinTerraformProvider]),
    variables: new Map(),
    mode: "normal",
    refresh: true,
    targets: [],
    excludes: [],
    replace: [],
    parallelism: 10,
    signal: new AbortController().signal,
    env: {},
    configHash: "h",
    stamp: { lineage: "", serial: 0 },
    ...extra,
  });
}
