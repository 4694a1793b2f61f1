import type { Json, OutputChange, Plan, PlanValue, ResourceChange } from "../plan/plan.js";

/** Hand-built plans for the view tests: every action kind, drift, sensitive and unknown values, nesting. */

/** Appears only inside sensitive values: no rendering may ever contain it. */
export const SECRET = "hunter2-SECRET-7f3a";

export function pv(value: Json, marks: { unknown?: Json; sensitive?: Json } = {}): PlanValue {
  return { value, unknown: marks.unknown ?? false, sensitive: marks.sensitive ?? false };
}

const ZSTACK = "registry.terraform.io/backplan/zstack";
const CSBS = "registry.terraform.io/backplan/csbs";

export function change(address: string, fields: Partial<ResourceChange> & Pick<ResourceChange, "action" | "before" | "after">): ResourceChange {
  const m = /^(?:(module\..+)\.)?(?:(data)\.)?([a-z0-9_]+)\.([a-z0-9_]+)(?:\[(.+)\])?$/.exec(address);
  if (!m) throw new Error(`fixture address ${address}`);
  const index = m[5] === undefined ? undefined : (JSON.parse(m[5]) as number | string);
  const base: ResourceChange = {
    address,
    mode: m[2] ? "data" : "managed",
    type: m[3]!,
    name: m[4]!,
    providerName: m[3]!.startsWith("csbs_") ? CSBS : ZSTACK,
    replacePaths: [],
    ...fields,
  };
  if (m[1]) base.moduleAddress = m[1];
  if (index !== undefined) base.index = index;
  return base;
}

export function emptyPlan(overrides: Partial<Plan> = {}): Plan {
  return {
    formatVersion: 1,
    timestamp: "2026-11-25T10:00:00Z",
    mode: "normal",
    changes: [],
    drift: [],
    outputs: [],
    variables: {},
    prior: { lineage: "0b6f1c7e-1f2a-4c55-9d59-6f1c2a1b7e10", serial: 7 },
    configHash: "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
    targets: [],
    complete: true,
    errored: false,
    diagnostics: [],
    ...overrides,
  };
}

const WEB_BEFORE = {
  uuid: "5b8e3c1f0a9d4e2b8c7f6a5d4e3b2c1a",
  name: "web-cdp",
  description: "Protects the web tier.\nOwner: platform team\n",
  vm_uuid: "vm-0001",
  policy_uuid: "pol-gold",
  backup_storage_uuid: "bs-01",
  max_capacity_gb: 100,
  status: "Running",
  tags: { env: "prod", team: "web" },
  volumes: [
    { volume_uuid: "vol-root", mode: "full" },
    { volume_uuid: "vol-data", mode: "incremental" },
  ],
  excluded_paths: ["/tmp", "/var/cache", "/var/tmp", "/proc"],
};

export const webUpdate = change("zstack_cdp_task.web", {
  action: "update",
  before: pv(WEB_BEFORE),
  after: pv({
    ...WEB_BEFORE,
    description: "Protects the web tier.\nOwner: web team\n",
    max_capacity_gb: 200,
    status: null,
    tags: { env: "prod", team: "web", cost: "cc-42" },
    volumes: [
      { volume_uuid: "vol-root", mode: "full" },
      { volume_uuid: "vol-data", mode: "full" },
    ],
    excluded_paths: ["/tmp", "/var/cache", "/srv/tmp", "/proc"],
  }, { unknown: { status: true } }),
});

export const dbReplace = change("zstack_cdp_task.db", {
  action: "replace",
  reason: "replace_because_cannot_update",
  before: pv({ uuid: "9f1e2d3c4b5a69788796a5b4c3d2e1f0", name: "db-cdp", vm_uuid: "vm-0002", policy_uuid: "pol-gold", max_capacity_gb: 500 }),
  after: pv({ name: "db-cdp", vm_uuid: "vm-0002", policy_uuid: "pol-platinum", max_capacity_gb: 500 }, { unknown: { uuid: true } }),
  replacePaths: [["policy_uuid"]],
});

export const dailyReplaceCbd = change("csbs_backup_policy.daily", {
  action: "replace",
  createBeforeDestroy: true,
  reason: "replace_because_cannot_update",
  before: pv({
    id: "plan-7d1c",
    name: "daily",
    scheduled_operations: [{ name: "nightly", trigger_pattern: "0 2 * * *", max_backups: 7 }],
    resources: ["vm-0001", "vm-0002"],
  }),
  after: pv(
    {
      name: "daily",
      scheduled_operations: [{ name: "nightly", trigger_pattern: "0 3 * * *", max_backups: 7 }],
      resources: ["vm-0001", "vm-0002"],
    },
    { unknown: { id: true } },
  ),
  replacePaths: [["scheduled_operations", 0, "trigger_pattern"]],
});

