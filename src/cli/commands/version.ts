import { DEFAULT_TERRAFORM_VERSION } from "../../state/state.js";
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
 * Terraform version whose state format backplan writes (what it stamps into new state files), and
 * `provider_selections` lists the providers built in.
 */
export function versionJson(): Record<string, unknown> {
  const selections: Record<string, string> = {};
  for (const p of defaultRegistry().all()) selections[p.source.split("/").length === 2 ? `registry.terraform.io/${p.source}` : p.source] = p.version;
  return { backplan_version: VERSION, terraform_version: DEFAULT_TERRAFORM_VERSION, platform: platformName(), provider_selections: selections };
}

export const versionCommand: Command = {
  name: "version",
  summary: "Show the backplan version",
  usage: "backplan version [-json]",
  async run(argv) {
    const args = parseArgs(argv, { json: { type: "boolean" } });
    if (args.positionals.length > 0) throw new UsageError("version takes no arguments");
    if (boolFlag(args, "json")) process.stdout.write(JSON.stringify(versionJson(), null, 2) + "\n");
    else process.stdout.write(`backplan v${VERSION}\non ${platformName()}\n`);
    return 0;
  },
};
