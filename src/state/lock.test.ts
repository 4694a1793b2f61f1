import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireLock, forceUnlock, goTimeRFC3339, goTimeString, lockInfoPath, LockError, type LockInfo } from "./lock.js";
import { openLocalState } from "./local-backend.js";
import { startHelper, type Helper } from "./testing/child.js";

describe("local state lock", () => {
  let dir: string;
  let statePath: string;
  let holder: Helper | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "backplan-lock-"));
    statePath = join(dir, "terraform.tfstate");
  });

  afterEach(async () => {
    if (holder && holder.process.exitCode === null) {
      holder.process.kill("SIGKILL");
      await holder.exited;
    }
    holder = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function holdInOtherProcess(): Promise<LockInfo> {
    holder = startHelper("lock-holder.ts", [statePath, "OperationTypeApply"]);
    const line = await holder.waitFor((l) => l.startsWith("{"));
    return (JSON.parse(line) as { locked: LockInfo }).locked;
  }

  it("writes Terraform's LockInfo JSON and removes it on release", async () => {
    const lock = await acquireLock(statePath, { operation: "OperationTypePlan", info: "why", version: "0.1.0" });
    const onDisk = JSON.parse(readFileSync(lockInfoPath(statePath), "utf8")) as LockInfo;
    expect(Object.keys(onDisk)).toEqual(["ID", "Operation", "Info", "Who", "Version", "Created", "Path", "Pid", "Host"]);
    expect(onDisk.Pid).toBe(process.pid);
    expect(onDisk).toMatchObject({ ID: lock.info.ID, Operation: "OperationTypePlan", Info: "why", Version: "0.1.0", Path: statePath });
    expect(onDisk.Who).toMatch(/.+@.+/);
    await lock.release();
    expect(existsSync(lockInfoPath(statePath))).toBe(false);
  });

  it("takes over a lock whose holder process on this host was killed (kill -9), like Terraform's fcntl lock", async () => {
    const info = await holdInOtherProcess();
    holder!.process.kill("SIGKILL");
    await holder!.exited;
    expect(existsSync(lockInfoPath(statePath))).toBe(true);
    const lock = await acquireLock(statePath, { operation: "OperationTypeApply" });
    expect(lock.info.ID).not.toBe(info.ID);
    await lock.release();
  });

  it("a second process cannot take a held lock and is told who holds it, Terraform style", async () => {
    const info = await holdInOtherProcess();
    const err = await openLocalState({ path: statePath }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockError);
    const msg = (err as LockError).message;
    expect(msg).toContain("Error acquiring the state lock");
    expect(msg).toContain("Lock Info:");
    expect(msg).toContain(`  ID:        ${info.ID}`);
    expect(msg).toContain(`  Path:      ${statePath}`);
    expect(msg).toContain("  Operation: OperationTypeApply");
    expect(msg).toContain(`  Who:       ${info.Who}`);
    expect(msg).toContain("  Version:   test");
    expect(msg).toContain(`  Created:   ${goTimeString(info.Created)}`);
    expect(msg).toContain("  Info:      held by lock-holder");
    expect((err as LockError).holder?.ID).toBe(info.ID);
  });

  it("-lock-timeout waits with backoff and gets the lock once the holder lets go", async () => {
    await holdInOtherProcess();
    const waiting = acquireLock(statePath, { timeoutMs: 20_000 });
    let got = false;
    void waiting.then(() => (got = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toBe(false);
    holder!.process.stdin.write("release\n");
    const lock = await waiting;
    expect(got).toBe(true);
    expect(JSON.parse(readFileSync(lockInfoPath(statePath), "utf8")).ID).toBe(lock.info.ID);
    await lock.release();
  });

  it("force-unlock needs the holder's ID, and a later release by the old holder leaves a new lock alone", async () => {
    const stale = await acquireLock(statePath);
    await expect(forceUnlock(statePath, "wrong-id")).rejects.toThrow(`does not match existing lock ID "${stale.info.ID}"`);
    await forceUnlock(statePath, stale.info.ID);
    const fresh = await acquireLock(statePath);
    await stale.release();
    expect(JSON.parse(readFileSync(lockInfoPath(statePath), "utf8")).ID).toBe(fresh.info.ID);
    await fresh.release();
    await expect(forceUnlock(statePath, fresh.info.ID)).rejects.toThrow("is not locked");
  });

  it("formats times as Go does", () => {
    expect(goTimeRFC3339(new Date("2026-11-25T16:32:35.490Z"))).toBe("2026-11-25T16:32:35.49Z");
    expect(goTimeRFC3339(new Date("2026-11-25T16:32:35.000Z"))).toBe("2026-11-25T16:32:35Z");
    expect(goTimeString("2026-11-25T16:32:35.49076933Z")).toBe("2026-11-25 16:32:35.49076933 +0000 UTC");
  });
});
