import type { Diagnostic } from "./diagnostics.js";
import type { Config } from "./model.js";
import { coreConstraintsAllow, parseCoreConstraints, parseLooseVersion, parseProviderConstraints } from "./version-constraint.js";

/**
 * The Terraform release whose language backplan implements, as `required_version` sees it and as backplan
 * writes `terraform_version` into state and plan JSON (docs/terraform.md says why this value). Terraform 1.11.4
 * is the release the test suite runs against.
 */
export const TERRAFORM_LANGUAGE_VERSION = "1.11.4";

/** `1.11` — the language version backplan states it is compatible with. */
export const TERRAFORM_LANGUAGE_MINOR = TERRAFORM_LANGUAGE_VERSION.split(".").slice(0, 2).join(".");

const ADVICE =
  "To proceed, either choose another supported Terraform version or update this version constraint. Version constraints are normally set for good reason, so updating the constraint may lead to other errors or unexpected behavior.";

/**
 * Checks every `required_version` of every module in the tree against `version`, with Terraform 1.11's
 * diagnostics: "Invalid version constraint" for bad syntax, "Invalid required_version constraint" for a
 * prerelease constraint (Terraform refuses those), "Unsupported Terraform Core version" when one is not met.
 * Also checks the syntax of every `required_providers` `version`, which Terraform does while loading.
 */
export function checkCoreVersion(root: Config, version: string = TERRAFORM_LANGUAGE_VERSION): Diagnostic[] {
  const current = parseLooseVersion(version);
  if (!current) throw new Error(`checkCoreVersion: "${version}" is not a version`);
  const diags: Diagnostic[] = [];
  const walk = (cfg: Config, source: string | undefined) => {
    for (const rv of cfg.terraform.requiredVersions) {
      const constraints = parseCoreConstraints(rv.constraint);
      if (!constraints) {
        diags.push({ severity: "error", summary: "Invalid version constraint", detail: "This string does not use correct version constraint syntax.", subject: rv.range });
        continue;
      }
      const pre = constraints.filter((c) => c.version.prerelease !== "");
      if (pre.length > 0) {
        for (const c of pre) {
          diags.push({
            severity: "error",
            summary: "Invalid required_version constraint",
            detail: `Prerelease version constraints are not supported: ${c.text}. Remove the prerelease information from the constraint. Prerelease versions of terraform will match constraints using their version core only.`,
            subject: rv.range,
          });
        }
        continue;
      }
      if (coreConstraintsAllow(constraints, current)) continue;
      const who = cfg.path.length === 0 ? "This configuration" : `Module ${cfg.path.map((n) => `module.${n}`).join(".")} (from ${source})`;
      diags.push({ severity: "error", summary: "Unsupported Terraform Core version", detail: `${who} does not support Terraform version ${version}. ${ADVICE}`, subject: rv.range });
    }
    for (const rp of cfg.terraform.requiredProviders.values()) {
      if (rp.version === undefined) continue;
      const parsed = parseProviderConstraints(rp.version);
      if (!parsed.ok) diags.push({ severity: "error", summary: "Invalid version constraint", detail: parsed.detail, subject: rp.range });
    }
    for (const [name, child] of cfg.children) walk(child, cfg.moduleCalls.get(name)?.source);
  };
  walk(root, undefined);
  return diags;
}
