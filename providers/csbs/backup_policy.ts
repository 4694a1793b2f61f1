import { z } from "zod";
import { computed, defineResource, optional, required } from "../../src/sdk/index.js";
import { deadlineOf, type Deadline } from "../http/deadline.js";
import { ApiError } from "../http/errors.js";
import { asObject, bool, defined, list, num, str, type JsonObject } from "../http/json.js";
import { waitUntil } from "../http/wait.js";
import type { CsbsClient } from "./client.js";
import { listAll } from "./inventory.js";
import { backupPolicyFacts } from "./protection.js";

/** The one provider CSBS exposes ("backup of servers and disks"). */
export const CSBS_PROVIDER_ID = "fc4d5750-22e7-4798-8a46-f48f62c4c1da";

const resourceItem = z.object({ id: z.string().min(1), type: z.string().min(1), name: z.string().min(1) });
const operationItem = z.object({
  name: z.string().max(255).nullable(),
  description: z.string().max(255).nullable(),
  enabled: z.boolean().nullable(),
  operation_type: z.enum(["backup"]),
  trigger_pattern: z.string().min(1),
  max_backups: z.number().int().min(-1).nullable(),
  retention_duration_days: z.number().int().min(-1).nullable(),
  permanent: z.boolean().nullable(),
  day_backups: z.number().int().min(0).nullable(),
  week_backups: z.number().int().min(0).nullable(),
  month_backups: z.number().int().min(0).nullable(),
  year_backups: z.number().int().min(0).nullable(),
  timezone: z.string().nullable(),
  id: z.string().nullable(),
  trigger_id: z.string().nullable(),
  trigger_name: z.string().nullable(),
  trigger_type: z.string().nullable(),
});
const tagItem = z.object({ key: z.string().min(1).max(36), value: z.string().max(43) });

const schema = z.object({
  id: z.string().nullable(),
  name: z.string().min(1).max(255),
  description: z.string().max(255).nullable(),
  provider_id: z.string().min(1),
  common: z.record(z.string(), z.string()).nullable(),
  resource: z.array(resourceItem).min(1),
  scheduled_operation: z.array(operationItem).min(1).max(1),
  tags: z.array(tagItem).nullable(),
  status: z.string().nullable(),
  created_at: z.string().nullable(),
  scheduled_operation_id: z.string().nullable(),
  trigger_id: z.string().nullable(),
});
type Policy = z.infer<typeof schema>;
type Operation = z.infer<typeof operationItem>;

/** From this many policies on, readMany lists the project's policies instead of fetching each. */
const LIST_THRESHOLD = 3;
/** Most pages followed by one listing: a guard against a `next` link that never ends. */
const MAX_PAGES = 100;

const DEFINITION_FIELDS = [
  "max_backups",
  "retention_duration_days",
  "permanent",
  "day_backups",
  "week_backups",
  "month_backups",
  "year_backups",
  "timezone",
] as const;

/** The wire form of one scheduled operation (create and update share it; update adds the id). */
function operationWire(op: Operation, id: string | null): Record<string, unknown> {
  const definition: Record<string, unknown> = {};
  for (const f of DEFINITION_FIELDS) definition[f] = op[f];
  return defined({
    id,
    name: op.name,
    description: op.description,
    enabled: op.enabled ?? true,
    operation_type: op.operation_type,
    operation_definition: defined(definition),
    trigger: { properties: { pattern: op.trigger_pattern } },
  });
}

/** Trigger patterns compare without regard to line endings and surrounding blanks (servers normalize them). */
function samePattern(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\r\n|\r|\\r\\n|\\n/g, "\n").trim();
  return norm(a) === norm(b);
}

/**
 * CSBS answers "" for a string that was never set. Terraform reads an unset optional string back as null, and
 * a configuration that leaves it out plans null: so with nothing to compare against (an import), "" is null.
 */
function unsetAsNull<T>(value: T | null): T | null {
  return value === "" ? null : value;
}

/**
 * One operation as read, merged with its prior value so that no perpetual diff appears: a field the prior
 * left unset (null) stays unset even though the API echoes its default, and a field the API does not echo
 * (day/week/month/year backups, timezone on some clouds) keeps its prior value. A field both sides hold is
 * taken from the API, so real drift still shows. Numbers and booleans may arrive as strings. Without a prior
 * (import) every value comes from the API, an empty string as null.
 */
