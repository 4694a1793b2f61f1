import { TERRAFORM_LANGUAGE_MINOR, TERRAFORM_LANGUAGE_VERSION } from "../../config/core-version.js";
import { boolFlag, parseArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { VERSION } from "../version.js";
import { defaultRegistry } from "../workspace.js";

/** Go's GOOS_GOARCH spelling of this machine, as Terraform prints it (`linux_amd64`). */
export function platformName(platform: string = process.platform, arch: string = process.arch): string {
  const goArch: Record<string, string> = { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm" };
  const goOs: Record<string, string> = { win32: "windows", darwin: "darwin", linux: "linux", freebsd: "freebsd" };
  return `${goOs[platform] ?? platform}_${goArch[arch] ?? arch}`;
}

/**
 * `backplan version [-json]`. The JSON form follows `terraform version -json`; `terraform_version` is the
 * Terraform release whose language backplan implements: what `required_version` is checked against and what
 * state and plan JSON carry as `terraform_version`. `provider_selections` lists the providers built in.
 */
export function versionJson(): Record<string, unknown> {
  const selections: Record<string, string> = {};
  for (const p of defaultRegistry().all()) selections[p.source.split("/").length === 2 ? `registry.terraform.io/${p.source}` : p.source] = p.version;
  return { backplan_version: VERSION, terraform_version: TERRAFORM_LANGUAGE_VERSION, platform: platformName(), provider_selections: selections };
}

/** The human form: backplan's own version, the Terraform language it implements, the platform. */
export function versionText(): string {
  return [
    `backplan v${VERSION}`,
    `Terraform language v${TERRAFORM_LANGUAGE_MINOR}.x compatible (required_version is checked against ${TERRAFORM_LANGUAGE_VERSION})`,
    `on ${platformName()}`,
  ].join("\n");
}

export const versionCommand: Command = {
  name: "version",
  summary: "Show the backplan version",
  usage: "backplan version [-json]",
  async run(argv) {
    const args = parseArgs(argv, { json: { type: "boolean" } });
    if (args.positionals.length > 0) throw new UsageError("version takes no arguments");
    if (boolFlag(args, "json")) process.stdout.write(JSON.stringify(versionJson(), null, 2) + "\n");
    else process.stdout.write(`${versionText()}\n`);
    return 0;
  },
};
