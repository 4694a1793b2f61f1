import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressesOf, backplan, ensureBuilt, readState, terraformShowJson, workdir } from "./cli-harness.js";
import { startLab, type Lab } from "./engine-zstack-client.js";

/**
 * `backplan import` and `backplan refresh` as a child process: with terraform_data, and with the zstack provider
 * against a real engine on 127.0.0.1 (objects made through the engine's API, imported by id, changed outside
 * backplan and refreshed). Every state written is read back by the `terraform` binary.
 */

const dirs: string[] = [];
const dir = (files: Record<string, string>) => {
  const d = workdir(files);
  dirs.push(d);
  return d;
};

const TD_CONFIG = {
  "main.tf": `
resource "terraform_data" "a" {
  input = "x"
}
resource "terraform_data" "n" {
  count = 2
  input = count.index
}
resource "terraform_data" "e" {
  for_each = toset(["k"])
  input    = each.key
}
module "m" {
  source = "./mod"
}
output "a_input" {
  value = terraform_data.a.input
}
`,
  "mod/main.tf": `resource "terraform_data" "inner" {\n  input = 5\n}\n`,
};

beforeAll(() => ensureBuilt(), 240_000);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("backplan import (terraform_data)", () => {
  it("imports into a configured address, in the root module and in a child module; Terraform reads the state", async () => {
    const d = dir(TD_CONFIG);
    const r = await backplan(["import", "terraform_data.a", "my-id"], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'terraform_data.a: Importing from ID "my-id"...\nterraform_data.a: Import prepared!\n  Prepared terraform_data for import\nterraform_data.a: Refreshing state... [id=my-id]\n\nImport successful!\n\nThe resources that were imported are shown above. These resources are now in\nyour backplan state and will henceforth be managed by backplan.\n\n',
    );
    const inner = await backplan(["import", "module.m.terraform_data.inner", "inner-id"], d);
    expect(inner.code, inner.stderr).toBe(0);
    const keyed = await backplan(["import", 'terraform_data.e["k"]', "e-id"], d);
    expect(keyed.code, keyed.stderr).toBe(0);
    const tf = terraformShowJson(join(d, "terraform.tfstate"));
    expect(addressesOf(tf.values?.root_module).sort()).toEqual(['module.m.terraform_data.inner', 'terraform_data.a', 'terraform_data.e["k"]']);
    expect(tf.values!.root_module.resources!.find((x) => x.address === "terraform_data.a")!.values).toMatchObject({ id: "my-id", input: null });
    expect(readState(d).resources.find((x) => x.name === "inner")).toMatchObject({ module: "module.m" });
    // Now managed: the next plan brings the object in line with its configuration, in place.
    const plan = await backplan(["plan", "-no-color"], d);
    expect(plan.stdout).toContain("# terraform_data.a will be updated in-place");
    expect(plan.stdout).toContain("Plan: 2 to add, 3 to change, 0 to destroy.");
  });

  it("refuses an address already managed, leaving the state as it was", async () => {
    const d = dir(TD_CONFIG);
    expect((await backplan(["import", "terraform_data.a", "one"], d)).code).toBe(0);
    const before = readFileSync(join(d, "terraform.tfstate"), "utf8");
    const r = await backplan(["import", "terraform_data.a", "two"], d);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: Resource already managed by backplan");
    expect(r.stderr).toContain("backplan is already managing a remote object for terraform_data.a.");
    expect(readFileSync(join(d, "terraform.tfstate"), "utf8")).toBe(before);
  });

  it("refuses addresses the configuration does not have, or whose instance key does not fit", async () => {
    const d = dir(TD_CONFIG);
    const cases: [string, string][] = [
      ["terraform_data.nope", 'resource address "terraform_data.nope" does not exist in the configuration.'],
      ["module.x.terraform_data.inner", 'resource address "module.x.terraform_data.inner" does not exist in the configuration.'],
      ["terraform_data.n", "terraform_data.n uses count: give the instance index"],
      ['terraform_data.n["k"]', "uses count"],
      ["terraform_data.e[0]", "terraform_data.e uses for_each: give the instance key"],
      ["terraform_data.a[0]", "terraform_data.a uses neither count nor for_each"],
      ["data.terraform_data.a", "Importing into a data resource (data.terraform_data.a) is not allowed."],
      ["terraform_data", "Invalid address"],
    ];
    for (const [addr, message] of cases) {
      const r = await backplan(["import", addr, "some-id"], d);
      expect(r.code, addr).toBe(1);
      expect(r.stderr, addr).toContain(message);
    }
    const missing = await backplan(["import", "terraform_data.nope", "x"], d);
    expect(missing.stderr).toContain('resource "terraform_data" "nope" {\n  # (resource arguments)\n}');
    expect((await backplan(["import", "terraform_data.a"], d)).code).toBe(1);
    expect(existsSync(join(d, "terraform.tfstate"))).toBe(false);
  });

  it("waits for, then reports, a state lock held by another run", async () => {
    const d = dir(TD_CONFIG);
    writeFileSync(join(d, ".terraform.tfstate.lock.info"), JSON.stringify({ ID: "held-by-test", Operation: "OperationTypeApply", Info: "", Who: "t@h", Version: "x", Created: "2026-11-25T10:00:00Z", Path: "terraform.tfstate" }));
    const r = await backplan(["import", "-lock-timeout=1s", "terraform_data.a", "x"], d);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error acquiring the state lock");
    expect(r.stderr).toContain("held-by-test");
  });
});

