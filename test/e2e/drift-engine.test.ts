import { spawn } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DriftReport } from "../../src/plan/drift.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { call as csbsCall, login as csbsLogin } from "./engine-csbs-lab.js";
import { ZStackClient } from "./engine-zstack-client.js";

/**
 * `backplan drift` against a real engine: a small configuration is applied with the CLI, then objects are
 * changed, deleted and created behind backplan's back through the engine's ZStack API, and the drift report
 * (text, JSON, Markdown, webhook), the coverage, the ignore rules and the exit codes are checked. The state file
 * must be byte-identical before and after every drift run.
 */

const CLI = join(import.meta.dirname, "../../dist/src/cli/main.js");

const CONFIG = `
terraform {
  required_providers {
    zstack = { source = "backplan/zstack" }
    csbs   = { source = "backplan/csbs" }
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

provider "csbs" {
  auth_url         = "\${var.endpoint}/v3"
  username         = "demo"
  password         = "password"
  project_name     = "demo"
  user_domain_name = "Default"
}

data "zstack_vm_instances" "web" {
  name = "web-1"
}

data "zstack_vm_instances" "app" {
  name = "app-1"
}

data "zstack_backup_storages" "bs" {
  type = "ImageStoreBackupStorage"
}

resource "zstack_cdp_policy" "gold" {
  name                      = "gold"
  recovery_point_per_second = 60
}

resource "zstack_cdp_task" "web" {
  name                = "web-cdp"
  policy_uuid         = zstack_cdp_policy.gold.uuid
  backup_storage_uuid = data.zstack_backup_storages.bs.backup_storages[0].uuid
  resource_uuids      = [data.zstack_vm_instances.web.vm_instances[0].uuid]
  max_latency         = 600000
}

resource "zstack_vm_backup" "app" {
  root_volume_uuid    = data.zstack_vm_instances.app.vm_instances[0].root_volume_uuid
  backup_storage_uuid = data.zstack_backup_storages.bs.backup_storages[0].uuid
  name                = "app-backup"
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
    max_backups     = 3
    trigger_pattern = "BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nRRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n"
  }
}
`;

interface Run {
  code: number;
  out: string;
  err: string;
}

