import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalFileStorage } from "./backends/local.js";
import type { LockInfo } from "./lock.js";
import { recordLocksAvailable } from "./record-lock.js";

/** Asks another process (as Terraform would) for an exclusive fcntl lock on `path`: "free" or the errno code. */
function otherProcessTries(path: string): string {
  const osLock = createRequire(import.meta.url).resolve("os-lock");
  const script = `const fs=require("fs");const {lock}=require(${JSON.stringify(osLock)});
    const fd=fs.openSync(process.argv[1],"r+");
    lock(fd,{exclusive:true,immediate:true}).then(()=>console.log("free"),(e)=>console.log(e.code));`;
  return spawnSync(process.execPath, ["-e", script, path], { encoding: "utf8" }).stdout.trim();
}

function info(id: string): LockInfo {
  return { ID: id, Operation: "OperationTypeApply", Info: "", Who: "test", Version: "backplan", Created: "2026-12-07T21:00:00Z", Path: "" };
}

describe("Terraform's record lock on a local state file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "bp-record-lock-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is available on this machine (os-lock built)", () => {
    expect(recordLocksAvailable()).toBe(true);
  });

  it("is held while locked, survives reads and atomic writes, and is released on unlock", async () => {
    const path = join(dir, "terraform.tfstate");
    const storage = new LocalFileStorage(path);
    const id = await storage.lock(info("11111111-0000-4000-8000-000000000001"));
    expect(otherProcessTries(path)).toMatch(/^(EAGAIN|EACCES)$/);
    expect(await storage.read()).toBeUndefined(); // the empty file the lock created is no state
    await storage.write(Buffer.from('{"version":4,"serial":1}'));
    await storage.write(Buffer.from('{"version":4,"serial":2}')); // a second replace: the lock moved again
    expect(new TextDecoder().decode(await storage.read())).toBe('{"version":4,"serial":2}');
    expect(otherProcessTries(path)).toMatch(/^(EAGAIN|EACCES)$/);
    await storage.unlock(id);
    expect(otherProcessTries(path)).toBe("free");
    expect(readFileSync(path, "utf8")).toBe('{"version":4,"serial":2}');
  });

  it("removes the empty file it created when nothing was written, as Terraform does", async () => {
    const path = join(dir, "terraform.tfstate");
    const storage = new LocalFileStorage(path);
    const id = await storage.lock(info("22222222-0000-4000-8000-000000000002"));
    expect(existsSync(path)).toBe(true);
    await storage.unlock(id);
    expect(existsSync(path)).toBe(false);
  });
});
