/**
 * Bridge benchmark: N `zstack_cdp_task` resources (default 1,000 and 5,000, each protecting its own VM) on one
 * demo engine, applied and planned (with refresh) by backplan natively and by Terraform through the tfplugin6
 * bridge. Also the provider executable's start-up: exec to handshake line, the cost Terraform pays on each of
 * its several launches per command. Target: native plan at 5k ≥ 10× faster than Terraform's.
 * Prints Markdown to stdout, progress to stderr.
 *
 *   npx tsx test/bench/bridge.bench.ts [--sizes 1000,5000] [--terraform-apply-sizes 1000] [--launches 10]
 *   npx tsx test/bench/bridge.bench.ts --launches-only [--launches 10]   (start-up only: no engine, no Terraform)
 *   node dist/test/bench/bridge.bench.js ...   (after npm run build)
 *
 * `--tasks-disabled` creates every task with `enabled = false`: the engine then cuts no recovery points for
 * them. With every task enabled, 10,000 tasks are 10,000 CDP journals cutting a point each minute on the engine,
 * whose shared store lock scans every holder's marker per point: the benchmark then measured the engine's CDP
 * scheduler (a 3,000-task apply took 226 s at load 5, 1,000 tasks 49 s), not the reads it is about. Disabled
 * tasks are the same objects to read: refreshes fetch and compare them exactly as enabled ones.
 *
 * `--terraform-apply-sizes` lists the sizes at which Terraform applies its own copy of the resources (default:
 * every size). At the other sizes Terraform skips its apply (at 5,000 it takes far longer than everything else,
 * its whole-state rewrite after each instance being quadratic) and plans against a copy of the state backplan
 * just applied, which Terraform reads as its own: both plans then refresh the very same objects.
 *
 * Both tools reach the engine through a counting proxy in this process: each step's row says how many HTTP
 * requests it made (a refresh that reads in batches makes a handful of list requests, not one GET per object).
 *
 * Needs Terraform at /usr/local/bin/terraform (or BACKPLAN_TERRAFORM) and a built dist/ (the CLI and the
 * provider bundle).
 */
import { spawn } from "node:child_process";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startEngine } from "../../src/engine/server.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = existsSync(join(HERE, "../../package.json")) ? resolve(HERE, "../..") : resolve(HERE, "../../..");
const CLI = join(REPO, "dist/src/cli/main.js");
const TERRAFORM = process.env["BACKPLAN_TERRAFORM"] ?? "/usr/local/bin/terraform";
const COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

const log = (s: string) => process.stderr.write(`[bridge.bench] ${s}\n`);