function run(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", BACKPLAN_WEBHOOK_URL: "", ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

function sha(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

/** A webhook receiver on 127.0.0.1 that records every POST and answers `status`. */
async function webhookServer(status = 200): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "no");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

describe("backplan drift against a live engine", () => {
  let engine: TestEngine;
  let api: ZStackClient;
  const root = mkdtempSync(join(tmpdir(), "backplan-drift-"));
  const dir = join(root, "infra");
  const statePath = join(dir, "terraform.tfstate");
  let stateHash = "";
  let taskUuid = "";
  let policyUuid = "";
  let groupUuid = "";
  let rogueUuid = "";

  const drift = async (args: string[], env: Record<string, string> = {}): Promise<Run> => {
    const r = await run(["drift", ...args], root, env);
    expect(sha(statePath), "drift must not touch the state file").toBe(stateHash);
    expect(existsSync(join(dir, ".terraform.tfstate.lock.info")) || existsSync(`${statePath}.journal`), "no lock or journal left behind").toBe(false);
    return r;
  };
  const json = async (args: string[], env: Record<string, string> = {}): Promise<{ report: DriftReport; code: number }> => {
    const r = await drift([...args, "-json"], env);
    return { report: JSON.parse(r.out) as DriftReport, code: r.code };
  };

  beforeAll(async () => {
    engine = await startTestEngine({ demo: true });
    api = new ZStackClient(engine.url);
    await api.login();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "main.tf"), CONFIG);
    writeFileSync(join(dir, "terraform.tfvars"), `endpoint = "${engine.url}"\n`);
    const applied = await run(["apply", "-auto-approve", "infra"], root);
    expect(applied.code, applied.out + applied.err).toBe(0);
    stateHash = sha(statePath);
    const state = JSON.parse(readFileSync(statePath, "utf8")) as { resources: { type: string; instances: { attributes: Record<string, unknown> }[] }[] };
    const attrs = (type: string) => state.resources.find((r) => r.type === type)!.instances[0]!.attributes;
    taskUuid = attrs("zstack_cdp_task")["uuid"] as string;
    policyUuid = attrs("zstack_cdp_policy")["uuid"] as string;
    groupUuid = attrs("zstack_vm_backup")["group_uuid"] as string;
  }, 120_000);

  afterAll(async () => {
    await engine?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it("finds no drift right after apply, with full coverage, and exits 0", async () => {
    const text = await drift(["infra"]);
    expect(text.code, text.out + text.err).toBe(0);
    expect(text.out).toContain("No drift: every checked object matches its state and configuration.");
    expect(text.out).toContain("Coverage: 100% — 4 of 4 listed objects are managed, 0 unmanaged.");
    const { report } = await json(["infra"]);
    expect(report.format_version).toBe("1.0");
    expect(report.drifted).toBe(false);
    expect(report.coverage.types).toEqual({
      csbs_backup: { managed: 0, unmanaged: 0 },
      csbs_backup_policy: { managed: 1, unmanaged: 0 },
      csbs_backup_policy_checkpoint: { managed: 0, unmanaged: 0 },
      zstack_cdp_policy: { managed: 1, unmanaged: 0 },
      zstack_cdp_task: { managed: 1, unmanaged: 0 },
      zstack_scheduler_job: { managed: 0, unmanaged: 0 },
      zstack_scheduler_trigger: { managed: 0, unmanaged: 0 },
      zstack_vm_backup: { managed: 1, unmanaged: 0 },
      zstack_volume_backup: { managed: 0, unmanaged: 0 },
    });
    expect(report.sources).toEqual([expect.objectContaining({ name: "infra", kind: "config", mode: "normal", managed: 4, changed: 0, deleted: 0, pending: 0 })]);
  }, 60_000);

  it("reports an attribute changed, an object deleted and an object created outside backplan (exit 2)", async () => {
    await api.ok("PUT", `/zstack/v1/cdp-backup-storage/task/${taskUuid}/actions`, { updateCdpTask: { maxLatency: 300000 } });
    await api.ok("DELETE", `/zstack/v1/vm-backups/${groupUuid}`);
    const [db] = await api.query("/zstack/v1/vm-instances?q=name=db-1");
    const [bs] = await api.query("/zstack/v1/backup-storage");
    const rogue = await api.ok("POST", "/zstack/v1/cdp-backup-storage/task", {
      params: { name: "rogue", taskType: "VM", policyUuid, backupStorageUuid: bs.uuid, resourceUuids: [db.uuid] },
    });
    rogueUuid = rogue.inventory.uuid;

    const text = await drift(["infra"]);
    expect(text.code, text.out + text.err).toBe(2);
    expect(text.out).toContain("~ zstack_cdp_task.web has changed outside backplan");
    expect(text.out).toContain("~ max_latency = 600000 -> 300000");
    expect(text.out).toContain("- zstack_vm_backup.app has been deleted outside backplan");
    expect(text.out).toContain(`? zstack_cdp_task ${rogueUuid} "rogue"`);
    expect(text.out).toContain(`import with: backplan import zstack_cdp_task.rogue ${rogueUuid}`);
    expect(text.out).toContain("Coverage: 75% — 3 of 4 listed objects are managed, 1 unmanaged.");
    expect(text.out).toContain("Drift detected: 1 changed, 1 deleted, 2 pending configuration changes, 1 unmanaged.");

    const { report, code } = await json(["infra"]);
    expect(code).toBe(2);
    expect(report.drifted).toBe(true);
    expect(report.counts).toMatchObject({ changed: 1, deleted: 1, pending: 2, unmanaged: 1, ignored: 0 });
    expect(report.drift).toEqual([
      { source: "infra", address: "zstack_cdp_task.web", type: "zstack_cdp_task", action: "update", changes: [{ path: "max_latency", before: 600000, after: 300000 }] },
      { source: "infra", address: "zstack_vm_backup.app", type: "zstack_vm_backup", action: "delete", changes: [] },
    ]);
    expect(report.pending.map((p) => [p.address, p.action])).toEqual([
      ["zstack_cdp_task.web", "update"],
      ["zstack_vm_backup.app", "create"],
    ]);
    expect(report.pending[0]!.changes).toEqual([{ path: "max_latency", before: 300000, after: 600000 }]);
    expect(report.unmanaged).toEqual([{ type: "zstack_cdp_task", id: rogueUuid, name: "rogue", import_command: `backplan import zstack_cdp_task.rogue ${rogueUuid}` }]);
    expect(report.coverage).toMatchObject({ percent: 75, managed: 3, unmanaged: 1 });

    const md = await drift(["infra", "-markdown", "-comment-id", "nightly/infra", "-title", "Nightly drift"]);
    expect(md.code).toBe(2);
    expect(md.out.startsWith("<!-- backplan-drift:nightly/infra -->\n")).toBe(true);
    expect(md.out).toContain("### Nightly drift");
    expect(md.out).toContain("> [!CAUTION]\n> **1 managed object was deleted outside backplan.**");
    expect(md.out).toContain("> - `zstack_vm_backup.app` (infra)");
    expect(md.out).toContain("> - 1 object changed outside backplan: `zstack_cdp_task.web`");
    expect(md.out).toContain(`| \`zstack_cdp_task\` | \`${rogueUuid}\` | rogue | \`backplan import zstack_cdp_task.rogue ${rogueUuid}\` |`);
    expect(md.out).toContain("! max_latency = 600000 -> 300000");
  }, 60_000);

  it("-refresh-only leaves configuration divergence out; a held state lock does not stop the check", async () => {
    const lock = join(dir, ".terraform.tfstate.lock.info");
    writeFileSync(lock, JSON.stringify({ ID: "held-by-an-apply", Operation: "OperationTypeApply", Who: "ci@runner", Version: "0.1.0", Created: new Date().toISOString(), Path: statePath, Info: "" }));
    const locked = await run(["drift", "infra", "-refresh-only", "-json"], root);
    rmSync(lock);
    expect(locked.code, locked.err).toBe(2);
    expect(sha(statePath)).toBe(stateHash);
    const { report, code } = await json(["infra", "-refresh-only"]);
    expect(code).toBe(2);
    expect(report.pending).toEqual([]);
    expect(report.drift.map((d) => d.address)).toEqual(["zstack_cdp_task.web", "zstack_vm_backup.app"]);
  }, 60_000);

  it("checks a bare state file with providers configured from the environment", async () => {
    const env = { ZSTACK_ENDPOINT: `${engine.url}/zstack`, ZSTACK_ACCOUNT_NAME: "admin", ZSTACK_ACCOUNT_PASSWORD: "password", OS_AUTH_URL: `${engine.url}/v3`, OS_USERNAME: "demo", OS_PASSWORD: "password", OS_PROJECT_NAME: "demo", OS_USER_DOMAIN_NAME: "Default" };
    const { report, code } = await json(["infra/terraform.tfstate"], env);
    expect(code).toBe(2);
    expect(report.sources).toEqual([expect.objectContaining({ name: "infra/terraform.tfstate", kind: "state", mode: "refresh-only", managed: 4, changed: 1, deleted: 1, pending: 0, errors: [] })]);
    expect(report.drift.find((d) => d.address === "zstack_cdp_task.web")!.changes).toEqual([{ path: "max_latency", before: 600000, after: 300000 }]);
    expect(report.unmanaged.map((u) => u.id)).toEqual([rogueUuid]);

    const noCredentials = await drift(["infra/terraform.tfstate"], { ZSTACK_ENDPOINT: "", ZSTACK_HOST: "", OS_AUTH_URL: "" });
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.out).toContain(`provider["registry.terraform.io/backplan/zstack"]: cannot configure the provider from the environment`);
  }, 60_000);

  it("applies .backplanignore rules (attribute paths, addresses, unmanaged objects, negation) and rejects bad ones", async () => {
    const ignore = join(dir, ".backplanignore");
    try {
      writeFileSync(ignore, ["# expected changes", "zstack_cdp_task.*.max_latency", "zstack_vm_backup.app", "", "zstack_cdp_task.rogue"].join("\n"));
      const quiet = await json(["infra"]);
      expect(quiet.code).toBe(0);
      expect(quiet.report.drifted).toBe(false);
      expect(quiet.report.ignored).toEqual([
        { kind: "attribute", what: "zstack_cdp_task.web.max_latency", source: "infra", rule: "infra/.backplanignore:2" },
        { kind: "drift", what: "zstack_vm_backup.app", source: "infra", rule: "infra/.backplanignore:3" },
        { kind: "attribute", what: "zstack_cdp_task.web.max_latency", source: "infra", rule: "infra/.backplanignore:2" },
        { kind: "pending", what: "zstack_vm_backup.app", source: "infra", rule: "infra/.backplanignore:3" },
        { kind: "unmanaged", what: `zstack_cdp_task.${rogueUuid}`, rule: "infra/.backplanignore:5" },
      ]);
      // Ignored unmanaged objects count in neither figure.
      expect(quiet.report.coverage).toMatchObject({ percent: 100, managed: 3, unmanaged: 0, ignored: 1 });

      writeFileSync(join(root, ".backplanignore"), "*.max_latency\n");
      writeFileSync(ignore, "!zstack_cdp_task.web.max_latency\n");
      const negated = await json(["infra"]);
      expect(negated.code).toBe(2);
      expect(negated.report.drift.map((d) => d.address)).toEqual(["zstack_cdp_task.web", "zstack_vm_backup.app"]);
      rmSync(join(root, ".backplanignore"));

      writeFileSync(ignore, "zstack_cdp_task.web\nzstack_vm_backup.[app\n");
      const bad = await drift(["infra"]);
      expect(bad.code).toBe(1);
      expect(bad.out).toContain(`infra/.backplanignore:2: invalid pattern "zstack_vm_backup.[app": "[" without "]"`);
    } finally {
      rmSync(ignore, { force: true });
    }
  }, 60_000);

  it("POSTs a signed summary with a Slack-compatible text to --webhook when drift is found, and only then", async () => {
    const hook = await webhookServer();
    try {
      const r = await drift(["infra", "--webhook", hook.url], { BACKPLAN_WEBHOOK_SECRET: "s3cret" });
      expect(r.code).toBe(2);
      expect(hook.received).toHaveLength(1);
      const got = hook.received[0]!;
      expect(got.headers["content-type"]).toBe("application/json");
      expect(got.headers["x-backplan-signature-256"]).toBe(`sha256=${createHmac("sha256", "s3cret").update(got.body).digest("hex")}`);
      const payload = JSON.parse(got.body) as { text: string; drifted: boolean; counts: DriftReport["counts"]; coverage: { percent: number } };
      expect(payload.drifted).toBe(true);
      expect(payload.counts).toMatchObject({ changed: 1, deleted: 1, unmanaged: 1 });
      expect(payload.coverage.percent).toBe(75);
      expect(payload.text).toContain("*backplan drift*: Drift detected: 1 changed, 1 deleted");
      expect(payload.text).toContain("• zstack_vm_backup.app deleted outside backplan (infra)");
      expect(payload.text).not.toContain("300000");

      writeFileSync(join(dir, ".backplanignore"), "zstack_*\n");
      const clean = await drift(["infra", "--webhook", hook.url]);
      expect(clean.code).toBe(0);
      expect(hook.received).toHaveLength(1);
    } finally {
      rmSync(join(dir, ".backplanignore"), { force: true });
      hook.server.close();
    }
    const failing = await webhookServer(500);
    try {
      const r = await drift(["infra", "--webhook", failing.url]);
      expect(r.code).toBe(1);
      expect(r.err).toContain("answered 500");
    } finally {
      failing.server.close();
    }
  }, 60_000);

  it("exits 1 for a configuration that does not load, naming file and line, and still reports the others", async () => {
    const broken = join(root, "broken");
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, "main.tf"), 'resource "zstack_cdp_policy" "x" {\n  name = \n}\n');
    const r = await drift(["infra", "broken", "-refresh-only"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/broken\/main\.tf:2/);
    expect(r.out).toContain("~ zstack_cdp_task.web has changed outside backplan");
    const missing = await drift(["nowhere"]);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain("nowhere: no such file or directory");
  }, 60_000);

  it("lists CSBS checkpoints: one taken by hand outside backplan is unmanaged", async () => {
    const state = JSON.parse(readFileSync(statePath, "utf8")) as { resources: { type: string; instances: { attributes: Record<string, unknown> }[] }[] };
    const policyId = state.resources.find((r) => r.type === "csbs_backup_policy")!.instances[0]!.attributes["id"] as string;
    const { token, projectId } = await csbsLogin(engine.url, "demo", "password", "demo");
    const made = await csbsCall(engine.url, "POST", `/v1/${projectId}/providers/fc4d5750-22e7-4798-8a46-f48f62c4c1da/checkpoints`, {
      token,
      body: { checkpoint: { plan_id: policyId, parameters: {} } },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const checkpointId = made.body.checkpoint.id as string;
    const { report, code } = await json(["infra", "-refresh-only"]);
    expect(code).toBe(2);
    expect(report.unmanaged.map((u) => [u.type, u.id])).toEqual([
      ["csbs_backup_policy_checkpoint", checkpointId],
      ["zstack_cdp_task", rogueUuid],
    ]);
    expect(report.coverage.types["csbs_backup_policy_checkpoint"]).toEqual({ managed: 0, unmanaged: 1 });
    expect(report.coverage.percent).toBe(60);
  }, 60_000);

  it("lists per-server CSBS backups: one taken by hand is an unmanaged csbs_backup, not a checkpoint", async () => {
    const state = JSON.parse(readFileSync(statePath, "utf8")) as { resources: { type: string; instances: { attributes: Record<string, unknown> }[] }[] };
    const policy = state.resources.find((r) => r.type === "csbs_backup_policy")!.instances[0]!.attributes;
    const serverId = (policy["resource"] as { id: string }[])[0]!.id;
    const { token, projectId } = await csbsLogin(engine.url, "demo", "password", "demo");
    const path = `/v1/${projectId}/providers/fc4d5750-22e7-4798-8a46-f48f62c4c1da/resources/${serverId}/action`;
    // The server may still be backed up by the checkpoint taken before: protect is refused (400) until it is done.
    let made = await csbsCall(engine.url, "POST", path, { token, body: { protect: { backup_name: "by_hand" } } });
    for (let i = 0; i < 100 && made.status === 400; i++) {
      await new Promise((done) => setTimeout(done, 100));
      made = await csbsCall(engine.url, "POST", path, { token, body: { protect: { backup_name: "by_hand" } } });
    }
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const items = await csbsCall(engine.url, "GET", `/v1/${projectId}/checkpoint_items?checkpoint_id=${made.body.checkpoint.id as string}`, { token });
    const backupId = items.body.checkpoint_items[0].id as string;
    const { report } = await json(["infra", "-refresh-only"]);
    expect(report.unmanaged.filter((u) => u.type.startsWith("csbs_")).map((u) => [u.type, u.id])).toEqual([
      ["csbs_backup", backupId],
      ["csbs_backup_policy_checkpoint", expect.any(String)],
    ]);
    expect(report.coverage.types["csbs_backup"]).toEqual({ managed: 0, unmanaged: 1 });
  }, 60_000);
});
