import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StateStorage } from "./backends/backend.js";
import type { LockInfo } from "./lock.js";
import { openStateSession, readStateWithJournal } from "./session.js";
import { decodeStateV4 } from "./v4.js";

/** A backend whose writes fail while `down` is set (a remote server that went away mid-run). */
class FlakyStorage implements StateStorage {
  data: Uint8Array | undefined;
  down = false;
  writes = 0;
  async read() {
    return this.data;
  }
  async write(d: Uint8Array) {
    this.writes++;
    if (this.down) throw new Error("connection refused");
    this.data = d;
  }
  async lock(info: LockInfo) {
    return info.ID;
  }
  async unlock() {}
  async lockHolder() {
    return undefined;
  }
}

const P = 'provider["registry.terraform.io/hashicorp/terraform"]';
const obj = (id: string) => ({ schemaVersion: 0, attributes: { id }, sensitiveAttributes: [], dependencies: [] });

describe("the durable session over any backend", () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("retries a refused write, then saves errored.tfstate, says how to push it, and keeps the journal for the next run", async () => {
    dir = mkdtempSync(join(tmpdir(), "backplan-session-"));
    const storage = new FlakyStorage();
    const journalPath = join(dir, ".terraform/journal/x.journal");
    const erroredPath = join(dir, "errored.tfstate");
    const s = await openStateSession(storage, { journalPath, where: "remote", erroredPath, foldIntervalMs: 0 });
    await s.setInstance("terraform_data.a", obj("one"), { provider: P });
    storage.down = true;
    await expect(s.close()).rejects.toThrow(/backplan state push .*errored\.tfstate/s);
    expect(storage.writes).toBe(3);
    expect(decodeStateV4(readFileSync(erroredPath, "utf8"), erroredPath).getInstance("terraform_data.a")?.attributes.id).toBe("one");
    expect(existsSync(journalPath)).toBe(true);

    // The backend is back: the next open replays the local journal and writes it to the backend.
    storage.down = false;
    const again = await openStateSession(storage, { journalPath, where: "remote", erroredPath });
    await again.close();
    expect(existsSync(journalPath)).toBe(false);
    const stored = await readStateWithJournal(storage, journalPath, "remote");
    expect(stored.state.getInstance("terraform_data.a")?.attributes.id).toBe("one");
  });
});
