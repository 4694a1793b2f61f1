import type { Diagnostic } from "../config/diagnostics.js";
import type { LockFile } from "../config/lockfile.js";
import type { SourceRange } from "../config/source.js";
import { parseProviderConstraints, providerConstraintsAllow } from "../config/version-constraint.js";
import type { ProviderRequirement } from "./provider-requirements.js";

/** `backplan/zstack` for a registry.terraform.io address, as Terraform names providers in messages. */
export function shortAddress(address: string): string {
  return address.startsWith("registry.terraform.io/") ? address.slice("registry.terraform.io/".length) : address;
}

/**
 * The "no available releases match" error of `terraform init`, for a provider backplan has built in at
 * `version` whose merged constraints exclude it; undefined when they allow it.
 */
export function unmatchedConstraintError(req: ProviderRequirement, version: string): Diagnostic | undefined {
  if (req.constraints.length === 0 || providerConstraintsAllow(req.constraints, version)) return undefined;
  const name = shortAddress(req.address);
  const d: Diagnostic = {
    severity: "error",
    summary: "Failed to query available provider packages",
    detail:
      `Could not retrieve the list of available versions for provider ${name}: no available releases match the given constraints ${req.constraintsText}\n\n` +
      `backplan has ${name} ${version} built in, and no other version of it is available. To see which modules are currently depending on ${name} and what versions are specified, run the following command:\n    backplan providers`,
  };
  // Point at the module's entry that excludes the version (the first, when only their combination does).
  const excludes = (text: string) => {
    const p = parseProviderConstraints(text);
    return p.ok && !providerConstraintsAllow(p.constraints, version);
  };
  const at = req.declared.find((x) => excludes(x.version))?.range ?? req.declared[0]?.range;
  return at ? { ...d, subject: at } : d;
}

/**
 * Checks the configuration's provider requirements against the providers backplan has built in (`builtin`:
 * address → version) and, when there is one, the dependency lock file, with Terraform's messages:
 * - constraints that exclude the built-in version: "Failed to query available provider packages";
 * - a lock entry whose version the constraints exclude, or that is not the built-in version, or a required
 *   built-in provider missing from the lock: "Inconsistent dependency lock file", naming `backplan init
 *   -upgrade` (or `backplan init` for a missing entry) as the fix.
 * Providers backplan does not have built in are left to whatever runs them (Terraform through the bridge).
 */
export function checkProviderVersions(requirements: ReadonlyMap<string, ProviderRequirement>, builtin: ReadonlyMap<string, string>, lock: LockFile | undefined, lockFileName: string): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const problems: string[] = [];
  let needsUpgrade = false;
  let firstRange: SourceRange | undefined;
  for (const req of requirements.values()) {
    const version = builtin.get(req.address);
    if (version === undefined) continue;
    const unmatched = unmatchedConstraintError(req, version);
    if (unmatched) {
      diags.push(unmatched);
      continue;
    }
    if (!lock) continue;
    const locked = lock.providers.get(req.address);
    if (!locked) {
      problems.push(`  - provider ${req.address}: required by this configuration but no version is selected`);
      continue;
    }
    firstRange ??= locked.range;
    if (req.constraints.length > 0 && !providerConstraintsAllow(req.constraints, locked.version)) {
      problems.push(`  - provider ${req.address}: locked version selection ${locked.version} doesn't match the updated version constraints "${req.constraintsText}"`);
      needsUpgrade = true;
    } else if (locked.version !== version) {
      problems.push(`  - provider ${req.address}: locked version selection ${locked.version} is not the version built into this backplan (${version})`);
      needsUpgrade = true;
    }
  }
  if (problems.length > 0) {
    const advice = needsUpgrade
      ? "To update the locked dependency selections to match a changed configuration, run:\n  backplan init -upgrade"
      : "To make the initial dependency selections that will initialize the dependency lock file, run:\n  backplan init";
    const d: Diagnostic = {
      severity: "error",
      summary: "Inconsistent dependency lock file",
      detail: `The following dependency selections recorded in the lock file (${lockFileName}) are inconsistent with the current configuration:\n${problems.join("\n")}\n\n${advice}`,
    };
    diags.push(firstRange ? { ...d, subject: firstRange } : d);
  }
  return diags;
}
