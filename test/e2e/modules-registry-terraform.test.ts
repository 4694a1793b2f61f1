/**
 * Registry, archive and X-Terraform-Get module sources against Terraform 1.11: a module registry speaking the
 * documented protocol over HTTPS on 127.0.0.1 (self-signed, trusted through SSL_CERT_FILE by both tools),
 * requiring a token that both tools read from the CLI configuration's credentials block. `terraform init` and
 * backplan's installModules install the same configuration; modules.json and the files must be the same.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { installModules } from "../../src/modinstall/install.js";
import { requireTerraform, terraformEnv } from "../../src/state/testing/terraform.js";
import { fileTree } from "../support/file-tree.js";
import { makeRepo } from "../support/git-repos.js";
import { startRegistry, type TestRegistry } from "../support/module-registry.js";

const TOKEN = "s3cret-token";
let base: string;
let reg: TestRegistry;
let repo: string;

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

/** A .tar.gz (or .zip) of `files`, made with the system tools, as bytes. */
function archive(kind: "tar.gz" | "zip", files: Record<string, string>): Buffer {
  const dir = mkdtempSync(join(base, "pkg-"));
  writeTree(dir, files);
  const out = join(base, `out-${Math.random().toString(36).slice(2)}.${kind}`);
  if (kind === "tar.gz") execFileSync("tar", ["-czf", out, "-C", dir, "."]);
  else execFileSync("zip", ["-qr", out, "."], { cwd: dir });
  return readFileSync(out);
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), "backplan-modreg-"));
  repo = join(base, "cdp-repo");
  makeRepo(repo, [{ files: { "main.tf": 'output "v" {\n  value = "git-2.0.0"\n}\n', "modules/sub/main.tf": 'output "v" {\n  value = "git-2.0.0-sub"\n}\n' }, tag: "v2" }]);
  reg = await startRegistry({
    dir: base,
    token: TOKEN,
    modules: [
      {
        namespace: "backplan",
        name: "cdp",
        system: "zstack",
        versions: {
          "1.0.0": "/archive/cdp-1.0.0.tar.gz//cdp-1.0.0",
          "1.1.0": "/archive/cdp-1.1.0.tar.gz//cdp-1.1.0",
          "2.0.0": `git::file://${repo}?ref=v2`,
          "2.1.0-beta1": "/archive/missing.tar.gz",
        },
      },
    ],
    files: {
      "/archive/cdp-1.0.0.tar.gz": archive("tar.gz", { "cdp-1.0.0/main.tf": 'output "v" {\n  value = "reg-1.0.0"\n}\n' }),
      "/archive/cdp-1.1.0.tar.gz": archive("tar.gz", { "cdp-1.1.0/main.tf": 'output "v" {\n  value = "reg-1.1.0"\n}\n', "cdp-1.1.0/README.md": "docs\n" }),
      "/archive/pkg.zip": archive("zip", { "inner/main.tf": 'output "v" {\n  value = "zip-inner"\n}\n', "other.txt": "x\n" }),
      "/archive/other.tgz": archive("tar.gz", { "sub/main.tf": 'output "v" {\n  value = "redirected"\n}\n' }),
    },
    xTerraformGet: { "/get/pkg": "{URL}/archive/other.tgz//sub" },
  });
});
afterAll(async () => {
  await reg?.close();
  rmSync(base, { recursive: true, force: true });
});

function config(): Record<string, string> {
  const h = reg.host;
  return {
    "main.tf": [
      `module "a" {\n  source  = "${h}/backplan/cdp/zstack"\n  version = "~> 1.0"\n}`,
      `module "b" {\n  source  = "${h}/backplan/cdp/zstack//modules/sub"\n  version = ">= 2.0.0"\n}`,
      `module "c" {\n  source = "${reg.url}/archive/pkg.zip//inner"\n}`,
      `module "d" {\n  source = "${reg.url}/get/pkg"\n}`,
      // go-version reads "~> 1" as ">= 1.0.0" (no segment fixed): Terraform installs 2.0.0, not the newest 1.x.
      `module "e" {\n  source  = "${h}/backplan/cdp/zstack"\n  version = "~> 1"\n}`,
      `output "a" {\n  value = module.a.v\n}`,
      `output "b" {\n  value = module.b.v\n}`,
      `output "c" {\n  value = module.c.v\n}`,
      `output "d" {\n  value = module.d.v\n}`,
      "",
    ].join("\n"),
    ".terraformrc": `credentials "${h}" {\n  token = "${TOKEN}"\n}\n`,
  };
}

