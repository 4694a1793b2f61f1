import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { builtinProviders } from "../../providers/index.js";
import { providerEntry, providerPackageFiles, terraformPlatform } from "../bridge/install.js";
import { packageHashV1, readPackageDir } from "../bridge/package-hash.js";
import { formatDiagnostics, type Diagnostic, type SourceLookup } from "../config/diagnostics.js";
import { LOCK_FILE_NAME, parseLockFile, renderLockFile, type LockedProvider, type LockFile } from "../config/lockfile.js";
import type { Config } from "../config/model.js";
import { providerConstraintsAllow } from "../config/version-constraint.js";
import { registryAddress } from "../sdk/schema-json.js";
import { checkProviderVersions, shortAddress, unmatchedConstraintError } from "./provider-check.js";
import { providerRequirements } from "./provider-requirements.js";

/** Address → version of every provider backplan has built in. */
export function builtinProviderVersions(): Map<string, string> {
  return new Map(builtinProviders().map((p) => [registryAddress(p.source), p.version]));
}

/** Reads `DIR/.terraform.lock.hcl` when it exists. */
export function readLockFile(dir: string): { lock?: LockFile; diagnostics: Diagnostic[]; sources: Map<string, string>; shown: string } {
  const path = join(dir, LOCK_FILE_NAME);
  if (!existsSync(path)) return { diagnostics: [], sources: new Map(), shown: LOCK_FILE_NAME };
  const text = readFileSync(path, "utf8");
  // Named as the loader names configuration files: relative to the working directory.
  const shown = relative(process.cwd(), path) || LOCK_FILE_NAME;
  const { lock, diagnostics } = parseLockFile(text, shown);
  return { lock, diagnostics, sources: new Map([[shown, text]]), shown };
}

/**
 * What plan, apply and validate check before they run: the configuration's provider version constraints
 * against the built-in providers, and the lock file in `dir` (when there is one) against both. See
 * `checkProviderVersions` for the messages.
 */
export function checkProviders(config: Config, dir: string): { diagnostics: Diagnostic[]; sources: Map<string, string> } {
  const read = readLockFile(dir);
  if (read.diagnostics.some((d) => d.severity === "error")) return read;
  return { diagnostics: [...read.diagnostics, ...checkProviderVersions(providerRequirements(config), builtinProviderVersions(), read.lock, read.shown)], sources: read.sources };
}

export interface LockProvidersOptions {
  /** The root module's directory: the lock file is `dir/.terraform.lock.hcl`. */
  dir: string;
  config: Config;
  /**
   * Select the built-in version even where the lock file has another (`init -upgrade`, `providers lock`).
   * Without it a locked version the constraints exclude, or that is not built in, is an error.
   */
  upgrade: boolean;
  /**
   * A filesystem mirror (`DIR/mirror` of `backplan terraform install -dir DIR`) to hash the packages from, as
   * `terraform providers lock -fs-mirror` does. Without it the hashes are those of the packages `backplan
   * terraform install` writes on this machine (the same launcher bytes).
   */
  fsMirror?: string;
  /** Platforms to hash (only a mirror can differ between them); default this machine's. */
  platforms?: readonly string[];
}

export interface LockProvidersResult {
  diagnostics: Diagnostic[];
  /** Diagnostic sources (the lock file's text) for rendering. */
  sources: Map<string, string>;
  /** Progress lines in the manner of `terraform providers lock`. */
  lines: string[];
  /** Whether the file was written (false: it already said exactly this, or there were errors). */
  changed: boolean;
  path: string;
}

/**
 * Writes `.terraform.lock.hcl` for the built-in providers the configuration requires, in Terraform's format,
 * so `terraform init` against the mirror of `backplan terraform install` accepts it unchanged. Hashes already
 * recorded for the same version are kept (another machine's, another platform's); entries for providers that
 * backplan does not have built in are kept as they are. `backplan init` calls this with `upgrade` from its
 * `-upgrade` flag; `backplan providers lock` with `upgrade: true`.
 */
