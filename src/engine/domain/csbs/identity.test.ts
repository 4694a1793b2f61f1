import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteMetadataStore } from "../../store/sqlite-store.js";
import { Identity } from "./identity.js";

describe("Identity", () => {
  let dir: string;
  let db: SqliteMetadataStore;
  const clock = { t: 1_000_000, now() { return this.t; } };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "csbs-identity-"));
    db = new SqliteMetadataStore(dir);
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
    const dump = JSON.stringify(db.db.prepare("SELECT doc FROM objects").all());
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

  it("revoking a token also revokes the tokens rescoped from it", () => {
    const id = new Identity(db, clock, 3600);
    id.ensureUser({ name: "u", password: "pw", project: "p" });
    const first = id.authenticate({ identity: { method: "password", user: { name: "u", domain: { name: "Default" } }, password: "pw" } });
    const rescoped = id.authenticate({ identity: { method: "token", token: first.token } });
    id.revoke(first.token);
    expect(() => id.validate(rescoped.token)).toThrow(/not valid/);
    expect(() => id.authenticate({ identity: { method: "token", token: first.token } })).toThrow(/not valid/);
  });

  it("a token may validate or revoke only tokens of its own user", () => {
    const id = new Identity(db, clock, 3600);
    id.ensureUser({ name: "a", password: "pw", project: "p" });
    id.ensureUser({ name: "b", password: "pw", project: "p" });
    const a = id.authenticate({ identity: { method: "password", user: { name: "a", domain: { name: "Default" } }, password: "pw" } });
    const a2 = id.authenticate({ identity: { method: "password", user: { name: "a", domain: { name: "Default" } }, password: "pw" } });
    const b = id.authenticate({ identity: { method: "password", user: { name: "b", domain: { name: "Default" } }, password: "pw" } });
    expect(() => id.authorizeTokenAction(b.context, a.context, "revoke_token")).toThrow(/not authorized.*identity:revoke_token/);
    expect(() => id.authorizeTokenAction(a.context, a2.context, "validate_token")).not.toThrow();
  });

  it("backs off after repeated wrong passwords: 429 without checking the password, bounded, cleared by time", () => {
    const id = new Identity(db, clock, 3600);
    id.ensureUser({ name: "u", password: "pw", project: "p" });
    const attempt = (password: string) => () => id.authenticate({ identity: { method: "password", user: { name: "u", domain: { name: "Default" } }, password } });
    for (let i = 0; i < 5; i++) expect(attempt("wrong")).toThrow(/requires authentication/);
    expect(attempt("pw")).toThrow(/Too many failed logins/); // the 5th failure started it: even the right password waits
    clock.t += 60_000;
    expect(attempt("pw")).not.toThrow();
    expect(attempt("wrong")).toThrow(/requires authentication/); // a success cleared the count
  });
});
