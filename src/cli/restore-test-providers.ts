import { existsSync, readdirSync } from "node:fs";
import { CsbsClient } from "../../providers/csbs/client.js";
import { resolveCsbsConfig, type CsbsProviderConfig } from "../../providers/csbs/config.js";
import { ZStackClient } from "../../providers/zstack/client.js";
import { resolveZStackConfig, type ResolvedZStackConfig, type ZStackProviderConfig } from "../../providers/zstack/config.js";
import { formatDiagnostics } from "../config/diagnostics.js";
import { resourceKey } from "../config/model.js";
import { configureProviders } from "../plan/provider-setup.js";
import type { ParsedArgs } from "./args.js";
import { openWorkspace } from "./workspace.js";

/** The APIs a restore test talks to, configured as the directory's providers are. */
export interface RestoreTestProviders {
  zstack: ResolvedZStackConfig;
  /** Null when neither a csbs provider block nor the `OS_*` variables configure CSBS; `csbsError` says why. */
  csbs: CsbsClient | null;
  csbsError: string | null;
  /** Where each came from, for the run's first line. */
  from: { zstack: string; csbs: string };
  close(): Promise<void>;
}

/**
 * Configures the zstack and csbs providers as a plan would: from the root module's provider blocks of DIR
 * (variables evaluated, block values over environment variables) when a resource of DIR uses them, else from the
 * providers' environment variables alone. So a provider block with `access_key_id` makes restore-test sign with
 * that AccessKey, as the provider does. Throws an Error with the reason when the zstack provider cannot be
 * configured (it is always needed: restored VMs are found and deleted through the ZStack API).
 */
export async function restoreTestProviders(dir: string, args: ParsedArgs, signal: AbortSignal): Promise<RestoreTestProviders> {
  let zstack: ResolvedZStackConfig | null = null;
  let csbs: CsbsClient | null = null;
  const from = { zstack: "environment (ZSTACK_*)", csbs: "environment (OS_*)" };
  const configured: { close(): Promise<void> } = { close: async () => {} };
  if (hasConfiguration(dir)) {
    const ws = openWorkspace({ ...args, positionals: [dir] }, process.stderr, { checkProviders: false });
    if (!ws) throw new Error(`the configuration in ${dir} has errors (shown above)`);
    const users = (local: string) =>
      [...ws.config.managedResources.values(), ...ws.config.dataResources.values()].find((r) => !r.provider?.alias && (r.provider?.name ?? r.providerName) === local);
    const wanted = ["zstack", "csbs"].map((p) => users(p)).filter((r) => r !== undefined).map((r) => resourceKey(r.mode, r.type, r.name));
    if (wanted.length > 0) {
      const setup = await configureProviders({ root: ws.config, registry: ws.registry, variables: ws.variables, env: process.env, signal }, wanted);
      configured.close = () => setup.providers.closeAll();
      if (setup.diagnostics.some((d) => d.severity === "error")) {
        await setup.providers.closeAll();
        throw new Error(`the providers of ${dir} could not be configured:\n${formatDiagnostics(setup.diagnostics, (f) => ws.load.sources.get(f))}`);
      }
      for (const p of setup.providers.values()) {
        if (p.client instanceof ZStackClient) {
          zstack = p.client.config;
          from.zstack = `provider "zstack" of ${dir}`;
        } else if (p.client instanceof CsbsClient) {
          csbs = p.client;
          from.csbs = `provider "csbs" of ${dir}`;
        }
      }
    }
  }
  zstack ??= resolveZStackConfig(EMPTY_ZSTACK, process.env);
  let csbsError: string | null = null;
  let own: CsbsClient | null = null;
  if (!csbs) {
    try {
      csbs = own = new CsbsClient(resolveCsbsConfig(EMPTY_CSBS, process.env));
    } catch (e) {
      csbsError = (e as Error).message;
    }
  }
  return {
    zstack,
    csbs,
    csbsError,
    from,
    close: async () => {
      await own?.close();
      await configured.close();
    },
  };
}

/** Whether DIR holds Terraform configuration files (a directory of only restore tests is fine too). */
function hasConfiguration(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => /\.tf(\.json)?$/.test(f) || f === "cdk.tf.json");
}

const EMPTY_ZSTACK: ZStackProviderConfig = {
  endpoint: null,
  host: null,
  port: null,
  account_name: null,
  account_password: null,
  access_key_id: null,
  access_key_secret: null,
  time_zone: null,
  max_concurrency: null,
  max_retries: null,
};

const EMPTY_CSBS: CsbsProviderConfig = {
  auth_url: null,
  region: null,
  project_id: null,
  project_name: null,
  user_domain_name: null,
  project_domain_name: null,
  domain_name: null,
  username: null,
  password: null,
  token: null,
  endpoint: null,
  max_concurrency: null,
  max_retries: null,
};
