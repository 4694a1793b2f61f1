import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { terraformOk, terraformWorkdir } from "../testing/terraform.js";
import { backendHash, decodeInitState, encodeInitState, fullConfig } from "./init-state.js";

describe(".terraform/terraform.tfstate as terraform init writes it", () => {
  it("the record backplan writes for a local backend is byte for byte the one Terraform 1.11 writes, hash included", () => {
    const dir = terraformWorkdir({ "main.tf": 'terraform {\n  backend "local" {\n    path = "st/a \\"q\\".tfstate"\n    workspace_dir = "wd"\n  }\n}\n' });
    try {
      terraformOk(dir, ["init", "-input=false"]);
      const theirs = readFileSync(join(dir, ".terraform/terraform.tfstate"), "utf8");
      const block = { path: 'st/a "q".tfstate', workspace_dir: "wd" };
      const ours = encodeInitState({ version: 3, terraform_version: "1.11.4", backend: { type: "local", config: fullConfig(["path", "workspace_dir"], block), hash: backendHash("local", ["path", "workspace_dir"], block) } });
      const tf = decodeInitState(theirs, "x");
      expect(ours).toBe(encodeInitState({ ...tf, terraform_version: "1.11.4" }));
      expect(tf.backend?.hash).toBe(backendHash("local", ["path", "workspace_dir"], block));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("hashes only what the block sets: unset arguments are null, bools are T/F", () => {
    expect(backendHash("local", ["path", "workspace_dir"], { path: "x/my.tfstate" })).toBe(69699867); // captured from terraform 1.11.4
    expect(backendHash("pg", ["conn_str", "skip_index_creation"], { skip_index_creation: true })).not.toBe(backendHash("pg", ["conn_str", "skip_index_creation"], {}));
  });

  it("refuses a file that is not a version 3 backend state, naming it", () => {
    expect(() => decodeInitState('{"version": 4}', ".terraform/terraform.tfstate")).toThrow(/\.terraform\/terraform\.tfstate: expected Terraform's backend state/);
  });
});