export function lockProviders(opts: LockProvidersOptions): LockProvidersResult {
  const path = join(opts.dir, LOCK_FILE_NAME);
  const read = readLockFile(opts.dir);
  const result: LockProvidersResult = { diagnostics: [...read.diagnostics], sources: read.sources, lines: [], changed: false, path };
  if (read.diagnostics.some((d) => d.severity === "error")) return result;
  const builtin = new Map(builtinProviders().map((p) => [registryAddress(p.source), p]));
  const platforms = opts.platforms ?? [terraformPlatform()];
  const next: LockFile = { providers: new Map() };
  const problems: string[] = [];
  for (const req of providerRequirements(opts.config).values()) {
    const prior = read.lock?.providers.get(req.address);
    const p = builtin.get(req.address);
    if (!p) {
      if (prior) next.providers.set(req.address, prior);
      else result.lines.push(`- ${shortAddress(req.address)} is not built into backplan: lock it with \`terraform providers lock\``);
      continue;
    }
    const unmatched = unmatchedConstraintError(req, p.version);
    if (unmatched) {
      result.diagnostics.push(unmatched);
      continue;
    }
    if (prior && !opts.upgrade && prior.version !== p.version) {
      const why = req.constraints.length > 0 && !providerConstraintsAllow(req.constraints, prior.version) ? `does not match configured version constraint ${req.constraintsText}` : `is not the version built into this backplan (${p.version})`;
      problems.push(`locked provider ${req.address} ${prior.version} ${why}; must use backplan init -upgrade to allow selection of new versions`);
      continue;
    }
    const hashes = new Set(prior && prior.version === p.version ? prior.hashes : []);
    for (const platform of platforms) {
      let hash: string;
      if (opts.fsMirror) {
        const pkg = join(opts.fsMirror, ...req.address.split("/"), p.version, platform);
        if (!existsSync(pkg)) {
          result.diagnostics.push({ severity: "error", summary: "Could not retrieve providers for locking", detail: `The filesystem mirror ${opts.fsMirror} has no package of ${shortAddress(req.address)} ${p.version} for ${platform} (expected ${pkg}). Run \`backplan terraform install\` to fill it.` });
          continue;
        }
        hash = packageHashV1(readPackageDir(pkg));
      } else {
        hash = packageHashV1(providerPackageFiles(p, process.execPath, providerEntry()));
      }
      hashes.add(hash);
      result.lines.push(`- Locked ${shortAddress(req.address)} ${p.version} for ${platform}: ${hash}`);
    }
    const entry: LockedProvider = { address: req.address, version: p.version, ...(req.constraintsText ? { constraints: req.constraintsText } : {}), hashes: [...hashes] };
    next.providers.set(req.address, entry);
  }
  if (problems.length > 0) {
    const lockRange = read.lock && [...read.lock.providers.values()].find((x) => x.range)?.range;
    const d: Diagnostic = { severity: "error", summary: "Failed to query available provider packages", detail: problems.join("\n") };
    result.diagnostics.push(lockRange ? { ...d, subject: lockRange } : d);
  }
  if (result.diagnostics.some((d) => d.severity === "error")) return result;
  const text = renderLockFile(next);
  const before = existsSync(path) ? readFileSync(path, "utf8") : undefined;
  if (before !== text) {
    // Written whole and renamed, so a crash never leaves half a lock file.
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
    result.changed = true;
  }
  return result;
}

/**
 * `lockProviders` as a command reports it: the progress lines on stdout, diagnostics (with source lines from
 * the lock file or `lookup`) on stderr, then Terraform's closing line. Returns the exit code (1 on errors).
 * `backplan init` calls this with `{ dir: ws.dir, config: ws.config, upgrade: <-upgrade flag> }`.
 */
export function lockAndReport(opts: LockProvidersOptions, lookup: SourceLookup = () => undefined, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): number {
  const r = lockProviders(opts);
  if (r.lines.length) out.write(r.lines.join("\n") + "\n");
  if (r.diagnostics.length) err.write(formatDiagnostics(r.diagnostics, (f) => r.sources.get(f) ?? lookup(f)) + "\n");
  if (r.diagnostics.some((d) => d.severity === "error")) return 1;
  out.write(
    r.changed
      ? `\nSuccess! backplan has updated the lock file (${r.path}).\n\nReview the changes in ${LOCK_FILE_NAME} and then commit to your version control system to retain the new checksums.\n`
      : "\nSuccess! backplan has validated the lock file and found no need for changes.\n",
  );
  return 0;
}
