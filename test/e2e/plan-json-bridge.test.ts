import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { installProviders, TerraformDir, terraformBinary } from "./bridge-support.js";
import { ZStackClient } from "./engine-zstack-client.js";

/**
 * `backplan show -json PLANFILE` against `terraform show -json` for the same plans of the zstack and csbs
 * resources: Terraform 1.11 drives backplan's providers through the bridge, both tools plan from the same state
 * file in the same directory against the same engine, and the two documents are compared field for field. Every
 * difference allowed is listed in ACCEPTED with its reason; anything else fails the test and is listed.
 */

interface Knobs {
  taskName: string;
  policy: "gold" | "silver";
  /** The gold policy; the task moves to silver first, so leaving it out deletes it. */
  withGold: boolean;
  importTask?: string;
}

function config(endpoint: string, k: Knobs): string {
  return `
terraform {
  required_providers {
    zstack = { source = "backplan/zstack" }
    csbs   = { source = "backplan/csbs" }
  }
}

provider "zstack" {
  endpoint         = "${endpoint}/zstack"
  account_name     = "admin"
  account_password = "password"
}

provider "csbs" {
  auth_url         = "${endpoint}/v3"
  username         = "demo"
  password         = "password"
  project_name     = "demo"
  user_domain_name = "Default"
}

data "zstack_vm_instances" "web" {
  name = "web-1"
}

data "zstack_vm_instances" "db" {
  name = "db-1"
}

data "zstack_backup_storages" "bs" {
  type = "ImageStoreBackupStorage"
}

${
  k.withGold
    ? `
resource "zstack_cdp_policy" "gold" {
  name                      = "gold"
  recovery_point_per_second = 5
}
`
    : ""
}
resource "zstack_cdp_policy" "silver" {
  name                      = "silver"
  recovery_point_per_second = 60
  retention_time_per_day    = 2
}

resource "zstack_cdp_task" "web" {
  name                = "${k.taskName}"
  policy_uuid         = zstack_cdp_policy.${k.policy}.uuid
  backup_storage_uuid = data.zstack_backup_storages.bs.backup_storages[0].uuid
  resource_uuids      = [data.zstack_vm_instances.web.vm_instances[0].uuid]
  max_latency         = 600000
}

resource "csbs_backup_policy" "daily" {
  name = "daily-web"

  resource {
    id   = data.zstack_vm_instances.web.vm_instances[0].uuid
    type = "OS::Nova::Server"
    name = "web-1"
  }

  scheduled_operation {
    operation_type  = "backup"
    max_backups     = 7
    trigger_pattern = "BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nRRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n"
  }
}
${
  k.importTask
    ? `
import {
  to = zstack_cdp_task.db
  id = "${k.importTask}"
}

resource "zstack_cdp_task" "db" {
  name                = "db-cdp"
  policy_uuid         = zstack_cdp_policy.silver.uuid
  backup_storage_uuid = data.zstack_backup_storages.bs.backup_storages[0].uuid
  resource_uuids      = [data.zstack_vm_instances.db.vm_instances[0].uuid]
}
`
    : ""
}
output "task_uuid" {
  value = zstack_cdp_task.web.uuid
}
`;
}

type J = null | boolean | number | string | J[] | { [k: string]: J };
const isObj = (v: J | undefined): v is { [k: string]: J } => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Paths (as `a.b[0].c`, `*` for any one step) whose values may differ, each with the reason. Keys present in one
 * document only are reported like any other difference.
 */
