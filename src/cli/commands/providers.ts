import { existsSync } from "node:fs";
import type { Config } from "../../config/model.js";
import { IMPLIED_SOURCES } from "../../plan/providers.js";
import { providersSchemaJson, registryAddress } from "../../sdk/schema-json.js";
import { parseProviderConfig } from "../../state/provider-config.js";
import type { State } from "../../state/state.js";
import { resolve } from "node:path";
import { boolFlag, listFlag, parseArgs, stringFlag, UsageError } from "../args.js";
import { lockAndReport } from "../lock-providers.js";
import type { Command } from "../command.js";
import { defaultRegistry, openWorkspace } from "../workspace.js";
import { readStateOrFail, stateExists } from "../state-file.js";

/**
 * `backplan providers`: which providers the configuration (module by module) and the state need, as a tree like
 * `terraform providers`; `backplan providers schema -json`: the schemas of every provider backplan ships, in
 * Terraform's `providers schema -json` shape.
 */

/** One module's line in the tree: its providers (`provider[source] constraint`) and its child modules. */
export interface ProviderTreeNode {
  label: string;
  providers: string[];
  children: ProviderTreeNode[];
}

function sourceOf(cfg: Config, ancestors: readonly Config[], name: string): string {
  for (const c of [cfg, ...ancestors]) {
    const rp = c.terraform.requiredProviders.get(name);
    if (rp?.source) return rp.source;
  }
  return IMPLIED_SOURCES[name] ?? `hashicorp/${name}`;
}

/** The providers each module of the configuration requires (by required_providers, provider blocks or resources). */
export function providerTree(cfg: Config, label = ".", ancestors: readonly Config[] = []): ProviderTreeNode {
  const names = new Set<string>(cfg.terraform.requiredProviders.keys());
  for (const p of cfg.providers.values()) names.add(p.name);
  for (const r of [...cfg.managedResources.values(), ...cfg.dataResources.values()]) names.add(r.provider?.name ?? r.providerName);
  const providers = [...names]
    .map((n) => {
      const version = cfg.terraform.requiredProviders.get(n)?.version;
      return `provider[${registryAddress(sourceOf(cfg, ancestors, n))}]${version ? ` ${version}` : ""}`;
    })
    .sort();
  const children = [...cfg.children.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, child]) => providerTree(child, `module.${name}`, [cfg, ...ancestors]));
  return { label, providers, children };
}

/** Draws the tree with box-drawing branches, as `terraform providers` does. */
export function renderProviderTree(node: ProviderTreeNode): string {
  const lines = [node.label];
  const walk = (n: ProviderTreeNode, indent: string) => {
    const items: (string | ProviderTreeNode)[] = [...n.providers, ...n.children];
    items.forEach((item, i) => {
      const last = i === items.length - 1;
      lines.push(`${indent}${last ? "└── " : "├── "}${typeof item === "string" ? item : item.label}`);
      if (typeof item !== "string") walk(item, indent + (last ? "    " : "│   "));
    });
  };
  walk(node, "");
  return lines.join("\n") + "\n";
}

/** The provider sources the state's resources use, sorted. */
export function stateProviders(state: State): string[] {
  const set = new Set<string>();
  for (const r of state.resources()) set.add(parseProviderConfig(r.provider)?.source ?? r.provider);
  return [...set].sort();
}

/**
 * `backplan providers lock [-fs-mirror=DIR] [-platform=OS_ARCH]... [DIR]`: writes `.terraform.lock.hcl` for the
 * built-in providers the configuration requires (see `lockProviders`).
 */
async function runLock(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    chdir: { type: "string" },
    stack: { type: "string" },
    cdktf: { type: "string" },
    "fs-mirror": { type: "string" },
    platform: { type: "string", multiple: true },
    "no-color": { type: "boolean" },
  });
  if (args.positionals.length > 1) throw new UsageError("providers lock takes at most one configuration directory");
  const ws = openWorkspace(args, process.stderr, { checkProviders: false });
  if (!ws) return 1;
  const platforms = listFlag(args, "platform");
  const fsMirror = stringFlag(args, "fs-mirror");
  return lockAndReport(
    { dir: ws.dir, config: ws.config, upgrade: true, ...(fsMirror !== undefined ? { fsMirror: resolve(fsMirror) } : {}), ...(platforms.length ? { platforms } : {}) },
    (f) => ws.load.sources.get(f),
  );
}

async function runProviders(argv: string[]): Promise<number> {
  if (argv[0] === "lock") return runLock(argv.slice(1));
  if (argv[0] === "schema") {
    const args = parseArgs(argv.slice(1), { json: { type: "boolean" } });
    if (!boolFlag(args, "json")) throw new UsageError("providers schema needs -json (it only prints the JSON form)");
    if (args.positionals.length > 0) throw new UsageError("providers schema takes no arguments");
    process.stdout.write(JSON.stringify(providersSchemaJson(defaultRegistry().all())) + "\n");
    return 0;
  }
  const args = parseArgs(argv, { chdir: { type: "string" }, state: { type: "string" }, stack: { type: "string" }, cdktf: { type: "string" }, "no-color": { type: "boolean" } });
  if (args.positionals.length > 1) throw new UsageError("providers takes at most one configuration directory");
  const ws = openWorkspace(args, process.stderr, { checkProviders: false });
  if (!ws) return 1;
  let out = `\nProviders required by configuration:\n${renderProviderTree(providerTree(ws.config))}`;
  if (await stateExists(ws.state)) {
    const read = await readStateOrFail(ws.state);
    if ("code" in read) return read.code;
    const used = stateProviders(read.state);
    if (used.length > 0) out += `\nProviders required by state:\n\n${used.map((s) => `    provider[${s}]`).join("\n")}\n`;
  }
  process.stdout.write(out + "\n");
  return 0;
}

export const providersCommand: Command = {
  name: "providers",
  summary: "Show the providers the configuration and state require (`schema -json`: their schemas; `lock`: write the lock file)",
  usage: "backplan providers [DIR]\n       backplan providers schema -json\n       backplan providers lock [-fs-mirror=DIR] [-platform=OS_ARCH]... [DIR]",
  run: runProviders,
};