export const oldDelete = change("zstack_vm_backup.old", {
  action: "delete",
  reason: "delete_because_no_resource_config",
  before: pv({ uuid: "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", name: "old-backup", vm_uuid: "vm-0009", mode: "full", retention: { days: 30 } }),
  after: null,
});

export const nightlyCountDelete = change("zstack_vm_backup.nightly[2]", {
  action: "delete",
  reason: "delete_because_count_index",
  before: pv({ uuid: "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2", name: "nightly-2", vm_uuid: "vm-0003" }),
  after: null,
});

export const apiCreate = change("zstack_cdp_task.api", {
  action: "create",
  before: null,
  after: pv(
    { name: "api-cdp", vm_uuid: "vm-0004", policy_uuid: "pol-gold", password: SECRET, max_capacity_gb: 50, volumes: [{ volume_uuid: "vol-api" }], tags: {} },
    { unknown: { uuid: true, status: true, volumes: [{ mode: true }] }, sensitive: { password: true } },
  ),
});

export const vmsRead = change("data.zstack_vms.all", {
  action: "read",
  reason: "read_because_config_unknown",
  before: null,
  after: pv({ name_regex: "^web-" }, { unknown: { id: true, vms: true } }),
});

export const goldNoop = change("zstack_cdp_policy.gold", {
  action: "no-op",
  before: pv({ uuid: "pol-gold", name: "gold", retention_days: 14 }),
  after: pv({ uuid: "pol-gold", name: "gold", retention_days: 14 }),
});

export const silverForget = change("zstack_cdp_policy.silver", {
  action: "forget",
  before: pv({ uuid: "pol-silver", name: "silver", retention_days: 7 }),
  after: null,
});

export const weeklyImport = change("csbs_backup_policy_checkpoint.weekly", {
  action: "no-op",
  importing: { id: "ckpt-42" },
  before: pv({ id: "ckpt-42", policy_id: "plan-7d1c", status: "available" }),
  after: pv({ id: "ckpt-42", policy_id: "plan-7d1c", status: "available" }),
});

export const archiveMoved = change("zstack_vm_backup.archive", {
  action: "no-op",
  previousAddress: "zstack_vm_backup.legacy",
  before: pv({ uuid: "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", name: "archive", vm_uuid: "vm-0005" }),
  after: pv({ uuid: "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", name: "archive", vm_uuid: "vm-0005" }),
});

export const replicaSensitiveUpdate = change('module.site_b.zstack_cdp_task.replica["eu"]', {
  action: "update",
  before: pv({ uuid: "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0", name: "replica-eu", password: "old-password-value", max_capacity_gb: 10 }, { sensitive: { password: true } }),
  after: pv({ uuid: "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0", name: "replica-eu", password: SECRET, max_capacity_gb: 20 }, { sensitive: { password: true } }),
});

export const webDrift = change("zstack_cdp_task.web", {
  action: "update",
  before: pv({ ...WEB_BEFORE, status: "Running", max_capacity_gb: 80 }),
  after: pv(WEB_BEFORE),
});

export const goneDrift = change("zstack_vm_backup.gone", {
  action: "delete",
  before: pv({ uuid: "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4", name: "gone", vm_uuid: "vm-0006", password: SECRET }, { sensitive: { password: true } }),
  after: null,
});

export const outputs: OutputChange[] = [
  { name: "web_task_uuid", action: "no-op", before: pv("5b8e3c1f"), after: pv("5b8e3c1f"), sensitive: false },
  { name: "db_task_uuid", action: "update", before: pv("9f1e2d3c4b5a69788796a5b4c3d2e1f0"), after: pv(null, { unknown: true }), sensitive: false },
  { name: "admin_password", action: "update", before: pv("old-password-value"), after: pv(SECRET), sensitive: true },
  { name: "api_endpoint", action: "create", before: null, after: pv("https://backup.example.test/zstack/v1"), sensitive: false },
];

/** A plan with every action kind, drift, outputs and a sensitive variable. */
export function fullPlan(): Plan {
  return emptyPlan({
    changes: [
      webUpdate,
      dbReplace,
      dailyReplaceCbd,
      oldDelete,
      nightlyCountDelete,
      apiCreate,
      vmsRead,
      goldNoop,
      silverForget,
      weeklyImport,
      archiveMoved,
      replicaSensitiveUpdate,
    ],
    drift: [webDrift, goneDrift],
    outputs,
    variables: { region: { value: "eu-west", sensitive: false }, admin_password: { value: SECRET, sensitive: true } },
  });
}
