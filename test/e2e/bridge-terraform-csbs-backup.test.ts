import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { installProviders, TerraformDir, terraformBinary } from "./bridge-support.js";
import { ZStackClient } from "./engine-zstack-client.js";

/** A per-server backup, the policy it sits beside, and both data sources, as a Terraform user writes them. */
function config(endpoint: string, serverId: string): string {
  return `
terraform {
  required_providers {
    csbs = { source = "backplan/csbs" }
  }
}

provider "csbs" {
  auth_url     = "${endpoint}/v3"
  username     = "demo"
  password     = "password"
  project_name = "demo"
}

resource "csbs_backup_policy" "weekly" {
  name = "bridge-weekly"

  resource {
    id   = "${serverId}"
    type = "OS::Nova::Server"
    name = "web"
  }

  scheduled_operation {
    operation_type  = "backup"
    max_backups     = 4
    trigger_pattern = "BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n"
  }
}

resource "csbs_backup" "web" {
  resource_id = "${serverId}"
  backup_name = "web_by_terraform"

  tags {
    key   = "by"
    value = "terraform"
  }
}

data "csbs_backup" "web" {
  id = csbs_backup.web.id
}

data "csbs_backup_policy" "weekly" {
  name = csbs_backup_policy.weekly.name
}

output "trigger" {
  value = [for op in csbs_backup_policy.weekly.scheduled_operation : "\${op.trigger_name}/\${op.trigger_type}"]
}

output "read_back" {
  value = {
    backup_name  = data.csbs_backup.web.backup_name
    record       = data.csbs_backup.web.backup_record_id == csbs_backup.web.backup_record_id
    volumes      = length(csbs_backup.web.volume_backups)
    server       = [for m in csbs_backup.web.vm_metadata : m.name]
    policy_id    = data.csbs_backup_policy.weekly.id == csbs_backup_policy.weekly.id
    trigger_type = [for op in data.csbs_backup_policy.weekly.scheduled_operation : op.trigger_type]
  }
}
`;
}

/** The backup's status through `GET /v1/{project}/checkpoint_items/{id}` for the demo user; "gone" on 404. */
async function backupStatus(url: string, id: string): Promise<string> {
  const auth = await fetch(`${url}/v3/auth/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      auth: { identity: { methods: ["password"], password: { user: { name: "demo", password: "password", domain: { name: "Default" } } } }, scope: { project: { name: "demo", domain: { name: "Default" } } } },
    }),
  });
  const project = ((await auth.json()) as { token: { project: { id: string } } }).token.project.id;
  const res = await fetch(`${url}/v1/${project}/checkpoint_items/${id}`, { headers: { "x-auth-token": auth.headers.get("x-subject-token")! } });
  if (res.status === 404) return "gone";
  return ((await res.json()) as { checkpoint_item: { status: string } }).checkpoint_item.status;
}

/** Terraform 1.11 applies a csbs_backup through the bridge, then plans no change; backplan reads that state alike. */
describe("csbs_backup through Terraform and the bridge", () => {
  let engine: TestEngine;
  let work: string;
  let tf: TerraformDir;
  let server: { uuid: string; name: string };

  beforeAll(async () => {
    const bin = terraformBinary();
    engine = await startTestEngine({ demo: true });
    work = mkdtempSync(join(tmpdir(), "backplan-bridge-csbs-backup-"));
    await installProviders(join(work, "install"));
    tf = new TerraformDir(join(work, "dir"), join(work, "install"), bin);
    const zstack = new ZStackClient(engine.url);
    await zstack.login();
    server = (await zstack.query("/zstack/v1/vm-instances"))[0] as { uuid: string; name: string };
  });

  afterAll(async () => {
    await engine?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("applies the backup and both data sources, plans no-op in Terraform and in backplan, and destroys", async () => {
    writeFileSync(join(tf.dir, "main.tf"), config(engine.url, server.uuid));
    await tf.tfOk(0, "init", "-no-color");
    await tf.tfOk(0, "apply", "-no-color", "-auto-approve");
    const out = JSON.parse(await tf.tfOk(0, "output", "-json")) as Record<string, { value: unknown }>;
    expect(out["trigger"]!.value).toEqual(["default/time"]);
    expect(out["read_back"]!.value).toMatchObject({ backup_name: "web_by_terraform", record: true, server: [server.name], policy_id: true, trigger_type: ["time"] });
    expect((out["read_back"]!.value as { volumes: number }).volumes).toBeGreaterThan(0);

    // The refreshed backup and the policy's trigger name/type round-trip: no changes in either engine.
    await tf.tfOk(0, "plan", "-no-color", "-detailed-exitcode");
    await tf.backplanOk(0, "plan", "-no-color", "-detailed-exitcode");

    const state = JSON.parse(readFileSync(join(tf.dir, "terraform.tfstate"), "utf8")) as { resources: { mode: string; type: string; instances: { attributes: Record<string, unknown> }[] }[] };
    const backup = state.resources.find((r) => r.mode === "managed" && r.type === "csbs_backup")!.instances[0]!.attributes;
    expect(backup).toMatchObject({ status: "available", tags: [{ key: "by", value: "terraform" }], resource_type: "OS::Nova::Server" });

    await tf.tfOk(0, "destroy", "-no-color", "-auto-approve");
    const after = JSON.parse(readFileSync(join(tf.dir, "terraform.tfstate"), "utf8")) as { resources: unknown[] };
    expect(after.resources).toEqual([]);
    // Gone on the engine too (the engine keeps a `deleted` tombstone, which the provider reads as gone).
    expect(["gone", "deleted"]).toContain(await backupStatus(engine.url, backup["id"] as string));
  }, 120_000);
});
