import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { MetadataStore } from "../store/metadata-store.js";
import type { Collection } from "../store/collection.js";
import type { Clock } from "./clock.js";
import { DomainError, invalidArgument } from "./errors.js";
import { newZStackUuid } from "./ids.js";

/** A ZStack account. Passwords are kept as ZStack clients send them: the lowercase hex SHA-512 of the text. */
export interface Account {
  uuid: string;
  name: string;
  passwordSha512: string;
  type: "SystemAdmin" | "Normal";
  createDate: number;
  lastOpDate: number;
}

/** A login session; it is valid until `expiredDate` (epoch ms) by the engine clock, or until logged out. */
export interface Session {
  uuid: string;
  accountUuid: string;
  userUuid: string;
  userType: "Account";
  createDate: number;
  expiredDate: number;
}

/** An AccessKey pair for signed (`Authorization: ZStack id:signature`) requests. */
export interface AccessKey {
  uuid: string;
  accessKeyId: string;
  accessKeySecret: string;
  accountUuid: string;
  userUuid: string;
  description: string;
  state: "Enabled" | "Disabled";
  createDate: number;
  lastOpDate: number;
}

/** Who made a request, once authenticated. */
export interface Principal {
  account: Account;
  via: { kind: "session"; session: Session } | { kind: "accessKey"; accessKey: AccessKey };
}

export const ADMIN_ACCOUNT = "admin";
/** ZStack's factory password for `admin`. */
export const DEFAULT_ADMIN_PASSWORD = "password";

export function sha512Hex(text: string): string {
  return createHash("sha512").update(text, "utf8").digest("hex");
}

/**
 * Accounts, sessions and access keys of the ZStack API, persisted in the engine database. Session expiry follows
 * the engine clock: a session created at `t` is valid while `clock.now() < t + timeout`.
 */
export class Accounts {
  private readonly accounts: Collection<Account>;
  private readonly sessions: Collection<Session>;
  private readonly keys: Collection<AccessKey & { uuid: string }>;

  constructor(
    store: MetadataStore,
    private readonly clock: Clock,
    private readonly sessionTimeoutMs: number,
  ) {
    this.accounts = store.collection("account");
    this.sessions = store.collection("session");
    this.keys = store.collection("access-key");
  }

  /** Makes sure the platform administrator `admin` exists (password `password` when it is created). */
  ensureAdmin(): Account {
    const found = this.byName(ADMIN_ACCOUNT);
    if (found) return found;
    const now = this.clock.now();
    return this.accounts.put({
      uuid: newZStackUuid(),
      name: ADMIN_ACCOUNT,
      passwordSha512: sha512Hex(DEFAULT_ADMIN_PASSWORD),
      type: "SystemAdmin",
      createDate: now,
      lastOpDate: now,
    });
  }

  byName(name: string): Account | undefined {
    return this.accounts.all().find((a) => a.name === name);
  }

  account(uuid: string): Account | undefined {
    return this.accounts.get(uuid);
  }

  /** Opens a session for the account; `unauthenticated` when the name or the SHA-512 password does not match. */
  logIn(accountName: string, passwordSha512: string): Session {
    const account = this.byName(accountName);
    if (!account || !sameText(account.passwordSha512, passwordSha512.toLowerCase())) {
      throw new DomainError("unauthenticated", "wrong account name or password");
    }
    this.purgeExpiredSessions();
    const now = this.clock.now();
    return this.sessions.put({
      uuid: newZStackUuid(),
      accountUuid: account.uuid,
      userUuid: account.uuid,
      userType: "Account",
      createDate: now,
      expiredDate: now + this.sessionTimeoutMs,
    });
  }

  /**
   * The account whose name and clear-text password these are (HTTP basic auth, as Terraform's http backend
   * sends it), or undefined. Compared as the stored SHA-512, in constant time.
   */
  verifyPassword(accountName: string, password: string): Account | undefined {
    const account = this.byName(accountName);
    return account && sameText(account.passwordSha512, sha512Hex(password)) ? account : undefined;
  }

  /** The session when it exists and has not expired. */
  validSession(uuid: string): Session | undefined {
    const s = this.sessions.get(uuid);
    if (!s) return undefined;
    if (this.clock.now() >= s.expiredDate) {
      this.sessions.delete(uuid);
      return undefined;
    }
    return s;
  }

  /** Ends a session; ending an unknown or expired one is not an error (as on ZStack). */
  logOut(uuid: string): void {
    this.sessions.delete(uuid);
  }

  createAccessKey(accountUuid: string, description = ""): AccessKey {
    if (!this.accounts.has(accountUuid)) throw invalidArgument("accountUuid", `account[uuid:${accountUuid}] is not found`);
    const now = this.clock.now();
    return this.keys.put({
      uuid: newZStackUuid(),
      accessKeyId: randomToken(20),
      accessKeySecret: randomToken(40),
      accountUuid,
      userUuid: accountUuid,
      description,
      state: "Enabled",
      createDate: now,
      lastOpDate: now,
    });
  }

  accessKeys(): AccessKey[] {
    return this.keys.all();
  }

  /** The enabled access key with this AccessKeyId. */
  accessKey(accessKeyId: string): AccessKey | undefined {
    return this.keys.all().find((k) => k.accessKeyId === accessKeyId && k.state === "Enabled");
  }

  /** Deletes by uuid or AccessKeyId; returns whether one existed. */
  deleteAccessKey(idOrUuid: string): boolean {
    const key = this.keys.get(idOrUuid) ?? this.keys.all().find((k) => k.accessKeyId === idOrUuid);
    return key ? this.keys.delete(key.uuid) : false;
  }

  private purgeExpiredSessions(): void {
    const now = this.clock.now();
    for (const s of this.sessions.all()) if (now >= s.expiredDate) this.sessions.delete(s.uuid);
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}
