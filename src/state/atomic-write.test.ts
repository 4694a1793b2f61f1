import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openLocalState } from "./local-backend.js";

describe("temp files a killed apply left", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("are removed when the state is next opened with its lock; a live writer's are kept", async () => {
    const dir = mkdtempSync(join(tmpdir(), "backplan-atomic-"));
    dirs.push(dir);
    // pid 2^22+1 is above the largest pid Linux hands out: no such process.
    writeFileSync(join(dir, ".terraform.tfstate.journal.tmp-4194305-0badcafe"), "x");
    writeFileSync(join(dir, ".terraform.tfstate.tmp-4194305-0badbeef"), "x");
    writeFileSync(join(dir, `.terraform.tfstate.tmp-${process.pid}-00c0ffee`), "x");
    const session = await openLocalState({ dir });
    await session.close();
    expect(readdirSync(dir).filter((n) => n.includes(".tmp-"))).toEqual([`.terraform.tfstate.tmp-${process.pid}-00c0ffee`]);
  });

  it("are removed before the first write under -lock=false too (the way past a lock a killed run left)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "backplan-atomic-"));
    dirs.push(dir);
    writeFileSync(join(dir, ".terraform.tfstate.backup.tmp-4194305-0badcafe"), "x");
    writeFileSync(join(dir, `.terraform.tfstate.tmp-${process.pid}-00c0ffee`), "x");
    const session = await openLocalState({ dir, lock: false });
    await session.setOutput("o", { value: 1, type: "number", sensitive: false });
    await session.close();
    expect(readdirSync(dir).filter((n) => n.includes(".tmp-"))).toEqual([`.terraform.tfstate.tmp-${process.pid}-00c0ffee`]);
  });
});
