import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteMetadataStore } from "../store/sqlite-store.js";
import { Accounts, sha512Hex } from "./accounts.js";
import { DomainError } from "./errors.js";

describe("Accounts", () => {
  let db: SqliteMetadataStore;
  let dir: string;
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const make = (now: () => number) => {
    dir = mkdtempSync(join(tmpdir(), "backplan-accounts-"));
    db = new SqliteMetadataStore(dir);
    return new Accounts(db, { now }, 1000);
  };

  it("creates admin/password once and logs in with the SHA-512 hex (any case)", () => {
    const accounts = make(() => 0);
    const admin = accounts.ensureAdmin();
    expect(accounts.ensureAdmin().uuid).toBe(admin.uuid);
    const s = accounts.logIn("admin", sha512Hex("password").toUpperCase());
    expect(s).toMatchObject({ accountUuid: admin.uuid, userUuid: admin.uuid, createDate: 0, expiredDate: 1000 });
    expect(() => accounts.logIn("admin", sha512Hex("wrong"))).toThrow(DomainError);
    expect(() => accounts.logIn("nobody", sha512Hex("password"))).toThrow("wrong account name or password");
  });

  it("expires sessions at createDate + timeout and logs out", () => {
    let now = 0;
    const accounts = make(() => now);
    accounts.ensureAdmin();
    const s = accounts.logIn("admin", sha512Hex("password"));
    now = 999;
    expect(accounts.validSession(s.uuid)).toBeDefined();
    now = 1000;
    expect(accounts.validSession(s.uuid)).toBeUndefined();
    const t = accounts.logIn("admin", sha512Hex("password"));
    accounts.logOut(t.uuid);
    expect(accounts.validSession(t.uuid)).toBeUndefined();
  });

  it("creates, finds and deletes AccessKeys", () => {
    const accounts = make(() => 0);
    const admin = accounts.ensureAdmin();
    const k = accounts.createAccessKey(admin.uuid, "ci");
    expect(accounts.accessKey(k.accessKeyId)?.accessKeySecret).toBe(k.accessKeySecret);
    expect(() => accounts.createAccessKey("nope")).toThrow("account[uuid:nope] is not found");
    expect(accounts.deleteAccessKey(k.accessKeyId)).toBe(true);
    expect(accounts.accessKey(k.accessKeyId)).toBeUndefined();
  });
});
