import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ZStackClient } from "./engine-zstack-client.js";

const ROOT = resolve(import.meta.dirname, "../..");

/** `backplan engine serve --demo` as a user runs it: the printed endpoints and logins work. */
describe("backplan engine serve --demo", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "backplan-zstack-cli-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("prints the endpoints, the admin login and the demo AccessKey, which work; stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "engine", "serve", "--demo", "--data", dataDir, "--listen", "127.0.0.1:0"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!/ZStack AccessKey: \S+ \/ \S+/.test(out)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`engine did not print its logins:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
      expect(out).toContain(`ZStack API: ${url}/zstack/v1`);
      expect(out).toContain(`Admin API:  ${url}/engine/v1`);
      expect(out).toContain("ZStack account:   admin / password");
      expect(out).toContain("CSBS / Keystone:  user demo / password");
      const [, id, secret] = /ZStack AccessKey: (\S+) \/ (\S+)/.exec(out)!;

      const client = new ZStackClient(url);
      const byKey = await client.get("/zstack/v1/vm-instances?count=true", { accessKey: { id: id!, secret: secret! } });
      expect(byKey.json).toEqual({ total: 4 });
      await client.login("admin", "password");
      expect(await client.query("/zstack/v1/zones")).toHaveLength(1);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
