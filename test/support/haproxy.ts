/**
 * A real HAProxy (Debian's haproxy, scripts/test-deps.sh installs it) in front of several engine nodes, for the
 * scale-out tests: `startHaproxy(backends)` writes a config into a fresh temp dir, starts haproxy in the
 * foreground on a free 127.0.0.1 port, waits until it answers, and returns its URL. Each node is health-checked
 * (`GET /engine/v1/health` unless told otherwise), so a killed node leaves the rotation within two seconds and a
 * request that reached it before is retried on another node (`retry-on`). The servers are named `node1`,
 * `node2`... in the order given; the log (`output()`) names the server of each request (`nodes/node1`).
 * `stop()` stops that haproxy by its own pid and removes the directory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";

export const HAPROXY = "/usr/sbin/haproxy";

export interface Haproxy {
  readonly url: string;
  /** Everything haproxy printed (its log goes to stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** The haproxy.cfg for `backends` (base URLs such as `http://127.0.0.1:41234`), listening on `port`. */
export function haproxyConfig(port: number, backends: readonly string[], healthPath = "/engine/v1/health"): string {
  const servers = backends.map((b, i) => {
    const u = new URL(b);
    return `  server node${i + 1} ${u.hostname}:${u.port} check inter 500ms fall 3 rise 1`;
  });
  return [
    "global",
    "  log stderr format raw local0 info",
    "  maxconn 4096",
    "defaults",
    "  mode http",
    "  log global",
    "  option httplog",
    "  timeout connect 2s",
    "  timeout client 300s",
    "  timeout server 300s",
    // A node saturated by the clients answers its health check late, not never: with the check timeout at its
    // default (the interval) a busy lone node was taken out of rotation and every request got 503.
    "  timeout check 2s",
    // A node killed between accepting and answering: the request is sent again to another node. Only idempotent
    // requests are retried by haproxy unless told otherwise; a retried POST is what a client's own retry would be.
    "  retries 3",
    "  option redispatch",
    "  retry-on conn-failure empty-response response-timeout",
    "frontend engine",
    `  bind 127.0.0.1:${port}`,
    "  default_backend nodes",
    "backend nodes",
    "  balance roundrobin",
    `  option httpchk GET ${healthPath}`,
    "  http-check expect status 200",
    ...servers,
    "",
  ].join("\n");
}

export async function startHaproxy(backends: readonly string[], healthPath?: string): Promise<Haproxy> {
  const dir = mkdtempSync(join(tmpdir(), "backplan-haproxy-"));
  const port = await freePort();
  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(cfg, haproxyConfig(port, backends, healthPath));
  const child: ChildProcess = spawn(HAPROXY, ["-db", "-f", cfg], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}): ${out}`);
    const ok = await fetch(`${url}${healthPath ?? "/engine/v1/health"}`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`haproxy did not answer on ${url}: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