function timed(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}, okCodes = [0]): Promise<number> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    let err = "";
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on("exit", (code) => {
      const s = (performance.now() - t0) / 1000;
      if (okCodes.includes(code ?? -1)) done(s);
      else fail(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${err}`));
    });
  });
}

/** One launch of a provider executable, timed as Terraform experiences it. */
interface Launch {
  /** Wall-clock milliseconds from exec to the handshake line. */
  handshakeMs: number;
  /** CPU milliseconds (user + system) the provider had used by then; undefined where /proc is missing. */
  handshakeCpuMs: number | undefined;
  /** Wall-clock milliseconds from exec to the answer of GetProviderSchema, Terraform's first call. */
  schemaMs: number;
}

/** The one RPC the start-up measurement calls, on a generic grpc-js client. */
interface SchemaClient {
  GetProviderSchema(req: object, callback: (err: Error | null) => void): void;
  close(): void;
}

/** User + system CPU time of a live process, from /proc (Linux; 10 ms resolution). */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Launches the installed provider executable `count` times, one after another, as Terraform does: the launch
 * environment with a client certificate (so the provider sets up mutual TLS), then GetProviderSchema over it.
 */
async function measureLaunches(executable: string, count: number): Promise<Launch[]> {
  const grpc = await import("@grpc/grpc-js");
  const { X509Certificate } = await import("node:crypto");
  const { selfSignedCertificate } = await import("../../src/bridge/certificate.js");
  const { loadCodec, serviceDefinition } = await import("../../src/bridge/proto/codec.js");
  const clientCert = selfSignedCertificate();
  const Client = grpc.makeGenericClientConstructor(serviceDefinition("tfplugin6.Provider", await loadCodec()), "Provider");
  const once = () =>
    new Promise<Launch>((done, fail) => {
      const t0 = performance.now();
      const env = { ...process.env, TF_PLUGIN_MAGIC_COOKIE: COOKIE, PLUGIN_PROTOCOL_VERSIONS: "6", PLUGIN_CLIENT_CERT: clientCert.certPem };
      const child = spawn(executable, [], { env, stdio: ["ignore", "pipe", "inherit"] });
      child.on("error", fail);
      child.stdout.once("data", (line: Buffer) => {
        const handshakeMs = performance.now() - t0;
        const handshakeCpuMs = cpuMs(child.pid!);
        const [, , , addr, , der] = line.toString().trim().split("|");
        const serverPem = new X509Certificate(Buffer.from(der!, "base64")).toString();
        const creds = grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem));
        const client = new Client(addr!, creds, { "grpc.ssl_target_name_override": "localhost" }) as unknown as SchemaClient;
        client.GetProviderSchema({}, (err) => {
          const schemaMs = performance.now() - t0;
          client.close();
          child.kill("SIGKILL");
          if (err) fail(err);
          else done({ handshakeMs, handshakeCpuMs, schemaMs });
        });
      });
    });
  const launches: Launch[] = [];
  for (let i = 0; i < count; i++) launches.push(await once());
  return launches;
}

/** "median 180 ms (min 150, max 260)" */
function spread(values: readonly number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(0)} ms (min ${s[0]!.toFixed(0)}, max ${s[s.length - 1]!.toFixed(0)})`;
}

function launchSummary(launches: readonly Launch[], loadAtStart: number): string {
  const cpu = launches.map((l) => l.handshakeCpuMs).filter((c): c is number => c !== undefined);
  return [
    `Provider executable start-up, ${launches.length} launches one after another (load average ${loadAtStart.toFixed(1)} at start):`,
    "",
    `- exec to handshake line, wall: ${spread(launches.map((l) => l.handshakeMs))} (target < 300 ms)`,
    ...(cpu.length ? [`- exec to handshake line, CPU (user + system): ${spread(cpu)}`] : []),
    `- exec to GetProviderSchema answered over mutual TLS, wall: ${spread(launches.map((l) => l.schemaMs))}`,
  ].join("\n");
}

/** `--launches-only`: installs the providers in a scratch directory and measures start-up alone. */
async function launchesOnly(launches: number): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: npm run build first`);
  const work = mkdtempSync(join(tmpdir(), "backplan-bridge-launch-"));
  try {
    const install = join(work, "install");
    await timed(process.execPath, [CLI, "terraform", "install", "-dir", install], REPO);
    const load = load1();
    process.stdout.write(launchSummary(await measureLaunches(join(install, "bin", "terraform-provider-zstack"), launches), load) + "\n");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** An HTTP proxy in front of the engine that counts the requests passing through it. */
interface CountingProxy {
  url: string;
  /** Requests since the last `take()`, by method; resets the count. */
  take(): { total: number; byMethod: Record<string, number> };
  close(): Promise<void>;
}

async function countingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  let byMethod: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    const m = req.method ?? "GET";
    byMethod[m] = (byMethod[m] ?? 0) + 1;
    const up = httpRequest({ host: to.hostname, port: to.port, method: m, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(up);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    take() {
      const out = { total: Object.values(byMethod).reduce((a, b) => a + b, 0), byMethod };
      byMethod = {};
      return out;
    },
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** "10,012 (GET 10,000, POST 12)" */
function requestsText(r: { total: number; byMethod: Record<string, number> } | undefined): string {
  if (!r) return "—";
  const parts = Object.entries(r.byMethod)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([m, n]) => `${m} ${n.toLocaleString("en-US")}`);
  return `${r.total.toLocaleString("en-US")}${parts.length ? ` (${parts.join(", ")})` : ""}`;
}

class Api {
  private session = "";
  constructor(readonly base: string) {}
  async login(): Promise<void> {
    const { createHash } = await import("node:crypto");
    const password = createHash("sha512").update("password").digest("hex");
    const r = await this.req("PUT", "/zstack/v1/accounts/login", { logInByAccount: { accountName: "admin", password } });
    this.session = (r as { inventory: { uuid: string } }).inventory.uuid;
  }
  async req(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(this.base + path, {
      method,
      headers: { "content-type": "application/json", ...(this.session ? { authorization: `OAuth ${this.session}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }
}

