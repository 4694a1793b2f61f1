import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "./engine-zstack-client.js";
import { login } from "./engine-csbs-lab.js";

/**
 * Property-based fuzzing of every route family against a real engine: malformed JSON, wrong types, deep nesting,
 * huge bodies, prototype names, LIKE patterns, path traversal, wrong verbs and content types. Bounded (fixed seed,
 * a fixed number of runs per family) so it is deterministic and fits CI. Asserts no 5xx, no request slower than
 * SLOW_MS, and a clean online verify afterwards.
 */
const SEED = 20261207;
const RUNS = 60;
const SLOW_MS = 3000;

const PROTO = ["__proto__", "constructor", "toString", "valueOf", "hasOwnProperty", "prototype"];
const jsonish = fc.oneof(
  fc.json(),
  fc.string(),
  fc.constantFrom("{", "[", '{"a":', "nul", '{"__proto__":{"x":1}}', `${"[".repeat(3000)}${"]".repeat(3000)}`, `{"policy":${"{\"a\":".repeat(2000)}1${"}".repeat(2000)}}`),
  fc.dictionary(fc.constantFrom(...PROTO, "params", "policy", "auth", "name", "size", "volumes"), fc.jsonValue()).map((o) => JSON.stringify(o)),
  fc.integer({ min: 1, max: 3 }).map((n) => `{"x":"${"A".repeat(n * 400_000)}"}`),
);
const segment = fc.oneof(fc.constantFrom("..", "%2e%2e", ".", "%00", "%2F", "__proto__", "constructor", "a".repeat(300)), fc.stringMatching(/^[0-9a-f]{0,40}$/));
const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");
const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "application/json;charset=UTF-8", "");
const likeValue = fc.stringMatching(/^[a%_\\.*+?()[\]{}|^$]{0,40}$/);
const queryField = fc.oneof(fc.constantFrom(...PROTO, "name", "uuid", "state", "vmNics.ip", "vmNics.__proto__", "createDate"), fc.string({ maxLength: 20 }));
const queryOp = fc.constantFrom("=", "!=", ">", "<", ">=", "<=", "?=", "!?=", "~=", "!~=", " is null", " not null", "");

describe("fuzzing every route family (fast-check, fixed seed, bounded)", () => {
  let lab: Lab;
  let token: string;
  let projectId: string;
  const slow: string[] = [];
  const failures: string[] = [];

  beforeAll(async () => {
    lab = await startLab();
    ({ token, projectId } = await login(lab.engine.url, "demo", "password", "demo"));
  });
  afterAll(() => lab.engine.dispose());

  async function send(m: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<void> {
    const started = performance.now();
    const withBody = body !== undefined && m !== "GET" && m !== "HEAD";
    const res = await fetch(lab.engine.url + path, { method: m, headers, ...(withBody ? { body } : {}) });
    await res.arrayBuffer();
    const ms = performance.now() - started;
    if (ms > SLOW_MS) slow.push(`${m} ${path.slice(0, 120)}: ${Math.round(ms)} ms`);
    if (res.status >= 500 && res.status !== 503) failures.push(`${m} ${path.slice(0, 120)} -> ${res.status}`);
    // 503 is how ZStack answers failed synchronous calls (documented); it must carry a ZStack error object.
    if (res.status === 503 && !path.startsWith("/zstack/")) failures.push(`${m} ${path.slice(0, 120)} -> 503 outside ZStack`);
  }

  const zstackAuth = () => ({ authorization: `OAuth ${(lab.client.auth as { session: string }).session}` });

  it("ZStack queries: arbitrary fields, operators, LIKE patterns and paging", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(queryField, queryOp, fc.oneof(likeValue, fc.string({ maxLength: 300 }))), { maxLength: 4 }), fc.constantFrom("", "&limit=-1", "&sort=__proto__", "&fields=constructor", "&start=x"), async (conds, extra) => {
        const q = conds.map(([f, op, v]) => `q=${encodeURIComponent(`${f}${op}${v}`)}`).join("&");
        await send("GET", `/zstack/v1/vm-instances?${q}${extra}`, undefined, zstackAuth());
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(failures).toEqual([]);
  }, 300_000);

  it("bodies of every family: malformed, wrong types, deep, huge, prototype names; wrong verbs and content types", async () => {
    const paths = () => [
      ["/zstack/v1/cdp-backup-storage/policy", zstackAuth()],
      ["/zstack/v1/cdp-backup-storage/task", zstackAuth()],
      ["/zstack/v1/accounts/login", {}],
      [`/v1/${projectId}/policies`, { "x-auth-token": token }],
      [`/v1/${projectId}/providers/fc4d5750-22e7-4798-8a46-f48f62c4c1da/checkpoints`, { "x-auth-token": token }],
      ["/v3/auth/tokens", {}],
      ["/engine/v1/vms", zstackAuth()],
    ] as [string, Record<string, string>][];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 6 }), method, contentType, jsonish, async (which, m, ct, body) => {
        const [path, auth] = paths()[which]!;
        await send(m, path, body, { ...auth, ...(ct ? { "content-type": ct } : {}) });
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
    expect(failures).toEqual([]);
  }, 300_000);

  it("paths: traversal, encoded separators, prototype names, unknown routes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/zstack/v1/", "/v1/", "/v3/", "/engine/v1/", "/"), fc.array(segment, { minLength: 1, maxLength: 5 }), method, async (prefix, segs, m) => {
        await send(m, prefix + segs.join("/"), "{}", { ...zstackAuth(), "x-auth-token": token, "content-type": "application/json" });
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(failures).toEqual([]);
  }, 300_000);

  it("afterwards: no slow request, and the backup storage verifies clean", async () => {
    expect(slow).toEqual([]);
    const [bs] = await lab.client.query("/zstack/v1/backup-storage");
    const online = await lab.client.request("POST", `/engine/v1/backup-storages/${bs.uuid}/verify`);
    expect(online.json).toMatchObject({ ok: true });
  }, 120_000);
});
