#!/usr/bin/env node
/**
 * Entry of the provider executables Terraform launches (`terraform-provider-zstack`, `terraform-provider-csbs`):
 * `serve-main.js <provider name>`. It loads only the bridge and the one provider it serves — never the CLI — and
 * the provider only once the handshake line is out, so the handshake comes quickly; Terraform launches a
 * provider several times per command.
 */
import type { Provider } from "../sdk/index.js";
import { servePlugin } from "./serve.js";

const LOADERS: Readonly<Record<string, () => Promise<Provider>>> = {
  zstack: async () => (await import("../../providers/zstack/provider.js")).zstackProvider,
  csbs: async () => (await import("../../providers/csbs/provider.js")).csbsProvider,
};

let settleLoaded!: () => void;
/**
 * Settles once the served provider has loaded (after the handshake). The bundle's loader writes the V8 code
 * cache then, so the cache covers the provider's code as well as start-up's.
 */
export const loaded = new Promise<void>((resolve) => (settleLoaded = resolve));

async function run(name: string | undefined): Promise<number> {
  const load = name ? LOADERS[name] : undefined;
  if (!load) {
    process.stderr.write(`usage: serve-main <${Object.keys(LOADERS).join("|")}>\n`);
    return 1;
  }
  // Anything printed to stdout after the handshake would reach Terraform as a protocol message.
  console.log = (...args: unknown[]) => console.error(...args);
  try {
    const server = await servePlugin(load);
    void server.loaded.then(settleLoaded);
    await server.closed;
    return 0;
  } catch (e) {
    process.stderr.write(`terraform-provider-${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

run(process.argv[2]).then((code) => process.exit(code));