function mergeOperation(remote: JsonObject, prior: Operation | null): Operation {
  const def = asObject(remote["operation_definition"]) ?? {};
  const trigger = asObject(remote["trigger"]) ?? {};
  const pattern = str(asObject(trigger["properties"]) ?? {}, "pattern");
  const pick = <T>(key: keyof Operation, value: T | null): T | null => {
    if (prior === null) return unsetAsNull(value);
    const p = prior[key] as T | null;
    if (p === null) return null;
    return value ?? p;
  };
  return {
    name: pick("name", str(remote, "name")),
    description: pick("description", str(remote, "description")),
    enabled: pick("enabled", bool(remote, "enabled")),
    operation_type: (str(remote, "operation_type") as "backup" | null) ?? prior?.operation_type ?? "backup",
    trigger_pattern: prior && (pattern === null || samePattern(pattern, prior.trigger_pattern)) ? prior.trigger_pattern : (pattern ?? ""),
    max_backups: pick("max_backups", num(def, "max_backups")),
    retention_duration_days: pick("retention_duration_days", num(def, "retention_duration_days")),
    permanent: pick("permanent", bool(def, "permanent")),
    day_backups: pick("day_backups", num(def, "day_backups")),
    week_backups: pick("week_backups", num(def, "week_backups")),
    month_backups: pick("month_backups", num(def, "month_backups")),
    year_backups: pick("year_backups", num(def, "year_backups")),
    timezone: pick("timezone", str(def, "timezone")),
    // Decided by CSBS, never configured: always as the API says.
    id: str(remote, "id"),
    trigger_id: str(remote, "trigger_id") ?? str(trigger, "id"),
    trigger_name: str(trigger, "name"),
    trigger_type: str(trigger, "type"),
  };
}

/** Policy state from a `policy` object, merged with the prior state (see mergeOperation). */
export function fromPolicy(p: JsonObject, prior: Policy | null): Policy {
  const resources = list(p, "resources").map((r) => ({ id: str(r, "id") ?? "", type: str(r, "type") ?? "", name: str(r, "name") ?? "" }));
  const order = prior?.resource.map((r) => r.id) ?? [];
  resources.sort((a, b) => rank(order, a.id) - rank(order, b.id));
  const ops = list(p, "scheduled_operations");
  const op = ops[0];
  const params = asObject(p["parameters"]);
  const common = asObject(params?.["common"]);
  const commonMap = common ? Object.fromEntries(Object.entries(common).map(([k, v]) => [k, String(v)])) : null;
  const tags = list(p, "tags").map((t) => ({ key: str(t, "key") ?? "", value: str(t, "value") ?? "" }));
  return {
    id: str(p, "id"),
    name: str(p, "name") ?? prior?.name ?? "",
    description: policyDescription(str(p, "description"), prior),
    provider_id: str(p, "provider_id") ?? prior?.provider_id ?? CSBS_PROVIDER_ID,
    common: prior ? (prior.common === null && (!commonMap || Object.keys(commonMap).length === 0) ? null : (commonMap ?? prior.common)) : commonMap && Object.keys(commonMap).length ? commonMap : null,
    resource: resources.length > 0 ? resources : (prior?.resource ?? []),
    scheduled_operation: op ? [mergeOperation(op, prior?.scheduled_operation[0] ?? null)] : (prior?.scheduled_operation ?? []),
    tags: tags.length > 0 ? tags : (prior?.tags ?? null),
    status: str(p, "status"),
    created_at: str(p, "created_at"),
    scheduled_operation_id: op ? str(op, "id") : (prior?.scheduled_operation_id ?? null),
    trigger_id: op ? (str(op, "trigger_id") ?? str(asObject(op["trigger"]) ?? {}, "id")) : (prior?.trigger_id ?? null),
  };
}

/**
 * The policy's description as read: "" is unset (null) unless the prior state holds "" itself, so clearing a
 * description outside shows as drift; a reply without the field keeps the prior value.
 */
function policyDescription(remote: string | null, prior: Policy | null): string | null {
  if (remote === null) return prior?.description ?? null;
  return remote === "" && prior?.description !== "" ? null : remote;
}

function rank(order: readonly string[], id: string): number {
  const i = order.indexOf(id);
  return i < 0 ? order.length : i;
}

async function getPolicy(client: CsbsClient, d: Deadline, id: string): Promise<JsonObject | null> {
  const reply = await client.get(d, `/policies/${encodeURIComponent(id)}`);
  const policy = reply ? asObject(reply["policy"]) : undefined;
  return policy && str(policy, "status") !== "deleted" ? policy : null;
}

