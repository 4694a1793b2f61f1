/**
 * API tokens for Terraform service hosts (module registries), found where Terraform finds them:
 * `TF_TOKEN_<host>` environment variables (dots as `_`, hyphens as `__`), then `credentials "host" { token }`
 * blocks of the CLI configuration (`TF_CLI_CONFIG_FILE`, else `~/.terraformrc`), then
 * `~/.terraform.d/credentials.tfrc.json` (what `terraform login` writes). Environment variables win.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseFile } from "../config/hcl/parser.js";
import { constString } from "../config/static.js";

export interface CredentialsSource {
  /** The bearer token for `host` (compared case-insensitively, port included), or undefined. */
  tokenFor(host: string): string | undefined;
}

/** `TF_TOKEN_app_terraform_io` → `app.terraform.io`; `TF_TOKEN_my__host_example_com` → `my-host.example.com`. */
export function hostFromTokenVariable(name: string): string | undefined {
  if (!name.startsWith("TF_TOKEN_")) return undefined;
  const encoded = name.slice("TF_TOKEN_".length);
  if (encoded === "") return undefined;
  return encoded.replace(/__/g, "\u0000").replace(/_/g, ".").replace(/\u0000/g, "-").toLowerCase();
}

/** Tokens of `credentials "host" { token = "..." }` blocks in a CLI configuration file's text. */
export function tokensFromCliConfig(text: string, filename: string): Map<string, string> {
  const out = new Map<string, string>();
  const file = filename.endsWith(".json") ? undefined : parseFile(text, filename).file;
  if (file) {
    for (const b of file.body.blocks) {
      if (b.type !== "credentials" || b.labels.length !== 1) continue;
      const tokenAttr = b.body.attributes.find((a) => a.name === "token");
      const token = tokenAttr ? constString(tokenAttr.expr) : undefined;
      if (token !== undefined) out.set(b.labels[0]!.value.toLowerCase(), token);
    }
    return out;
  }
  try {
    const doc = JSON.parse(text) as { credentials?: Record<string, { token?: unknown }> };
    for (const [host, v] of Object.entries(doc.credentials ?? {})) if (typeof v?.token === "string") out.set(host.toLowerCase(), v.token);
  } catch {
    // An unreadable credentials file gives no credentials, as Terraform warns and carries on.
  }
  return out;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The credentials visible to this process (read once, at call time). */
export function credentialsFromEnvironment(env: NodeJS.ProcessEnv = process.env): CredentialsSource {
  const home = env.HOME ?? homedir();
  const fromFiles = new Map<string, string>();
  const cliConfig = env.TF_CLI_CONFIG_FILE ?? join(home, ".terraformrc");
  for (const path of [join(home, ".terraform.d", "credentials.tfrc.json"), cliConfig]) {
    const text = readText(path);
    if (text !== undefined) for (const [h, t] of tokensFromCliConfig(text, path)) fromFiles.set(h, t);
  }
  const fromEnv = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    const host = hostFromTokenVariable(name);
    if (host !== undefined && value) fromEnv.set(host, value);
  }
  return { tokenFor: (host) => fromEnv.get(host.toLowerCase()) ?? fromFiles.get(host.toLowerCase()) };
}
