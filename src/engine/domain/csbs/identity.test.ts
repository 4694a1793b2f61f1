import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../store/db.js";
import { Identity } from "./identity.js";

describe("Identity", () => {
  let dir: string;
  let db: Db;
  const clock = { t: 1_000_000, now() { return this.t; } };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "csbs-identity-"));
    db = openDb(dir);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates users idempotently and never stores the password or the token in clear", () => {
    const id = new Identity(db, clock, 60);
    const a = id.ensureUser({ name: "u", password: "pw", project: "p" });
    const b = id.ensureUser({ name: "u", password: "other", project: "p" });
    expect(b.user.uuid).toBe(a.user.uuid);
    expect(a.domain).toEqual({ uuid: "default", name: "Default", enabled: true });
    const issued = id.authenticate({ identity: { method: "password", user: { name: "u", domain: { name: "Default" } }, password: "pw" } });
    const dump = JSON.stringify(db.prepare("SELECT doc FROM objects").all());
    expect(dump).not.toContain('"pw"');
    expect(dump).not.toContain(issued.token);
    expect(issued.context.project?.name).toBe("p"); // unscoped requests get the default project
  });

  it("expires tokens and keeps a re-scoped token's expiry", () => {
    const id = new Identity(db, clock, 60);
    const { project } = id.ensureUser({ name: "u", password: "pw", project: "p" });
    const first = id.authenticate({ identity: { method: "password", user: { name: "u", domain: { id: "default" } }, password: "pw" }, scope: { project: { id: project.uuid } } });
    clock.t += 30_000;
    const second = id.authenticate({ identity: { method: "token", token: first.token } });
    expect(second.context.token.expiresAt).toBe(first.context.token.expiresAt);
    clock.t += 30_000;
    expect(() => id.validate(second.token)).toThrow(/expired/);
  });

  it("refuses wrong passwords and projects the user is not a member of", () => {
    const id = new Identity(db, clock);
    id.ensureUser({ name: "u", password: "pw", project: "p" });
    const other = id.ensureUser({ name: "v", password: "pw", project: "q" }).project;
    const user = { name: "u", domain: { name: "Default" } };
    expect(() => id.authenticate({ identity: { method: "password", user, password: "PW" } })).toThrow(expect.objectContaining({ reason: "bad_credentials" }) as Error);
    expect(() => id.authenticate({ identity: { method: "password", user, password: "pw" }, scope: { project: { id: other.uuid } } })).toThrow(
      expect.objectContaining({ reason: "bad_credentials" }) as Error,
    );
  });
});
