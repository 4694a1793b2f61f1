import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpBackend } from "../../src/state/backends/http.js";
import type { Backend } from "../../src/state/backends/backend.js";
import { LockError, type LockInfo } from "../../src/state/lock.js";
import { terraformWorkdir } from "../../src/state/testing/terraform.js";
import { startTestEngine, type TestEngine } from "../support/engine.js";
import { terraformAsync, terraformAsyncOk, terraformWhilePrompting } from "../support/terraform-async.js";

/**
 * The engine as a team's state server, proven with real Terraform 1.11 (`backend "http"`) and with backplan's
 * own http backend, on one state and one lock.
 */

const ADMIN = { username: "admin", password: "password" };

function info(id: string, who: string): LockInfo {
  return { ID: id, Operation: "OperationTypeApply", Info: "", Who: who, Version: "backplan", Created: "2026-12-07T17:00:00Z", Path: "" };
}

function backendBlock(url: string, name: string): string {
  const base = `${url}/engine/v1/states/${name}`;
  return `
terraform {
  backend "http" {
    address        = "${base}"
    lock_address   = "${base}/lock"
    unlock_address = "${base}/lock"
    username       = "admin"
  }
}

resource "terraform_data" "policy" {
  input = "daily"
}

output "policy" {
  value = terraform_data.policy.output
}
`;
}

describe("backplan's http backend against the engine", () => {
  let engine: TestEngine;
  let a: Backend;
  let b: Backend;

  beforeAll(async () => {
    engine = await startTestEngine();
    const settings = (name: string) => ({
      address: `${engine.url}/engine/v1/states/${name}`,
      lock_address: `${engine.url}/engine/v1/states/${name}/lock`,
      unlock_address: `${engine.url}/engine/v1/states/${name}/lock`,
      retry_wait_min: 0,
    });
    a = createHttpBackend(settings("shared"), { TF_HTTP_USERNAME: ADMIN.username, TF_HTTP_PASSWORD: ADMIN.password });
    b = createHttpBackend({ ...settings("shared"), ...ADMIN }, {});
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await engine.dispose();
  });

  it("reads nothing, then what was written under its lock, and excludes a second holder", async () => {
    const sa = a.state("default");
    const sb = b.state("default");
    expect(await sa.read()).toBeUndefined();
    const id = await sa.lock(info("aaaaaaaa-0000-4000-8000-000000000001", "ci@runner"));
    const err = await sb.lock(info("bbbbbbbb-0000-4000-8000-000000000002", "dev@laptop")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockError);
    expect((err as LockError).kind).toBe("held");
    expect((err as LockError).holder).toMatchObject({ ID: id, Who: "ci@runner" });
    expect((err as LockError).message).toContain(`HTTP remote state already locked: ID=${id}`);
    expect(await sb.lockHolder()).toMatchObject({ ID: id });

    const state = Buffer.from(JSON.stringify({ version: 4, serial: 1, lineage: "l-1", outputs: {}, resources: [] }));
    // the writer without the lock is refused; the holder's write carries ?ID= and lands
    await expect(sb.write(state)).rejects.toThrow(/HTTP error: 423.*locked by ci@runner/);
    await sa.write(state);
    expect(Buffer.from((await sb.read())!).toString()).toBe(state.toString());

    await expect(sb.unlock("bbbbbbbb-0000-4000-8000-000000000002")).rejects.toMatchObject({ kind: "id_mismatch" });
    await sa.unlock(id);
    await expect(sa.unlock(id)).rejects.toMatchObject({ kind: "not_locked" });
    expect(await sb.lockHolder()).toBeUndefined();
    await sb.lock(info("bbbbbbbb-0000-4000-8000-000000000002", "dev@laptop"));
    await sb.unlock("bbbbbbbb-0000-4000-8000-000000000002");
  });

  it("force-unlocks from a process that never held the lock, given the holder's ID (backplan force-unlock)", async () => {
    const held = await a.state("default").lock(info("eeeeeeee-0000-4000-8000-000000000005", "crashed@runner"));
    const fresh = createHttpBackend({ address: `${engine.url}/engine/v1/states/shared`, unlock_address: `${engine.url}/engine/v1/states/shared/lock`, ...ADMIN }, {});
    try {
      await expect(fresh.state("default").unlock("ffffffff-0000-4000-8000-000000000006")).rejects.toMatchObject({ kind: "id_mismatch", holder: { ID: held } });
      await fresh.state("default").unlock(held);
      expect(await b.state("default").lockHolder()).toBeUndefined();
    } finally {
      await fresh.close();
    }
  });

  it("has only the default workspace, as Terraform's http backend", async () => {
    expect(await a.workspaces()).toEqual(["default"]);
    expect(() => a.state("dev")).toThrow(/workspaces not supported/);
    await expect(a.deleteWorkspace("dev")).rejects.toThrow(/workspaces not supported/);
    expect(a.describe("default")).toBe(`http state at ${engine.url}/engine/v1/states/shared`);
  });

  it("says auth is wrong when the password is", async () => {
    const bad = createHttpBackend({ address: `${engine.url}/engine/v1/states/shared`, username: "admin", password: "wrong" }, {});
    try {
      await expect(bad.state("default").read()).rejects.toThrow(/requires auth/);
    } finally {
      await bad.close();
    }
  });

  it("retries a refused connection retry_max times, then gives up saying so", async () => {
    const gone = createHttpBackend({ address: "http://127.0.0.1:1/engine/v1/states/x", retry_max: 2, retry_wait_min: 0, retry_wait_max: 0 }, {});
    try {
      await expect(gone.state("default").read()).rejects.toThrow(/Failed to get state: GET http:\/\/127\.0\.0\.1:1\/engine\/v1\/states\/x giving up after 3 attempt\(s\)/);
    } finally {
      await gone.close();
    }
  });
});

