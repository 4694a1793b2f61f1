import type { EngineContext } from "../../src/engine/context.js";
import { createCsbsUser } from "../../src/engine/domain/csbs/services.js";
import type { VmInstance } from "../../src/engine/domain/inventory.js";

/** A minimal lab for CSBS tests: one zone with a host, primary storage, network, offering and (optionally) an ImageStore backup storage. */
export interface CsbsLab {
  zoneUuid: string;
  offeringUuid: string;
  l3Uuid: string;
  projectId: string;
  /** Creates a VM with a root volume and one data volume (sizes in bytes). */
  vm(name: string, sizes?: number[]): Promise<VmInstance>;
}

export async function setUpLab(ctx: EngineContext, opts: { backupStorage?: boolean; user?: { name: string; password: string; project: string } } = {}): Promise<CsbsLab> {
  const inv = ctx.inventory;
  const zone = inv.addZone("zone-1");
  const cluster = inv.addCluster(zone.uuid, "cluster-1");
  inv.addHost(cluster.uuid, "host-1", "10.0.0.2");
  inv.addPrimaryStorage(zone.uuid, "ps-1");
  const offering = inv.addInstanceOffering("small", 2, 2 * 1024 ** 3);
  const l3 = inv.addL3Network(zone.uuid, "net-1", "192.168.10.0/24");
  if (opts.backupStorage ?? true) inv.addBackupStorage([zone.uuid], "bs-1", 100 * 1024 ** 3);
  const user = opts.user ?? { name: "alice", password: "s3cret-pw", project: "tenant-a" };
  const { project } = createCsbsUser(ctx, user);
  return {
    zoneUuid: zone.uuid,
    offeringUuid: offering.uuid,
    l3Uuid: l3.uuid,
    projectId: project.uuid,
    vm: (name, sizes = [4 * 1024 * 1024, 2 * 1024 * 1024]) =>
      inv.createVm({ name, instanceOfferingUuid: offering.uuid, l3NetworkUuids: [l3.uuid], volumes: sizes.map((size) => ({ size })) }),
  };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // Parsed JSON body (undefined when the body is empty or not JSON).
  body: any; // test helper: tests index into response bodies freely
}

/** Sends one request to the engine; `body` objects are sent as JSON, strings as they are. */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers["x-auth-token"] = opts.token;
  let payload: string | undefined;
  if (opts.body !== undefined) {
    payload = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body };
}

/** Password-authenticates with project scope by names; returns the token and the project id. */
export async function login(base: string, user: string, password: string, project: string, domain = "Default"): Promise<{ token: string; projectId: string }> {
  const r = await call(base, "POST", "/v3/auth/tokens", {
    body: {
      auth: {
        identity: { methods: ["password"], password: { user: { name: user, password, domain: { name: domain } } } },
        scope: { project: { name: project, domain: { name: domain } } },
      },
    },
  });
  if (r.status !== 201) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { token: r.headers.get("x-subject-token")!, projectId: r.body.token.project.id };
}

export const CSBS_PROVIDER = "fc4d5750-22e7-4798-8a46-f48f62c4c1da";
export const WEEKLY = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/** A valid CSBS create-policy body protecting the given resource ids. */
export function policyBody(name: string, resources: { id: string; name: string }[], overrides: Record<string, unknown> = {}): { policy: Record<string, unknown> } {
  return {
    policy: {
      name,
      description: "test policy",
      provider_id: CSBS_PROVIDER,
      parameters: { common: {} },
      scheduled_operations: [
        {
          name: "weekly",
          description: "weekly backup",
          enabled: true,
          operation_type: "backup",
          operation_definition: { max_backups: 20, permanent: false },
          trigger: { properties: { pattern: WEEKLY } },
        },
      ],
      resources: resources.map((r) => ({ id: r.id, type: "OS::Nova::Server", name: r.name })),
      ...overrides,
    },
  };
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
