/**
 * The provider configuration a resource in state belongs to, in Terraform's string form:
 * `provider["registry.terraform.io/backplan/zstack"]`, `provider["registry.terraform.io/backplan/zstack"].west`,
 * `module.a.provider["registry.terraform.io/backplan/zstack"]`.
 */
export interface ProviderConfig {
  /** Fully qualified source: hostname/namespace/type. A bare `namespace/type` gets `registry.terraform.io/`. */
  readonly source: string;
  readonly alias?: string;
  /** The module the configuration lives in (`module.a.module.b`); absent for the root module. */
  readonly module?: string;
}

export const DEFAULT_REGISTRY = "registry.terraform.io";

export function formatProviderConfig(p: ProviderConfig): string {
  const source = p.source.split("/").length === 2 ? `${DEFAULT_REGISTRY}/${p.source}` : p.source;
  const base = `provider[${JSON.stringify(source)}]${p.alias ? `.${p.alias}` : ""}`;
  return p.module ? `${p.module}.${base}` : base;
}

const PROVIDER_CONFIG = /^((?:module\.[A-Za-z_][A-Za-z0-9_-]*\.)*)provider\["([^"]+)"\](?:\.([A-Za-z_][A-Za-z0-9_-]*))?$/;

/** Parses the string form; returns undefined when `text` is not one. */
export function parseProviderConfig(text: string): ProviderConfig | undefined {
  const m = PROVIDER_CONFIG.exec(text);
  if (!m) return undefined;
  const module = m[1] ? m[1].slice(0, -1) : undefined;
  return { source: m[2] as string, ...(m[3] ? { alias: m[3] } : {}), ...(module ? { module } : {}) };
}
