/**
 * `.terraform.lock.hcl`, Terraform's dependency lock file: one `provider "ADDRESS"` block per provider with the
 * selected `version`, the `constraints` it was selected under and the package `hashes` (`h1:` directory hashes,
 * `zh:` zip hashes). Parsing keeps ranges for messages; rendering writes exactly what `terraform init` writes, so
 * a file backplan wrote and then Terraform rewrote does not change. Pure: reading and writing the file is the
 * caller's.
 */
import type { Diagnostic } from "./diagnostics.js";
import { parseFile } from "./hcl/parser.js";
import type { SourceRange } from "./source.js";
import { constString, exprList } from "./static.js";

export const LOCK_FILE_NAME = ".terraform.lock.hcl";

export interface LockedProvider {
  /** Full source address: `registry.terraform.io/backplan/zstack`. */
  address: string;
  version: string;
  /** The constraints string as Terraform normalizes it (`~> 0.1`), absent when the configuration had none. */
  constraints?: string;
  hashes: string[];
  /** The block, for messages; absent for entries not read from a file. */
  range?: SourceRange;
}

export interface LockFile {
  providers: Map<string, LockedProvider>;
}

/**
 * Reads a lock file. Unknown blocks and attributes are errors, as in Terraform; a provider block without a
 * version is an error. The result holds every provider block that could be read.
 */
export function parseLockFile(text: string, filename: string): { lock: LockFile; diagnostics: Diagnostic[] } {
  const parsed = parseFile(text, filename);
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  const providers = new Map<string, LockedProvider>();
  const bad = (summary: string, detail: string, subject: SourceRange) => diagnostics.push({ severity: "error", summary, detail, subject });
  for (const attr of parsed.file.body.attributes) bad("Unsupported argument", `An argument named "${attr.name}" is not expected at the top level of a dependency lock file.`, attr.nameRange);
  for (const block of parsed.file.body.blocks) {
    if (block.type === "module") continue; // reserved by Terraform for future use; ignored there too
    if (block.type !== "provider" || block.labels.length !== 1) {
      bad("Unsupported block type", `Blocks of type "${block.type}" are not expected here: a dependency lock file holds provider "ADDRESS" blocks.`, block.typeRange);
      continue;
    }
    const address = block.labels[0]!.value;
    if (address.split("/").length !== 3) {
      bad("Invalid provider source address", `"${address}" must be a fully-qualified provider address such as registry.terraform.io/backplan/zstack.`, block.labels[0]!.range);
      continue;
    }
    if (providers.has(address)) {
      bad("Duplicate provider lock", `This lockfile already declared a lock for provider ${address}.`, block.labels[0]!.range);
      continue;
    }
    let version: string | undefined;
    let constraints: string | undefined;
    let hashes: string[] = [];
    for (const attr of block.body.attributes) {
      if (attr.name === "version" || attr.name === "constraints") {
        const v = constString(attr.expr);
        if (v === undefined) bad("Invalid provider lock", `The ${attr.name} of a provider lock must be a literal string.`, attr.expr.range);
        else if (attr.name === "version") version = v;
        else constraints = v;
      } else if (attr.name === "hashes") {
        const items = exprList(attr.expr)?.map(constString);
        if (!items || items.some((h) => h === undefined)) bad("Invalid provider hash set", "The hashes must be a list of literal strings.", attr.expr.range);
        else hashes = items as string[];
      } else {
        bad("Unsupported argument", `An argument named "${attr.name}" is not expected in a provider lock: expected version, constraints and hashes.`, attr.nameRange);
      }
    }
    for (const nb of block.body.blocks) bad("Unsupported block type", `Blocks of type "${nb.type}" are not expected in a provider lock.`, nb.typeRange);
    if (version === undefined) {
      bad("Missing required argument", `The provider lock for ${address} has no version: every provider lock records the selected version.`, block.typeRange);
      continue;
    }
    providers.set(address, { address, version, ...(constraints !== undefined ? { constraints } : {}), hashes, range: block.range });
  }
  return { lock: { providers }, diagnostics };
}

/** Terraform's text: header, providers sorted by address, `=` aligned as hclwrite aligns them, hashes sorted. */
export function renderLockFile(lock: LockFile): string {
  const blocks = [...lock.providers.values()]
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
    .map((p) => {
      const lines = [`provider ${JSON.stringify(p.address)} {`];
      if (p.constraints !== undefined) {
        lines.push(`  version     = ${JSON.stringify(p.version)}`, `  constraints = ${JSON.stringify(p.constraints)}`);
      } else {
        lines.push(`  version = ${JSON.stringify(p.version)}`);
      }
      lines.push("  hashes = [", ...[...new Set(p.hashes)].sort().map((h) => `    ${JSON.stringify(h)},`), "  ]", "}");
      return lines.join("\n") + "\n";
    });
  return ['# This file is maintained automatically by "terraform init".', "# Manual edits may be lost in future updates.", "", blocks.join("\n")].join("\n");
}
