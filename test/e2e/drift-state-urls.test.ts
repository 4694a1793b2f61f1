/**
 * `backplan drift` over states named by URL, as one scheduled job checks every stack of a team: the engine's
 * http state server (`http://…/engine/v1/states/NAME`) and Terraform's pg backend table (`pg://…?name=WS`), each
 * written by a backplan apply through that backend.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { startPostgres, type Postgres } from "../support/postgres.js";
import { backplan } from "./plan-harness.js";

const RESOURCES = 'resource "terraform_data" "a" {\n  input = "one"\n}\nresource "terraform_data" "b" {\n  input = "two"\n}\n';

let engine: TestEngine;
let pgsrv: Postgres;
let pgUrl: string;
let base: string;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), "backplan-drift-urls-"));
  engine = await startTestEngine();
  pgsrv = await startPostgres();
  pgUrl = await pgsrv.createDatabase("states");
}, 180_000);
afterAll(async () => {
  await engine?.dispose();
  await pgsrv?.stop();
  rmSync(base, { recursive: true, force: true });
});

async function applyWith(backend: string, workspace?: string): Promise<void> {
  const dir = mkdtempSync(join(base, "stack-"));
  writeFileSync(join(dir, "main.tf"), `terraform {\n${backend}\n}\n${RESOURCES}`);
  const env = { ...process.env, NO_COLOR: "1", TF_CLI_CONFIG_FILE: "/dev/null", TF_HTTP_USERNAME: "admin", TF_HTTP_PASSWORD: "password" };
  const init = await backplan(["init", "-input=false"], dir, { env });
  expect(init.code, init.stdout + init.stderr).toBe(0);
  if (workspace) expect((await backplan(["workspace", "new", workspace], dir, { env })).code).toBe(0);
  const applied = await backplan(["apply", "-auto-approve", "-input=false"], dir, { env });
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
}

/** The http state server's credentials come from Terraform's variables, as for `backend "http"`. */
function driftEnv(password: string): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: "1", TF_CLI_CONFIG_FILE: "/dev/null", TF_HTTP_USERNAME: "admin", TF_HTTP_PASSWORD: password };
}

describe("backplan drift over state URLs", () => {
  it("reads the engine's http state and a pg workspace, and reports each as a source with what it manages", async () => {
    const address = `${engine.url}/engine/v1/states/team-a`;
    await applyWith(`  backend "http" {\n    address = "${address}"\n    lock_address = "${address}/lock"\n    unlock_address = "${address}/lock"\n  }`);
    await applyWith(`  backend "pg" {\n    conn_str = "${pgUrl}"\n  }`, "dev");

    const pgState = `${pgUrl.replace(/^postgres:/, "pg:")}&name=dev`;
    const r = await backplan(["drift", "-json", "-input=false", address, pgState], base, { env: driftEnv("password") });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { sources: { name: string; kind: string; managed: number; errors: string[] }[] };
    expect(report.sources.map((s) => [s.kind, s.managed, s.errors])).toEqual([
      ["state", 2, []],
      ["state", 2, []],
    ]);
    expect(report.sources[0]!.name).toBe(address);
    expect(report.sources[1]!.name).toContain("name=dev");
  }, 300_000);

  it("an unreadable URL is an error of that source, not a silent empty state", async () => {
    const r = await backplan(["drift", "-json", `${engine.url}/engine/v1/states/team-a`], base, { env: driftEnv("wrong") });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { sources: { errors: string[] }[] };
    expect(report.sources[0]!.errors.join("\n")).toMatch(/401|403|auth/i);
  }, 120_000);
});
