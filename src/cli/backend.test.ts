import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import { LocalBackend } from "../state/backends/local.js";
import { PgBackend } from "../state/backends/pg.js";
import { BackendSelectionError, currentWorkspace, selectBackend } from "./backend.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function select(files: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  dir = mkdtempSync(join(tmpdir(), "backplan-backend-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const load = loadConfig(dir);
  return selectBackend(dir, load.config, env);
}

function selectionError(files: Record<string, string>): BackendSelectionError {
  try {
    select(files);
  } catch (e) {
    if (e instanceof BackendSelectionError) return e;
    throw e;
  }
  throw new Error("no error");
}

describe("choosing the backend: never silently local", () => {
  it("an unsupported backend type is an error at the block, listing what is supported", () => {
    const e = selectionError({ "main.tf": 'terraform {\n  backend "gcs" {\n    bucket = "b"\n  }\n}\n' });
    const d = e.diagnostics[0]!;
    expect(d.summary).toBe('Unsupported backend type "gcs"');
    expect(d.detail).toContain("local, pg");
    expect(d.subject?.start.line).toBe(2);
  });

  it("a cloud block is an error with its position", () => {
    const e = selectionError({ "main.tf": 'terraform {\n  cloud {\n    organization = "o"\n  }\n}\n' });
    expect(e.diagnostics[0]!.summary).toBe("Unsupported cloud block");
    expect(e.diagnostics[0]!.subject?.filename).toContain("main.tf");
  });

  it("cdktf's terraform.backend in cdk.tf.json is honoured, and an unsupported one refused", () => {
    const b = select({ "cdk.tf.json": JSON.stringify({ terraform: { backend: { local: { path: "terraform.demo.tfstate" } } } }) });
    expect(b).toBeInstanceOf(LocalBackend);
    expect((b as LocalBackend).statePath("default")).toBe(join(dir, "terraform.demo.tfstate"));
    expect((b as LocalBackend).statePath("dev")).toBe(join(dir, "terraform.tfstate.d/dev/terraform.tfstate"));
    rmSync(dir, { recursive: true, force: true });
    const e = selectionError({ "cdk.tf.json": JSON.stringify({ terraform: { backend: { remote: { organization: "o" } } } }) });
    expect(e.diagnostics[0]!.summary).toBe('Unsupported backend type "remote"');
  });

  it("a variable in a backend block is an error at the expression", () => {
    const e = selectionError({ "main.tf": 'variable "p" {}\nterraform {\n  backend "local" {\n    path = var.p\n  }\n}\n' });
    expect(e.diagnostics[0]!.summary).toBe("Variables not allowed");
    expect(e.diagnostics[0]!.subject?.start.line).toBe(4);
  });

  it("pg takes conn_str from PG_CONN_STR and says what is missing without it", () => {
    expect(select({ "main.tf": 'terraform {\n  backend "pg" {}\n}\n' }, { PG_CONN_STR: "postgres://u@h/db" })).toBeInstanceOf(PgBackend);
    rmSync(dir, { recursive: true, force: true });
    const e = selectionError({ "main.tf": 'terraform {\n  backend "pg" {}\n}\n' });
    expect(e.diagnostics[0]!.detail).toContain("conn_str");
  });

  it("a block changed since init needs init -reconfigure or -migrate-state", () => {
    const e = selectionError({
      "main.tf": 'terraform {\n  backend "local" {\n    path = "b.tfstate"\n  }\n}\n',
      ".terraform/terraform.tfstate": JSON.stringify({ version: 3, backend: { type: "local", config: { path: "a.tfstate", workspace_dir: null }, hash: 1 } }),
    });
    expect(e.summary).toContain('please run "backplan init"');
    expect(e.detail).toContain("-migrate-state");
  });

  it("no block and no init: the local terraform.tfstate, as today; TF_WORKSPACE over .terraform/environment", () => {
    const b = select({ "main.tf": "", ".terraform/environment": "dev" });
    expect((b as LocalBackend).statePath("default")).toBe(join(dir, "terraform.tfstate"));
    expect(currentWorkspace(dir, {})).toBe("dev");
    expect(currentWorkspace(dir, { TF_WORKSPACE: "qa" })).toBe("qa");
  });
});