const ACCEPTED: { path: RegExp; reason: string; when?: (tf: J | undefined, bp: J | undefined) => boolean }[] = [
  { path: /^timestamp$/, reason: "the time each tool made its plan" },
  { path: /^backplan_protection$/, reason: "backplan's own top-level section (docs/protection.md): what the plan does to VM protection; tools reading Terraform's format ignore keys they do not know", when: (tf) => tf === undefined },
  { path: /^(prior_state\.)?terraform_version$/, reason: "the version of the tool that wrote the document (a constant of backplan's, decided with the versions work)" },
  {
    path: /\.(before|after|values)\.(used_capacity|last_latency|status)$/,
    reason: "a running CDP task's runtime attributes, which the engine changes on every recovery point (every 5 s here), between the two tools' plans",
  },
  {
    path: /^resource_drift$/,
    reason:
      "drift of a running CDP task's runtime attributes only: the engine cuts a recovery point every 5 s, so whether one fell between the last apply and a tool's refresh differs between the two tools' runs",
    when: (tf, bp) => tf === undefined && Array.isArray(bp) && bp.every(onlyRuntimeDrift),
  },
  {
    path: /^prior_state\.values\..*\.depends_on$/,
    reason:
      "Terraform adds the configuration's current dependencies to each refreshed or imported object while planning; backplan's refreshed state keeps the ones recorded at the last apply (a subset, none for an object being imported), and records the configuration's when it applies",
    when: (tf, bp) => Array.isArray(tf) && (bp === undefined || (Array.isArray(bp) && bp.every((d) => tf.includes(d)))),
  },
];

const RUNTIME = new Set(["used_capacity", "last_latency", "status"]);

/** A resource_drift entry whose before and after differ only in a CDP task's runtime attributes. */
function onlyRuntimeDrift(entry: J): boolean {
  if (!isObj(entry) || !isObj(entry.change)) return false;
  const { before, after } = entry.change;
  if (!isObj(before) || !isObj(after)) return false;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].every((k) => RUNTIME.has(k) || JSON.stringify(before[k]) === JSON.stringify(after[k]));
}

/** Every difference between two documents, as `path: terraform … backplan …` lines, accepted ones left out. */
function differences(tf: J | undefined, bp: J | undefined, path = ""): string[] {
  if (ACCEPTED.some((a) => a.path.test(path) && (a.when === undefined || a.when(tf, bp)))) return [];
  if (isObj(tf) && isObj(bp)) {
    const out: string[] = [];
    const keys = [...new Set([...Object.keys(tf), ...Object.keys(bp)])];
    for (const k of keys) out.push(...differences(tf[k], bp[k], path ? `${path}.${k}` : k));
    // Key order matters to readers of the text; keys only one side has are reported above (or accepted).
    const common = (o: { [k: string]: J }, other: { [k: string]: J }) => Object.keys(o).filter((k) => k in other).join(",");
    if (out.length === 0 && common(tf, bp) !== common(bp, tf)) out.push(`${path || "<root>"}: key order terraform ${common(tf, bp)} backplan ${common(bp, tf)}`);
    return out;
  }
  if (Array.isArray(tf) && Array.isArray(bp) && tf.length === bp.length) return tf.flatMap((x, i) => differences(x, bp[i], `${path}[${i}]`));
  if (JSON.stringify(tf) === JSON.stringify(bp)) return [];
  const show = (v: J | undefined) => (v === undefined ? "<absent>" : JSON.stringify(v).slice(0, 300));
  return [`${path}: terraform ${show(tf)} backplan ${show(bp)}`];
}

/** relevant_attributes is a set: Terraform's order varies from run to run. */
function normalise(doc: J): J {
  if (isObj(doc) && Array.isArray(doc.relevant_attributes)) doc.relevant_attributes.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return doc;
}

