import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIgnoreFile } from "../../src/plan/drift-ignore.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";

/**
 * The example CI workflows (examples/pr-review, examples/drift-job): their YAML parses and wires the steps the
 * docs describe, and the apply step's script applies a reviewed plan but refuses a stale one, against a real
 * engine.
 */

const ROOT = join(import.meta.dirname, "../..");
const CLI = join(ROOT, "dist/src/cli/main.js");

type Yaml = Record<string, unknown>;

/** Parses YAML with the `yaml` npm package when installed, else with Python's PyYAML. */
async function parseYaml(path: string): Promise<Yaml> {
  const text = readFileSync(path, "utf8");
  try {
    const mod = (await import(/* @vite-ignore */ "yaml" as string)) as { parse(s: string): unknown };
    return mod.parse(text) as Yaml;
  } catch (e) {
    if (!/Cannot find (package|module)|Failed to load/.test(String(e))) throw e;
  }
  const out = execFileSync("python3", ["-c", "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path], { encoding: "utf8" });
  const doc = JSON.parse(out) as Yaml;
  // PyYAML reads YAML 1.1, where a bare `on` key is the boolean true; GitHub (YAML 1.2) reads the string "on".
  if ("true" in doc && !("on" in doc)) {
    doc["on"] = doc["true"];
    delete doc["true"];
  }
  return doc;
}

const steps = (job: unknown): { name?: string; run?: string; uses?: string; with?: Record<string, unknown>; if?: string }[] => (job as { steps: never[] }).steps;

describe("example workflows", () => {
  it("pr-review (GitHub): plans on pull requests, updates the marked comment, uploads the plan; applies exactly that plan on push to main", async () => {
    const wf = await parseYaml(join(ROOT, "examples/pr-review/github/backplan-pr.yml"));
    expect(Object.keys(wf["on"] as Yaml).sort()).toEqual(["pull_request", "push"]);
    const jobs = wf["jobs"] as Record<string, Yaml>;
    const plan = steps(jobs["plan"]);
    const runs = plan.map((s) => s.run ?? "").join("\n");
    expect(runs).toContain("backplan engine serve --demo");
    expect(runs).toContain('backplan plan -chdir="$DIR" -out plan.bin -detailed-exitcode -lock-timeout=60s');
    // the state is the engine's state server's (TF_HTTP_*), never a file carried in a cache
    expect(runs).toContain('echo "TF_HTTP_LOCK_ADDRESS=$BACKPLAN_STATE_URL/lock" >> "$GITHUB_ENV"');
    expect(JSON.stringify(wf)).not.toContain("-state=");
    const cached = [...plan, ...steps((wf["jobs"] as Record<string, Yaml>)["apply"])].filter((s) => s.uses?.startsWith("actions/cache"));
    expect(cached.length).toBeGreaterThan(0);
    for (const c of cached) expect(c.if, c.name).toContain("env.BACKPLAN_ENDPOINT == ''");
    expect(runs).toContain('marker="<!-- backplan-plan:$COMMENT_ID -->"');
    expect(runs).toContain("gh api -X PATCH");
    expect(plan.find((s) => s.uses?.startsWith("actions/upload-artifact"))?.with?.["path"]).toBe("review/");
    const apply = steps(jobs["apply"]);
    expect(jobs["apply"]!["if"]).toBe("github.event_name == 'push'");
    expect(apply.find((s) => s.uses?.startsWith("actions/download-artifact"))?.with?.["run-id"]).toBe("${{ steps.reviewed.outputs.run }}");
    const applyStep = apply.find((s) => s.name === "Apply exactly the reviewed plan")!;
    expect(applyStep.run).toContain('sh examples/pr-review/apply-reviewed-plan.sh review/plan.bin "$DIR" -lock-timeout=60s');
    expect(apply.find((s) => s.if === "failure() && steps.apply.outputs.exitcode == '3'")?.run).toContain("fresh-plan.md");
  });

  it("pr-review (GitLab): plan on merge requests with the plan as artifact, apply on the default branch through the same script", async () => {
    const ci = await parseYaml(join(ROOT, "examples/pr-review/gitlab/.gitlab-ci.yml"));
    expect(ci["stages"]).toEqual(["plan", "apply"]);
    const plan = ci["plan"] as { script: string[]; artifacts: { paths: string[] } };
    expect(plan.artifacts.paths).toContain("plan.bin");
    expect(plan.script.join("\n")).toContain("backplan-plan:$COMMENT_ID");
    const apply = ci["apply"] as { script: string[]; rules: { if: string }[] };
    expect(apply.rules[0]!.if).toBe("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH");
    expect(apply.script.join("\n")).toContain('apply-reviewed-plan.sh review/plan.bin "$DIR" -lock-timeout=60s');
    const setup = (ci["default"] as { before_script: string[] }).before_script.join("\n");
    expect(setup).toContain('export TF_HTTP_ADDRESS="${BACKPLAN_STATE_URL:-$TF_VAR_endpoint/engine/v1/states/infra}"');
    expect(JSON.stringify(ci)).not.toContain("-state=");
  });

  it("drift-job: a cron workflow, a GitLab schedule and a systemd timer, all alerting through the webhook secret", async () => {
    const gh = await parseYaml(join(ROOT, "examples/drift-job/github/backplan-drift.yml"));
    expect((gh["on"] as { schedule: { cron: string }[] }).schedule[0]!.cron).toBe("17 3 * * *");
    const job = (gh["jobs"] as Record<string, Yaml>)["drift"]!;
    expect((job["env"] as Yaml)["BACKPLAN_WEBHOOK_URL"]).toBe("${{ secrets.DRIFT_WEBHOOK_URL }}");
    expect(steps(job).map((s) => s.run ?? "").join("\n")).toContain("backplan drift infra -input=false");
    expect(JSON.stringify(gh)).not.toContain("-state=");
    const gl = await parseYaml(join(ROOT, "examples/drift-job/gitlab/.gitlab-ci.yml"));
    const drift = gl["drift"] as { rules: { if: string }[]; variables: Yaml; script: string[] };
    expect(drift.rules[0]!.if).toContain('$CI_PIPELINE_SOURCE == "schedule"');
    expect(drift.variables["BACKPLAN_WEBHOOK_URL"]).toBe("$DRIFT_WEBHOOK_URL");
    const service = readFileSync(join(ROOT, "examples/drift-job/systemd/backplan-drift.service"), "utf8");
    expect(service).toMatch(/^EnvironmentFile=\/etc\/backplan\/drift\.env$/m);
    expect(service).toMatch(/^SuccessExitStatus=2$/m);
    expect(readFileSync(join(ROOT, "examples/drift-job/systemd/backplan-drift.timer"), "utf8")).toMatch(/^OnCalendar=\*-\*-\* 03:17:00$/m);
    const ignore = parseIgnoreFile(readFileSync(join(ROOT, "examples/drift-job/.backplanignore"), "utf8"), ".backplanignore");
    expect(ignore.errors).toEqual([]);
    expect(ignore.rules.length).toBeGreaterThan(0);
  });
});

describe("the pr-review and drift-job steps against a live engine that is also the state server", () => {
  let engine: TestEngine;
  const work = mkdtempSync(join(tmpdir(), "backplan-pr-review-"));
  // What the workflows' "Use the shared state" steps export: infra/backend.tf's `backend "http" {}` points here.
  const env = () => {
    const state = `${engine.url}/engine/v1/states/infra`;
    return {
      ...process.env,
      NO_COLOR: "1",
      TF_VAR_endpoint: engine.url,
      TF_HTTP_ADDRESS: state,
      TF_HTTP_LOCK_ADDRESS: `${state}/lock`,
      TF_HTTP_UNLOCK_ADDRESS: `${state}/lock`,
      TF_HTTP_USERNAME: "admin",
      TF_HTTP_PASSWORD: "password",
    };
  };
  // Child processes run asynchronously: the engine lives in this process and must keep answering.
  const run = (cmd: string, args: string[], extra: Record<string, string> = {}): Promise<{ code: number; out: string }> =>
    new Promise((resolve) => {
      const child = spawn(cmd, args, { cwd: work, env: { ...env(), ...extra } });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.on("close", (code) => resolve({ code: code ?? -1, out }));
    });
  const sh = (args: string[]) => run("sh", [join(ROOT, "examples/pr-review/apply-reviewed-plan.sh"), ...args], { BACKPLAN: `${process.execPath} ${CLI}` });
  const cli = async (args: string[]): Promise<void> => {
    const r = await run(process.execPath, [CLI, ...args]);
    if (r.code !== 0) throw new Error(`backplan ${args.join(" ")} exited ${r.code}:\n${r.out}`);
  };
  const stateOnServer = async (): Promise<{ serial: number; resources: unknown[] }> => {
    const res = await fetch(`${engine.url}/engine/v1/states/infra`, { headers: { authorization: `Basic ${Buffer.from("admin:password").toString("base64")}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { serial: number; resources: unknown[] };
  };

  beforeAll(async () => {
    engine = await startTestEngine({ demo: true });
    cpSync(join(ROOT, "examples/pr-review/infra"), join(work, "infra"), { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await engine?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it("applies the reviewed plan; refuses a stale one, makes a fresh plan for review and exits 3", async () => {
    await cli(["plan", "-chdir=infra", "-out", "reviewed.bin"]);
    await cli(["plan", "-chdir=infra", "-out", "second.bin"]);
    const applied = await sh(["reviewed.bin", "infra"]);
    expect(applied.code, applied.out).toBe(0);
    expect(applied.out).toContain("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");

    // second.bin was reviewed against the state before the first apply: it must not be applied.
    const stale = await sh(["second.bin", "infra"]);
    expect(stale.code, stale.out).toBe(3);
    expect(stale.out).toContain("Error: Saved plan is stale");
    expect(stale.out).toContain("the reviewed plan no longer applies; NOT applying.");
    expect(stale.out).toContain("No changes.");
    expect(readFileSync(join(work, "fresh-plan.md"), "utf8")).toMatch(/^<!-- backplan-plan:infra -->\n/);
    // the state is on the engine's state server, and no local state file was written
    expect((await stateOnServer()).resources).toHaveLength(4);
    expect(existsSync(join(work, "infra/terraform.tfstate"))).toBe(false);

    writeFileSync(join(work, "infra/main.tf"), readFileSync(join(work, "infra/main.tf"), "utf8").replace("max_latency         = 600000", "max_latency         = 300000"));
    await cli(["plan", "-chdir=infra", "-out", "reviewed2.bin"]);
    writeFileSync(join(work, "infra/extra.tf"), 'output "note" {\n  value = "merged after review"\n}\n');
    const changed = await sh(["reviewed2.bin", "infra"]);
    expect(changed.code, changed.out).toBe(3);
    expect(changed.out).toContain("Error: Saved plan does not match the configuration");
    expect(existsSync(join(work, "fresh-plan.bin"))).toBe(true);

    // the drift job's check reads the same state from the backend (examples/drift-job/github/backplan-drift.yml)
    const drift = await run(process.execPath, [CLI, "drift", "infra", "-input=false", "-json-file", "drift.json"]);
    expect([0, 2], drift.out).toContain(drift.code);
    const report = JSON.parse(readFileSync(join(work, "drift.json"), "utf8")) as { sources: { statePath?: string; managed?: unknown[] }[] };
    expect(JSON.stringify(report.sources[0])).toContain("/engine/v1/states/infra");
    // the reviewed change (max_latency) was refused, so the configuration differs from the state: drift sees it
    expect(drift.out).toContain("zstack_cdp_task.web");
  }, 120_000);
});
