import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/model.js";
import { providerRegistry, type ProviderRegistry } from "../plan/providers.js";
import { builtinProviders } from "../../providers/index.js";
import { builtinTerraformProvider } from "../../providers/terraform/index.js";

/** Loads a configuration written out from `files` (path → text) in a fresh directory; fails on load errors. */
export function configOf(files: Record<string, string>): Config {
  const dir = mkdtempSync(join(tmpdir(), "backplan-config-views-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const load = loadConfig(dir, { displayBase: dir });
  const errors = load.diagnostics.filter((d) => d.severity === "error");
  if (!load.config || errors.length > 0) throw new Error(`fixture config: ${errors.map((d) => d.summary).join("; ")}`);
  return load.config;
}

export function registry(): ProviderRegistry {
  return providerRegistry([...builtinProviders(), builtinTerraformProvider]);
}
