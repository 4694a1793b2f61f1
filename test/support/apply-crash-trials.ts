/**
 * Seeded SIGKILL trials of `backplan apply` over a mixed configuration: ZStack CDP policies (client-chosen
 * `resourceUuid`, adopted by id after a crash) and CSBS backup policies (no client-chosen id, adopted by their
 * unique name), both declared with `for_each` over sets the trial chooses. Each trial picks a new desired set
 * (so an apply both creates and destroys), starts the apply, SIGKILLs it after a seeded number of
 * "Creating..."/"Destroying..." lines plus a seeded delay, then runs a second apply and compares three views:
 * the desired set, the state file and the engine's own query APIs.
 *
 * Shared by the CI test (test/e2e/apply-crash-mixed.test.ts, few cheap trials) and `npm run bench -- crash`
 * (many). No vitest here: the bench runs it as a plain Node script.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rng } from "../../src/engine/storage/testdata/volumes.js";

export interface TrialOutcome {
  trial: number;
  /** The killed apply was still running when SIGKILL arrived (false: it finished first). */
  killedMidway: boolean;
  /** Objects the engine holds that no state records (orphans) or that exist twice by name. */
  orphans: string[];
  duplicates: string[];
  /** Desired objects missing from the engine or from the state. */
  lost: string[];
  /** Objects that were removed from the desired set but still exist. */
  resurrected: string[];
  /** Temp files (`*.tmp-*`) the killed apply left beside the state after the next apply. */
  leftovers: string[];
  /** Exit code and output tail of the recovery apply when it failed (undefined: it succeeded). */
  recoveryFailure?: string;
}

export interface CrashTrialsOptions {
  /** Engine base URL (ZStack at /zstack/v1, Keystone at /v3, CSBS at /v1/{project}); demo accounts. */
  engineUrl: string;
  /** UUID of a VM the CSBS policies protect. */
  vmUuid: string;
  /** Absolute path of the CLI entry (dist/src/cli/main.js). */
  cli: string;
  seed: number;
  /** Keys per provider: each trial's desired set is a seeded subset of them. */
  keys: number;
}

const CONFIG = `
variable "endpoint" {
  type = string
}
variable "vm" {
  type = string
}
variable "zs" {
  type = set(string)
}
variable "cs" {
  type = set(string)
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

resource "zstack_cdp_policy" "p" {
  for_each                  = var.zs
  name                      = "mix-\${each.key}"
  recovery_point_per_second = 60
}

resource "csbs_backup_policy" "p" {
  for_each = var.cs
  name     = "mix-\${each.key}"

  resource {
    id   = var.vm
    type = "OS::Nova::Server"
    name = "vm"
  }

  scheduled_operation {
    operation_type  = "backup"
    max_backups     = 3
    trigger_pattern = "BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nRRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n"
  }
}
`;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

const ENV = { ...process.env, NO_COLOR: "1", TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };

/**
 * Runs the CLI; with `killAfter`, SIGKILLs it `killAfter.delayMs` after its `killAfter.lines`-th change line
 * (a create or delete call is then in flight).
 */
function runCli(cli: string, args: string[], cwd: string, killAfter?: { lines: number; delayMs: number }): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let seen = 0;
    let armed = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      seen += (d.match(/: (Creating|Destroying)\.\.\./g) ?? []).length;
      if (killAfter && !armed && seen >= killAfter.lines) {
        armed = true;
        setTimeout(() => child.kill("SIGKILL"), killAfter.delayMs);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.on("error", fail);
    child.on("close", (code, signal) => done({ code, signal, out }));
  });
}

interface Remote {
  id: string;
  name: string;
}