/** terraform init, run asynchronously: the registry is served by this very process, which must keep answering. */
function terraformInit(dir: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(requireTerraform(), ["init", "-input=false", "-no-color"], { cwd: dir, env: { ...terraformEnv(dir), SSL_CERT_FILE: reg.certFile } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", rej);
    child.on("close", (status) => res({ status, stdout, stderr }));
  });
}

function workdir(): string {
  const dir = mkdtempSync(join(base, "wd-"));
  writeTree(dir, config());
  return dir;
}

describe("registry and archive module sources: backplan installs what terraform init installs", () => {
  it("same modules.json and files; versions chosen by constraint; token sent to the registry API", async () => {
    const tfDir = workdir();
    const bpDir = workdir();
    const tf = await terraformInit(tfDir);
    expect(tf.status, tf.stdout + tf.stderr).toBe(0);

    reg.requests.length = 0;
    const logs: string[] = [];
    const r = await installModules(bpDir, { log: (l) => logs.push(l), env: { HOME: bpDir, TF_CLI_CONFIG_FILE: join(bpDir, ".terraformrc"), SSL_CERT_FILE: reg.certFile } });
    expect(r.diagnostics).toEqual([]);
    const tfManifest = readFileSync(join(tfDir, ".terraform/modules/modules.json"), "utf8");
    expect(readFileSync(join(bpDir, ".terraform/modules/modules.json"), "utf8")).toBe(tfManifest);
    const records = JSON.parse(tfManifest).Modules as { Key: string; Version?: string; Dir: string }[];
    expect(records.find((m) => m.Key === "a")).toMatchObject({ Version: "1.1.0", Dir: ".terraform/modules/a/cdp-1.1.0" });
    expect(records.find((m) => m.Key === "b")).toMatchObject({ Version: "2.0.0", Dir: ".terraform/modules/b/modules/sub" });
    expect(records.find((m) => m.Key === "e")).toMatchObject({ Version: "2.0.0" });
    expect(fileTree(join(bpDir, ".terraform/modules"))).toEqual(fileTree(join(tfDir, ".terraform/modules")));
    expect(logs).toContain(`Downloading ${reg.host}/backplan/cdp/zstack 1.1.0 for a...`);
    const api = reg.requests.filter((q) => q.path.startsWith("/api/"));
    expect(api.length).toBeGreaterThanOrEqual(4);
    expect(api.every((q) => q.authorized)).toBe(true);
    // Package downloads get no token, as in Terraform.
    expect(reg.requests.filter((q) => q.path.startsWith("/archive/")).every((q) => !q.authorized)).toBe(true);

    const loaded = loadConfig(tfDir, { displayBase: tfDir });
    expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect([...loaded.config!.children.keys()].sort()).toEqual(["a", "b", "c", "d", "e"]);
  }, 240_000);

  it("without credentials the registry's refusal is an error naming the module block and how to give a token", async () => {
    const dir = workdir();
    writeFileSync(join(dir, ".terraformrc"), "");
    const r = await installModules(dir, { env: { HOME: dir, TF_CLI_CONFIG_FILE: join(dir, ".terraformrc"), SSL_CERT_FILE: reg.certFile } });
    const errs = r.diagnostics.filter((d) => d.summary === "Failed to download module");
    expect(errs.map((e) => e.subject?.start.line)).toEqual([2, 6, 16]);
    expect(errs[0]!.detail).toMatch(/refused access \(401\).*credentials "127\.0\.0\.1:\d+"/);
    // The two direct archive sources still installed.
    expect([...r.manifest.keys()].sort()).toEqual(["", "c", "d"]);
  }, 120_000);

  it("an unsatisfiable constraint names the newest version, as Terraform does", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "main.tf"), `module "a" {\n  source  = "${reg.host}/backplan/cdp/zstack"\n  version = "> 3.0"\n}\n`);
    const r = await installModules(dir, { env: { HOME: dir, TF_CLI_CONFIG_FILE: join(dir, ".terraformrc"), SSL_CERT_FILE: reg.certFile } });
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ summary: "Unresolvable module version constraint" });
    expect(r.diagnostics[0]!.detail).toMatch(/"> 3\.0"\. The newest available version is 2\.0\.0\./);
    const tf = await terraformInit(dir);
    expect(tf.status).toBe(1);
    expect(tf.stderr).toMatch(/Unresolvable module version constraint/);
  }, 120_000);
});
