import { z } from "zod";
import { computed, defineDataSource, optionalComputed } from "../../src/sdk/index.js";
import { deadlineOf } from "../http/deadline.js";
import { asObject, str, type JsonObject } from "../http/json.js";
import { fromPolicy } from "./backup_policy.js";
import type { CsbsClient } from "./client.js";
import { listAll } from "./inventory.js";

const operation = z.object({
  id: z.string().nullable(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  enabled: z.boolean().nullable(),
  operation_type: z.string().nullable(),
  trigger_pattern: z.string().nullable(),
  max_backups: z.number().nullable(),
  retention_duration_days: z.number().nullable(),
  permanent: z.boolean().nullable(),
  day_backups: z.number().nullable(),
  week_backups: z.number().nullable(),
  month_backups: z.number().nullable(),
  year_backups: z.number().nullable(),
  timezone: z.string().nullable(),
  trigger_id: z.string().nullable(),
  trigger_name: z.string().nullable(),
  trigger_type: z.string().nullable(),
});

const schema = z.object({
  id: z.string().nullable(),
  name: z.string().nullable(),
  status: z.string().nullable(),
  description: z.string().nullable(),
  provider_id: z.string().nullable(),
  common: z.record(z.string(), z.string()).nullable(),
  created_at: z.string().nullable(),
  resource: z.array(z.object({ id: z.string(), type: z.string(), name: z.string() })).nullable(),
  scheduled_operation: z.array(operation).nullable(),
  tags: z.array(z.object({ key: z.string(), value: z.string() })).nullable(),
});
type Found = z.infer<typeof schema>;

/**
 * The one policy the filters select, as opentelekomcloud_csbs_backup_policy_v1's data source finds it: `name`
 * through the API (`GET /policies?name=`), `id` and `status` matched here (the API filters neither); an id alone
 * is fetched directly.
 */
export const backupPolicyDataSource = defineDataSource<CsbsClient, typeof schema>({
  type: "csbs_backup_policy",
  description:
    "One backup policy, found by id, name or status; exactly one must match. Attribute names follow opentelekomcloud_csbs_backup_policy_v1's data source (and the csbs_backup_policy resource).",
  schema,
  attributes: {
    id: optionalComputed({ description: "Id of the policy." }),
    name: optionalComputed({ description: "Name of the policy." }),
    status: optionalComputed({ description: "Status of the policy (`suspended`, `started`...)." }),
    description: computed({ description: "Description of the policy." }),
    provider_id: computed({ description: "Backup provider id." }),
    common: computed({ description: "General backup policy parameters (the API's `parameters.common`)." }),
    created_at: computed({ description: "Creation time, as the API reports it." }),
    resource: computed({ unordered: true, description: "The servers the policy backs up: id, type, name." }),
    scheduled_operation: computed({
      unordered: true,
      description:
        "The schedule: id, name, description, enabled, operation_type, trigger_pattern, max_backups, retention_duration_days, permanent, day/week/month/year_backups, timezone, trigger_id, trigger_name, trigger_type.",
    }),
    tags: computed({ unordered: true, description: "Tags of the policy: key, value." }),
  },
  timeouts: { read: "5m" },
  async read(ctx, config) {
    const d = deadlineOf(ctx);
    let candidates: JsonObject[];
    if (config.id !== null && config.name === null) {
      const reply = await ctx.client.get(d, `/policies/${encodeURIComponent(config.id)}`);
      const p = reply ? asObject(reply["policy"]) : undefined;
      candidates = p ? [p] : [];
    } else {
      candidates = await listAll(ctx.client, d, "/policies", "policies", config.name !== null ? { name: config.name } : {});
    }
    const found = candidates.filter(
      (p) =>
        str(p, "status") !== "deleted" &&
        (config.id === null || str(p, "id") === config.id) &&
        (config.name === null || str(p, "name") === config.name) &&
        (config.status === null || str(p, "status") === config.status),
    );
    const what = [["id", config.id], ["name", config.name], ["status", config.status]].filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`).join(", ") || "no filters";
    if (found.length === 0) throw new Error(`csbs_backup_policy: no backup policy matches ${what}`);
    if (found.length > 1) throw new Error(`csbs_backup_policy: ${found.length} backup policies match ${what}; narrow the search (id or name) to one`);
    return fromWire(found[0]!);
  },
});

function fromWire(p: JsonObject): Found {
  const policy = fromPolicy(p, null);
  return {
    id: policy.id,
    name: policy.name,
    status: policy.status,
    description: policy.description,
    provider_id: policy.provider_id,
    common: policy.common,
    created_at: policy.created_at,
    resource: policy.resource,
    scheduled_operation: policy.scheduled_operation,
    tags: policy.tags,
  };
}