describe("Terraform 1.11 backend \"http\" against the engine", { timeout: 240_000 }, () => {
  let engine: TestEngine;
  let dir: string;
  const env = { TF_HTTP_PASSWORD: ADMIN.password };

  beforeAll(async () => {
    engine = await startTestEngine();
    dir = terraformWorkdir({ "main.tf": backendBlock(engine.url, "team") });
  });
  afterAll(async () => {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("inits, applies, plans no-op, and every version is listed", async () => {
    await terraformAsyncOk(dir, ["init", "-input=false", "-no-color"], env);
    await terraformAsyncOk(dir, ["apply", "-auto-approve", "-input=false", "-no-color"], env);
    const plan = await terraformAsync(dir, ["plan", "-detailed-exitcode", "-input=false", "-no-color"], env);
    expect(plan.status, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain("No changes.");

    const versions = await fetch(`${engine.url}/engine/v1/states/team/versions`, { headers: { authorization: basic() } });
    const list = (await json(versions)).versions as { version: number; serial: number; lineage: string; createdBy: string }[];
    expect(list.length).toBeGreaterThanOrEqual(1);
    expect(list.at(-1)!.createdBy).toBe("admin");
    expect(list.map((v) => v.version)).toEqual(list.map((_, i) => i + 1));
    const lineage = list.at(-1)!.lineage;
    expect(lineage).toMatch(/^[0-9a-f-]{36}$/);

    // no lock is left behind
    expect((await fetch(`${engine.url}/engine/v1/states/team/lock`, { headers: { authorization: basic() } })).status).toBe(204);

    // backplan's backend reads the state Terraform wrote
    const be = createHttpBackend({ address: `${engine.url}/engine/v1/states/team`, ...ADMIN }, {});
    try {
      const st = JSON.parse(Buffer.from((await be.state("default").read())!).toString());
      expect(st.lineage).toBe(lineage);
      expect(st.resources.map((r: { type: string; name: string }) => `${r.type}.${r.name}`)).toEqual(["terraform_data.policy"]);
      expect(st.outputs.policy.value).toBe("daily");
    } finally {
      await be.close();
    }
  });

  it("fails while backplan holds the lock, naming the holder's lock ID, and works once it is released", async () => {
    const be = createHttpBackend(
      { address: `${engine.url}/engine/v1/states/team`, lock_address: `${engine.url}/engine/v1/states/team/lock`, unlock_address: `${engine.url}/engine/v1/states/team/lock`, ...ADMIN },
      {},
    );
    const storage = be.state("default");
    const id = await storage.lock(info("cccccccc-0000-4000-8000-000000000003", "backplan@ci"));
    try {
      const blocked = await terraformAsync(dir, ["plan", "-lock-timeout=2s", "-input=false", "-no-color"], env);
      expect(blocked.status).toBe(1);
      expect(blocked.stderr).toContain("Error acquiring the state lock");
      // Terraform wraps the message; its "Lock Info" block describes its own attempt, the holder is the ID here
      expect(blocked.stderr.replace(/\s+/g, " ")).toContain(`HTTP remote state already locked: ID=${id}`);
    } finally {
      await storage.unlock(id);
      await be.close();
    }
    const after = await terraformAsync(dir, ["plan", "-detailed-exitcode", "-input=false", "-no-color"], env);
    expect(after.status, after.stdout + after.stderr).toBe(0);
  });

  it("holds its own lock during apply: backplan's lock fails with Terraform's Lock Info and its write is refused", async () => {
    // Terraform changes the input; while its apply runs, a backplan write without the lock must be refused.
    const { writeFileSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    writeFileSync(join(dir, "main.tf"), readFileSync(join(dir, "main.tf"), "utf8").replace('"daily"', '"hourly"'));
    const be = createHttpBackend({ address: `${engine.url}/engine/v1/states/team`, ...ADMIN }, {});
    let refused = false;
    let holder: LockInfo | undefined;
    const body = Buffer.from(JSON.stringify({ version: 4, serial: 999, lineage: "intruder", outputs: {}, resources: [] }));
    // Terraform holds the lock while it waits for "yes": everything here runs inside its lock, with no race.
    const apply = terraformWhilePrompting(dir, ["apply", "-no-color"], env, async () => {
      const lock = await fetch(`${engine.url}/engine/v1/states/team/lock`, { headers: { authorization: basic() } });
      expect(lock.status).toBe(200);
      const mine = createHttpBackend(
        { address: `${engine.url}/engine/v1/states/team`, lock_address: `${engine.url}/engine/v1/states/team/lock`, unlock_address: `${engine.url}/engine/v1/states/team/lock`, ...ADMIN },
        {},
      );
      holder = await mine
        .state("default")
        .lock(info("99999999-0000-4000-8000-000000000009", "backplan@ci"))
        .then(() => undefined)
        .catch((e: unknown) => (e instanceof LockError ? e.holder : undefined));
      await mine.close();
      refused = await be
        .state("default")
        .write(body)
        .then(() => false)
        .catch((e: Error) => /423/.test(e.message));
      return "yes";
    });
    const r = await apply;
    await be.close();
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(refused).toBe(true);
    // backplan's lock attempt failed with Terraform's own LockInfo as the holder
    expect(holder).toMatchObject({ Operation: "OperationTypeApply", Version: expect.stringMatching(/^1\.1\d\./) });
    const st = await fetch(`${engine.url}/engine/v1/states/team`, { headers: { authorization: basic() } });
    expect((await json(st)).outputs.policy.value).toBe("hourly");
  });
});

function basic(): string {
  return `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString("base64")}`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
async function json(r: Response): Promise<any> {
  return r.json();
}
