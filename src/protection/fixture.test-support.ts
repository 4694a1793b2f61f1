import { csbsProvider } from "../../providers/csbs/provider.js";
import { zstackProvider } from "../../providers/zstack/provider.js";
import type { Json, Plan, PlanValue, ResourceChange } from "../plan/plan.js";
import { providerRegistry } from "../plan/providers.js";
import { parseControls } from "./controls.js";
import { planProtection, type PlanProtection } from "./plan-report.js";
import { protectionTypes } from "./types.js";

/** A plan that deletes web-1's CDP task and raises db-1's RPO, with an unmanaged task on app-1 and three controls. */

export const TYPES = protectionTypes(providerRegistry([zstackProvider, csbsProvider]));
export const NOW = new Date("2026-12-07T12:00:00Z");

const pv = (value: Json): PlanValue => ({ value, unknown: false, sensitive: false });

function task(uuid: string, vm: string, latency: number, enabled = true): Json {
  return { uuid, name: uuid, description: null, task_type: "VM", policy_uuid: "pol-1", backup_storage_uuid: "bs-1", resource_uuids: [vm], backup_bandwidth: 0, max_capacity: 0, max_latency: latency, enabled, status: "Running", state: "Enabled", used_capacity: 0, last_latency: 0 };
}

const policy: Json = { uuid: "pol-1", name: "gold", description: null, recovery_point_per_second: 60, retention_time_per_day: 7, hourly_rp_since_day: null, daily_rp_since_day: null, expire_time_in_day: null, full_backup_interval_in_day: 1, state: "Enabled" };

function rc(address: string, action: ResourceChange["action"], before: Json | null, after: Json | null): ResourceChange {
  const [type, name] = address.split(".") as [string, string];
  return { address, mode: "managed", type, name, providerName: "registry.terraform.io/backplan/zstack", action, before: before === null ? null : pv(before), after: after === null ? null : pv(after), replacePaths: [] };
}

export function protectionPlan(): Plan {
  return {
    formatVersion: 1,
    timestamp: "2026-12-07T12:00:00Z",
    mode: "normal",
    changes: [
      rc("zstack_cdp_policy.gold", "no-op", policy, policy),
      rc("zstack_cdp_task.db", "update", task("t-db", "vm-db", 600_000), task("t-db", "vm-db", 3_600_000)),
      rc("zstack_cdp_task.web", "delete", task("t-web", "vm-web", 60_000), null),
    ],
    drift: [],
    outputs: [],
    variables: {},
    prior: { lineage: "5d0c1f9e-0000-4000-8000-000000000001", serial: 7 },
    configHash: "0".repeat(64),
    targets: [],
    complete: true,
    errored: false,
    diagnostics: [],
  };
}

export const CONTROLS_TEXT = `{
  "controls": [
    { "name": "db-rpo", "select": { "names": ["db-*"] }, "max_rpo": "15m" },
    { "name": "all-protected", "protected": true },
    { "name": "app-rpo", "select": { "uuids": ["vm-app"] }, "max_rpo": "15m" }
  ]
}
`;

export function protectionReport(allowLoss = false): PlanProtection {
  return planProtection({
    plan: protectionPlan(),
    types: TYPES,
    unmanaged: [{ type: "zstack_cdp_task", id: "t-rogue", address: null, facts: TYPES.facts("zstack_cdp_task", task("t-rogue", "vm-app", 3_600_000))! }],
    vms: [
      { uuid: "vm-web", name: "web-1", tags: [] },
      { uuid: "vm-db", name: "db-1", tags: ["tier=db"] },
      { uuid: "vm-app", name: "app-1", tags: [] },
    ],
    data: new Map([["zstack_cdp_task.web", [{ vm: "vm-web", kind: "recovery-point" as const, count: 1284, bytes: 3 * 1024 ** 3 + 5, oldest: "2026-12-04T09:00:00.000Z", newest: "2026-12-07T11:59:00.000Z" }]]]),
    controls: parseControls(CONTROLS_TEXT, "backplan.protection.json").controls,
    allowLoss,
    errors: [],
    now: NOW,
  });
}
