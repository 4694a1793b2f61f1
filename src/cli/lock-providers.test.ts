import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/model.js";
import { checkProviders, lockProviders } from "./lock-providers.js";

const root = mkdtempSync(join(tmpdir(), "backplan-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function workdir(zstackVersion: string | undefined, lock?: string): { dir: string; config: Config } {
  const dir = join(root, String(n++));
  const version = zstackVersion === undefined ? "" : `, version = ${JSON.stringify(zstackVersion)}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "main.tf"), `terraform {\n  required_providers {\n    zstack = { source = "backplan/zstack"${version} }\n  }\n}\n`);
  if (lock !== undefined) writeFileSync(join(dir, ".terraform.lock.hcl"), lock);
  const r = loadConfig(dir, { displayBase: dir });
  if (!r.config) throw new Error(JSON.stringify(r.diagnostics));
  return { dir, config: r.config };
}

const lockOf = (version: string, constraints?: string) =>
  `provider "registry.terraform.io/backplan/zstack" {\n  version = "${version}"\n${constraints ? `  constraints = "${constraints}"\n` : ""}  hashes = ["h1:x"]\n}\n`;

const summaries = (w: { dir: string; config: Config }) => checkProviders(w.config, w.dir).diagnostics.map((d) => `${d.summary} @${d.subject?.filename}:${d.subject?.start.line}\n${d.detail}`);

describe("provider versions and the lock file", () => {
  it("a constraint no built-in version meets is Terraform's error, at the required_providers entry", () => {
    const [msg] = summaries(workdir("~> 2.0"));
    expect(msg).toMatch(/^Failed to query available provider packages @main\.tf:3\nCould not retrieve the list of available versions for provider backplan\/zstack: no available releases match the given constraints ~> 2\.0\n/);
  });

  it("a constraint the built-in version meets, and no lock file, is fine", () => {
    expect(summaries(workdir("~> 0.1"))).toEqual([]);
    expect(summaries(workdir(undefined))).toEqual([]);
  });

  it("a locked version the constraints exclude says to run init -upgrade", () => {
    const [msg] = summaries(workdir("~> 0.1", lockOf("0.0.9", "~> 0.0")));
    expect(msg).toContain('locked version selection 0.0.9 doesn\'t match the updated version constraints "~> 0.1"');
    expect(msg).toMatch(/^Inconsistent dependency lock file @\S*\.terraform\.lock\.hcl:1\n/);
    expect(msg).toContain("backplan init -upgrade");
  });

  it("a locked version other than the built-in one says to run init -upgrade", () => {
    const [msg] = summaries(workdir(undefined, lockOf("0.2.0")));
    expect(msg).toContain("locked version selection 0.2.0 is not the version built into this backplan (0.1.0)");
    expect(msg).toContain("backplan init -upgrade");
  });

  it("a required provider missing from an existing lock file says to run init", () => {
    const [msg] = summaries(workdir(undefined, `provider "registry.terraform.io/hashicorp/null" {\n  version = "3.2.0"\n}\n`));
    expect(msg).toContain("provider registry.terraform.io/backplan/zstack: required by this configuration but no version is selected");
    expect(msg).toMatch(/run:\n  backplan init$/);
  });

  it("a lock file it cannot read is an error with its line", () => {
    const [msg] = summaries(workdir(undefined, 'provider "registry.terraform.io/backplan/zstack" {\n  versions = "0.1.0"\n}\n'));
    expect(msg).toMatch(/^Unsupported argument @\S*\.terraform\.lock\.hcl:2/);
  });
});

describe("lockProviders", () => {
  it("writes Terraform's format with the constraints and an h1: hash, and is idempotent", () => {
    const w = workdir("~> 0.1");
    const first = lockProviders({ dir: w.dir, config: w.config, upgrade: false });
    expect(first.diagnostics).toEqual([]);
    expect(first.changed).toBe(true);
    const text = readFileSync(join(w.dir, ".terraform.lock.hcl"), "utf8");
    expect(text).toMatch(/^# This file is maintained automatically by "terraform init"\.\n# Manual edits may be lost in future updates\.\n\nprovider "registry\.terraform\.io\/backplan\/zstack" \{\n  version     = "0\.1\.0"\n  constraints = "~> 0\.1"\n  hashes = \[\n    "h1:[A-Za-z0-9+/]{43}=",\n  \]\n\}\n$/);
    expect(lockProviders({ dir: w.dir, config: w.config, upgrade: false }).changed).toBe(false);
    expect(checkProviders(w.config, w.dir).diagnostics).toEqual([]);
  });

  it("keeps other hashes of the same version, refuses another locked version without upgrade, replaces it with", () => {
    const kept = workdir(undefined, lockOf("0.1.0"));
    expect(lockProviders({ dir: kept.dir, config: kept.config, upgrade: false }).diagnostics).toEqual([]);
    expect(readFileSync(join(kept.dir, ".terraform.lock.hcl"), "utf8")).toContain('    "h1:x",\n');

    const old = workdir(undefined, lockOf("0.0.1"));
    const refused = lockProviders({ dir: old.dir, config: old.config, upgrade: false });
    expect(refused.diagnostics[0]?.detail).toBe("locked provider registry.terraform.io/backplan/zstack 0.0.1 is not the version built into this backplan (0.1.0); must use backplan init -upgrade to allow selection of new versions");
    expect(refused.changed).toBe(false);
    const upgraded = lockProviders({ dir: old.dir, config: old.config, upgrade: true });
    expect(upgraded.diagnostics).toEqual([]);
    const text = readFileSync(join(old.dir, ".terraform.lock.hcl"), "utf8");
    expect(text).toContain('version = "0.1.0"');
    expect(text).not.toContain("h1:x");
  });

  it("refuses to lock a version the constraints exclude", () => {
    const w = workdir(">= 1.0");
    const r = lockProviders({ dir: w.dir, config: w.config, upgrade: true });
    expect(r.diagnostics[0]?.summary).toBe("Failed to query available provider packages");
    expect(r.changed).toBe(false);
  });
});