describe("show -json PLANFILE matches terraform show -json through the bridge", () => {
  let engine: TestEngine;
  let work: string;
  let tf: TerraformDir;
  let zstack: ZStackClient;
  const write = (k: Knobs) => writeFileSync(join(tf.dir, "main.tf"), config(engine.url, k));

  /** Both plans from the current state, both shown as JSON; returns the differences and Terraform's document. */
  async function compare(exit: number): Promise<{ diffs: string[]; tfDoc: { [k: string]: J } }> {
    await tf.tfOk(exit, "plan", "-no-color", "-detailed-exitcode", "-out", "tf.plan");
    const tfDoc = normalise(JSON.parse(await tf.tfOk(0, "show", "-json", "tf.plan")) as J) as { [k: string]: J };
    await tf.backplanOk(exit, "plan", "-no-color", "-detailed-exitcode", "-out", "bp.plan");
    const bpDoc = normalise(JSON.parse(await tf.backplanOk(0, "show", "-json", "bp.plan")) as J);
    return { diffs: differences(tfDoc, bpDoc), tfDoc };
  }

  beforeAll(async () => {
    const bin = terraformBinary();
    engine = await startTestEngine({ demo: true });
    work = mkdtempSync(join(tmpdir(), "backplan-planjson-"));
    await installProviders(join(work, "install"));
    tf = new TerraformDir(join(work, "tf"), join(work, "install"), bin);
    zstack = new ZStackClient(engine.url);
    await zstack.login();
    write({ taskName: "web-cdp", policy: "gold", withGold: true });
    await tf.tfOk(0, "init", "-no-color");
  }, 300_000);

  afterAll(async () => {
    await engine?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("create (a first plan, data sources in prior_state)", async () => {
    const { diffs, tfDoc } = await compare(2);
    expect(tfDoc.prior_state, "Terraform writes the data sources it read as the prior state").toBeDefined();
    expect(diffs).toEqual([]);
    await tf.tfOk(0, "apply", "-no-color", "tf.plan");
  }, 300_000);

  it("update in place", async () => {
    write({ taskName: "web-cdp-renamed", policy: "gold", withGold: true });
    const { diffs } = await compare(2);
    expect(diffs).toEqual([]);
    await tf.tfOk(0, "apply", "-no-color", "tf.plan");
  }, 300_000);

  it("replace (optional+computed attributes become unknown)", async () => {
    write({ taskName: "web-cdp-renamed", policy: "silver", withGold: true });
    const { diffs, tfDoc } = await compare(2);
    const task = (tfDoc.resource_changes as J[]).find((c) => isObj(c) && c.address === "zstack_cdp_task.web") as { change: { actions: J; after_unknown: J } };
    expect(task.change.actions).toEqual(["delete", "create"]);
    expect(task.change.after_unknown).toMatchObject({ backup_bandwidth: true, description: true, max_capacity: true });
    expect(diffs).toEqual([]);
    await tf.tfOk(0, "apply", "-no-color", "tf.plan");
  }, 300_000);

  it("drift (a task disabled outside) with its undo", async () => {
    const uuid = JSON.parse(await tf.tfOk(0, "output", "-json", "task_uuid")) as string;
    const r = await zstack.call("POST", `/zstack/v1/cdp-task/disable/${uuid}`, { params: {} });
    expect(r.status, r.text).toBe(200);
    const { diffs, tfDoc } = await compare(2);
    expect(tfDoc.resource_drift).toBeDefined();
    expect(diffs).toEqual([]);
    await tf.tfOk(0, "apply", "-no-color", "tf.plan");
  }, 300_000);

  it("delete", async () => {
    write({ taskName: "web-cdp-renamed", policy: "silver", withGold: false });
    const { diffs } = await compare(2);
    expect(diffs).toEqual([]);
    await tf.tfOk(0, "apply", "-no-color", "tf.plan");
  }, 300_000);

  it("import", async () => {
    const [db] = await zstack.query("/zstack/v1/vm-instances?q=name=db-1");
    const [bs] = await zstack.query("/zstack/v1/backup-storage");
    const policies = await zstack.query("/zstack/v1/cdp-backup-storage/policy?q=name=silver");
    const created = await zstack.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: "db-cdp", taskType: "VM", policyUuid: policies[0].uuid, backupStorageUuid: bs.uuid, resourceUuids: [db.uuid] },
    });
    write({ taskName: "web-cdp-renamed", policy: "silver", withGold: false, importTask: created.inventory.uuid });
    const { diffs, tfDoc } = await compare(2);
    const imported = (tfDoc.resource_changes as J[]).find((c) => isObj(c) && c.address === "zstack_cdp_task.db") as { change: { importing?: J } };
    expect(imported.change.importing).toEqual({ id: created.inventory.uuid });
    expect(diffs).toEqual([]);
  }, 300_000);
});
