import { parseArgs, stringFlag, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { installLayout, providerEntry, writeInstall } from "../../bridge/install.js";
import { builtinProviders } from "../../../providers/index.js";

const FLAGS = { dir: { type: "string" } } as const;

/**
 * `backplan terraform install [-dir DIR]`: lays out backplan's providers for Terraform / OpenTofu (a filesystem
 * mirror plus a CLI configuration), so `terraform init` installs `backplan/zstack` and `backplan/csbs` offline.
 */
export const terraformCommand: Command = {
  name: "terraform",
  summary: "Install backplan's providers for Terraform/OpenTofu (filesystem mirror + CLI config)",
  usage: "backplan terraform install [-dir DIR]",
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== "install") throw new UsageError(sub ? `unknown subcommand "${sub}"` : "missing subcommand");
    const args = parseArgs(rest, FLAGS);
    if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const dir = stringFlag(args, "dir") ?? ".backplan/terraform";
    const providers = builtinProviders().map((p) => ({ name: p.name, source: p.source, version: p.version }));
    const layout = installLayout({ dir, providers, nodePath: process.execPath, entry: providerEntry() });
    writeInstall(layout);
    const lines = [
      `Installed ${providers.map((p) => `${p.source} v${p.version}`).join(", ")} into ${layout.mirrorDir}`,
      "",
      `Point Terraform or OpenTofu at it (or: . ${layout.envPath}), then init as usual (nothing is downloaded for these providers):`,
      ...layout.env.map(([k, v]) => `  export ${k}=${/[\s"'$]/.test(v) ? `'${v.replace(/'/g, `'\\''`)}'` : v}`),
      "  terraform init",
      "",
      "TF_CLI_ARGS_providers_lock lets `terraform providers lock` (run by `cdktf deploy`) find the mirror too.",
      "",
      `For provider development, a dev_overrides block can name ${layout.binDir} instead (see docs/terraform.md).`,
    ];
    process.stdout.write(lines.join("\n") + "\n");
    return 0;
  },
};
