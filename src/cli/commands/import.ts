import { formatDiagnostics } from "../../config/diagnostics.js";
import { configureProviders } from "../../plan/provider-setup.js";
import { opContext } from "../../plan/providers.js";
import { sdkToState, toStatePaths } from "../../plan/state-values.js";
import { AddressError, formatInstanceAddress, formatModulePath, parseInstanceAddress, type InstanceAddress } from "../../state/address.js";
import type { Resource as ConfigResource } from "../../config/model.js";
import type { Resource } from "../../sdk/define.js";
import type { SdkObject } from "../../sdk/value.js";
import { parseArgs, stringFlag, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { CONFIG_FLAGS, openWorkspace, type Workspace } from "../workspace.js";
import { fail, withSession } from "../state-file.js";

const FLAGS = { ...CONFIG_FLAGS, config: { type: "string" }, parallelism: { type: "string" }, input: { type: "boolean" } } as const;

/** Why the instance key of ADDR does not fit the resource's repetition, or undefined when it fits. */
export function keyProblem(r: Pick<ConfigResource, "count" | "forEach">, key: InstanceAddress["key"], resourceAddress: string): string | undefined {
  if (r.count) return typeof key === "number" ? undefined : `${resourceAddress} uses count: give the instance index, e.g. ${resourceAddress}[0].`;
  if (r.forEach) return typeof key === "string" ? undefined : `${resourceAddress} uses for_each: give the instance key, e.g. ${resourceAddress}["key"].`;
  return key === undefined ? undefined : `${resourceAddress} uses neither count nor for_each, so its address takes no instance key.`;
}

function sensitivePaths(resource: Resource<unknown>, obj: SdkObject): (string | number)[][] {
  return Object.entries(resource.attributes)
    .filter(([k, a]) => a.sensitive && obj[k] !== null && obj[k] !== undefined)
    .map(([k]) => [k]);
}

async function runImport(argv: string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (args.positionals.length !== 2) throw new UsageError("import takes exactly two arguments: ADDRESS ID");
  const [addrText, id] = args.positionals as [string, string];
  let addr: InstanceAddress;
  try {
    addr = parseInstanceAddress(addrText);
  } catch (e) {
    if (e instanceof AddressError) return fail("Invalid address", e.message);
    throw e;
  }
  const address = formatInstanceAddress(addr);
  if (addr.mode === "data") return fail("Invalid address", `A managed resource address is required. Importing into a data resource (${address}) is not allowed.`);
  const config = stringFlag(args, "config");
  const ws = openWorkspace({ ...args, positionals: config !== undefined ? [config] : [] });
  if (!ws) return 1;
  const moduleConfig = addr.module.reduce<Workspace["config"] | undefined>((c, m) => c?.children.get(m.name), ws.config);
  // Each module step's key must fit its call's count / for_each, as a resource instance key must.
  let parent: Workspace["config"] | undefined = ws.config;
  for (const [i, step] of addr.module.entries()) {
    const call = parent?.moduleCalls.get(step.name);
    const stepProblem = call && keyProblem(call, step.key, formatModulePath([...addr.module.slice(0, i), { name: step.name }]));
    if (stepProblem) return fail("Invalid module instance address", stepProblem);
    parent = parent?.children.get(step.name);
  }
  const r = moduleConfig?.managedResources.get(`${addr.type}.${addr.name}`);
  if (!r) {
    const where = addr.module.length ? `module ${addr.module.map((m) => `module.${m.name}`).join(".")}` : "root module";
    return fail(
      `resource address ${JSON.stringify(address)} does not exist in the configuration.`,
      `Before importing this resource, please create its configuration in the ${where}. For example:\n\nresource ${JSON.stringify(addr.type)} ${JSON.stringify(addr.name)} {\n  # (resource arguments)\n}`,
    );
  }
  const problem = keyProblem(r, addr.key, formatInstanceAddress({ module: addr.module, mode: addr.mode, type: addr.type, name: addr.name }));
  if (problem) return fail("Invalid resource instance address", problem);

  return withSession(args, ws.state, "OperationTypeImport", async (session) => {
    if (session.getInstance(addr)) {
      return fail("Resource already managed by backplan", `backplan is already managing a remote object for ${address}. To import to this address you must first remove the existing object from the state.`);
    }
    const node = `${addr.module.map((m) => `module.${m.name}.`).join("")}${addr.type}.${addr.name}`;
    const controller = new AbortController();
    const setup = await configureProviders({ root: ws.config, registry: ws.registry, variables: ws.variables, env: process.env, signal: controller.signal }, [node]);
    try {
      if (setup.diagnostics.length) process.stderr.write(formatDiagnostics(setup.diagnostics, (f) => ws.load.sources.get(f)) + "\n");
      if (setup.diagnostics.some((d) => d.severity === "error")) return 1;
      const info = setup.graph.nodes.get(node);
      const configured = info?.kind === "resource" ? setup.providers.get(info.providerNode) : undefined;
      if (!configured) return fail("Provider not configured", `The provider of ${address} could not be configured.`);
      const resource = configured.provider.resources.get(addr.type);
      if (!resource) return fail("Invalid resource type", `The provider ${configured.provider.source} does not support resource type ${JSON.stringify(addr.type)}.`);
      if (!resource.canImport) return fail("Resource type does not support import", `The provider ${configured.provider.source} cannot import ${addr.type} objects; create it with "backplan apply" instead.`);
      process.stdout.write(`${address}: Importing from ID ${JSON.stringify(id)}...\n`);
      const missing = () =>
        fail(
          "Cannot import non-existent remote object",
          `While attempting to import an existing object to ${JSON.stringify(address)}, the provider detected that no object exists with the given id. Only pre-existing objects can be imported; check that the id is correct and that it is associated with the provider's configured region or endpoint, or use "backplan apply" to create a new remote object for this resource.`,
        );
      let obj: SdkObject | null;
      try {
        obj = await resource.import(opContext(configured, resource, "read", controller.signal), id);
        if (!obj) return missing();
        process.stdout.write(`${address}: Import prepared!\n  Prepared ${addr.type} for import\n`);
        const idAttr = resource.clientId ?? "id";
        process.stdout.write(`${address}: Refreshing state... [${idAttr}=${String(obj[idAttr] ?? id)}]\n`);
        obj = await resource.read(opContext(configured, resource, "read", controller.signal), obj);
        if (!obj) return missing();
      } catch (e) {
        return fail(`Error importing ${address}`, e instanceof Error ? e.message : String(e));
      }
      const schema = { attributes: resource.attributes, shape: resource.schema.shape };
      await session.setInstance(
        addr,
        { schemaVersion: resource.schemaVersion, attributes: sdkToState(obj, schema), sensitiveAttributes: toStatePaths(sensitivePaths(resource, obj)), dependencies: [] },
        { provider: configured.address },
      );
      process.stdout.write(
        "\nImport successful!\n\nThe resources that were imported are shown above. These resources are now in\nyour backplan state and will henceforth be managed by backplan.\n\n",
      );
      return 0;
    } finally {
      await setup.providers.closeAll();
    }
  });
}

export const importCommand: Command = {
  name: "import",
  summary: "Associate an existing remote object with a resource in the configuration",
  usage: "backplan import [-config=DIR] [-var NAME=VALUE] [-var-file=FILE] [-state=PATH] [-lock=false] [-lock-timeout=DURATION] ADDRESS ID",
  run: runImport,
};