function config(endpoint: string, bs: string, vms: readonly string[], disabled: boolean): string {
  const head = `terraform {
  required_providers {
    zstack = { source = "backplan/zstack" }
  }
}

provider "zstack" {
  endpoint         = "${endpoint}/zstack"
  account_name     = "admin"
  account_password = "password"
}

resource "zstack_cdp_policy" "p" {
  name                      = "bench"
  recovery_point_per_second = 60
  retention_time_per_day    = 1
}
`;
  const tasks = vms.map(
    (vm, i) => `resource "zstack_cdp_task" "t${i}" {
  name                = "t${i}"
  policy_uuid         = zstack_cdp_policy.p.uuid
  backup_storage_uuid = "${bs}"
  resource_uuids      = ["${vm}"]${disabled ? "\n  enabled             = false" : ""}
}
`,
  );
  return head + "\n" + tasks.join("\n");
}

interface Row {
  n: number;
  step: string;
  backplan: number;
  /** Undefined when Terraform did not run the step (see `--terraform-apply-sizes`). */
  terraform: number | undefined;
  /** 1-minute load average when backplan's and Terraform's step started: the machine may be shared. */
  load: [number, number | undefined];
  /** HTTP requests each tool made to the engine during the step. */
  requests: [ReturnType<CountingProxy["take"]>, ReturnType<CountingProxy["take"]> | undefined];
}

const load1 = () => loadavg()[0]!;

