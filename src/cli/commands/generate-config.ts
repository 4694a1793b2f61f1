import { existsSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { formatDiagnostics } from "../../config/diagnostics.js";
import { loadConfig } from "../../config/load.js";
import { resourceKey, type Import } from "../../config/model.js";
import { constString } from "../../config/static.js";
import { configureProviders } from "../../plan/provider-setup.js";
import { opContext } from "../../plan/providers.js";
import { GENERATED_HEADER, renderGeneratedConfig, type GeneratedResource } from "../../views/index.js";
import { stringFlag, type ParsedArgs } from "../args.js";
import { fail } from "../state-file.js";
import { openWorkspace } from "../workspace.js";

/** An `import` block of the root module whose target has no resource block: one `-generate-config-out` writes. */
interface Target {
  type: string;
  name: string;
  id: string;
}

function targetsOf(imports: readonly Import[], has: (key: string) => boolean): Target[] | string {
  const out: Target[] = [];
  for (const imp of imports) {
    const t = imp.to;
    if (t.kind !== "resource" || t.module.length > 0 || t.resource.mode !== "managed") continue;
    if (has(resourceKey("managed", t.resource.type, t.resource.name))) continue;
    const id = constString(imp.id);
    if (id === undefined || imp.forEach !== undefined) {
      const r = imp.range;
      return `${r.filename}:${r.start.line}: the import block for ${t.resource.type}.${t.resource.name} needs a literal string id (and no for_each) for backplan to generate its configuration.`;
    }
    out.push({ type: t.resource.type, name: t.resource.name, id });
  }
  return out;
}

/**
 * `plan -generate-config-out=FILE`, before the plan: refuses when FILE exists (as Terraform does); otherwise
 * imports the object of every root `import` block that has no resource block, writes their configuration to FILE
 * (see `renderGeneratedConfig`), and returns 0 so the plan that follows finds it. Writes nothing when every import
 * block has its resource. On failure FILE is removed again and 1 is returned (the error already printed).
 */
export async function generateConfig(args: ParsedArgs, file: string, signal: AbortSignal): Promise<number> {
  const path = resolve(stringFlag(args, "chdir") ?? ".", file);
  if (existsSync(path)) {
    return fail(
      "Target generated file already exists",
      "backplan can only write generated config into a new file. Either choose a different target location or move all existing configuration out of the target file, delete it and try again.",
    );
  }
  const dir = resolve(stringFlag(args, "chdir") ?? ".", stringFlag(args, "cdktf") ?? args.positionals[0] ?? ".");
  const load = loadConfig(dir);
  if (!load.config) return 0; // the plan reports why the configuration does not load
  const targets = targetsOf(load.config.imports, (k) => load.config!.managedResources.has(k));
  if (typeof targets === "string") return fail("Cannot generate configuration", targets);
  if (targets.length === 0) return 0;

  // A resource block per target lets the workspace load and gives each import its provider; it is replaced below.
  writeFileSync(path, GENERATED_HEADER + targets.map((t) => `\nresource ${JSON.stringify(t.type)} ${JSON.stringify(t.name)} {\n}\n`).join(""));
  try {
    const ws = openWorkspace(args);
    if (!ws) return (rmSync(path, { force: true }), 1);
    const nodes = targets.map((t) => `${t.type}.${t.name}`);
    const setup = await configureProviders({ root: ws.config, registry: ws.registry, variables: ws.variables, env: process.env, signal }, nodes);
    try {
      if (setup.diagnostics.length) process.stderr.write(formatDiagnostics(setup.diagnostics, (f) => ws.load.sources.get(f)) + "\n");
      if (setup.diagnostics.some((d) => d.severity === "error")) return (rmSync(path, { force: true }), 1);
      const generated: GeneratedResource[] = [];
      for (const [i, t] of targets.entries()) {
        const info = setup.graph.nodes.get(nodes[i]!);
        const configured = info?.kind === "resource" ? setup.providers.get(info.providerNode) : undefined;
        const resource = configured?.provider.resources.get(t.type);
        if (!configured || !resource) return (rmSync(path, { force: true }), fail("Invalid resource type", `No configured provider supports resource type ${JSON.stringify(t.type)}.`));
        if (!resource.canImport) return (rmSync(path, { force: true }), fail("Resource type does not support import", `${t.type} objects cannot be imported.`));
        let obj = await resource.import(opContext(configured, resource, "read", signal), t.id);
        if (obj) obj = await resource.read(opContext(configured, resource, "read", signal), obj);
        if (!obj) {
          rmSync(path, { force: true });
          return fail("Cannot import non-existent remote object", `While attempting to import an existing object to "${t.type}.${t.name}", the provider detected that no object exists with the id ${JSON.stringify(t.id)}.`);
        }
        generated.push({ type: t.type, name: t.name, id: t.id, attributes: resource.attributes, value: obj });
      }
      writeFileSync(path, renderGeneratedConfig(generated));
      return 0;
    } finally {
      await setup.providers.closeAll();
    }
  } catch (e) {
    rmSync(path, { force: true });
    throw e;
  }
}
