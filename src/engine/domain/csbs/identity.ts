import { createHash, randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import type { Clock } from "../clock.js";
import { newZStackUuid } from "../ids.js";
import type { MetadataStore } from "../../store/metadata-store.js";
import type { Collection } from "../../store/collection.js";
import { CsbsError } from "./errors.js";

/** Keystone's default token lifetime (`[token] expiration = 3600`). */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

export interface IdentityDomain {
  uuid: string; // Keystone domain id ("default" for Default)
  name: string;
  enabled: boolean;
}

export interface IdentityProject {
  uuid: string; // 32 hex, like Keystone project ids
  name: string;
  domainId: string;
  enabled: boolean;
}

export interface IdentityUser {
  uuid: string;
  name: string;
  domainId: string;
  enabled: boolean;
  /** `scrypt$<salt hex>$<hash hex>`; the password itself is never stored. */
  passwordHash: string;
  /** Projects the user holds the `member` role on. */
  projectIds: string[];
  defaultProjectId: string | null;
}

/** A token as stored: keyed by the SHA-256 of the token string, so the database never holds usable tokens. */
export interface TokenRecord {
  uuid: string;
  userId: string;
  projectId: string | null;
  methods: ("password" | "token")[];
  issuedAt: number;
  expiresAt: number;
  auditId: string;
}

/** Who a valid token speaks for. */
export interface TokenContext {
  token: TokenRecord;
  user: IdentityUser;
  userDomain: IdentityDomain;
  project: IdentityProject | null;
  projectDomain: IdentityDomain | null;
}

export type UserRef = { id: string } | { name: string; domain: { id: string } | { name: string } };
export type ProjectRef = { id: string } | { name: string; domain: { id: string } | { name: string } };

/** What `POST /v3/auth/tokens` asks for, already validated for shape. */
export interface AuthRequest {
  identity: { method: "password"; user: UserRef; password: string } | { method: "token"; token: string };
  /** Absent: scope to the user's default project when there is one (Keystone's behaviour), else unscoped. */
  scope?: { project: ProjectRef };
}

export interface IssuedToken {
  token: string;
  context: TokenContext;
}

export interface NewUser {
  name: string;
  password: string;
  project: string;
  /** Domain name; `Default` (id `default`) when absent. */
  domain?: string;
}

/**
 * Keystone v3 identity for the CSBS API: domains, projects, users with passwords, and bearer tokens with expiry.
 * Every object is persisted, so tokens survive an engine restart until they expire.
 */
export class Identity {
  readonly domains: Collection<IdentityDomain>;
  readonly projects: Collection<IdentityProject>;
  readonly users: Collection<IdentityUser>;
  readonly tokens: Collection<TokenRecord>;
  private readonly backOff = new LoginBackOff();

  constructor(
    store: MetadataStore,
    private readonly clock: Clock,
    private readonly tokenLifetimeSeconds = DEFAULT_TOKEN_LIFETIME_SECONDS,
  ) {
    this.domains = store.collection("csbs-domain");
    this.projects = store.collection("csbs-project");
    this.users = store.collection("csbs-user");
    this.tokens = store.collection("csbs-token");
  }

  /**
   * Makes sure the domain, the project in it and the user (member of that project, with it as default project)
   * exist, creating what is missing. Idempotent; an existing user keeps their password. Returns the three objects.
   */
  ensureUser(spec: NewUser): { domain: IdentityDomain; project: IdentityProject; user: IdentityUser } {
    const domain = this.ensureDomain(spec.domain ?? "Default");
    let project = this.projects.all().find((p) => p.domainId === domain.uuid && p.name === spec.project);
    project ??= this.projects.put({ uuid: newZStackUuid(), name: spec.project, domainId: domain.uuid, enabled: true });
    let user = this.users.all().find((u) => u.domainId === domain.uuid && u.name === spec.name);
    if (!user) {
      user = this.users.put({
        uuid: newZStackUuid(),
        name: spec.name,
        domainId: domain.uuid,
        enabled: true,
        passwordHash: hashPassword(spec.password),
        projectIds: [project.uuid],
        defaultProjectId: project.uuid,
      });
    } else if (!user.projectIds.includes(project.uuid)) {
      user = this.users.put({ ...user, projectIds: [...user.projectIds, project.uuid] });
    }
    return { domain, project, user };
  }

  ensureDomain(name: string): IdentityDomain {
    const found = this.domains.all().find((d) => d.name === name);
    if (found) return found;
    const uuid = name === "Default" ? "default" : newZStackUuid();
    return this.domains.put({ uuid, name, enabled: true });
  }

  /**
   * Authenticates and issues a token. Password auth checks the password; token auth re-scopes an existing valid
   * token and keeps its expiry (a token can't be used to extend its own life). Throws `bad_credentials` (401)
   * for wrong credentials and unknown users or projects the user is not a member of, like Keystone does.
   */
  authenticate(req: AuthRequest): IssuedToken {
    const now = this.clock.now();
    let user: IdentityUser;
    let expiresAt = now + this.tokenLifetimeSeconds * 1000;
    let methods: TokenRecord["methods"];
    let auditId = randomBytes(16).toString("base64url").slice(0, 22);
    switch (req.identity.method) {
      case "password": {
        const key = "id" in req.identity.user ? `id:${req.identity.user.id}` : `name:${JSON.stringify(req.identity.user.domain)}/${req.identity.user.name}`;
        this.backOff.check(key, now);
        const found = this.findUser(req.identity.user);
        if (!found || !found.enabled || !verifyPassword(req.identity.password, found.passwordHash)) {
          this.backOff.failed(key, now);
          throw new CsbsError("bad_credentials", "The request you have made requires authentication.");
        }
        this.backOff.succeeded(key);
        user = found;
        methods = ["password"];
        break;
      }
      case "token": {
        const ctx = this.validate(req.identity.token);
        user = ctx.user;
        expiresAt = ctx.token.expiresAt;
        methods = [...new Set([...ctx.token.methods, "token" as const])];
        auditId = ctx.token.auditId;
        break;
      }
    }
    let project: IdentityProject | null = null;
    if (req.scope) {
      const found = this.findProject(req.scope.project);
      if (!found || !found.enabled || !user.projectIds.includes(found.uuid)) {
        throw new CsbsError("bad_credentials", "The request you have made requires authentication.", "auth.scope.project");
      }
      project = found;
    } else if (user.defaultProjectId && user.projectIds.includes(user.defaultProjectId)) {
      project = this.projects.get(user.defaultProjectId) ?? null;
    }
    const token = randomBytes(32).toString("base64url");
    const record = this.tokens.put({
      uuid: tokenKey(token),
      userId: user.uuid,
      projectId: project?.uuid ?? null,
      methods,
      issuedAt: now,
      expiresAt,
      auditId,
    });
    this.pruneExpired(now);
    return { token, context: this.contextOf(record, user, project) };
  }

  /** The context of a token that exists and has not expired; otherwise throws `token_invalid` (401). */
  validate(token: string): TokenContext {
    const record = this.tokens.get(tokenKey(token));
    if (!record) throw new CsbsError("token_invalid", "The token is not valid.");
    if (record.expiresAt <= this.clock.now()) throw new CsbsError("token_invalid", "The token has expired.");
    const user = this.users.get(record.userId);
    if (!user || !user.enabled) throw new CsbsError("token_invalid", "The token's user no longer exists.");
    const project = record.projectId ? (this.projects.get(record.projectId) ?? null) : null;
    if (record.projectId && !project) throw new CsbsError("token_invalid", "The token's project no longer exists.");
    return this.contextOf(record, user, project);
  }

  /**
   * Revokes a token and every token rescoped from it or from which it was rescoped (they share its audit chain,
   * as Keystone's audit_chain_id): a token obtained from a revoked one must stop working too. Unknown tokens are
   * not an error.
   */
  revoke(token: string): void {
    const record = this.tokens.get(tokenKey(token));
    if (!record) return;
    for (const t of this.tokens.all()) if (t.auditId === record.auditId) this.tokens.delete(t.uuid);
  }

  /**
   * Keystone's policy for `identity:validate_token` and `identity:revoke_token` (admin, or the token's own
   * subject): the engine's users hold no admin role, so a token may only check or revoke tokens of its own
   * user. Throws `token_forbidden` (403) otherwise.
   */
  authorizeTokenAction(caller: TokenContext, subject: TokenContext, action: "validate_token" | "revoke_token"): void {
    if (caller.user.uuid !== subject.user.uuid) {
      throw new CsbsError("token_forbidden", `You are not authorized to perform the requested action: identity:${action}.`);
    }
  }

  private contextOf(token: TokenRecord, user: IdentityUser, project: IdentityProject | null): TokenContext {
    return {
      token,
      user,
      userDomain: this.domains.get(user.domainId)!,
      project,
      projectDomain: project ? (this.domains.get(project.domainId) ?? null) : null,
    };
  }

  private findUser(ref: UserRef): IdentityUser | undefined {
    if ("id" in ref) return this.users.get(ref.id);
    const domain = this.findDomain(ref.domain);
    return domain && this.users.all().find((u) => u.domainId === domain.uuid && u.name === ref.name);
  }

  private findProject(ref: ProjectRef): IdentityProject | undefined {
    if ("id" in ref) return this.projects.get(ref.id);
    const domain = this.findDomain(ref.domain);
    return domain && this.projects.all().find((p) => p.domainId === domain.uuid && p.name === ref.name);
  }

  private findDomain(ref: { id: string } | { name: string }): IdentityDomain | undefined {
    return "id" in ref ? this.domains.get(ref.id) : this.domains.all().find((d) => d.name === ref.name);
  }

  private pruneExpired(now: number): void {
    for (const t of this.tokens.all()) if (t.expiresAt <= now) this.tokens.delete(t.uuid);
  }
}

/**
 * Per-user login back-off: after FREE_FAILURES wrong passwords in a row, each further attempt within
 * 2^(failures - FREE_FAILURES) seconds (at most MAX_DELAY_S) is refused with `too_many_attempts` (429) without
 * checking the password, so guessing costs time. A success clears it. In memory, bounded to MAX_TRACKED users.
 */
class LoginBackOff {
  static readonly FREE_FAILURES = 5;
  static readonly MAX_DELAY_S = 60;
  static readonly MAX_TRACKED = 10_000;
  private readonly failures = new Map<string, { count: number; blockedUntil: number }>();

  check(key: string, now: number): void {
    const f = this.failures.get(key);
    if (f && now < f.blockedUntil) {
      const wait = Math.ceil((f.blockedUntil - now) / 1000);
      throw new CsbsError("too_many_attempts", `Too many failed logins for this user; retry in ${wait} s.`);
    }
  }

  failed(key: string, now: number): void {
    const f = this.failures.get(key) ?? { count: 0, blockedUntil: 0 };
    f.count++;
    const over = f.count - LoginBackOff.FREE_FAILURES;
    if (over >= 0) f.blockedUntil = now + Math.min(2 ** over, LoginBackOff.MAX_DELAY_S) * 1000;
    this.failures.delete(key);
    this.failures.set(key, f);
    if (this.failures.size > LoginBackOff.MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }
}

function tokenKey(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString("hex")}$${scryptSync(password, salt, 32).toString("hex")}`;
}

function verifyPassword(password: string, stored: string): boolean {
  const [scheme, saltHex, hashHex] = stored.split("$");
  if (scheme !== "scrypt" || !saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, "hex");
  const actual = scryptSync(password, Buffer.from(saltHex, "hex"), expected.length);
  return timingSafeEqual(actual, expected);
}