async function json(res: Response): Promise<any> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${res.url}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** The engine's view: every ZStack CDP policy and CSBS policy named `mix-*`, from their query APIs. */
async function remoteObjects(base: string): Promise<{ zstack: Remote[]; csbs: Remote[] }> {
  const login = await json(
    await fetch(`${base}/zstack/v1/accounts/login`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ logInByAccount: { accountName: "admin", password: createHash("sha512").update("password").digest("hex") } }),
    }),
  );
  const zs = await json(
    await fetch(`${base}/zstack/v1/cdp-backup-storage/policy?q=${encodeURIComponent("name~=mix-%")}&limit=1000`, { headers: { authorization: `OAuth ${login.inventory.uuid}` } }),
  );
  const tokenRes = await fetch(`${base}/v3/auth/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      auth: {
        identity: { methods: ["password"], password: { user: { name: "demo", password: "password", domain: { name: "Default" } } } },
        scope: { project: { name: "demo", domain: { name: "Default" } } },
      },
    }),
  });
  const token = tokenRes.headers.get("x-subject-token") ?? "";
  const project = (await json(tokenRes)).token.project.id as string;
  const cs = await json(await fetch(`${base}/v1/${project}/policies?limit=1000`, { headers: { "x-auth-token": token } }));
  return {
    zstack: (zs.inventories as { uuid: string; name: string }[]).map((p) => ({ id: p.uuid, name: p.name })),
    csbs: (cs.policies as Remote[]).filter((p) => p.name.startsWith("mix-")).map((p) => ({ id: p.id, name: p.name })),
  };
}

/** `type` → key → id, from the state file. */
function stateIds(dir: string): Map<string, Map<string, string>> {
  const state = JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8")) as {
    resources: { type: string; instances: { index_key?: string; attributes: { id?: string; uuid?: string } }[] }[];
  };
  const out = new Map<string, Map<string, string>>();
  for (const r of state.resources) {
    const m = out.get(r.type) ?? new Map<string, string>();
    // ZStack objects are known by `uuid`, CSBS ones by `id`.
    for (const i of r.instances) m.set(String(i.index_key), String(i.attributes.uuid ?? i.attributes.id));
    out.set(r.type, m);
  }
  return out;
}

/** Compares desired keys, state and remote for one resource type; appends findings to `o`. */
function compare(type: string, desired: string[], inState: Map<string, string>, remote: Remote[], removed: string[], o: TrialOutcome): void {
  const byName = new Map<string, Remote[]>();
  for (const r of remote) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  for (const [name, rs] of byName) if (rs.length > 1) o.duplicates.push(`${type} ${name} ×${rs.length}`);
  const stateIdSet = new Set(inState.values());
  for (const r of remote) if (!stateIdSet.has(r.id)) o.orphans.push(`${type} ${r.name} (${r.id})`);
  const remoteIds = new Set(remote.map((r) => r.id));
  for (const k of desired) {
    const id = inState.get(k);
    if (!id || !remoteIds.has(id)) o.lost.push(`${type} ${k}`);
  }
  for (const k of removed) if (inState.has(k) || byName.has(`mix-${k}`)) o.resurrected.push(`${type} ${k}`);
  for (const k of inState.keys()) if (!desired.includes(k)) o.resurrected.push(`${type} ${k} (in state)`);
}

/** Runs `trials` seeded kill-and-recover trials in a fresh working directory; yields one outcome per trial. */
export async function* crashTrials(opts: CrashTrialsOptions, trials: number): AsyncGenerator<TrialOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "backplan-crash-mix-"));
  writeFileSync(join(dir, "main.tf"), CONFIG);
  const next = rng(opts.seed);
  const universe = Array.from({ length: opts.keys }, (_, i) => `k${i}`);
  let previous = { zs: [] as string[], cs: [] as string[] };
  try {
    for (let trial = 0; trial < trials; trial++) {
      const zs = universe.filter(() => next() < 0.6);
      const cs = universe.filter(() => next() < 0.6);
      const vars = ["-var", `endpoint=${opts.engineUrl}`, "-var", `vm=${opts.vmUuid}`, "-var", `zs=${JSON.stringify(zs)}`, "-var", `cs=${JSON.stringify(cs)}`];
      const removedZs = previous.zs.filter((k) => !zs.includes(k));
      const removedCs = previous.cs.filter((k) => !cs.includes(k));
      const added = zs.filter((k) => !previous.zs.includes(k)).length + cs.filter((k) => !previous.cs.includes(k)).length;
      const changes = added + removedZs.length + removedCs.length;
      const killAfter = { lines: 1 + Math.floor(next() * Math.max(1, changes)), delayMs: Math.floor(next() * 60) };
      // A killed apply leaves its lock behind, as Terraform's does: every run here passes -lock=false.
      const killed = await runCli(opts.cli, ["apply", "-auto-approve", "-no-color", "-lock=false", ...vars], dir, killAfter);
      const recovered = await runCli(opts.cli, ["apply", "-auto-approve", "-no-color", "-lock=false", ...vars], dir);
      const o: TrialOutcome = { trial, killedMidway: killed.signal === "SIGKILL", orphans: [], duplicates: [], lost: [], resurrected: [], leftovers: [] };
      if (recovered.code !== 0 || /CSBS\.9007/.test(recovered.out)) o.recoveryFailure = `exit ${recovered.code}\n${recovered.out.slice(-3000)}`;
      const remote = await remoteObjects(opts.engineUrl);
      const state = stateIds(dir);
      compare("zstack_cdp_policy", zs, state.get("zstack_cdp_policy") ?? new Map(), remote.zstack, removedZs, o);
      compare("csbs_backup_policy", cs, state.get("csbs_backup_policy") ?? new Map(), remote.csbs, removedCs, o);
      o.leftovers = readdirSync(dir).filter((n) => n.includes(".tmp-"));
      previous = { zs, cs };
      yield o;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