async function main(): Promise<void> {
  if (!existsSync(TERRAFORM)) throw new Error(`Terraform not found at ${TERRAFORM}`);
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: npm run build first`);
  const sizes = arg("sizes", "1000,5000").split(",").map(Number);
  const tfApplySizes = new Set(arg("terraform-apply-sizes", sizes.join(",")).split(",").map(Number).filter((n) => n > 0));
  const disabled = process.argv.includes("--tasks-disabled");
  const launches = Number(arg("launches", "10"));
  const work = mkdtempSync(join(tmpdir(), "backplan-bridge-bench-"));
  const engine = await startEngine({ port: 0, host: "127.0.0.1", dataDir: join(work, "engine"), demo: true });
  const proxy = await countingProxy(engine.url);
  const rows: Row[] = [];
  try {
    const install = join(work, "install");
    await timed(process.execPath, [CLI, "terraform", "install", "-dir", install], REPO);
    const tfEnv = { TF_CLI_CONFIG_FILE: join(install, "terraformrc"), CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };

    const launchLoad = load1();
    const startups = await measureLaunches(join(install, "bin", "terraform-provider-zstack"), launches);

    const api = new Api(engine.url);
    await api.login();
    const bsList = (await api.req("GET", "/zstack/v1/backup-storage")) as { inventories: { uuid: string; type: string }[] };
    const bs = bsList.inventories.find((b) => b.type === "ImageStoreBackupStorage")!.uuid;
    for (const n of sizes) {
      const shared = !tfApplySizes.has(n);
      const vmCount = shared ? n : 2 * n;
      log(`creating ${vmCount} VMs`);
      const vmStart = performance.now();
      const vms: string[] = [];
      for (let i = 0; i < vmCount; i++) {
        const r = (await api.req("POST", "/engine/v1/vms", { name: `bench-${n}-${i}`, volumes: [{ size: 1 << 20 }] })) as { inventory: { uuid: string } };
        vms.push(r.inventory.uuid);
      }
      log(`created ${vmCount} VMs in ${((performance.now() - vmStart) / 1000).toFixed(1)} s`);
      const bpDir = join(work, `bp-${n}`);
      const tfDir = join(work, `tf-${n}`);
      mkdirSync(bpDir);
      mkdirSync(tfDir);
      writeFileSync(join(bpDir, "main.tf"), config(proxy.url, bs, vms.slice(0, n), disabled));
      writeFileSync(join(tfDir, "main.tf"), config(proxy.url, bs, shared ? vms : vms.slice(n), disabled));
      log(`${n}: backplan apply`);
      proxy.take();
      const bpApplyLoad = load1();
      const bpApply = await timed(process.execPath, [CLI, "apply", "-auto-approve", "-no-color"], bpDir);
      const bpApplyRequests = proxy.take();
      log(`${n}: backplan apply took ${bpApply.toFixed(1)} s; backplan plan`);
      const bpPlanLoad = load1();
      const bpPlan = await timed(process.execPath, [CLI, "plan", "-detailed-exitcode", "-no-color"], bpDir);
      const bpPlanRequests = proxy.take();
      log(`${n}: backplan plan took ${bpPlan.toFixed(1)} s, ${requestsText(bpPlanRequests)} requests`);
      await timed(TERRAFORM, ["init", "-no-color"], tfDir, tfEnv);
      let tfApply: number | undefined;
      let tfApplyLoad: number | undefined;
      let tfApplyRequests: ReturnType<CountingProxy["take"]> | undefined;
      if (shared) {
        log(`${n}: terraform plans against backplan's state (no terraform apply at this size)`);
        copyFileSync(join(bpDir, "terraform.tfstate"), join(tfDir, "terraform.tfstate"));
      } else {
        log(`${n}: terraform apply`);
        tfApplyLoad = load1();
        proxy.take();
        tfApply = await timed(TERRAFORM, ["apply", "-auto-approve", "-no-color", "-input=false"], tfDir, tfEnv);
        tfApplyRequests = proxy.take();
        log(`${n}: terraform apply took ${tfApply.toFixed(1)} s; terraform plan`);
      }
      const tfPlanLoad = load1();
      proxy.take();
      const tfPlan = await timed(TERRAFORM, ["plan", "-detailed-exitcode", "-no-color", "-input=false"], tfDir, tfEnv);
      const tfPlanRequests = proxy.take();
      log(`${n}: terraform plan took ${tfPlan.toFixed(1)} s, ${requestsText(tfPlanRequests)} requests`);
      rows.push({ n, step: "initial apply", backplan: bpApply, terraform: tfApply, load: [bpApplyLoad, tfApplyLoad], requests: [bpApplyRequests, tfApplyRequests] });
      rows.push({ n, step: "no-op plan with refresh", backplan: bpPlan, terraform: tfPlan, load: [bpPlanLoad, tfPlanLoad], requests: [bpPlanRequests, tfPlanRequests] });
    }
    const fmt = (s: number) => `${s.toFixed(1)} s`;
    const loads = (r: Row) => r.load.map((l) => (l === undefined ? "—" : l.toFixed(1))).join(" / ");
    const out = [
      "| resources | step | backplan (native) | Terraform 1.11 + bridge | Terraform / backplan | load at start (backplan / Terraform) | backplan requests | Terraform requests |",
      "|---:|---|---:|---:|---:|---:|---:|---:|",
      ...rows.map((r) =>
        r.terraform === undefined
          ? `| ${r.n.toLocaleString("en-US")} | ${r.step} | ${fmt(r.backplan)} | not run | — | ${loads(r)} | ${requestsText(r.requests[0])} | — |`
          : `| ${r.n.toLocaleString("en-US")} | ${r.step} | ${fmt(r.backplan)} | ${fmt(r.terraform)} | ${(r.terraform / r.backplan).toFixed(1)}× | ${loads(r)} | ${requestsText(r.requests[0])} | ${requestsText(r.requests[1])} |`,
      ),
      "",
      ...(sizes.some((n) => !tfApplySizes.has(n))
        ? [
            tfApplySizes.size > 0
              ? `Terraform applied only at ${[...tfApplySizes].join(", ")}; at the other sizes it planned against a copy of the state backplan applied (same objects).`
              : "Terraform did not apply: it planned against a copy of the state backplan applied (same objects).",
            "",
          ]
        : []),
      ...(disabled ? ["Every task was created with `enabled = false` (`--tasks-disabled`): the engine cut no recovery points during the runs.", ""] : []),
      launchSummary(startups, launchLoad),
    ];
    process.stdout.write(out.join("\n") + "\n");
  } finally {
    await proxy.close();
    await engine.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await (process.argv.includes("--launches-only") ? launchesOnly(Number(arg("launches", "10"))) : main());
