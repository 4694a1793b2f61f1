import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { PackageFile } from "./package-hash.js";

/** What a provider executable needs to be laid out for Terraform. */
export interface InstallableProvider {
  /** `zstack` → `terraform-provider-zstack`. */
  name: string;
  /** `backplan/zstack` (registry.terraform.io is implied) or a full `host/namespace/name`. */
  source: string;
  version: string;
}

export interface InstallFile {
  path: string;
  content: string;
  /** 0o755 for executables. */
  mode: number;
}

export interface InstallLayout {
  files: InstallFile[];
  /** The CLI configuration to point TF_CLI_CONFIG_FILE at. */
  cliConfigPath: string;
  mirrorDir: string;
  /** The directory of the executables, for a `dev_overrides` block. */
  binDir: string;
  /** A shell file to source: TF_CLI_CONFIG_FILE, and TF_CLI_ARGS_providers_lock so `providers lock` reads the mirror. */
  envPath: string;
  /** The variables `envPath` exports, in order. */
  env: [string, string][];
}

/** Terraform's platform name for this machine: `linux_amd64`, `darwin_arm64`... */
export function terraformPlatform(platform: string = process.platform, arch: string = process.arch): string {
  const os = platform === "win32" ? "windows" : platform;
  const cpu = ({ x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm" } as Record<string, string>)[arch] ?? arch;
  return `${os}_${cpu}`;
}

function fullSource(source: string): string {
  return source.split("/").length === 2 ? `registry.terraform.io/${source}` : source;
}

function launcher(nodePath: string, entry: string, name: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // exec, so Terraform's kill reaches node itself rather than a shell parent.
  return `#!/bin/sh\nexec ${q(nodePath)} ${q(entry)} ${q(name)} "$@"\n`;
}

/** The platform cdktf-cli always locks for (`terraform providers lock -platform=linux_amd64`). */
export const CDKTF_LOCK_PLATFORM = "linux_amd64";

/** The platforms whose mirror directories an installation fills: this machine's, and cdktf's lock platform. */
export function installPlatforms(platform: string = terraformPlatform()): string[] {
  return [...new Set([platform, CDKTF_LOCK_PLATFORM])];
}

/**
 * The unpacked package of one provider as the mirror holds it: a single launcher executable. Its bytes name
 * `nodePath` and `entry`, so its `h1:` hash is that of this machine's installation; the launcher runs on any
 * platform Node does, so every platform directory holds the same bytes.
 */
export function providerPackageFiles(p: InstallableProvider, nodePath: string, entry: string): PackageFile[] {
  return [{ name: `terraform-provider-${p.name}_v${p.version}`, content: launcher(nodePath, entry, p.name) }];
}

/**
 * The files of an offline installation under `dir`: each provider as an executable in a filesystem-mirror layout
 * (`mirror/registry.terraform.io/backplan/zstack/0.1.0/linux_amd64/terraform-provider-zstack_v0.1.0`), the same
 * executables under `bin/` for `dev_overrides`, and `terraformrc`, a CLI configuration that installs these
 * sources from the mirror and everything else as usual. Pure: `writeInstall` puts the files on disk.
 */
export function installLayout(opts: { dir: string; providers: readonly InstallableProvider[]; nodePath: string; entry: string; platforms?: readonly string[] }): InstallLayout {
  const dir = resolve(opts.dir);
  const mirrorDir = join(dir, "mirror");
  const binDir = join(dir, "bin");
  const platforms = opts.platforms ?? installPlatforms();
  const files: InstallFile[] = [];
  const includes: string[] = [];
  for (const p of opts.providers) {
    const src = fullSource(p.source);
    const script = launcher(opts.nodePath, opts.entry, p.name);
    for (const platform of platforms) {
      for (const f of providerPackageFiles(p, opts.nodePath, opts.entry)) {
        files.push({ path: join(mirrorDir, ...src.split("/"), p.version, platform, f.name), content: String(f.content), mode: 0o755 });
      }
    }
    files.push({ path: join(binDir, `terraform-provider-${p.name}`), content: script, mode: 0o755 });
    includes.push(src);
  }
  const list = includes.map((s) => JSON.stringify(s)).join(", ");
  const cliConfigPath = join(dir, "terraformrc");
  files.push({
    path: cliConfigPath,
    mode: 0o644,
    content: `# Written by \`backplan terraform install\`. Use it with: export TF_CLI_CONFIG_FILE=${cliConfigPath}
provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirrorDir)}
    include = [${list}]
  }
  direct {
    exclude = [${list}]
  }
}
`,
  });
  const envPath = join(dir, "env");
  // `terraform providers lock` (which cdktf-cli runs on a stack's first deploy) ignores provider_installation
  // and asks the origin registry, where backplan's providers are not; `-fs-mirror` makes it read the mirror.
  const env: [string, string][] = [
    ["TF_CLI_CONFIG_FILE", cliConfigPath],
    // Terraform splits TF_CLI_ARGS_* into words as a shell would.
    ["TF_CLI_ARGS_providers_lock", `-fs-mirror=${/\s/.test(mirrorDir) ? JSON.stringify(mirrorDir) : mirrorDir}`],
  ];
  const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  files.push({
    path: envPath,
    mode: 0o644,
    content: `# Written by \`backplan terraform install\`. Use it with: . ${envPath}\n${env.map(([k, v]) => `export ${k}=${q(v)}`).join("\n")}\n`,
  });
  return { files, cliConfigPath, mirrorDir, binDir, envPath, env };
}

export function writeInstall(layout: InstallLayout): void {
  for (const f of layout.files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.content, { mode: f.mode });
    chmodSync(f.path, f.mode);
  }
}

/**
 * The script a provider executable runs: the loader of the single-file bundle `npm run build` makes, when it
 * exists (fast start-up), else the compiled `serve-main.js`.
 */
export function providerEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const bundle = join(here, "..", "..", "bridge", "terraform-provider-loader.cjs");
  return existsSync(bundle) ? bundle : join(here, "serve-main.js");
}
