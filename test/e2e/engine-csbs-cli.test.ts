import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { call, CSBS_PROVIDER, login, setUpLab, until, type CsbsLab } from "./engine-csbs-lab.js";
import { dashed } from "../../src/engine/domain/csbs/vm-ref.js";

/** The real OpenStack clients Debian packages; CI installs them, and their absence is a failure, not a skip. */
const CLIS = { openstack: "python3-openstackclient", karbor: "python3-karborclient" } as const;

function cli(name: keyof typeof CLIS): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`the \`${name}\` command is missing: install the Debian package ${CLIS[name]} (apt-get install -y ${CLIS[name]})`);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("OpenStack command-line clients against the engine", () => {
  let engine: TestEngine;
  let lab: CsbsLab;
  let env: NodeJS.ProcessEnv;

  const run = (name: keyof typeof CLIS, args: string[]): Promise<Run> => {
    const bin = cli(name);
    return new Promise((resolve) => {
      execFile(bin, args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  };
  const ok = async (name: keyof typeof CLIS, args: string[]): Promise<string> => {
    const r = await run(name, args);
    if (r.code !== 0) throw new Error(`${name} ${args.join(" ")} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };

  beforeAll(async () => {
    engine = await startTestEngine();
    lab = await setUpLab(engine.context, { user: { name: "cli-user", password: "cli-pw", project: "cli-project" } });
    // A clean environment: nothing from the developer's own OpenStack setup may leak in.
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: "C.UTF-8",
      OS_AUTH_URL: `${engine.url}/v3`,
      OS_IDENTITY_API_VERSION: "3",
      OS_USERNAME: "cli-user",
      OS_PASSWORD: "cli-pw",
      OS_PROJECT_NAME: "cli-project",
      OS_USER_DOMAIN_NAME: "Default",
      OS_PROJECT_DOMAIN_NAME: "Default",
      OS_REGION_NAME: "RegionOne",
    };
  });
  afterAll(async () => engine.dispose());

  it("names the Debian package to install when a client is missing", () => {
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect(() => cli("karbor")).toThrow("the `karbor` command is missing: install the Debian package python3-karborclient");
      expect(() => cli("openstack")).toThrow(/python3-openstackclient/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it("`openstack token issue` gets a project-scoped token from the engine's Keystone", async () => {
    const out = JSON.parse(await ok("openstack", ["token", "issue", "-f", "json"])) as Record<string, string>;
    expect(out.project_id).toBe(lab.projectId);
    expect(out.user_id).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.parse(out.expires!.replace(/\+0000$/, "Z"))).toBeGreaterThan(Date.now() + 3000_000);
    // The issued token works against the CSBS API.
    expect((await call(engine.url, "GET", `/v1/${lab.projectId}/policies`, { token: out.id })).status).toBe(200);
  });

  it("`openstack token issue` fails cleanly with a wrong password", async () => {
    const r = await run("openstack", ["--os-password", "wrong", "token", "issue"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/401|authentication/i);
  });

  it("karbor plan-create / plan-list / checkpoint-create / -list / -show / -delete drive real backups", async () => {
    const vm = await lab.vm("cli-web");
    await engine.context.inventory.writeVolume(vm.rootVolumeUuid, 4096, Buffer.from("karbor was here"));

    const created = await ok("karbor", ["plan-create", "cli-plan", CSBS_PROVIDER, `${dashed(vm.uuid)}=OS::Nova::Server=cli-web`, "--description", "from the CLI"]);
    const planId = field(created, "id");
    expect(planId).toMatch(/^[0-9a-f-]{36}$/);
    expect(field(created, "status")).toBe("suspended");
    expect(field(created, "provider_id")).toBe(CSBS_PROVIDER);

    const plans = await ok("karbor", ["plan-list"]);
    expect(plans).toMatch(/\| Id\s+\| Name\s+\| Description\s+\| Provider id\s+\| Status\s+\|/);
    expect(plans).toContain(planId);
    expect(plans).toContain("cli-plan");

    const cp = await ok("karbor", ["checkpoint-create", CSBS_PROVIDER, planId]);
    const checkpointId = field(cp, "id");
    expect(field(cp, "status")).toBe("protecting");

    // Poll over HTTP (each CLI run costs a Python start-up), then read the result with the CLI.
    const { token } = await login(engine.url, "cli-user", "cli-pw", "cli-project");
    const status = async () => (await call(engine.url, "GET", `/v1/${lab.projectId}/providers/${CSBS_PROVIDER}/checkpoints/${checkpointId}`, { token })).body.checkpoint.status as string;
    await until(async () => ((await status()) === "available" ? true : undefined), "checkpoint available");
    const shown = await ok("karbor", ["checkpoint-show", CSBS_PROVIDER, checkpointId]);
    expect(field(shown, "status")).toBe("available");
    expect(shown).toContain(`"provider_id": "${CSBS_PROVIDER}"`);
    expect(shown).toContain(`"name": "cli-plan"`);

    const list = await ok("karbor", ["checkpoint-list", CSBS_PROVIDER, "--plan_id", planId]);
    expect(list).toMatch(new RegExp(`\\| ${checkpointId} \\| ${lab.projectId} \\| available`));

    // The CSBS API sees the same checkpoint, with one item holding the VM's volumes.
    const items = await call(engine.url, "GET", `/v1/${lab.projectId}/checkpoint_items?checkpoint_id=${checkpointId}`, { token });
    expect(items.body.checkpoint_items).toHaveLength(1);
    expect(items.body.checkpoint_items[0].extend_info.volume_backups).toHaveLength(2);

    await ok("karbor", ["checkpoint-delete", CSBS_PROVIDER, checkpointId]);
    await until(async () => ((await status()) === "deleted" ? true : undefined), "checkpoint deleted");
    const listed = await call(engine.url, "GET", `/v1/${lab.projectId}/providers/${CSBS_PROVIDER}/checkpoints`, { token });
    expect(listed.body.checkpoints.map((c: { id: string }) => c.id)).not.toContain(checkpointId);

    const again = await run("karbor", ["checkpoint-delete", CSBS_PROVIDER, checkpointId]);
    expect(again.code).not.toBe(0);
    expect(again.stdout + again.stderr).toMatch(/checkpoint not found/);
  });

  it("karbor reports engine errors as readable messages", async () => {
    const r = await run("karbor", ["checkpoint-create", CSBS_PROVIDER, "00000000-0000-4000-8000-000000000000"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/plan not found.*\(HTTP 404\)/);
    const bad = await run("karbor", ["plan-create", "x", CSBS_PROVIDER, "00000000-0000-4000-8000-000000000000=OS::Nova::Server=ghost"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/can not be found/);
  });
});

/** The value of a row of karbor's `Property | Value` table. */
function field(table: string, key: string): string {
  const m = new RegExp(`^\\|\\s*${key}\\s*\\|\\s*(.*?)\\s*\\|$`, "m").exec(table);
  if (!m) throw new Error(`no ${key} row in:\n${table}`);
  return m[1]!;
}