describe("backplan refresh (terraform_data)", () => {
  it("updates outputs in state to match the configuration without touching resources", async () => {
    const d = dir(TD_CONFIG);
    expect((await backplan(["apply", "-auto-approve"], d)).code).toBe(0);
    const before = readState(d);
    writeFileSync(join(d, "main.tf"), TD_CONFIG["main.tf"].replace("value = terraform_data.a.input", 'value = "${terraform_data.a.input}!"'));
    const r = await backplan(["refresh", "-no-color"], d);
    expect(r.code, r.stderr).toBe(0);
    const after = readState(d);
    expect(after.outputs).toEqual({ a_input: { value: "x!", type: "string" } });
    expect(after.resources).toEqual(before.resources);
    expect(after.serial).toBe(before.serial + 1);
    expect(terraformShowJson(join(d, "terraform.tfstate")).values?.outputs?.["a_input"]?.value).toBe("x!");
    expect((await backplan(["refresh", "-destroy"], d)).code).toBe(1);
  });
});

describe("import and refresh with the zstack provider against a real engine", () => {
  let lab: Lab;
  const header = () => `
terraform {
  required_providers {
    zstack = { source = "backplan/zstack" }
  }
}
variable "endpoint" {
  type = string
}
provider "zstack" {
  endpoint         = "\${var.endpoint}/zstack"
  account_name     = "admin"
  account_password = "password"
}
resource "zstack_cdp_policy" "p" {
  name                      = "by-hand"
  recovery_point_per_second = 60
}
resource "zstack_vm_from_cdp_backup" "v" {
  cdp_task_uuid          = "0123456789abcdef0123456789abcdef"
  group_id               = 1
  name                   = "restored"
  instance_offering_uuid = "0123456789abcdef0123456789abcdef"
  l3_network_uuids       = ["0123456789abcdef0123456789abcdef"]
}
`;

  beforeAll(async () => {
    lab = await startLab();
  }, 120_000);
  afterAll(async () => {
    await lab?.engine.dispose();
  });

  it("imports an existing CDP policy by uuid, and refresh records a change made outside backplan", async () => {
    const policy = (await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: { name: "by-hand", recoveryPointPerSecond: 60 } })).inventory as { uuid: string };
    const d = dir({ "main.tf": header() });
    const v = ["-var", `endpoint=${lab.engine.url}`];
    const r = await backplan(["import", ...v, "zstack_cdp_policy.p", policy.uuid], d);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`zstack_cdp_policy.p: Refreshing state... [uuid=${policy.uuid}]`);
    const rs = readState(d).resources.find((x) => x.type === "zstack_cdp_policy")!;
    expect(rs).toMatchObject({ provider: 'provider["registry.terraform.io/backplan/zstack"]' });
    expect(rs.instances[0]!.attributes).toMatchObject({ uuid: policy.uuid, name: "by-hand", recovery_point_per_second: 60 });
    // (Terraform itself cannot read this state without the zstack plugin; terraform_data states are checked above.)

    await lab.client.ok("PUT", `/zstack/v1/cdp-backup-storage/policy/${policy.uuid}/actions`, { updateCdpPolicy: { name: "renamed-outside" } });
    const refreshed = await backplan(["refresh", ...v, "-target=zstack_cdp_policy.p", "-no-color"], d);
    expect(refreshed.code, refreshed.stdout + refreshed.stderr).toBe(0);
    expect(readState(d).resources.find((x) => x.type === "zstack_cdp_policy")!.instances[0]!.attributes["name"]).toBe("renamed-outside");
    const [remote] = await lab.client.query(`/zstack/v1/cdp-backup-storage/policy?q=uuid=${policy.uuid}`);
    expect(remote.name).toBe("renamed-outside");
  }, 120_000);

  it("reports an id with no remote object, a type without import, and provider configuration errors", async () => {
    const d = dir({ "main.tf": header() });
    const v = ["-var", `endpoint=${lab.engine.url}`];
    const gone = await backplan(["import", ...v, "zstack_cdp_policy.p", "0".repeat(32)], d);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("Error: Cannot import non-existent remote object");
    expect(gone.stderr).toContain('While attempting to import an existing object to "zstack_cdp_policy.p"');
    const unsupported = await backplan(["import", ...v, "zstack_vm_from_cdp_backup.v", "x"], d);
    expect(unsupported.code).toBe(1);
    expect(unsupported.stderr).toContain("Error: Resource type does not support import");
    const noVar = await backplan(["import", "zstack_cdp_policy.p", "x"], d);
    expect(noVar.code).toBe(1);
    expect(noVar.stderr).toContain("endpoint");
    expect(existsSync(join(d, "terraform.tfstate"))).toBe(false);
  }, 120_000);
});

describe("confirmation prompts with no one to answer", () => {
  it("apply and destroy without -auto-approve on an ended stdin cancel with exit 1 and leave no lock", async () => {
    const d = dir(TD_CONFIG);
    const apply = await backplan(["apply"], d, { stdin: "" });
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain("Apply cancelled.");
    expect(existsSync(join(d, ".terraform.tfstate.lock.info"))).toBe(false);
    expect(existsSync(join(d, "terraform.tfstate"))).toBe(false);
    expect((await backplan(["apply"], d, { stdin: "yes\n" })).code).toBe(0);
    const destroy = await backplan(["destroy"], d, { stdin: "" });
    expect(destroy.code).toBe(1);
    expect(destroy.stderr).toContain("Destroy cancelled.");
    expect(readState(d).resources.length).toBeGreaterThan(0);
    expect(existsSync(join(d, ".terraform.tfstate.lock.info"))).toBe(false);
  });
});