export const backupPolicy = defineResource<CsbsClient, typeof schema>({
  type: "csbs_backup_policy",
  description:
    "A CSBS backup policy (Karbor plan): which servers to back up, on what schedule, and how many backups to keep. Attribute names follow opentelekomcloud_csbs_backup_policy_v1.",
  schema,
  attributes: {
    id: computed({ stable: true, description: "The policy id; the import id." }),
    name: required({ description: "Name of the policy (1–255 characters)." }),
    description: optional({ description: "Description (up to 255 characters)." }),
    provider_id: optional({ forceNew: true, default: CSBS_PROVIDER_ID, description: `Backup provider id; CSBS has one: \`${CSBS_PROVIDER_ID}\`.` }),
    common: optional({
      forceNew: true,
      description: "General backup policy parameters (the API's `parameters.common`). Set at creation only: the documented update body has no `parameters`, so a change replaces the policy.",
    }),
    resource: required({
      unordered: true,
      description: "A server the policy backs up.",
      block: {
        nesting: "set",
        minItems: 1,
        attributes: {
          id: required({ description: "Id of the resource (server id)." }),
          type: required({ description: "Type of the resource, e.g. `OS::Nova::Server`." }),
          name: required({ description: "Name of the resource." }),
        },
      },
    }),
    scheduled_operation: required({
      unordered: true,
      description: "When backups run and how long they are kept.",
      block: {
        nesting: "set",
        minItems: 1,
        maxItems: 1,
        attributes: {
          name: optional({ description: "Name of the operation." }),
          description: optional({ description: "Description of the operation." }),
          enabled: optional({ description: "Whether the schedule is active (default true)." }),
          operation_type: required({ description: "Operation type; `backup`." }),
          trigger_pattern: required({ description: "iCalendar RRULE schedule, e.g. `BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n`." }),
          max_backups: optional({ description: "Backups kept per resource (-1 = unlimited); exclusive with retention_duration_days." }),
          retention_duration_days: optional({ description: "Days a backup is kept (-1 = unlimited)." }),
          permanent: optional({ description: "Whether backups are kept forever." }),
          day_backups: optional({ description: "Daily backups kept (long-term retention)." }),
          week_backups: optional({ description: "Weekly backups kept." }),
          month_backups: optional({ description: "Monthly backups kept." }),
          year_backups: optional({ description: "Yearly backups kept." }),
          timezone: optional({ description: "Time zone of the long-term retention, e.g. `UTC+01:00`." }),
          id: computed({ description: "Id of the scheduled operation (as `scheduled_operation_id`)." }),
          trigger_id: computed({ description: "Id of the operation's trigger (as `trigger_id`)." }),
          trigger_name: computed({ description: "Name of the operation's trigger, e.g. `default`." }),
          trigger_type: computed({ description: "Type of the operation's trigger, e.g. `time`." }),
        },
      },
    }),
    tags: optional({
      forceNew: true,
      unordered: true,
      description: "Tags of the policy.",
      block: { nesting: "set", attributes: { key: required({ description: "Tag key." }), value: required({ description: "Tag value." }) } },
    }),
    status: computed({ description: "Policy status (`suspended`, `started`...)." }),
    created_at: computed({ stable: true, description: "Creation time, as the API reports it." }),
    scheduled_operation_id: computed({ stable: true, description: "Id of the scheduled operation." }),
    trigger_id: computed({ stable: true, description: "Id of the operation's trigger." }),
  },
  timeouts: { create: "10m", update: "10m", delete: "10m", read: "5m" },

  async read(ctx, state) {
    if (!state.id) return null;
    const p = await getPolicy(ctx.client, deadlineOf(ctx), state.id);
    return p ? fromPolicy(p, state) : null;
  },

  async readMany(ctx, states) {
    const d = deadlineOf(ctx);
    // One listing (a page per 1000 policies) beats a GET per policy once a few are refreshed together.
    if (states.length < LIST_THRESHOLD) {
      return Promise.all(
        states.map(async (s) => {
          const p = s.id ? await getPolicy(ctx.client, d, s.id) : null;
          return p ? fromPolicy(p, s) : null;
        }),
      );
    }
    const byId = new Map<string, JsonObject>();
    let marker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const reply = await ctx.client.call(d, { method: "GET", path: "/policies", query: { limit: 1000, marker } });
      const batch = list(reply, "policies");
      for (const p of batch) if (str(p, "id") && str(p, "status") !== "deleted") byId.set(str(p, "id")!, p);
      const next = list(reply, "policies_links").find((l) => str(l, "rel") === "next");
      const nextMarker = next && str(next, "href") ? new URL(str(next, "href")!, "http://x.invalid").searchParams.get("marker") : null;
      if (!nextMarker || batch.length === 0 || nextMarker === marker) break;
      marker = nextMarker;
    }
    return states.map((s) => {
      const p = s.id ? byId.get(s.id) : undefined;
      return p ? fromPolicy(p, s) : null;
    });
  },

  async create(ctx, planned) {
    const d = deadlineOf(ctx);
    const op = planned.scheduled_operation[0]!;
    const reply = await ctx.client.call(d, {
      method: "POST",
      path: "/policies",
      body: {
        policy: defined({
          name: planned.name,
          description: planned.description,
          provider_id: planned.provider_id,
          parameters: { common: planned.common ?? {} },
          scheduled_operations: [operationWire(op, null)],
          resources: planned.resource.map((r) => ({ id: r.id, type: r.type, name: r.name })),
          tags: planned.tags ?? undefined,
        }),
      },
    });
    const created = asObject(reply["policy"]);
    const id = created ? str(created, "id") : null;
    if (!created || !id) throw new ApiError("CSBS", "HTTP.200", "create reply has no policy id", "POST", await ctx.client.pathOf(d, "/policies"), 200);
    if (str(created, "status") !== "creating") return fromPolicy(created, planned);
    const path = await ctx.client.pathOf(d, `/policies/${id}`);
    const ready = await waitUntil(
      d,
      () => getPolicy(ctx.client, d, id),
      (p) => p === null || str(p, "status") !== "creating",
      () => ctx.client.timeout(d, "GET", path, `policy ${id} still creating`),
    );
    if (!ready) throw new ApiError("CSBS", "HTTP.404", `policy ${id} disappeared while being created`, "GET", path, 404);
    return fromPolicy(ready, planned);
  },

  // The body carries only the documented fields (description, name, resources, scheduled_operations):
  // `parameters` is not among them, which is why `common` forces a new policy.
  async update(ctx, prior, planned) {
    const d = deadlineOf(ctx);
    const id = prior.id!;
    const op = planned.scheduled_operation[0]!;
    const reply = await ctx.client.call(d, {
      method: "PUT",
      path: `/policies/${encodeURIComponent(id)}`,
      body: {
        policy: defined({
          name: planned.name,
          description: planned.description ?? "",
          resources: planned.resource.map((r) => ({ id: r.id, type: r.type, name: r.name })),
          scheduled_operations: [operationWire(op, prior.scheduled_operation_id)],
        }),
      },
    });
    const updated = asObject(reply["policy"]) ?? (await getPolicy(ctx.client, d, id));
    if (!updated) throw new ApiError("CSBS", "HTTP.404", `policy ${id} is gone`, "PUT", await ctx.client.pathOf(d, `/policies/${id}`), 404);
    return fromPolicy(updated, planned);
  },

  async delete(ctx, state) {
    if (!state.id) return;
    const d = deadlineOf(ctx);
    const path = `/policies/${encodeURIComponent(state.id)}`;
    try {
      await ctx.client.call(d, { method: "DELETE", path });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return;
      throw e;
    }
    const full = await ctx.client.pathOf(d, path);
    await waitUntil(
      d,
      () => getPolicy(ctx.client, d, state.id!),
      (p) => p === null,
      (last) => ctx.client.timeout(d, "DELETE", full, `policy ${state.id} still ${last ? (str(last, "status") ?? "present") : "present"}`),
    );
  },

  async import(ctx, id) {
    const p = await getPolicy(ctx.client, deadlineOf(ctx), id);
    return p ? fromPolicy(p, null) : null;
  },

  // CSBS picks policy ids itself but refuses a second policy of the same name in a project (CSBS.9007): the
  // name identifies a create cut off by a crash, which is then adopted instead of failing every later apply.
  naturalKey: {
    attribute: "name",
    async find(ctx, name) {
      const d = deadlineOf(ctx);
      const match = (await listAll(ctx.client, d, "/policies", "policies")).find((p) => str(p, "name") === name && str(p, "status") !== "deleted");
      const id = match ? str(match, "id") : null;
      if (!id) return null;
      const p = await getPolicy(ctx.client, d, id);
      return p ? fromPolicy(p, null) : null;
    },
  },

  inventory: {
    idAttribute: "id",
    async list(ctx) {
      const policies = await listAll(ctx.client, deadlineOf(ctx), "/policies", "policies");
      return policies.flatMap((p) => {
        const id = str(p, "id");
        return id && str(p, "status") !== "deleted" ? [{ id, name: str(p, "name") }] : [];
      });
    },
  },
  protection: {
    facts: backupPolicyFacts,
    async survey(ctx) {
      const policies = await listAll(ctx.client, deadlineOf(ctx), "/policies", "policies");
      return { objects: policies.filter((p) => str(p, "status") !== "deleted").map((p) => fromPolicy(p, null)), vms: [] };
    },
  },
});
